// Conformance: every case of test/conformance/corpus/qp.json through the public solver, with
// the README's checks exactly (feasibility, objective, beta when unique, KKT).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCases } from "../_util.ts";
import { solveSimplexQp } from "../../core/qp/simplexQp.ts";

interface QpCase {
  id: string;
  note: string;
  K: number[][];
  C: number[];
  expected: { beta: number[]; objective: number };
  support: number[];
  support_cond: number;
  beta_unique: boolean;
  tol: { objective: number; beta: number | null; kkt: number };
}

const cases = loadCases<QpCase>("qp.json");

test("qp.json holds the 20 documented cases", () => {
  assert.equal(cases.length, 20);
});

for (const c of cases) {
  test(`qp ${c.id}: ${c.note}`, () => {
    const n = c.C.length;
    const K = new Float64Array(n * n);
    c.K.forEach((row, i) => {
      assert.equal(row.length, n, `${c.id}: K row ${i} has length ${row.length}, expected ${n}`);
      K.set(row, i * n);
    });
    const C = new Float64Array(c.C);
    const r = solveSimplexQp(K, C, n);
    const b = r.x;
    assert.equal(r.status, "optimal", `${c.id}: status ${r.status} after ${r.iterations} iterations`);
    assert.equal(b.length, n, `${c.id}: x has length ${b.length}, expected ${n}`);

    // Feasibility: min b ≥ −1e-12, |Σb − 1| ≤ 1e-9.
    let minB = Infinity;
    let sum = 0;
    for (const v of b) {
      minB = Math.min(minB, v);
      sum += v;
    }
    assert.ok(minB >= -1e-12, `${c.id}: min b = ${minB} < −1e-12`);
    assert.ok(Math.abs(sum - 1) <= 1e-9, `${c.id}: Σb = ${sum}, |Σb − 1| = ${Math.abs(sum - 1)} > 1e-9`);

    // Objective.
    const dObj = Math.abs(r.objective - c.expected.objective);
    assert.ok(dObj <= c.tol.objective, `${c.id}: objective ${r.objective}, expected ${c.expected.objective} (|diff| ${dObj} > ${c.tol.objective})`);

    // Beta, when unique and a tolerance is given.
    if (c.tol.beta !== null && c.beta_unique) {
      let worst = 0;
      let at = -1;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(b[i]! - c.expected.beta[i]!);
        if (d > worst) {
          worst = d;
          at = i;
        }
      }
      assert.ok(worst <= c.tol.beta, `${c.id}: max|b − beta| = ${worst} at index ${at} (got ${b[at]}, expected ${c.expected.beta[at]}) > ${c.tol.beta}`);
    }

    // KKT: g = Kb − C, ν = −(Σ_{b_i>0} g_i b_i)/(Σ b_i), λ = g + ν, s = 1 + max|K| + max|C|.
    let kMax = 0;
    for (const v of K) kMax = Math.max(kMax, Math.abs(v));
    let cMax = 0;
    for (const v of C) cMax = Math.max(cMax, Math.abs(v));
    const s = 1 + kMax + cMax;
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let t = -C[i]!;
      for (let j = 0; j < n; j++) t += K[i * n + j]! * b[j]!;
      g[i] = t;
    }
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      if (b[i]! > 0) {
        num += g[i]! * b[i]!;
        den += b[i]!;
      }
    }
    const nu = -num / den;
    for (let i = 0; i < n; i++) {
      const lambda = (g[i]! + nu) / s;
      if (b[i]! > 0) {
        assert.ok(Math.abs(lambda) <= c.tol.kkt, `${c.id}: stationarity |λ_${i}|/s = ${Math.abs(lambda)} > ${c.tol.kkt} (b_${i} = ${b[i]})`);
      }
      assert.ok(lambda >= -c.tol.kkt, `${c.id}: dual feasibility λ_${i}/s = ${lambda} < −${c.tol.kkt}`);
    }
  });
}
