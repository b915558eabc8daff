/**
 * The kernel backend: the few hot loops of the market's math behind one interface.
 *
 * `core` ships a plain TypeScript reference (`referenceBackend`); `wasm/` implements the
 * same interface with SIMD. Entry points (server, runner, CLI, page) install the fast
 * backend with `setKernelBackend`; `core` itself never imports `wasm/`.
 *
 * The RBF kernel is `k_γ(x, y) = exp(−γ‖x − y‖²)`, with ‖x − y‖² summed from the
 * coordinate differences (not ‖x‖² + ‖y‖² − 2x·y, which cancels badly far from the origin).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { getKernelBackend } from "./backend.ts";
 * import { fromRows } from "../matrix.ts";
 * const a = fromRows([[0, 0]]), b = fromRows([[1, 0]]);
 * const out = new Float64Array(1);
 * getKernelBackend().rbfBlockInto(out, a, b, 0.5);
 * assert.ok(Math.abs(out[0]! - Math.exp(-0.5)) < 1e-15);
 * ```
 */
import type { Matrix } from "../matrix.ts";
import { referenceBackend } from "./reference.ts";

export interface KernelBackend {
  /** A short name, e.g. `"reference"` or `"wasm-simd"`. */
  readonly name: string;
  /** `out[i·b.rows + j] = exp(−γ‖a_i − b_j‖²)`; `out.length ≥ a.rows·b.rows`. */
  rbfBlockInto(out: Float64Array, a: Matrix, b: Matrix, gamma: number): void;
  /**
   * `Σ_i wa_i · (Σ_j wb_j · exp(−γ‖a_i − b_j‖²))`, i outer and j inner. Deterministic for
   * given inputs, so identical arguments give bit-identical sums (MMD² of a spec to itself is 0).
   */
  rbfWeightedSum(a: Matrix, wa: Float64Array, b: Matrix, wb: Float64Array, gamma: number): number;
  /**
   * `out[i] = Σ_j wb_j · exp(−γ‖a_i − b_j‖²)`. When `outPoints` (length a.rows·a.cols) is
   * given it also receives `outPoints[i,:] = Σ_j wb_j · k(a_i, b_j) · b_j` (the Z-gradient term).
   */
  rbfRowSumsInto(out: Float64Array, a: Matrix, b: Matrix, wb: Float64Array, gamma: number, outPoints?: Float64Array): void;
  /**
   * k-means assignment: `labels[i] = argmin_c ‖x_i − c_c‖²` (lowest index on ties) and
   * `dists[i]` that squared distance.
   */
  nearestCentersInto(labels: Int32Array, dists: Float64Array, x: Matrix, centers: Matrix): void;
  /**
   * `out[i·b.rows + j] = ‖a_i − b_j‖²`, summed from coordinate differences in order (the same
   * bits as the squared distances inside `nearestCentersInto`); `out.length ≥ a.rows·b.rows`.
   */
  sqDistBlockInto(out: Float64Array, a: Matrix, b: Matrix): void;
  /**
   * Optional batch: `out[s] = Σ_i sets[s].beta_i Σ_j b.beta_j exp(−γ_s‖z_i − b_j‖²)`, each
   * bit-identical to `rbfWeightedSum(sets[s].z, sets[s].beta, b.z, b.beta, sets[s].gamma)`
   * (one copy of `b` for all sets: a search's `ip(learnware, user)` loop in one call).
   */
  rbfWeightedSumsMany?(sets: readonly WeightedPointSet[], b: { z: Matrix; beta: Float64Array }): Float64Array;
  /** Optional batch: `out[s] = ip(sets[s], sets[s])`, each bit-identical to the single call. */
  rbfSelfSumsMany?(sets: readonly WeightedPointSet[]): Float64Array;
}

/** A weighted point set with its own RBF bandwidth (what the batched sums take). */
export interface WeightedPointSet {
  readonly z: Matrix;
  readonly beta: Float64Array;
  readonly gamma: number;
}

let current: KernelBackend = referenceBackend;

/** The backend in use (the TypeScript reference unless an entry point installed another). */
export function getKernelBackend(): KernelBackend {
  return current;
}

/** Installs a backend for the whole process/worker; returns the previous one. */
export function setKernelBackend(backend: KernelBackend): KernelBackend {
  const prev = current;
  current = backend;
  return prev;
}

/** Throws a RangeError naming both shapes when column counts differ. */
export function assertSameCols(a: Matrix, b: Matrix, what: string): void {
  if (a.cols !== b.cols) {
    throw new RangeError(`${what}: dimension mismatch, ${a.rows}x${a.cols} vs ${b.rows}x${b.cols}`);
  }
}

/** Contiguous, balanced `[start, end)` ranges of `n` items for `parts` threads. */
export function splitRange(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < parts; t++) {
    const a = Math.floor((n * t) / parts),
      b = Math.floor((n * (t + 1)) / parts);
    if (b > a) out.push([a, b]);
  }
  return out;
}
