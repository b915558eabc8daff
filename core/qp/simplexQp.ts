/**
 * The simplex-constrained convex QP of the learnware market (RKME weights, mixture weights):
 *
 *     min ½·bᵀKb − Cᵀb   subject to  b ≥ 0,  Σb = 1
 *
 * solved exactly by a primal active-set method. Internally `K` is replaced by
 * `K̃ = K + ρ·11ᵀ`, which changes the objective only by a constant on `Σb = 1` and is
 * positive definite on a working set exactly when the reduced Hessian of `K` is, so one
 * updatable Cholesky factor of `K̃[F, F]` serves every working set `F` with no reference
 * variable. Adding a variable whose pivot vanishes (duplicated or collinear kernel points,
 * rank-deficient or slightly indefinite `K`) yields a feasible direction of zero curvature
 * that descends; the method follows it to the next bound, which restores a nonsingular
 * working set. Nothing is regularised, so the result is the exact optimum up to rounding.
 * The algorithm lives in `activeSetSolver.ts`; this file is the checked public entry.
 *
 * @module
 */
import { ActiveSetSolver } from "./activeSetSolver.ts";

/** Options of {@link solveSimplexQp}. */
export interface QpOptions {
  /**
   * Cap on active-set steps (a crash-start round, a variable entering, a move toward the
   * working set's minimiser); default `20·n + 100`, far above what any problem needs.
   */
  maxIterations?: number;
}

/** Outcome of {@link solveSimplexQp}; `x` is always feasible (`x ≥ 0`, `Σx = 1`). */
export interface QpResult {
  /** `"optimal"` when the KKT conditions hold; `"max_iterations"` when the cap stopped it. */
  status: "optimal" | "max_iterations";
  /** The weights, length `n`; variables off the support are exactly 0. */
  x: Float64Array;
  /** `½·xᵀKx − Cᵀx` at `x`. */
  objective: number;
  /** Active-set steps taken. */
  iterations: number;
}

/**
 * Minimises `½·bᵀKb − Cᵀb` over the probability simplex `{b ≥ 0, Σb = 1}`.
 *
 * `K` is an `n × n` symmetric positive semi-definite matrix, row-major (its symmetric part
 * `(K + Kᵀ)/2` is what is minimised); singular `K` (duplicated kernel points, low rank) and
 * rounding-level indefiniteness are handled. The method is a deterministic primal
 * active-set method on an updatable Cholesky factor: O(n²) work per step, one step per
 * variable that enters or leaves the working set, and a crash start (one O(n³/6)
 * factorisation) when most variables end up in the support, as RKME weights do. n = 100
 * takes about 0.5–1.5 ms in plain TypeScript; n ≤ 25 well under 0.1 ms.
 *
 * At the returned optimum, with `g = Kx − C` and `ν = −Σ gᵢxᵢ / Σ xᵢ`, every multiplier
 * `λ = g + ν` is ≈ 0 on the support and ≥ 0 off it.
 *
 * @param K row-major `n × n` matrix (`Float64Array` of length `n·n`), finite
 * @param C linear term, length `n`, finite
 * @param n number of variables, an integer ≥ 1
 * @param options `maxIterations` caps the active-set steps
 * @returns `{ status, x, objective, iterations }`; `x` is feasible even when the step cap
 *   stops the method early (`status: "max_iterations"`)
 * @throws {RangeError} when `n` is not a positive integer, a length does not match `n`, or
 *   a value of `K` or `C` is not finite
 * @throws {TypeError} when `K` or `C` is not a `Float64Array`
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { solveSimplexQp } from "./simplexQp.ts";
 * // min ½(b₀² + b₁²) − 0.5·b₀ − 0.4·b₁ + 0.2·b₀b₁ on the simplex: b = [0.5625, 0.4375].
 * const K = new Float64Array([1, 0.2, 0.2, 1]);
 * const C = new Float64Array([0.5, 0.4]);
 * const { status, x, objective } = solveSimplexQp(K, C, 2);
 * assert.equal(status, "optimal");
 * assert.ok(Math.abs(x[0]! - 0.5625) < 1e-12);
 * assert.ok(Math.abs(x[1]! - 0.4375) < 1e-12);
 * assert.ok(Math.abs(objective + 0.153125) < 1e-12);
 * ```
 */
export function solveSimplexQp(K: Float64Array, C: Float64Array, n: number, options: QpOptions = {}): QpResult {
  if (!(K instanceof Float64Array)) throw new TypeError(`K must be a Float64Array, got ${describe(K)}`);
  if (!(C instanceof Float64Array)) throw new TypeError(`C must be a Float64Array, got ${describe(C)}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (K.length !== n * n) throw new RangeError(`K has length ${K.length}, expected n·n = ${n * n} for n = ${n}`);
  if (C.length !== n) throw new RangeError(`C has length ${C.length}, expected n = ${n}`);
  const maxIterations = options.maxIterations ?? 20 * n + 100;
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new RangeError(`maxIterations must be a non-negative integer, got ${maxIterations}`);
  }
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(K[i]!)) {
      throw new RangeError(`K[${Math.floor(i / n)}][${i % n}] must be finite, got ${K[i]}`);
    }
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(C[i]!)) throw new RangeError(`C[${i}] must be finite, got ${C[i]}`);
  }
  return new ActiveSetSolver(K, C, n).run(maxIterations);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object") return typeof v;
  return (v as object).constructor?.name ?? "object";
}
