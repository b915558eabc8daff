/**
 * k-means: greedy k-means++ seeding (as scikit-learn's `KMeans` does, `2 + ⌊ln k⌋` local
 * trials per centre) followed by Lloyd iterations. Both skip, by the triangle inequality,
 * the distances that cannot change the result (Hamerly's bounds in Lloyd), and send the rest
 * to `getKernelBackend().sqDistBlockInto`, so a wasm backend speeds them up unchanged. The
 * result is that of plain k-means++ and Lloyd, bit for bit. Empty clusters are re-seeded
 * with the points farthest from their centres. Deterministic for a given seed.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { kmeans } from "./kmeans.ts";
 * import { fromRows } from "../matrix.ts";
 * const X = fromRows([[0, 0], [0, 1], [10, 10], [10, 11]]);
 * const r = kmeans(X, 2, { seed: 1 });
 * assert.equal(r.labels[0], r.labels[1]);
 * assert.equal(r.labels[2], r.labels[3]);
 * assert.notEqual(r.labels[0], r.labels[2]);
 * assert.ok(Math.abs(r.inertia - 1) < 1e-12);
 * ```
 */
import { getKernelBackend } from "../kernel/backend.ts";
import { sqDist } from "../kernel/reference.ts";
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
  const n = X.rows,
    d = X.cols;
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
    const res = lloyd(X, centers, maxIterations, tolAbs, options.signal, onProgress ? (f) => onProgress((run + f) / nInit) : undefined);
    if (best === null || res.inertia < best.inertia) best = res;
  }
  return best!;
}

