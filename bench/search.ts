/**
 * Workload 2, statistical search: one user spec (K = 100, d = 20) against markets of 100,
 * 1 000 and 10 000 specs, single ranking + greedy mixture (max 5), ours (core's
 * searchStatistical through the installed backend) against the numpy baseline.
 *
 * Two of our variants: `cold` computes ip(L, L) for every learnware on every search, as the
 * numpy baseline and the Python market do; `indexed` passes each spec's ip(L, L) computed
 * once when the market loads (`selfInnerProducts`), which the market keeps with the spec.
 */
import { setKernelBackend, type KernelBackend } from "../core/kernel/backend.ts";
import { searchStatistical, type StatMarketItem } from "../core/search/statSearch.ts";
import { RKMETableSpecification } from "../core/spec/rkmeTableSpec.ts";
import { createRng } from "../core/random.ts";
import { compareRows, interleaved, numpyOnce, timeRuns, withOriginal, writeF64, type BenchContext, type ResultRow } from "./_lib.ts";

export interface SearchImpl {
  impl: string;
  backend: KernelBackend;
}

const M = 100,
  D = 20,
  GAMMA = 0.1;

/** A market of `n` specs drawn around 50 "tasks"; the user mixes three of them. */
function makeMarket(n: number, seed: number): { market: StatMarketItem[]; user: RKMETableSpecification; z: Float64Array; beta: Float64Array } {
  const rng = createRng(seed);
  const tasks = 50;
  const centres = new Float64Array(tasks * D).map(() => 2 * rng.normal());
  const z = new Float64Array(n * M * D),
    beta = new Float64Array(n * M);
  const spec = (zs: Float64Array, bs: Float64Array, task: number, off: number, boff: number) => {
    const scale = 0.5 + rng.next();
    let s = 0;
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < D; k++) zs[off + i * D + k] = centres[task * D + k]! + scale * rng.normal();
      bs[boff + i] = 0.1 + rng.next();
      s += bs[boff + i]!;
    }
    for (let i = 0; i < M; i++) bs[boff + i] = bs[boff + i]! / s;
  };
  const market: StatMarketItem[] = [];
  for (let s = 0; s < n; s++) {
    spec(z, beta, s % tasks, s * M * D, s * M);
    market.push({
      id: `lw-${s}`,
      spec: new RKMETableSpecification({ rows: M, cols: D, data: z.subarray(s * M * D, (s + 1) * M * D) }, beta.subarray(s * M, (s + 1) * M), GAMMA, 1000),
    });
  }
  const uz = new Float64Array(M * D),
    ub = new Float64Array(M);
  for (let part = 0; part < 3; part++) {
    const tz = new Float64Array(M * D),
      tb = new Float64Array(M);
    spec(tz, tb, [3, 17, 29][part]!, 0, 0);
    for (let i = part * 33; i < Math.min(M, (part + 1) * 34); i++) {
      uz.set(tz.subarray(i * D, (i + 1) * D), i * D);
      ub[i] = 1 / M;
    }
  }
  return { market, user: new RKMETableSpecification({ rows: M, cols: D, data: uz }, ub, GAMMA, 5000), z, beta };
}

export async function benchSearch(ctx: BenchContext, impls: readonly SearchImpl[]): Promise<ResultRow[]> {
  const sizes = ctx.quick ? [100, 1000] : [100, 1000, 10000];
  const rows: ResultRow[] = [];
  for (const n of sizes) {
    const { market, user, z, beta } = makeMarket(n, 500 + n);
    const job = {
      kind: "search",
      z: writeF64(`search-${n}-z.f64`, z),
      beta: writeF64(`search-${n}-beta.f64`, beta),
      market_shape: [n, M, D],
      user_z: writeF64(`search-${n}-uz.f64`, user.z.data),
      user_beta: writeF64(`search-${n}-ub.f64`, user.beta),
      user_shape: [M, D],
      gamma: GAMMA,
      max_search_num: 5,
    };
    ctx.log(`search ${n}: numpy result`);
    const np = await ctx.numpy.request<{ top: number[]; mixture: [number[], number[], number] | null }>({ ...job, runs: 1, warmup: 0 });
    const npIds = np.top.map((i) => `lw-${i}`);
    const npMix = np.mixture ? np.mixture[0].map((i) => `lw-${i}`).join() : "";
    const variants: { impl: string; run: () => void; extra: () => ResultRow["extra"] }[] = [];
    for (const { impl, backend } of impls) {
      const withBackend = <T>(f: () => T): T => {
        const prev = setKernelBackend(backend);
        try {
          return f();
        } finally {
          setKernelBackend(prev);
        }
      };
      const res = withBackend(() => searchStatistical(user, market, { maxSearchNum: 5, method: "greedy" }));
      const agree =
        res.single
          .slice(0, 5)
          .map((r) => r.id)
          .join() === npIds.slice(0, Math.min(5, res.single.length)).join();
      const mixIds = res.multiple?.ids.join() ?? "";
      // the market keeps ip(spec, spec) with each spec: computed once here, timed separately
      const built = withBackend(() => {
        const t0 = performance.now();
        const self = new Map(market.map((m) => [m.id, m.spec.innerProduct(m.spec)] as const));
        return { self, seconds: (performance.now() - t0) / 1000 };
      });
      variants.push({
        impl: `${impl} cold`,
        run: () => withBackend(() => searchStatistical(user, market, { maxSearchNum: 5, method: "greedy" })),
        extra: () => ({ top5_same_as_numpy: agree, mixture_same_as_numpy: mixIds === npMix, mixture: mixIds }),
      });
      variants.push({
        impl: `${impl} indexed`,
        run: () => withBackend(() => searchStatistical(user, market, { maxSearchNum: 5, method: "greedy", selfInnerProducts: built.self })),
        extra: () => ({ index_build_s: built.seconds }),
      });
    }
    // the plain TypeScript backend is too slow to interleave at 10 000 specs: one run, separately
    const slow = (v: { impl: string }) => v.impl.startsWith("ts-reference") && n > 1000;
    const fast = variants.filter((v) => !slow(v));
    ctx.log(`search ${n}: timing numpy and ${fast.map((v) => v.impl).join(", ")} interleaved`);
    const t = await interleaved(
      ctx.runs,
      () => numpyOnce(ctx, job),
      fast.map((v) => v.run),
    );
    const ours = fast.map((v, i) => ({ impl: v.impl, times: t.ours[i]!, extra: v.extra() }));
    for (const v of variants.filter(slow)) ours.push({ impl: v.impl, times: timeRuns(v.run, 1, 0), extra: v.extra() });
    const caseRows = compareRows("search", `${n} specs`, t.numpy, ours, { mixture: npMix });
    if (ctx.original) {
      ctx.log(`search ${n}: the original (one run)`);
      const o = await ctx.numpy.request<{ times: number[]; top: number[]; mixture: [number[], number[], number] | null }>({
        ...job,
        kind: "search_original",
        runs: 1,
        warmup: 0,
      });
      const oMix = o.mixture ? o.mixture[0].map((i) => `lw-${i}`).join() : "";
      withOriginal(caseRows, o.times[0]!, { top10_same_as_numpy: o.top.join() === np.top.join(), mixture_same_as_numpy: oMix === npMix });
    }
    rows.push(...caseRows);
  }
  return rows;
}
