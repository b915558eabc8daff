/**
 * Random Fourier features of the RBF kernel `k(x, y) = exp(−γ‖x − y‖²)`, so that the mean
 * embedding of an RKME becomes a fixed-length vector whose squared distances approximate
 * MMD².
 *
 * With frequencies `w_f` (f < F) drawn from the kernel's spectral density `N(0, 2γ I)`,
 * `φ(x) = F^{-1/2} [cos(w_f·x), sin(w_f·x)]_f` satisfies `E⟨φ(x), φ(y)⟩ = k(x, y)` and
 * `⟨φ(x), φ(x)⟩ = 1` exactly (the kernel's diagonal is reproduced without noise, which the
 * random-phase variant does not). The frequencies are *orthogonal random features*: blocks of
 * `dim` mutually orthogonal directions with chi-distributed lengths, which keep the marginal
 * law of each `w_f` and lower the variance of the kernel estimate (Yu et al., 2016).
 *
 * One map serves one (dimension, gamma) bucket; it is fully determined by
 * `{dim, gamma, features, seed}`, so the server stores only those four numbers.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { createFeatureMap } from "./featureMap.ts";
 * const map = createFeatureMap({ dim: 3, gamma: 0.5, features: 64, seed: 1 });
 * assert.equal(map.frequencies.length, 32 * 3);
 * assert.equal(map.features, 64);
 * ```
 */
import { createRng } from "../random.ts";

export interface FeatureMapOptions {
  /** Dimension of the spec points (`z.cols`). */
  dim: number;
  /** RBF bandwidth of the specs in this bucket. */
  gamma: number;
  /** Sketch length D (even: D/2 frequencies, a cos and a sin feature each). Default 256. */
  features?: number;
  /** Seed of the frequencies. Default 0. */
  seed?: number;
}

export interface FeatureMap {
  readonly dim: number;
  readonly gamma: number;
  /** Sketch length D. */
  readonly features: number;
  readonly seed: number;
  /** (D/2)×dim frequencies, row-major. */
  readonly frequencies: Float64Array;
}

/** Draws the frequencies of a feature map; same options → identical map. */
export function createFeatureMap(options: FeatureMapOptions): FeatureMap {
  const { dim, gamma } = options;
  const features = options.features ?? 256;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Feature map dim must be a positive integer, got ${dim}`);
  if (typeof gamma !== "number" || !Number.isFinite(gamma) || gamma <= 0) {
    throw new RangeError(`Feature map gamma must be a positive finite number, got ${gamma}`);
  }
  if (!Number.isInteger(features) || features < 2 || features % 2 !== 0) {
    throw new RangeError(`Feature map features must be a positive even integer, got ${features}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`Feature map seed must be an integer, got ${seed}`);
  const nf = features / 2;
  const rng = createRng(seed * 2654435761 + dim * 40503 + 17);
  const freq = new Float64Array(nf * dim);
  const scale = Math.sqrt(2 * gamma);
  const block = new Float64Array(dim * dim);
  for (let start = 0; start < nf; start += dim) {
    // A dim×dim Gaussian matrix, orthonormalised row by row (modified Gram–Schmidt).
    for (let i = 0; i < dim * dim; i++) block[i] = rng.normal();
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let k = 0; k < dim; k++) dot += block[i * dim + k]! * block[j * dim + k]!;
        for (let k = 0; k < dim; k++) block[i * dim + k] = block[i * dim + k]! - dot * block[j * dim + k]!;
      }
      let norm = 0;
      for (let k = 0; k < dim; k++) norm += block[i * dim + k]! ** 2;
      norm = Math.sqrt(norm);
      for (let k = 0; k < dim; k++) block[i * dim + k] = block[i * dim + k]! / norm;
    }
    const rows = Math.min(dim, nf - start);
    for (let i = 0; i < rows; i++) {
      // Length of a dim-dimensional standard normal vector (chi with dim degrees of freedom).
      let len = 0;
      for (let k = 0; k < dim; k++) len += rng.normal() ** 2;
      const s = scale * Math.sqrt(len);
      for (let k = 0; k < dim; k++) freq[(start + i) * dim + k] = s * block[i * dim + k]!;
    }
  }
  return { dim, gamma, features, seed, frequencies: freq };
}

/** The bucket key of a (dimension, gamma) pair: specs are only compared within a bucket. */
export function bucketKey(dim: number, gamma: number): string {
  return `${dim}:${gamma}`;
}
