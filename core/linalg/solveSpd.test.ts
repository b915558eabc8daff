import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../random.ts";
import { solveSpd } from "./solveSpd.ts";

test("solves SPD systems with several right-hand sides to 1e-10, leaving A and B unchanged", () => {
  const rng = createRng(7);
  for (const n of [1, 3, 12, 40]) {
    const r = 3;
    const M = Float64Array.from({ length: n * n }, () => rng.normal());
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) A[i * n + j]! += M[i * n + k]! * M[j * n + k]!;
    for (let i = 0; i < n; i++) A[i * n + i]! += 0.1;
    const X0 = Float64Array.from({ length: n * r }, () => rng.normal());
    const B = new Float64Array(n * r);
    for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) for (let k = 0; k < n; k++) B[i * r + c]! += A[i * n + k]! * X0[k * r + c]!;
    const Acopy = A.slice(),
      Bcopy = B.slice();
    const X = solveSpd(A, n, B, r);
    for (let t = 0; t < X.length; t++) assert.ok(Math.abs(X[t]! - X0[t]!) <= 1e-8 * (1 + Math.abs(X0[t]!)), `n=${n} entry ${t}: ${X[t]} vs ${X0[t]}`);
    assert.deepEqual(A, Acopy);
    assert.deepEqual(B, Bcopy);
  }
});

test("one failure behaviour: a matrix that is not positive definite throws DATA_INVALID naming the pivot; a ridge makes it solvable", () => {
  const singular = new Float64Array([1, 1, 1, 1]);
  assert.throws(() => solveSpd(singular, 2, new Float64Array([1, 1]), 1), { code: "DATA_INVALID", details: { pivot: 1 } });
  const x = solveSpd(singular, 2, new Float64Array([2, 2]), 1, { ridge: 1e-9 });
  assert.ok(Math.abs(x[0]! - 1) < 1e-6 && Math.abs(x[1]! - 1) < 1e-6);
  assert.throws(() => solveSpd(new Float64Array([-1]), 1, new Float64Array([1]), 1), { code: "DATA_INVALID" });
  assert.throws(() => solveSpd(new Float64Array(3), 2, new Float64Array(2), 1), RangeError);
});
