/**
 * k-means: greedy k-means++ seeding (as scikit-learn's `KMeans` does, `2 + ⌊ln k⌋` local
 * trials per centre) followed by Lloyd iterations. The assignment step — the only
 * O(n·k·d) loop — goes through `getKernelBackend().nearestCentersInto`, so a wasm backend
 * speeds it up unchanged. Empty clusters are re-seeded with the points farthest from
 * their centres. Deterministic for a given seed.
 *
 * @example
 * ```ts
 * import { kmeans } from "./kmeans.ts";
 * import { fromRows } from "../matrix.ts";
 * const X = fromRows([[0, 0], [0, 1], [10, 10], [10, 11]]);
 * const r = kmeans(X, 2, { seed: 1 });
 * console.assert(r.labels[0] === r.labels[1] && r.labels[2] === r.labels[3]);
 * console.assert(r.labels[0] !== r.labels[2] && Math.abs(r.inertia - 1) < 1e-12);
 * ```
 */
import { getKernelBackend } from "../kernel/backend.ts";
import type { Matrix } from "../matrix.ts";
import { createRng, type Rng } from "../random.ts";

export interface KMeansResult {
  /** k×d centres. */
  centers: Matrix;
  /** Index of each row's nearest centre (consistent with `centers`). */
  labels: Int32Array;
  /** Sum of squared distances of the rows to their centres. */
  inertia: number;
  /** Lloyd iterations of the best run. */
  iterations: number;
}

export interface KMeansOptions {
  /** Seed of the k-means++ sampling. Default 0. */
  seed?: number;
  /** Lloyd iteration cap per run. Default 300 (as scikit-learn). */
  maxIterations?: number;
  /**
   * Relative tolerance: a run stops when the squared centre shift of an iteration is at most
   * `tolerance · mean column variance of X` (scikit-learn's rule). Default 1e-4.
   */
  tolerance?: number;
  /** Independent seedings; the run with the lowest inertia wins. Default 1. */
  nInit?: number;
  /** Called after each Lloyd iteration with the fraction of the iteration budget used. */
  onProgress?: (fraction: number) => void;
  /** Checked between iterations; an aborted signal throws its reason. */
  signal?: AbortSignal;
}

