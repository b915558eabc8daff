import { test } from "node:test";
import assert from "node:assert/strict";
import { kmeans } from "./kmeans.ts";
import { fromRows, matrix, type Matrix } from "../matrix.ts";
import { createRng } from "../random.ts";

function blobs(n: number, d: number, k: number, seed: number): { X: Matrix; truth: Int32Array } {
  const rng = createRng(seed);
  const X = matrix(n, d), truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth[i] = c;
    for (let j = 0; j < d; j++) X.data[i * d + j] = 20 * c * (j === c % d ? 1 : 0.3) + 0.5 * rng.normal();
  }
  return { X, truth };
}

function sqDist(X: Matrix, i: number, C: Matrix, c: number): number {
  let s = 0;
  for (let j = 0; j < X.cols; j++) s += (X.data[i * X.cols + j]! - C.data[c * C.cols + j]!) ** 2;
  return s;
}

test("well-separated blobs are recovered", () => {
  const { X, truth } = blobs(300, 3, 4, 1);
  const r = kmeans(X, 4, { seed: 2 });
  const map = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    const m = map.get(truth[i]!);
    if (m === undefined) map.set(truth[i]!, r.labels[i]!);
    else assert.equal(r.labels[i], m, `point ${i}`);
  }
  assert.equal(new Set(map.values()).size, 4);
});

test("labels are the nearest centres, inertia their squared distances, centres their means", () => {
  const rng = createRng(3);
  const X = matrix(500, 5);
  for (let i = 0; i < X.data.length; i++) X.data[i] = rng.normal();
  const r = kmeans(X, 12, { seed: 4 });
  assert.equal(r.centers.rows, 12);
  assert.ok(r.iterations >= 1);
  let inertia = 0;
  for (let i = 0; i < 500; i++) {
    let best = Infinity;
    for (let c = 0; c < 12; c++) best = Math.min(best, sqDist(X, i, r.centers, c));
    const own = sqDist(X, i, r.centers, r.labels[i]!);
    assert.ok(own <= best + 1e-12, `row ${i} is not at its nearest centre`);
    inertia += own;
  }
  assert.ok(Math.abs(inertia - r.inertia) <= 1e-9 * inertia);
  for (let c = 0; c < 12; c++) assert.ok(r.labels.includes(c), `cluster ${c} is empty`);
});

test("seeded determinism; more inits never give a higher inertia", () => {
  const { X } = blobs(400, 4, 6, 5);
  const a = kmeans(X, 8, { seed: 7 }), b = kmeans(X, 8, { seed: 7 });
  assert.deepEqual(Array.from(a.centers.data), Array.from(b.centers.data));
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
  const many = kmeans(X, 8, { seed: 7, nInit: 4 });
  assert.ok(many.inertia <= a.inertia + 1e-9);
});

test("k = n gives zero inertia; duplicate points and empty clusters stay finite", () => {
  const X = fromRows([[0, 0], [1, 1], [2, 2], [3, 3]]);
  assert.equal(kmeans(X, 4).inertia, 0);
  const same = fromRows([[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]);
  const r = kmeans(same, 3, { seed: 1 });
  for (const v of r.centers.data) assert.equal(v, 1);
  assert.equal(r.inertia, 0);
  const two = fromRows([[0], [0], [0], [5], [5], [5]]);
  const r2 = kmeans(two, 3, { seed: 2 });
  for (const v of r2.centers.data) assert.ok(Number.isFinite(v));
  assert.equal(r2.inertia, 0);
});

test("the input is not modified; a single cluster is the mean", () => {
  const X = fromRows([[1, 2], [3, 6], [5, 10]]);
  const copy = X.data.slice();
  const r = kmeans(X, 1);
  assert.deepEqual(Array.from(X.data), Array.from(copy));
  assert.deepEqual(Array.from(r.centers.data), [3, 6]);
});

test("misuse throws RangeError naming the problem", () => {
  const X = fromRows([[1], [2]]);
  assert.throws(() => kmeans(X, 3), /at least k = 3 rows/);
  assert.throws(() => kmeans(X, 0), RangeError);
  assert.throws(() => kmeans(fromRows([[1], [NaN]]), 1), /row 1, column 0/);
  assert.throws(() => kmeans(X, 1, { maxIterations: 0 }), RangeError);
  assert.throws(() => kmeans(X, 1, { nInit: 0 }), RangeError);
  const ctrl = new AbortController();
  ctrl.abort(new Error("halt"));
  assert.throws(() => kmeans(X, 1, { signal: ctrl.signal }), /halt/);
});
