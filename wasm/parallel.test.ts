/**
 * The parallel backend gives bit-identical results to the single-thread wasm backend for any
 * thread count (rows are split, never sums), and agrees with the reference.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import type { Matrix } from "../core/matrix.ts";
import { createRng } from "../core/random.ts";
import { createWasmBackend } from "./mod.ts";
import { createParallelWasmBackend, parallelSupported, type ParallelWasmBackend } from "./parallel.ts";

/** `LW_TEST_WASM_BUILD=relaxed|plain` picks the build under test (default: the runtime's choice; wasm/relaxed.test.ts runs the other). */
const build = process.env.LW_TEST_WASM_BUILD === "relaxed" ? { relaxed: true } : process.env.LW_TEST_WASM_BUILD === "plain" ? { relaxed: false } : {};

const single = await createWasmBackend(build);
const pools: ParallelWasmBackend[] = [];
if (parallelSupported()) {
  // minWork 0: split even the small calls, so the splitting itself is under test
  for (const threads of [1, 2, 3]) pools.push(await createParallelWasmBackend({ threads, minWork: 0, ...build }));
}
after(() => {
  for (const p of pools) p.close();
});

function rand(seed: number, rows: number, cols: number): Matrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { rows, cols, data };
}

function sameBits(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${label}[${i}]: got ${got[i]}, expected ${want[i]} (bit-identical)`);
  }
}

test("parallel backend is available on Node", () => {
  assert.equal(parallelSupported(), true);
  assert.deepEqual(
    pools.map((p) => p.threads),
    [1, 2, 3],
  );
});

for (const [na, nb, d] of [
  [1, 5, 3],
  [2, 300, 7],
  [7, 1000, 20],
  [37, 2000, 50],
] as const) {
  test(`bit-identical to one thread for ${na}×${nb}, d=${d}, at 1, 2 and 3 threads`, () => {
    const a = rand(na * 7 + 1, na, d),
      b = rand(nb * 7 + 2, nb, d);
    const wa = rand(3, 1, na).data,
      wb = rand(4, 1, nb).data;
    const block = new Float64Array(na * nb),
      rows = new Float64Array(na),
      pts = new Float64Array(na * d);
    const labels = new Int32Array(nb),
      dists = new Float64Array(nb);
    single.rbfBlockInto(block, a, b, 0.1);
    single.rbfRowSumsInto(rows, a, b, wb, 0.1, pts);
    single.nearestCentersInto(labels, dists, b, a);
    const ws = single.rbfWeightedSum(a, wa, b, wb, 0.1);
    for (const p of pools) {
      const tag = `${p.threads} threads`;
      const blk = new Float64Array(na * nb),
        r = new Float64Array(na),
        pp = new Float64Array(na * d);
      const l = new Int32Array(nb),
        dd = new Float64Array(nb);
      p.rbfBlockInto(blk, a, b, 0.1);
      p.rbfRowSumsInto(r, a, b, wb, 0.1, pp);
      p.nearestCentersInto(l, dd, b, a);
      sameBits(blk, block, `block, ${tag}`);
      sameBits(r, rows, `row sums, ${tag}`);
      sameBits(pp, pts, `points, ${tag}`);
      sameBits(l, labels, `labels, ${tag}`);
      sameBits(dd, dists, `dists, ${tag}`);
      assert.ok(Object.is(p.rbfWeightedSum(a, wa, b, wb, 0.1), ws), `weighted sum, ${tag}`);
    }
  });
}

test("batched inner products split over specs, bit-identical", () => {
  const sets = Array.from({ length: 9 }, (_, s) => ({ z: rand(100 + s, 5 + s, 4), beta: rand(200 + s, 1, 5 + s).data, gamma: 0.05 * (s + 1) }));
  const user = { z: rand(300, 11, 4), beta: rand(301, 1, 11).data };
  const many = single.rbfWeightedSumsMany(sets, user),
    self = single.rbfSelfSumsMany(sets);
  for (const p of pools) {
    sameBits(p.rbfWeightedSumsMany(sets, user), many, `many, ${p.threads} threads`);
    sameBits(p.rbfSelfSumsMany(sets), self, `self, ${p.threads} threads`);
  }
});

test("a closed backend refuses work", async () => {
  const p = await createParallelWasmBackend({ threads: 2, minWork: 0, ...build });
  p.close();
  const a = rand(1, 4, 2);
  assert.throws(() => p.rbfBlockInto(new Float64Array(16), a, a, 1), /closed/);
});