function meanColumnVariance(X: Matrix): number {
  const n = X.rows,
    d = X.cols;
  const mean = new Float64Array(d),
    m2 = new Float64Array(d);
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

/** Rows per `sqDistBlockInto` call when distances of many rows are needed at once. */
const BLOCK_ROWS = 2048;
/**
 * Relative safety margin of the triangle-inequality tests: a bound only skips work when it
 * wins by more than this, far above the ~1e-14 relative error of the computed distances, so
 * skipping never changes a result (ties are always recomputed).
 */
const MARGIN = 1e-9;

/** Index of the first cumulative sum strictly above `r` (clamped to the last index). */
function searchSorted(cum: Float64Array, r: number): number {
  let lo = 0,
    hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Copies rows `idx[0..m)` of X into `dst` (m×d) and returns it as a matrix. */
function gather(X: Matrix, idx: Int32Array, m: number, dst: Float64Array): Matrix {
  const d = X.cols;
  for (let t = 0; t < m; t++) {
    const r = idx[t]!;
    dst.set(X.data.subarray(r * d, r * d + d), t * d);
  }
  return { rows: m, cols: d, data: dst.subarray(0, m * d) };
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's local-trial variant). Each step
 * draws `2 + ⌊ln k⌋` candidates ∝ D² and keeps the one that lowers the potential most. The
 * triangle inequality skips the rows a candidate cannot move: when ‖c_own − cand‖ ≥
 * 2‖x − c_own‖, cand is no closer to x than its current centre. Only the remaining rows are
 * sent to the backend (all candidates of a step in one call), and the potentials are summed
 * in row order exactly as without the skipping, so the centres are the same bits.
 */
function kmeansPlusPlus(X: Matrix, k: number, rng: Rng): Float64Array {
  const n = X.rows,
    d = X.cols;
  const backend = getKernelBackend();
  const centers = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(n);
  const owner = new Int32Array(n);
  const cum = new Float64Array(n);
  const cand = new Int32Array(trials);
  const candData = new Float64Array(trials * d);
  const ccSq = new Float64Array(k * trials); // ‖c_m − cand_t‖², m×trials
  const pos = new Int32Array(n);
  const idx = new Int32Array(n);
  const rowsBuf = new Float64Array(Math.min(n, BLOCK_ROWS) * d);
  const near = new Float64Array(n * trials); // distances of the gathered rows, by gather position
  const pots = new Float64Array(trials);

  const first = rng.nextInt(n);
  centers.set(X.data.subarray(first * d, first * d + d), 0);
  const firstRow: Matrix = { rows: 1, cols: d, data: centers.subarray(0, d) };
  for (let b0 = 0; b0 < n; b0 += BLOCK_ROWS) {
    const rows = Math.min(BLOCK_ROWS, n - b0);
    backend.sqDistBlockInto(closest.subarray(b0, b0 + rows), { rows, cols: d, data: X.data.subarray(b0 * d, (b0 + rows) * d) }, firstRow);
  }

  for (let c = 1; c < k; c++) {
    let pot = 0;
    for (let i = 0; i < n; i++) {
      pot += closest[i]!;
      cum[i] = pot;
    }
    for (let t = 0; t < trials; t++) {
      const r = pot > 0 ? searchSorted(cum, rng.next() * pot) : rng.nextInt(n);
      cand[t] = r;
      candData.set(X.data.subarray(r * d, r * d + d), t * d);
    }
    const candM: Matrix = { rows: trials, cols: d, data: candData };
    backend.sqDistBlockInto(ccSq, { rows: c, cols: d, data: centers.subarray(0, c * d) }, candM);
    // Rows some candidate may bring closer: their distances to all candidates, in blocks.
    let m = 0;
    for (let i = 0; i < n; i++) {
      const lim = 4 * closest[i]! * (1 + MARGIN),
        o = owner[i]! * trials;
      let needed = false;
      for (let t = 0; t < trials; t++)
        if (ccSq[o + t]! < lim) {
          needed = true;
          break;
        }
      if (needed) {
        pos[i] = m;
        idx[m++] = i;
      } else pos[i] = -1;
    }
    if (m > n >> 1) {
      // In high dimensions distances concentrate and few rows are skipped: measure all of them
      // straight from X rather than gathering (the sums below read the same values either way).
      m = n;
      for (let i = 0; i < n; i++) {
        pos[i] = i;
        idx[i] = i;
      }
      for (let b0 = 0; b0 < n; b0 += BLOCK_ROWS) {
        const rows = Math.min(BLOCK_ROWS, n - b0);
        backend.sqDistBlockInto(near.subarray(b0 * trials), { rows, cols: d, data: X.data.subarray(b0 * d, (b0 + rows) * d) }, candM);
      }
    } else {
      for (let g0 = 0; g0 < m; g0 += BLOCK_ROWS) {
        const rows = Math.min(BLOCK_ROWS, m - g0);
        backend.sqDistBlockInto(near.subarray(g0 * trials), gather(X, idx.subarray(g0), rows, rowsBuf), candM);
      }
    }
    for (let t = 0; t < trials; t++) {
      let p = 0;
      for (let i = 0; i < n; i++) {
        const v = closest[i]!,
          q = pos[i]!;
        if (q >= 0) {
          const w = near[q * trials + t]!;
          p += w < v ? w : v;
        } else p += v;
      }
      pots[t] = p;
    }
    let bestT = 0;
    for (let t = 1; t < trials; t++) if (pots[t]! < pots[bestT]!) bestT = t;
    centers.set(candData.subarray(bestT * d, bestT * d + d), c * d);
    for (let q = 0; q < m; q++) {
      const w = near[q * trials + bestT]!,
        i = idx[q]!;
      if (w < closest[i]!) {
        closest[i] = w;
        owner[i] = c;
      }
    }
  }
  return centers;
}

/**
 * Lloyd's iterations with Hamerly's bounds (an upper bound on each row's distance to its centre,
 * a lower bound on its distance to every other centre, both moved by the centre shifts): a row
 * whose bounds prove its centre is still the nearest is not measured again. Rows that are
 * measured get all k distances from the backend and the lowest index wins ties, so the labels,
 * centres and iteration count are those of plain Lloyd.
 */
function lloyd(
  X: Matrix,
  centerData: Float64Array,
  maxIterations: number,
  tolAbs: number,
  signal: AbortSignal | undefined,
  onProgress: ((fraction: number) => void) | undefined,
): KMeansResult {
  const n = X.rows,
    d = X.cols,
    k = centerData.length / d,
    x = X.data;
  const backend = getKernelBackend();
  const centers: Matrix = { rows: k, cols: d, data: centerData };
  const labels = new Int32Array(n),
    prev = new Int32Array(n);
  const upper = new Float64Array(n).fill(Infinity),
    lower = new Float64Array(n);
  const dists = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const shiftOf = new Float64Array(k),
    half = new Float64Array(k),
    cc = new Float64Array(k * k);
  const idx = new Int32Array(n);
  const rowsBuf = new Float64Array(Math.min(n, BLOCK_ROWS) * d);
  const block = new Float64Array(Math.min(n, BLOCK_ROWS) * k);
  let iterations = 0;
  let consistent = false;
  for (let it = 0; it < maxIterations; it++) {
    signal?.throwIfAborted();
    // ½ · distance from each centre to its nearest other centre.
    backend.sqDistBlockInto(cc, centers, centers);
    for (let c = 0; c < k; c++) {
      let best = Infinity;
      for (let o = 0; o < k; o++) if (o !== c && cc[c * k + o]! < best) best = cc[c * k + o]!;
      half[c] = 0.5 * Math.sqrt(best);
    }
    let m = 0;
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      const bound = (half[a]! > lower[i]! ? half[a]! : lower[i]!) * (1 - MARGIN);
      if (upper[i]! < bound) continue;
      if (upper[i]! !== Infinity) {
        // a loose bound: tighten it before measuring all k
        const u = Math.sqrt(sqDist(x, i * d, centerData, a * d, d));
        upper[i] = u;
        if (u < bound) continue;
      }
      idx[m++] = i;
    }
    for (let g0 = 0; g0 < m; g0 += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, m - g0);
      backend.sqDistBlockInto(block, gather(X, idx.subarray(g0), rows, rowsBuf), centers);
      for (let q = 0; q < rows; q++) {
        const o = q * k;
        let b1 = Infinity,
          b2 = Infinity,
          l1 = 0;
        for (let c = 0; c < k; c++) {
          const v = block[o + c]!;
          if (v < b1) {
            b2 = b1;
            b1 = v;
            l1 = c;
          } else if (v < b2) b2 = v;
        }
        const i = idx[g0 + q]!;
        labels[i] = l1;
        upper[i] = Math.sqrt(b1);
        lower[i] = Math.sqrt(b2);
      }
    }
    iterations = it + 1;
    if (it > 0 && sameLabels(labels, prev)) {
      consistent = true;
      break;
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i]!,
        o = i * d,
        co = c * d;
      counts[c]! += 1;
      for (let j = 0; j < d; j++) sums[co + j]! += x[o + j]!;
    }
    let empty = false;
    for (let c = 0; c < k; c++)
      if (counts[c] === 0) {
        empty = true;
        break;
      }
    if (empty) {
      for (let i = 0; i < n; i++) dists[i] = sqDist(x, i * d, centerData, labels[i]! * d, d);
      relocateEmptyClusters(X, labels, dists, sums, counts);
      upper.fill(Infinity); // the relocated rows moved: measure every row again
      lower.fill(0);
    }
    prev.set(labels);
    let shift = 0,
      max1 = 0,
      max2 = 0,
      maxC = -1;
    for (let c = 0; c < k; c++) {
      const co = c * d,
        inv = 1 / counts[c]!;
      let sc = 0;
      for (let j = 0; j < d; j++) {
        const v = sums[co + j]! * inv;
        const t = v - centerData[co + j]!;
        sc += t * t;
        centerData[co + j] = v;
      }
      shift += sc;
      const r = Math.sqrt(sc);
      shiftOf[c] = r;
      if (r > max1) {
        max2 = max1;
        max1 = r;
        maxC = c;
      } else if (r > max2) max2 = r;
    }
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      upper[i]! += shiftOf[a]!;
      lower[i]! -= a === maxC ? max2 : max1;
    }
    onProgress?.(iterations / maxIterations);
    if (shift <= tolAbs) break;
  }
  if (!consistent) backend.nearestCentersInto(labels, dists, X, centers);
  else for (let i = 0; i < n; i++) dists[i] = sqDist(x, i * d, centerData, labels[i]! * d, d);
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
function relocateEmptyClusters(X: Matrix, labels: Int32Array, dists: Float64Array, sums: Float64Array, counts: Float64Array): void {
  const n = X.rows,
    d = X.cols,
    k = counts.length;
  for (let c = 0; c < k; c++) {
    if (counts[c]! > 0) continue;
    let far = -1,
      farD = -1;
    for (let i = 0; i < n; i++) {
      if (dists[i]! > farD && counts[labels[i]!]! > 1) {
        farD = dists[i]!;
        far = i;
      }
    }
    if (far < 0) continue; // cannot happen when n ≥ k
    const old = labels[far]!,
      o = far * d;
    counts[old]! -= 1;
    for (let j = 0; j < d; j++) sums[old * d + j]! -= X.data[o + j]!;
    counts[c] = 1;
    for (let j = 0; j < d; j++) sums[c * d + j] = X.data[o + j]!;
    labels[far] = c;
    dists[far] = -1;
  }
}
