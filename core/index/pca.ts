/**
 * A small principal component analysis for the index's coarse quantiser: the top `p`
 * directions of a sample of sketches, by orthogonal (subspace) iteration on the sample
 * covariance — deterministic for a seed, no eigen-solver needed.
 *
 * @example
 * ```ts
 * import { fitPca, project } from "./pca.ts";
 * const x = new Float32Array([0, 0, 1, 0, 2, 0, 3, 0.01]); // 4 points in 2-d, spread along x
 * const pca = fitPca(x, 4, 2, 1, 0);
 * const out = new Float32Array(1);
 * project(pca, x.subarray(6, 8), out);
 * console.assert(Math.abs(Math.abs(out[0]!) - 1.5) < 1e-2);
 * ```
 */
import { createRng } from "../random.ts";

export interface Pca {
  /** Input dimension. */
  readonly dim: number;
  /** Output dimension. */
  readonly dims: number;
  /** Mean of the sample (length dim). */
  readonly mean: Float32Array;
  /** dims×dim orthonormal rows. */
  readonly basis: Float32Array;
}

/** Fits `p` principal directions to `n` rows of `dim` values in `x`. */
export function fitPca(x: Float32Array, n: number, dim: number, p: number, seed: number, iterations = 40): Pca {
  if (p > dim) throw new RangeError(`PCA: asked for ${p} directions of a ${dim}-dimensional space`);
  if (n < 1 || x.length < n * dim) throw new RangeError(`PCA: sample of ${n}x${dim} needs ${n * dim} values, got ${x.length}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] = mean[j]! + x[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j] = mean[j]! / n;
  // Covariance (upper triangle, mirrored).
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = x[i * dim + j]! - mean[j]!;
    for (let a = 0; a < dim; a++) {
      const ra = row[a]!;
      const o = a * dim;
      for (let b = a; b < dim; b++) cov[o + b] = cov[o + b]! + ra * row[b]!;
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a]!;
  // Orthogonal iteration: Q ← orth(C·Q), Q stored as p rows of length dim.
  const rng = createRng(seed + 911);
  let q = new Float64Array(p * dim).map(() => rng.normal());
  orthonormalise(q, p, dim);
  const next = new Float64Array(p * dim);
  for (let it = 0; it < iterations; it++) {
    for (let r = 0; r < p; r++) {
      for (let a = 0; a < dim; a++) {
        let s = 0;
        const o = a * dim;
        for (let b = 0; b < dim; b++) s += cov[o + b]! * q[r * dim + b]!;
        next[r * dim + a] = s;
      }
    }
    q.set(next);
    orthonormalise(q, p, dim);
  }
  return { dim, dims: p, mean: Float32Array.from(mean), basis: Float32Array.from(q) };
}

function orthonormalise(q: Float64Array, p: number, dim: number): void {
  for (let r = 0; r < p; r++) {
    for (let s = 0; s < r; s++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += q[r * dim + k]! * q[s * dim + k]!;
      for (let k = 0; k < dim; k++) q[r * dim + k] = q[r * dim + k]! - dot * q[s * dim + k]!;
    }
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += q[r * dim + k]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < dim; k++) q[r * dim + k] = q[r * dim + k]! / norm;
  }
}

/** `out = basis · (v − mean)`. */
export function project(pca: Pca, v: Float32Array, out: Float32Array, vOffset = 0): Float32Array {
  const { dim, dims, mean, basis } = pca;
  for (let r = 0; r < dims; r++) {
    let s = 0;
    const o = r * dim;
    for (let k = 0; k < dim; k++) s += basis[o + k]! * (v[vOffset + k]! - mean[k]!);
    out[r] = s;
  }
  return out;
}
