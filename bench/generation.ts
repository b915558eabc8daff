/**
 * Workload 1, spec generation: RKME (K = 100, steps = 3, γ = 0.1) of Gaussian-mixture data
 * n×d ∈ {1k×10, 10k×50, 100k×50}, ours (core's generateRkme through the installed kernel
 * backend) against the numpy baseline, with the quality of both: MMD² of the spec to the data
 * (`βᵀKβ − 2βᵀC + (1/n²)ΣΣk(x, x')`, the data's own term computed once by numpy and cached).
 */
import { setKernelBackend, type KernelBackend } from "../core/kernel/backend.ts";
import type { Matrix } from "../core/matrix.ts";
import { generateRkme } from "../core/spec/generateRkme.ts";
import { cached, compareRows, gaussianMixture, interleaved, numpyOnce, runNumpy, withOriginal, writeF64, type BenchContext, type ResultRow } from "./_lib.ts";

export interface GenerationImpl {
  impl: string;
  backend: KernelBackend;
}

/** `βᵀKβ − 2βᵀC` with C over all rows of X, evaluated with `backend`. */
function objective(backend: KernelBackend, z: Matrix, beta: Float64Array, X: Matrix, gamma: number): number {
  const k = z.rows;
  const C = new Float64Array(k);
  const w = new Float64Array(X.rows).fill(1 / X.rows);
  backend.rbfRowSumsInto(C, z, X, w, gamma);
  const quad = backend.rbfWeightedSum(z, beta, z, beta, gamma);
  let lin = 0;
  for (let i = 0; i < k; i++) lin += beta[i]! * C[i]!;
  return quad - 2 * lin;
}

export async function benchGeneration(ctx: BenchContext, impls: readonly GenerationImpl[], evalBackend: KernelBackend): Promise<ResultRow[]> {
  const sizes: [number, number][] = ctx.quick
    ? [
        [1000, 10],
        [10000, 20],
      ]
    : [
        [1000, 10],
        [10000, 50],
        [100000, 50],
      ];
  const K = 100,
    steps = 3,
    gamma = 0.1,
    seed = 7;
  const rows: ResultRow[] = [];
  for (const [n, d] of sizes) {
    const key = `gen-${n}x${d}`;
    const X = gaussianMixture(n, d, 1000 + n + d);
    const xPath = writeF64(`${key}.f64`, X.data);
    ctx.log(`generation ${n}×${d}: data self-term`);
    const selfTerm = await cached(
      `${key}-selfterm`,
      async () => (await runNumpy<{ value: number }>(ctx, { kind: "self_term", x: xPath, x_shape: [n, d], gamma })).value,
    );
    const job = { kind: "generate", x: xPath, x_shape: [n, d], K, gamma, steps, seed };
    ctx.log(`generation ${n}×${d}: numpy result`);
    const np = await ctx.numpy.request<{ objective: number; kmeans_iterations: number; kmeans_share: number; K: number }>({ ...job, runs: 1, warmup: 0 });
    const npMmd = selfTerm + np.objective;
    // the plain TypeScript backend takes ~25 s per run at 100k×50: only up to 10k
    const use = impls.filter((i) => n < 100000 || i.impl !== "ts-reference");
    const specs: (ReturnType<typeof generateRkme> | null)[] = use.map(() => null);
    const fns = use.map(({ backend }, i) => () => {
      const prev = setKernelBackend(backend);
      try {
        specs[i] = generateRkme(X, { K, gamma, steps, seed });
      } finally {
        setKernelBackend(prev);
      }
    });
    ctx.log(`generation ${n}×${d}: timing numpy and ${use.map((i) => i.impl).join(", ")} interleaved`);
    const t = await interleaved(ctx.runs, () => numpyOnce(ctx, job), fns);
    const ours = use.map(({ impl }, i) => {
      const s = specs[i]!;
      const mmd2 = selfTerm + objective(evalBackend, s.z, s.beta, X, gamma);
      return { impl, times: t.ours[i]!, extra: { mmd2, mmd2_vs_numpy: mmd2 / npMmd, K: s.z.rows } };
    });
    const caseRows = compareRows("generation", `${n / 1000}k×${d}`, t.numpy, ours, {
      mmd2: npMmd,
      K: np.K,
      kmeans_iterations: np.kmeans_iterations,
      kmeans_share: np.kmeans_share,
    });
    if (ctx.original) {
      ctx.log(`generation ${n}×${d}: the original (one run)`);
      const o = await ctx.numpy.request<{ times: number[]; objective: number; kmeans_iterations: number; kmeans_share: number }>({
        ...job,
        kind: "generate_original",
        runs: 1,
        warmup: 0,
      });
      const mmd2 = selfTerm + o.objective;
      withOriginal(caseRows, o.times[0]!, { mmd2, kmeans_iterations: o.kmeans_iterations, kmeans_share: o.kmeans_share });
    }
    rows.push(...caseRows);
  }
  return rows;
}
