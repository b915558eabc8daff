/**
 * Inner products and MMD² between kernel mean embeddings (weighted point sets), as the
 * Python package's `RKMETableSpecification.inner_prod` / `dist` define them.
 *
 * `ip(A, B) = Σ_i Σ_j βA_i βB_j exp(−γA ‖zA_i − zB_j‖²)` uses **the gamma of the first
 * argument**; `mmd2(A, B) = ip(A, A) − 2·ip(A, B) + ip(B, B)` (the last term with γB), so
 * with mixed gammas it is asymmetric and may be negative. All three terms go through the
 * same backend call with the same summation order, so an identical pair gives exactly 0.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { innerProduct, mmd2 } from "./mmd.ts";
 * import { fromRows } from "../matrix.ts";
 * const a = { z: fromRows([[0, 0], [1, 0]]), beta: new Float64Array([0.5, 0.5]), gamma: 0.1 };
 * assert.equal(mmd2(a, a), 0);
 * assert.ok(Math.abs(innerProduct(a, a) - (0.5 + 0.5 * Math.exp(-0.1))) < 1e-15);
 * ```
 */
import type { Matrix } from "../matrix.ts";
import { assertSameCols, getKernelBackend } from "./backend.ts";

/** A weighted point set in an RBF kernel space (an RKME table spec is one). */
export interface KernelMeanEmbedding {
  readonly z: Matrix;
  readonly beta: Float64Array;
  readonly gamma: number;
}

function checkEmbedding(e: KernelMeanEmbedding, what: string): void {
  if (e.beta.length !== e.z.rows) {
    throw new RangeError(`${what}: beta has length ${e.beta.length} but z has ${e.z.rows} rows`);
  }
}

/** `ip(a, b)` with `a.gamma`. Throws a RangeError when the dimensions differ. */
export function innerProduct(a: KernelMeanEmbedding, b: KernelMeanEmbedding): number {
  checkEmbedding(a, "innerProduct (first argument)");
  checkEmbedding(b, "innerProduct (second argument)");
  assertSameCols(a.z, b.z, "innerProduct");
  return getKernelBackend().rbfWeightedSum(a.z, a.beta, b.z, b.beta, a.gamma);
}

/**
 * `out[s] = ip(sets[s], b)` (each with its own gamma): the backend's batch when it has one,
 * otherwise one `innerProduct` per set; the values are the same bits either way.
 */
export function innerProductsMany(sets: readonly KernelMeanEmbedding[], b: KernelMeanEmbedding): Float64Array {
  checkEmbedding(b, "innerProductsMany (second argument)");
  for (const a of sets) {
    checkEmbedding(a, "innerProductsMany (a set)");
    assertSameCols(a.z, b.z, "innerProductsMany");
  }
  const backend = getKernelBackend();
  if (!backend.rbfWeightedSumsMany || sets.length < 2) {
    return Float64Array.from(sets, (a) => backend.rbfWeightedSum(a.z, a.beta, b.z, b.beta, a.gamma));
  }
  const out = new Float64Array(sets.length);
  for (let s0 = 0; s0 < sets.length; s0 += BATCH_SETS) {
    out.set(backend.rbfWeightedSumsMany(sets.slice(s0, s0 + BATCH_SETS), b), s0);
  }
  return out;
}

/** Sets per batched backend call: bounds the backend's copy (~16 MB at K = 100, d = 20). */
const BATCH_SETS = 1024;

/** `out[s] = ip(sets[s], sets[s])`, batched when the backend can (same bits either way). */
export function selfInnerProductsMany(sets: readonly KernelMeanEmbedding[]): Float64Array {
  for (const a of sets) checkEmbedding(a, "selfInnerProductsMany");
  const backend = getKernelBackend();
  if (!backend.rbfSelfSumsMany || sets.length < 2) {
    return Float64Array.from(sets, (a) => backend.rbfWeightedSum(a.z, a.beta, a.z, a.beta, a.gamma));
  }
  const out = new Float64Array(sets.length);
  for (let s0 = 0; s0 < sets.length; s0 += BATCH_SETS) out.set(backend.rbfSelfSumsMany(sets.slice(s0, s0 + BATCH_SETS)), s0);
  return out;
}

/**
 * MMD² as the Python `dist`: `ip(a,a) − 2·ip(a,b) + ip(b,b)`, evaluated left to right.
 * Exactly 0 for identical embeddings; asymmetric (possibly negative) with mixed gammas.
 */
export function mmd2(a: KernelMeanEmbedding, b: KernelMeanEmbedding): number {
  const aa = innerProduct(a, a);
  const ab = innerProduct(a, b);
  const bb = innerProduct(b, b);
  return aa - 2 * ab + bb;
}
