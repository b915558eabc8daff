/**
 * generation.json: spec generation quality on raw data. For every case: len(z) = K_effective,
 * β ≥ 0, |Σβ − 1| ≤ 1e-9 and MMD²(spec, E) ≤ threshold, E the cleaned data with weights 1/n
 * and γ = 0.1; the caller's data is left untouched; the same seed gives the same spec.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCases } from "../_util.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { mmd2 } from "../../core/kernel/mmd.ts";
import { fromRows, type Matrix } from "../../core/matrix.ts";

interface Case {
  id: string;
  note: string;
  X: number[][];
  n: number;
  d: number;
  params: { K: number; gamma: number; step_size: number; steps: number; nonnegative_beta: boolean; reduce: boolean };
  expected: { K_effective: number; threshold_mmd2: number; threshold_mmd2_strict: number; mmd2_oracle_median: number };
}

const cases = loadCases<Case>("generation.json");

/** The README's cleaning rule, written out independently: ±Inf → NaN → column mean of finite values. */
function cleaned(X: number[][]): Matrix {
  const n = X.length,
    d = X[0]!.length;
  const m = fromRows(X);
  for (let j = 0; j < d; j++) {
    let s = 0,
      c = 0;
    for (let i = 0; i < n; i++) {
      const v = m.data[i * d + j]!;
      if (Number.isFinite(v)) {
        s += v;
        c++;
      }
    }
    for (let i = 0; i < n; i++) if (!Number.isFinite(m.data[i * d + j]!)) m.data[i * d + j] = s / c;
  }
  return m;
}

test("generation.json has its 6 cases", () => {
  assert.equal(cases.length, 6);
});

for (const c of cases) {
  test(`generation ${c.id}: ${c.note}`, (t) => {
    const X = fromRows(c.X);
    const before = X.data.slice();
    const options = {
      K: c.params.K,
      gamma: c.params.gamma,
      stepSize: c.params.step_size,
      steps: c.params.steps,
      nonnegativeBeta: c.params.nonnegative_beta,
      reduce: c.params.reduce,
      seed: 0,
    };
    const t0 = performance.now();
    const spec = RKMETableSpecification.generate(X, options);
    const seconds = (performance.now() - t0) / 1000;

    for (let i = 0; i < before.length; i++) assert.ok(Object.is(X.data[i], before[i]), `input changed at ${i}`);
    assert.equal(spec.z.rows, c.expected.K_effective);
    assert.equal(spec.z.cols, c.d);
    assert.equal(spec.numPoints, c.n);
    assert.equal(spec.gamma, c.params.gamma);
    let sum = 0;
    for (let i = 0; i < spec.beta.length; i++) {
      assert.ok(spec.beta[i]! >= 0, `beta[${i}] = ${spec.beta[i]} is negative`);
      sum += spec.beta[i]!;
    }
    assert.ok(Math.abs(sum - 1) <= 1e-9, `sum(beta) = ${sum}`);
    for (const v of spec.z.data) assert.ok(Number.isFinite(v), "z must be finite");

    const E = { z: cleaned(c.X), beta: new Float64Array(c.n).fill(1 / c.n), gamma: 0.1 };
    const got = mmd2(spec, E);
    t.diagnostic(
      `${c.n}x${c.d} in ${seconds.toFixed(3)} s: mmd2 ${got.toExponential(4)} vs threshold ` +
        `${c.expected.threshold_mmd2.toExponential(4)} (strict ${c.expected.threshold_mmd2_strict.toExponential(4)}, ` +
        `oracle median ${c.expected.mmd2_oracle_median.toExponential(4)}), ratio ${(got / c.expected.threshold_mmd2).toFixed(3)}`,
    );
    assert.ok(got <= c.expected.threshold_mmd2, `mmd2 ${got} > threshold ${c.expected.threshold_mmd2}`);

    // Same seed → the identical spec, bit for bit.
    const again = RKMETableSpecification.generate(X, options);
    assert.equal(again.stringify(), spec.stringify());
  });
}

for (const c of cases) {
  test(`generation ${c.id} with init "best" is at least as good as k-means alone`, (t) => {
    const X = fromRows(c.X);
    const base = { K: c.params.K, gamma: c.params.gamma, stepSize: c.params.step_size, steps: c.params.steps, seed: 0 };
    const E = { z: cleaned(c.X), beta: new Float64Array(c.n).fill(1 / c.n), gamma: 0.1 };
    const km = mmd2(RKMETableSpecification.generate(X, base), E);
    const best = mmd2(RKMETableSpecification.generate(X, { ...base, init: "best" }), E);
    t.diagnostic(`init best: mmd2 ${best.toExponential(4)} (k-means ${km.toExponential(4)}), ratio ${(best / c.expected.threshold_mmd2).toFixed(3)}`);
    assert.ok(best <= c.expected.threshold_mmd2);
    // The Z steps after the start are tiny, so the better start stays better (slack for them).
    assert.ok(best <= km * 1.01 + 1e-15, `best ${best} vs k-means ${km}`);
  });
}
