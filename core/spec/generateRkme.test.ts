import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanData, effectiveK, generateRkme } from "./generateRkme.ts";
import { RKMETableSpecification } from "./rkmeTableSpec.ts";
import { LearnwareError } from "../errors.ts";
import { fromRows, matrix, type Matrix } from "../matrix.ts";
import { createRng } from "../random.ts";
import { mmd2 } from "../kernel/mmd.ts";

function gaussian(n: number, d: number, seed: number): Matrix {
  const rng = createRng(seed);
  const X = matrix(n, d);
  for (let i = 0; i < X.data.length; i++) X.data[i] = rng.normal();
  return X;
}

const empirical = (X: Matrix) => ({ z: X, beta: new Float64Array(X.rows).fill(1 / X.rows), gamma: 0.1 });

test("K capping: ⌊2n/3⌋ when K ≥ n, the K·d cap, never above n", () => {
  assert.equal(effectiveK(100, 50, 3), 33);
  assert.equal(effectiveK(100, 100, 3), 66);
  assert.equal(effectiveK(100, 101, 3), 100);
  assert.equal(effectiveK(100, 1, 3), 1);
  assert.equal(effectiveK(100, 2, 3), 1);
  assert.equal(effectiveK(100, 1000, 13107), 100); // 1 310 700 ≤ 1 310 720
  assert.equal(effectiveK(100, 1000, 13108), 99);
  assert.equal(effectiveK(100, 1000, 100000), 20);
  assert.equal(effectiveK(100, 10, 100000), 6);
  assert.equal(effectiveK(100, 10, 1000000), 10); // the cap's floor of 20 is clamped to n
  assert.equal(generateRkme(gaussian(30, 2, 1)).z.rows, 20);
  assert.equal(generateRkme(gaussian(300, 2, 1), { K: 7 }).z.rows, 7);
});

test("same seed → identical spec; the seed matters", () => {
  const X = gaussian(400, 4, 2);
  const a = RKMETableSpecification.generate(X, { K: 20, seed: 5 });
  const b = RKMETableSpecification.generate(X, { K: 20, seed: 5 });
  assert.equal(a.stringify(), b.stringify());
  const c = RKMETableSpecification.generate(X, { K: 20, seed: 6 });
  assert.notEqual(a.stringify(), c.stringify());
});

test("generated specs are valid, summarise the data and beat a uniform-weight subset", () => {
  const X = gaussian(600, 3, 3);
  const spec = RKMETableSpecification.generate(X, { K: 30 });
  assert.equal(spec.numPoints, 600);
  assert.equal(spec.gamma, 0.1);
  let s = 0;
  for (const b of spec.beta) {
    assert.ok(b >= 0);
    s += b;
  }
  assert.ok(Math.abs(s - 1) <= 1e-9);
  const got = mmd2(spec, empirical(X));
  const subset = { z: { rows: 30, cols: 3, data: X.data.slice(0, 90) }, beta: new Float64Array(30).fill(1 / 30), gamma: 0.1 };
  const base = mmd2(subset, empirical(X));
  assert.ok(got < base / 10, `mmd2 ${got} vs subset ${base}`);
  // The steps do not make it worse than the initial β solve by more than rounding.
  const noSteps = mmd2(RKMETableSpecification.generate(X, { K: 30, steps: 0 }), empirical(X));
  assert.ok(got <= noSteps * 1.05 + 1e-15, `${got} vs steps=0 ${noSteps}`);
});

test("NaN and ±Infinity become the column mean of the finite values; the input is not mutated", () => {
  const X = fromRows([
    [1, NaN],
    [3, 4],
    [Infinity, 8],
    [5, -Infinity],
  ]);
  const before = X.data.slice();
  const E = cleanData(X);
  assert.deepEqual(Array.from(E.data), [1, 6, 3, 4, 3, 8, 5, 6]);
  for (let i = 0; i < before.length; i++) assert.ok(Object.is(X.data[i], before[i]));
  const clean = fromRows([[1, 2]]);
  assert.equal(cleanData(clean), clean, "clean data is used as is");

  const spec = RKMETableSpecification.generate(X, { reduce: false });
  assert.deepEqual(Array.from(spec.z.data), [1, 6, 3, 4, 3, 8, 5, 6]);
  assert.deepEqual(Array.from(spec.beta), [0.25, 0.25, 0.25, 0.25]);
  for (let i = 0; i < before.length; i++) assert.ok(Object.is(X.data[i], before[i]));

  const big = gaussian(200, 3, 4);
  for (let i = 0; i < 200; i += 9) big.data[i * 3 + (i % 3)] = i % 2 ? NaN : -Infinity;
  const copy = big.data.slice();
  const g = RKMETableSpecification.generate(big, { K: 10 });
  for (const v of g.z.data) assert.ok(Number.isFinite(v));
  for (let i = 0; i < copy.length; i++) assert.ok(Object.is(big.data[i], copy[i]));
});