/** Clusters the rows of `X` into `k` groups. */
export function kmeans(X: Matrix, k: number, options: KMeansOptions = {}): KMeansResult {
  const n = X.rows, d = X.cols;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (n < k) throw new RangeError(`k-means needs at least k = ${k} rows, got a ${n}x${d} matrix`);
  if (d < 1) throw new RangeError(`k-means needs at least one column, got a ${n}x${d} matrix`);
  if (X.data.length < n * d) throw new RangeError(`Matrix data length ${X.data.length} is short of ${n}x${d}`);
  const maxIterations = options.maxIterations ?? 300;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`maxIterations must be a positive integer, got ${maxIterations}`);
  }
  const tolerance = options.tolerance ?? 1e-4;
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be non-negative, got ${tolerance}`);
  const nInit = options.nInit ?? 1;
  if (!Number.isInteger(nInit) || nInit < 1) throw new RangeError(`nInit must be a positive integer, got ${nInit}`);
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(X.data[i]!)) {
      throw new RangeError(`k-means input must be finite, got ${X.data[i]} at row ${Math.floor(i / d)}, column ${i % d}`);
    }
  }

  const tolAbs = tolerance * meanColumnVariance(X);
  const rng = createRng(options.seed ?? 0);
  let best: KMeansResult | null = null;
  for (let run = 0; run < nInit; run++) {
    options.signal?.throwIfAborted();
    const centers = kmeansPlusPlus(X, k, rng);
    const onProgress = options.onProgress;
    const res = lloyd(X, centers, maxIterations, tolAbs, options.signal, onProgress
      ? (f) => onProgress((run + f) / nInit)
      : undefined);
    if (best === null || res.inertia < best.inertia) best = res;
  }
  return best!;
}

function meanColumnVariance(X: Matrix): number {
  const n = X.rows, d = X.cols;
  const mean = new Float64Array(d), m2 = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j]! += X.data[o + j]!;
  }
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const t = X.data[o + j]! - mean[j]!;
      m2[j]! += t * t;
    }
  }
  let s = 0;
  for (let j = 0; j < d; j++) s += m2[j]! / n;
  return s / d;
}

/** A 1×d matrix viewing row `i` of `X` (no copy). */
function rowMatrix(X: Matrix, i: number): Matrix {
  return { rows: 1, cols: X.cols, data: X.data.subarray(i * X.cols, (i + 1) * X.cols) };
}

/** Index of the first cumulative sum strictly above `r` (clamped to the last index). */
function searchSorted(cum: Float64Array, r: number): number {
  let lo = 0, hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's local-trial variant). */
function kmeansPlusPlus(X: Matrix, k: number, rng: Rng): Float64Array {
  const n = X.rows, d = X.cols;
  const backend = getKernelBackend();
  const centers = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(n);
  const cum = new Float64Array(n);
  const candDist: Float64Array[] = [];
  for (let t = 0; t < trials; t++) candDist.push(new Float64Array(n));
  const labels = new Int32Array(n);

  const first = rng.nextInt(n);
  centers.set(X.data.subarray(first * d, first * d + d), 0);
  backend.nearestCentersInto(labels, closest, X, rowMatrix(X, first));

  for (let c = 1; c < k; c++) {
    let pot = 0;
    for (let i = 0; i < n; i++) { pot += closest[i]!; cum[i] = pot; }
    let bestIdx = -1, bestPot = Infinity, bestT = 0;
    for (let t = 0; t < trials; t++) {
      const idx = pot > 0 ? searchSorted(cum, rng.next() * pot) : rng.nextInt(n);
      const dist = candDist[t]!;
      backend.nearestCentersInto(labels, dist, X, rowMatrix(X, idx));
      let p = 0;
      for (let i = 0; i < n; i++) p += Math.min(closest[i]!, dist[i]!);
      if (p < bestPot) { bestPot = p; bestIdx = idx; bestT = t; }
    }
    centers.set(X.data.subarray(bestIdx * d, bestIdx * d + d), c * d);
    const dist = candDist[bestT]!;
    for (let i = 0; i < n; i++) if (dist[i]! < closest[i]!) closest[i] = dist[i]!;
  }
  return centers;
}

function lloyd(
  X: Matrix,
  centerData: Float64Array,
  maxIterations: number,
  tolAbs: number,
  signal: AbortSignal | undefined,
  onProgress: ((fraction: number) => void) | undefined,
): KMeansResult {
  const n = X.rows, d = X.cols, k = centerData.length / d;
  const backend = getKernelBackend();
  const centers: Matrix = { rows: k, cols: d, data: centerData };
  const labels = new Int32Array(n), prev = new Int32Array(n);
  const dists = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let iterations = 0;
  let consistent = false;
  for (let it = 0; it < maxIterations; it++) {
    signal?.throwIfAborted();
    backend.nearestCentersInto(labels, dists, X, centers);
    iterations = it + 1;
    if (it > 0 && sameLabels(labels, prev)) { consistent = true; break; }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!, o = i * d, co = c * d;
      counts[c]! += 1;
      for (let j = 0; j < d; j++) sums[co + j]! += X.data[o + j]!;
    }
    relocateEmptyClusters(X, labels, dists, sums, counts);
    prev.set(labels);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const co = c * d, inv = 1 / counts[c]!;
      for (let j = 0; j < d; j++) {
        const v = sums[co + j]! * inv;
        const t = v - centerData[co + j]!;
        shift += t * t;
        centerData[co + j] = v;
      }
    }
    onProgress?.(iterations / maxIterations);
    if (shift <= tolAbs) break;
  }
  if (!consistent) backend.nearestCentersInto(labels, dists, X, centers);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dists[i]!;
  onProgress?.(1);
  return { centers, labels, inertia, iterations };
}

function sameLabels(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Gives each empty cluster the point farthest from its centre (scikit-learn's rule), moving
 * that point's contribution out of its old cluster. `dists` is scratch afterwards.
 */
function relocateEmptyClusters(
  X: Matrix,
  labels: Int32Array,
  dists: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
): void {
  const n = X.rows, d = X.cols, k = counts.length;
  for (let c = 0; c < k; c++) {
    if (counts[c]! > 0) continue;
    let far = -1, farD = -1;
    for (let i = 0; i < n; i++) {
      if (dists[i]! > farD && counts[labels[i]!]! > 1) { farD = dists[i]!; far = i; }
    }
    if (far < 0) continue; // cannot happen when n ≥ k
    const old = labels[far]!, o = far * d;
    counts[old]! -= 1;
    for (let j = 0; j < d; j++) sums[old * d + j]! -= X.data[o + j]!;
    counts[c] = 1;
    for (let j = 0; j < d; j++) sums[c * d + j] = X.data[o + j]!;
    labels[far] = c;
    dists[far] = -1;
  }
}
