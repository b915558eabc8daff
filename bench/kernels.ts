/**
 * Workload 3, kernel throughput: the 100×100, d = 50 RBF block (an MMD term) and the C vector
 * of Z (100×50) against X (100 000×50), in GFLOP/s next to numpy's dgemm GFLOP/s.
 *
 * GFLOP/s counts 2·n·m·d per block (the multiply-adds of the equivalent GEMM, what numpy's
 * expansion ‖a‖² − 2a·b + ‖b‖² executes) for every implementation, so the numbers compare
 * directly with dgemm's 2n³. Our kernels sum coordinate differences (3 flops per term, for
 * accuracy far from the origin), so they execute 1.5× the counted flops; `executed` shows it.
 */
import { benchMlas } from "./mlas.ts";
import type { KernelBackend } from "../core/kernel/backend.ts";
import { referenceBackend } from "../core/kernel/reference.ts";
import { compareRows, gaussianMixture, interleaved, numpyOnce, runNumpy, summarize, writeF64, type BenchContext, type ResultRow } from "./_lib.ts";

export interface KernelImpl {
  impl: string;
  backend: KernelBackend;
  /** false for the f32 generation path: it only changes the C vector (row sums). */
  f64: boolean;
}

export async function benchKernels(ctx: BenchContext, impls: readonly KernelImpl[]): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const gamma = 0.1;

  // numpy dgemm, the yardstick
  const n = ctx.quick ? 1000 : 2000;
  const dg = await runNumpy<{ times: number[]; flops: number }>(ctx, { kind: "dgemm", n });
  const dgemm = dg.flops / summarize(dg.times).median / 1e9;
  rows.push({ workload: "kernels", case: `dgemm ${n}³`, impl: "numpy", time: summarize(dg.times), extra: { gflops: dgemm } });
  const rates = (flops: number, times: number[]) => {
    const t = summarize(times).median;
    return { gflops: flops / t / 1e9, executed_gflops: (1.5 * flops) / t / 1e9, of_dgemm: flops / t / 1e9 / dgemm };
  };

  // the 100×100 block, d = 50 (each run: the mean of many back-to-back calls)
  {
    const a = gaussianMixture(100, 50, 301),
      b = gaussianMixture(100, 50, 302);
    const flops = 2 * 100 * 100 * 50;
    const reps = 200;
    const job = { kind: "kernel_block", a: writeF64("kb-a.f64", a.data), b: writeF64("kb-b.f64", b.data), a_shape: [100, 50], b_shape: [100, 50], gamma, reps };
    const out = new Float64Array(100 * 100);
    const use = impls.filter((i) => i.f64);
    const t = await interleaved(
      ctx.runs,
      () => numpyOnce(ctx, job),
      use.map(({ backend }) => () => {
        const r = backend === referenceBackend ? 5 : reps;
        for (let k = 0; k < r; k++) backend.rbfBlockInto(out, a, b, gamma);
      }),
    );
    const ours = use.map(({ impl, backend }, i) => {
      const times = t.ours[i]!.map((x) => x / (backend === referenceBackend ? 5 : reps));
      return { impl, times, extra: rates(flops, times) };
    });
    const npT = summarize(t.numpy).median;
    rows.push(...compareRows("kernels", "rbf block 100×100, d=50", t.numpy, ours, { gflops: flops / npT / 1e9, of_dgemm: flops / npT / 1e9 / dgemm }));
  }

  // the C vector: mean_n k(z_i, x_n), Z 100×50 vs X 100k×50
  {
    const nx = ctx.quick ? 20000 : 100000;
    const z = gaussianMixture(100, 50, 303),
      x = gaussianMixture(nx, 50, 304);
    const flops = 2 * 100 * nx * 50;
    const job = { kind: "kernel_cvec", z: writeF64("kc-z.f64", z.data), x: writeF64("kc-x.f64", x.data), z_shape: [100, 50], x_shape: [nx, 50], gamma };
    const w = new Float64Array(nx).fill(1 / nx),
      out = new Float64Array(100);
    const use = impls.filter((i) => i.backend !== referenceBackend);
    const t = await interleaved(
      ctx.runs,
      () => numpyOnce(ctx, job),
      use.map(
        ({ backend }) =>
          () =>
            backend.rbfRowSumsInto(out, z, x, w, gamma),
      ),
    );
    const ours = use.map(({ impl }, i) => ({ impl, times: t.ours[i]!, extra: rates(flops, t.ours[i]!) }));
    const npT = summarize(t.numpy).median;
    rows.push(
      ...compareRows("kernels", `C vector 100 vs ${nx / 1000}k, d=50`, t.numpy, ours, { gflops: flops / npT / 1e9, of_dgemm: flops / npT / 1e9 / dgemm }),
    );
  }
  // onnxruntime-node's MLAS (native, f64) on the same shapes: kept as a path only if faster
  for (const m of await benchMlas(ctx, dgemm, n, ctx.quick ? 20000 : 100000)) {
    const np = rows.find((r) => r.case === m.case && r.impl === "numpy");
    if (np && Number.isFinite(m.time.median)) m.speedup = np.time.median / m.time.median;
    rows.splice(rows.lastIndexOf(rows.filter((r) => r.case === m.case).at(-1)!) + 1, 0, m);
  }
  return rows;
}