test("an all-non-finite column is DATA_INVALID naming the column", () => {
  const X = fromRows([
    [1, NaN, 2],
    [3, Infinity, 4],
    [5, NaN, 6],
  ]);
  assert.throws(
    () => RKMETableSpecification.generate(X),
    (e: unknown) => {
      assert.ok(e instanceof LearnwareError);
      assert.equal(e.code, "DATA_INVALID");
      assert.match(e.message, /column 1\b/);
      return true;
    },
  );
});

test("reduce: false keeps the data with uniform weights (a copy)", () => {
  const X = gaussian(10, 2, 5);
  const spec = RKMETableSpecification.generate(X, { reduce: false });
  assert.deepEqual(Array.from(spec.z.data), Array.from(X.data));
  assert.notEqual(spec.z.data, X.data);
  assert.equal(spec.dist(empirical(X)), 0);
});

test("nonnegativeBeta: false solves the ridge system (weights may be signed)", () => {
  const X = gaussian(300, 2, 6);
  const spec = RKMETableSpecification.generate(X, { K: 15, nonnegativeBeta: false });
  assert.equal(spec.beta.length, 15);
  for (const b of spec.beta) assert.ok(Number.isFinite(b));
  assert.ok(mmd2(spec, empirical(X)) < 1e-3);
});

test("init 'best' is never worse than k-means at the start", () => {
  const rng = createRng(8);
  const X = matrix(800, 12);
  for (let i = 0; i < 800; i++) {
    const c = rng.nextInt(4);
    for (let j = 0; j < 12; j++) X.data[i * 12 + j] = 3 * ((c >> (j % 2)) & 1) + rng.normal();
  }
  const opts = { K: 20, steps: 0 };
  const km = mmd2(RKMETableSpecification.generate(X, opts), empirical(X));
  const best = mmd2(RKMETableSpecification.generate(X, { ...opts, init: "best" }), empirical(X));
  assert.ok(best <= km, `best ${best} vs k-means ${km}`);
  assert.throws(() => generateRkme(X, { init: "random" as "best" }), RangeError);
});

test("kmeansMaxRows subsamples for k-means only; results stay valid and seeded", () => {
  const X = gaussian(2000, 3, 9);
  const a = RKMETableSpecification.generate(X, { K: 20, kmeansMaxRows: 300 });
  const b = RKMETableSpecification.generate(X, { K: 20, kmeansMaxRows: 300 });
  assert.equal(a.stringify(), b.stringify());
  assert.equal(a.numPoints, 2000);
  const sub = mmd2(a, empirical(X));
  const full = mmd2(RKMETableSpecification.generate(X, { K: 20, kmeansMaxRows: Infinity }), empirical(X));
  assert.ok(sub < 3 * full && sub < 1e-3, `subsampled ${sub} vs full ${full}`);
});

test("progress is monotone and ends at 1; an aborted signal stops generation", () => {
  const X = gaussian(500, 3, 10);
  const seen: [number, string][] = [];
  generateRkme(X, { K: 10, onProgress: (f, s) => seen.push([f, s]) });
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]![0] >= seen[i - 1]![0], `progress went back at ${i}`);
  assert.deepEqual(seen.at(-1), [1, "done"]);
  assert.ok(seen.some(([, s]) => s === "kmeans") && seen.some(([, s]) => s === "z-step"));

  const ctrl = new AbortController();
  ctrl.abort(new Error("stop"));
  assert.throws(() => generateRkme(X, { signal: ctrl.signal }), /stop/);
  const late = new AbortController();
  assert.throws(
    () =>
      generateRkme(X, {
        K: 10,
        signal: late.signal,
        onProgress: (f) => {
          if (f > 0.6) late.abort(new Error("late"));
        },
      }),
    /late/,
  );
});

test("misuse throws RangeError / TypeError", () => {
  const X = gaussian(20, 2, 11);
  assert.throws(() => generateRkme(X, { K: 0 }), RangeError);
  assert.throws(() => generateRkme(X, { K: 2.5 }), RangeError);
  assert.throws(() => generateRkme(X, { gamma: 0 }), RangeError);
  assert.throws(() => generateRkme(X, { steps: -1 }), RangeError);
  assert.throws(() => generateRkme(matrix(0, 2)), RangeError);
  assert.throws(() => generateRkme({ rows: 1, cols: 1, data: [1] } as unknown as Matrix), TypeError);
});
