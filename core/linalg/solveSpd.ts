/**
 * The one dense linear solver of the core: `A X = B` for a symmetric positive definite `A`
 * (n×n) and `B` (n×r), row-major `Float64Array`s, by Cholesky factorisation. Used by the RKME
 * β solve, ridge regression and the heterogeneous feature alignment. (The simplex QP keeps its
 * own incremental factor: it adds and drops one variable at a time inside its active-set loop.)
 *
 * One failure behaviour: a pivot that is not positive (A is not positive definite in floating
 * point) throws `LearnwareError("DATA_INVALID")` naming the pivot — never a silent clamp or a
 * zeroed component. Callers whose matrices may be singular add a ridge (`ridge`).
 *
 * Why not ml-matrix: its decompositions work on arrays of rows (a copy in and out of every
 * solve) and measured about 0.03× numpy on kernel blocks here, while these systems are small
 * and solved in loops (one per ridge α, one per RKME iteration); a 40-line Cholesky on the
 * core's own matrices is exact enough and allocation-free apart from its result.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { solveSpd } from "./solveSpd.ts";
 * const x = solveSpd(new Float64Array([4, 2, 2, 3]), 2, new Float64Array([2, 1]), 1);
 * assert.ok(Math.abs(x[0]! - 0.5) < 1e-12 && Math.abs(x[1]!) < 1e-12);
 * ```
 */
import { LearnwareError } from "../errors.ts";

export interface SolveOptions {
  /** Added to A's diagonal before factorising (A itself is not changed). Default 0. */
  ridge?: number;
}

/** Solves `(A + ridge·I) X = B`; returns X (n×r). `A` and `B` are left unchanged. */
export function solveSpd(A: Float64Array, n: number, B: Float64Array, r: number, options: SolveOptions = {}): Float64Array {
  if (A.length !== n * n) throw new RangeError(`solveSpd: A has ${A.length} entries, expected ${n}×${n}`);
  if (B.length !== n * r) throw new RangeError(`solveSpd: B has ${B.length} entries, expected ${n}×${r}`);
  const L = A.slice();
  const ridge = options.ridge ?? 0;
  if (ridge !== 0) for (let i = 0; i < n; i++) L[i * n + i] = L[i * n + i]! + ridge;
  for (let j = 0; j < n; j++) {
    let s = L[j * n + j]!;
    for (let p = 0; p < j; p++) s -= L[j * n + p]! * L[j * n + p]!;
    if (!(s > 0)) throw new LearnwareError("DATA_INVALID", `Matrix is not positive definite at pivot ${j} (${s})`, { pivot: j });
    const ljj = Math.sqrt(s);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = L[i * n + j]!;
      for (let p = 0; p < j; p++) t -= L[i * n + p]! * L[j * n + p]!;
      L[i * n + j] = t / ljj;
    }
  }
  const X = B.slice();
  for (let c = 0; c < r; c++) {
    for (let i = 0; i < n; i++) {
      let t = X[i * r + c]!;
      for (let p = 0; p < i; p++) t -= L[i * n + p]! * X[p * r + c]!;
      X[i * r + c] = t / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let t = X[i * r + c]!;
      for (let p = i + 1; p < n; p++) t -= L[p * n + i]! * X[p * r + c]!;
      X[i * r + c] = t / L[i * n + i]!;
    }
  }
  return X;
}
