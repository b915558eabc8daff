/**
 * The opt-in f32 generation path: row sums, Z-gradient point sums and k-means assignment
 * within their documented error of the f64 reference; everything else stays f64 exactly.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { referenceBackend as ref } from "../core/kernel/reference.ts";
import type { Matrix } from "../core/matrix.ts";
import { createRng } from "../core/random.ts";
import { createWasmBackend } from "./mod.ts";
import { createParallelWasmBackend, parallelSupported, type ParallelWasmBackend } from "./parallel.ts";

/** `LW_TEST_WASM_BUILD=relaxed|plain` picks the build under test (default: the runtime's choice; wasm/relaxed.test.ts runs the other). */
const build = process.env.LW_TEST_WASM_BUILD === "relaxed" ? { relaxed: true } : process.env.LW_TEST_WASM_BUILD === "plain" ? { relaxed: false } : {};

const f32 = await createWasmBackend({ f32Generation: true, ...build });
const f64 = await createWasmBackend(build);
const par: ParallelWasmBackend | null = parallelSupported() ? await createParallelWasmBackend({ threads: 2, minWork: 0, f32Generation: true, ...build }) : null;
after(() => par?.close());

function rand(seed: number, rows: number, cols: number, scale = 1, offset = 0): Matrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = offset + scale * rng.normal();
  return { rows, cols, data };
}

/** Worst relative error of the f32 row sums, measured against Σ_j |w_j|·k_ij. */
test("f32 row sums and point sums: relative error ≤ 2e-5 of Σ|w·k| (typically ~1e-6)", () => {
  let worst = 0,
    worstPts = 0;
  // The last case sits far from the origin: the kernel's dot-product form must centre first.
  for (const [na, nb, d, gamma, scale, offset] of [
    [100, 5000, 50, 0.1, 1, 0],
    [7, 3001, 10, 0.5, 1, 0],
    [33, 20000, 20, 0.1, 0.7, 0],
    [5, 999, 3, 10, 0.3, 0],
    [40, 3000, 20, 0.1, 1, 100],
  ] as const) {
    const a = rand(na + nb, na, d, scale, offset),
      b = rand(nb + d, nb, d, scale, offset);
    const w = new Float64Array(nb).fill(1 / nb);
    const want = new Float64Array(na),
      got = new Float64Array(na),
      wantP = new Float64Array(na * d),
      gotP = new Float64Array(na * d);
    ref.rbfRowSumsInto(want, a, b, w, gamma, wantP);
    f32.rbfRowSumsInto(got, a, b, w, gamma, gotP);
    let bmax = 0;
    for (const v of b.data) bmax = Math.max(bmax, Math.abs(v));
    for (let i = 0; i < na; i++) {
      const rel = Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!);
      worst = Math.max(worst, rel);
      if (!(rel <= 2e-5)) assert.fail(`row sum ${na}x${nb} d=${d} [${i}]: got ${got[i]}, expected ${want[i]} (rel ${rel})`);
      for (let k = 0; k < d; k++) {
        const e = Math.abs(gotP[i * d + k]! - wantP[i * d + k]!) / (want[i]! * bmax);
        worstPts = Math.max(worstPts, e);
        if (!(e <= 2e-5)) assert.fail(`points [${i},${k}]: got ${gotP[i * d + k]}, expected ${wantP[i * d + k]}`);
      }
    }
    if (par) {
      const gp = new Float64Array(na),
        pp = new Float64Array(na * d);
      par.rbfRowSumsInto(gp, a, b, w, gamma, pp);
      assert.deepEqual(gp, got, "f32 row sums are the same bits on 2 threads");
      assert.deepEqual(pp, gotP, "f32 point sums are the same bits on 2 threads");
    }
  }
  process.stderr.write(`# f32 row sums: worst relative error ${worst.toExponential(2)}, points ${worstPts.toExponential(2)}\n`);
});

test("f32 k-means assignment picks a centre within 1e-5 of the nearest", () => {
  const x = rand(1, 5000, 20, 1, 0),
    c = rand(2, 100, 20, 1, 0);
  const lw = new Int32Array(5000),
    dw = new Float64Array(5000),
    lg = new Int32Array(5000),
    dg = new Float64Array(5000);
  ref.nearestCentersInto(lw, dw, x, c);
  f32.nearestCentersInto(lg, dg, x, c);
  let differ = 0;
  for (let i = 0; i < 5000; i++) {
    if (lg[i] !== lw[i]) differ++;
    // the f64 distance to the chosen centre is within f32 rounding of the true minimum
    let s = 0;
    for (let k = 0; k < 20; k++) {
      const t = x.data[i * 20 + k]! - c.data[lg[i]! * 20 + k]!;
      s += t * t;
    }
    if (!(s <= dw[i]! * (1 + 1e-5) + 1e-30)) assert.fail(`[${i}]: chose ${lg[i]} at ${s}, nearest ${lw[i]} at ${dw[i]}`);
    if (!(Math.abs(dg[i]! - dw[i]!) <= 1e-5 * dw[i]!)) assert.fail(`dist [${i}]: got ${dg[i]}, expected ${dw[i]}`);
  }
  assert.ok(differ <= 5, `${differ} labels differ`);
});

test("the f32 path leaves the MMD kernels in f64 (bit-identical to the f64 backend)", () => {
  const a = rand(5, 30, 8),
    b = rand(6, 40, 8),
    wa = new Float64Array(30).fill(1 / 30),
    wb = new Float64Array(40).fill(1 / 40);
  assert.equal(f32.rbfWeightedSum(a, wa, b, wb, 0.1), f64.rbfWeightedSum(a, wa, b, wb, 0.1));
  const o1 = new Float64Array(1200),
    o2 = new Float64Array(1200);
  f32.rbfBlockInto(o1, a, b, 0.1);
  f64.rbfBlockInto(o2, a, b, 0.1);
  assert.deepEqual(o1, o2);
});
