import { test } from "node:test";
import assert from "node:assert/strict";
import { kmeans } from "./kmeans.ts";
import { fromRows, matrix, type Matrix } from "../matrix.ts";
import { createRng } from "../random.ts";

function blobs(n: number, d: number, k: number, seed: number): { X: Matrix; truth: Int32Array } {
  const rng = createRng(seed);
  const X = matrix(n, d),
    truth = new Int32Array(n);
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
  const a = kmeans(X, 8, { seed: 7 }),
    b = kmeans(X, 8, { seed: 7 });
  assert.deepEqual(Array.from(a.centers.data), Array.from(b.centers.data));
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
  const many = kmeans(X, 8, { seed: 7, nInit: 4 });
  assert.ok(many.inertia <= a.inertia + 1e-9);
});

test("k = n gives zero inertia; duplicate points and empty clusters stay finite", () => {
  const X = fromRows([
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
  ]);
  assert.equal(kmeans(X, 4).inertia, 0);
  const same = fromRows([
    [1, 1],
    [1, 1],
    [1, 1],
    [1, 1],
    [1, 1],
  ]);
  const r = kmeans(same, 3, { seed: 1 });
  for (const v of r.centers.data) assert.equal(v, 1);
  assert.equal(r.inertia, 0);
  const two = fromRows([[0], [0], [0], [5], [5], [5]]);
  const r2 = kmeans(two, 3, { seed: 2 });
  for (const v of r2.centers.data) assert.ok(Number.isFinite(v));
  assert.equal(r2.inertia, 0);
});

test("the input is not modified; a single cluster is the mean", () => {
  const X = fromRows([
    [1, 2],
    [3, 6],
    [5, 10],
  ]);
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

/**
 * The oracle: k-means++ with one distance pass per candidate and plain Lloyd (every row
 * measured every iteration), written out without any skipping. The library must give the
 * same bits: its triangle-inequality skips may only save work.
 */
function plainKmeans(X: Matrix, k: number, seed: number, maxIterations = 300, tolerance = 1e-4) {
  const n = X.rows,
    d = X.cols;
  const dist = (i: number, c: Float64Array, co: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = X.data[i * d + j]! - c[co + j]!;
      s += t * t;
    }
    return s;
  };
  let mean = new Float64Array(d),
    varSum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += X.data[i * d + j]!;
  mean = mean.map((v) => v / n);
  const m2 = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) m2[j]! += (X.data[i * d + j]! - mean[j]!) ** 2;
  for (let j = 0; j < d; j++) varSum += m2[j]! / n;
  const tolAbs = tolerance * (varSum / d);
  const rng = createRng(seed);
  const C = new Float64Array(k * d);
  const first = rng.nextInt(n);
  C.set(X.data.subarray(first * d, first * d + d));
  const closest = Float64Array.from({ length: n }, (_, i) => dist(i, C, 0));
  const trials = 2 + Math.floor(Math.log(k));
  for (let c = 1; c < k; c++) {
    const cum = new Float64Array(n);
    let pot = 0;
    for (let i = 0; i < n; i++) {
      pot += closest[i]!;
      cum[i] = pot;
    }
    let best: Float64Array | null = null,
      bestPot = Infinity,
      bestIdx = 0;
    for (let t = 0; t < trials; t++) {
      let idx: number;
      if (pot > 0) {
        const r = rng.next() * pot;
        idx = cum.findIndex((v) => v > r);
        if (idx < 0) idx = n - 1;
      } else idx = rng.nextInt(n);
      const dd = Float64Array.from({ length: n }, (_, i) => dist(i, X.data, idx * d));
      let p = 0;
      for (let i = 0; i < n; i++) p += Math.min(closest[i]!, dd[i]!);
      if (p < bestPot) {
        bestPot = p;
        best = dd;
        bestIdx = idx;
      }
    }
    C.set(X.data.subarray(bestIdx * d, bestIdx * d + d), c * d);
    for (let i = 0; i < n; i++) if (best![i]! < closest[i]!) closest[i] = best![i]!;
  }
  const labels = new Int32Array(n),
    dists = new Float64Array(n);
  const assign = () => {
    for (let i = 0; i < n; i++) {
      let b = Infinity,
        bi = 0;
      for (let c = 0; c < k; c++) {
        const v = dist(i, C, c * d);
        if (v < b) {
          b = v;
          bi = c;
        }
      }
      labels[i] = bi;
      dists[i] = b;
    }
  };
  let prev: Int32Array | null = null,
    iterations = 0,
    consistent = false;
  for (let it = 0; it < maxIterations; it++) {
    assign();
    iterations = it + 1;
    if (prev && labels.every((v, i) => v === prev![i])) {
      consistent = true;
      break;
    }
    const sums = new Float64Array(k * d),
      counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      counts[labels[i]!]! += 1;
      for (let j = 0; j < d; j++) sums[labels[i]! * d + j]! += X.data[i * d + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) continue;
      let far = -1,
        farD = -1;
      for (let i = 0; i < n; i++)
        if (dists[i]! > farD && counts[labels[i]!]! > 1) {
          farD = dists[i]!;
          far = i;
        }
      const old = labels[far]!;
      counts[old]! -= 1;
      for (let j = 0; j < d; j++) sums[old * d + j]! -= X.data[far * d + j]!;
      counts[c] = 1;
      for (let j = 0; j < d; j++) sums[c * d + j] = X.data[far * d + j]!;
      labels[far] = c;
      dists[far] = -1;
    }
    prev = labels.slice();
    let shift = 0;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        const v = sums[c * d + j]! * (1 / counts[c]!);
        shift += (v - C[c * d + j]!) ** 2;
        C[c * d + j] = v;
      }
    }
    if (shift <= tolAbs) break;
  }
  if (!consistent) assign();
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dists[i]!;
  return { centers: C, labels, inertia, iterations };
}

test("the skipping k-means gives the same bits as plain k-means++ and Lloyd", () => {
  const cases: [string, Matrix, number][] = [];
  const rng = createRng(11);
  const gauss = (n: number, d: number, clusters: number) => {
    const X = matrix(n, d),
      centres = Array.from({ length: clusters * d }, () => 4 * rng.normal());
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) X.data[i * d + j] = centres[(i % clusters) * d + j]! + rng.normal();
    return X;
  };
  cases.push(["low-d blobs (most rows skipped)", gauss(1500, 2, 6), 25]);
  cases.push(["d = 30 (few rows skipped)", gauss(800, 30, 8), 40]);
  const grid = matrix(600, 3);
  for (let i = 0; i < grid.data.length; i++) grid.data[i] = rng.nextInt(3); // exact ties everywhere
  cases.push(["integer grid with ties and duplicates", grid, 12]);
  for (const [name, X, k] of cases) {
    for (const seed of [0, 5]) {
      const a = kmeans(X, k, { seed }),
        b = plainKmeans(X, k, seed);
      assert.equal(a.iterations, b.iterations, `${name}, seed ${seed}: iterations`);
      assert.deepEqual(Array.from(a.labels), Array.from(b.labels), `${name}, seed ${seed}: labels`);
      assert.ok(
        a.centers.data.every((v, i) => Object.is(v, b.centers[i])),
        `${name}, seed ${seed}: centres differ`,
      );
      assert.ok(Object.is(a.inertia, b.inertia), `${name}, seed ${seed}: inertia ${a.inertia} vs ${b.inertia}`);
    }
  }
});
