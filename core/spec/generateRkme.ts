/**
 * RKME generation from raw table data, following the Python package's
 * `RKMETableSpecification.generate_stat_spec_from_data`:
 *
 * 1. clean: ±Inf → NaN, each NaN → its column's mean of finite values (a column with no
 *    finite value is a `DATA_INVALID` error); the caller's matrix is never modified;
 * 2. `reduce: false` → `z` = the cleaned data with uniform weights `1/n`;
 * 3. cap K: `K ≥ n` → `max(1, ⌊2n/3⌋)`; `K·d > 1310720` → `max(20, ⌊1310720/d⌋)`; never above n;
 * 4. `z` ← k-means centres (k-means++ seeding, Lloyd; the Python package's random seeding
 *    with replacement can leave empty clusters and does measurably worse), on a seeded
 *    subsample of at most `kmeansMaxRows` rows (default max(1000, 20·k)) when n is larger; with
 *    `init: "best"` a start from k distinct data rows is also tried and the one whose β gives
 *    the lower MMD² is kept (better in d ≳ 10, where centroids shrink towards cluster means);
 * 5. `β` ← argmin ½βᵀKβ − Cᵀβ over the simplex (`K = k(Z,Z)`, `C_i = (1/n)Σ_n k(z_i, x_n)`),
 *    or `(K + 1e-5·I)⁻¹C` when `nonnegativeBeta` is false;
 * 6. `steps` times: one Z step then a new β solve. The Z step is the Python package's rule
 *    (`_update_z`), kept as written:
 *    `g_i = −2γβ_i·(Σ_j β_j k(z_i,z_j)(z_i − z_j) − (2/n)Σ_n k(z_i,x_n)(z_i − x_n))`,
 *    `z_i ← z_i − stepSize·g_i`, all rows from the same old Z. (The exact gradient of MMD² is
 *    `−4γβ_i(Σ_j … − (1/n)Σ_n …)`: Python's rule halves the Z–Z term, i.e. it steps on a
 *    different but nearby direction; with β_i ≈ 1/K the move is tiny either way.)
 *
 * Memory is O(n·d + K·d + K²): the data is streamed through the kernel backend in row
 * blocks (`rbfRowSumsInto` with the point-sum output gives C and the Z-gradient's data term
 * in one pass), never forming the K×n kernel matrix. One pass per β solve.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { generateRkme } from "./generateRkme.ts";
 * import { matrix } from "../matrix.ts";
 * import { createRng } from "../random.ts";
 * const rng = createRng(1), X = matrix(200, 2);
 * for (let i = 0; i < X.data.length; i++) X.data[i] = rng.normal();
 * const r = generateRkme(X, { K: 10 });
 * assert.equal(r.z.rows, 10);
 * assert.ok(Math.abs(r.beta.reduce((a, b) => a + b, 0) - 1) < 1e-9);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { getKernelBackend } from "../kernel/backend.ts";
import { kmeans } from "../kmeans/kmeans.ts";
import type { Matrix } from "../matrix.ts";
import { solveSpd } from "../linalg/solveSpd.ts";
import { solveSimplexQp } from "../qp/simplexQp.ts";
import { createRng } from "../random.ts";

export interface GenerateOptions {
  /** Reduced-set size before capping. Default 100. */
  K?: number;
  /** RBF bandwidth. Default 0.1. */
  gamma?: number;
  /** Z gradient step size. Default 0.1. */
  stepSize?: number;
  /** Alternating Z-step / β-solve rounds. Default 3. */
  steps?: number;
  /** Simplex-constrained β (true) or the regularised unconstrained solve. Default true. */
  nonnegativeBeta?: boolean;
  /** false → z is the cleaned data itself with uniform weights. Default true. */
  reduce?: boolean;
  /** Seed of the k-means seeding and of its row subsample. Default 0. */
  seed?: number;
  /**
   * k-means runs on a seeded random subsample of at most this many rows (β is always solved
   * on all rows). Default max(1000, 20·k), i.e. 2000 rows for K = 100. Fewer rows are not only
   * cheaper but give a *lower* MMD² to the data: centroids of many rows shrink towards their
   * cluster means, centroids of ~20 rows stay data-like (measured on 100k-row mixtures in
   * d = 5, 20, 50: 2000 rows beat 20 000 rows in every case, by 0.006–0.010 of MMD² in d ≥ 20;
   * see bench/README.md). `Infinity` uses every row.
   */
  kmeansMaxRows?: number;
  /**
   * `"kmeans"` (default, as the Python package): start from k-means centres. `"best"`: also
   * try k distinct random data rows (one more pass over the data) and keep the start whose
   * β gives the lower MMD² to the data — in d ≳ 10 data points often beat centroids, which
   * shrink towards the cluster means.
   */
  init?: "kmeans" | "best";
  /** Progress in [0, 1] with the current stage name. */
  onProgress?: (fraction: number, stage: string) => void;
  /** Checked between blocks and iterations; an aborted signal throws its reason. */
  signal?: AbortSignal;
}

export interface GeneratedRkme {
  z: Matrix;
  beta: Float64Array;
  gamma: number;
  numPoints: number;
}

/** Rows of X per kernel-backend call while streaming the data. */
const BLOCK_ROWS = 8192;
/** Default cap on the rows k-means sees, per reduced-set point, and its floor. */
const KMEANS_ROWS_PER_CENTER = 20;
const KMEANS_MIN_ROWS = 1000;
/** The Python package's cap on K·d. */
const MAX_K_TIMES_D = 1310720;
/** Lloyd iteration cap (the Python package's k-means `max_iter`). */
const KMEANS_MAX_ITERATIONS = 100;

/** The reduced-set size actually used for `n` rows of dimension `d` (see step 3 above). */
export function effectiveK(K: number, n: number, d: number): number {
  let k = K;
  if (k >= n) k = Math.max(1, Math.floor((2 * n) / 3));
  if (k * d > MAX_K_TIMES_D) k = Math.max(20, Math.floor(MAX_K_TIMES_D / d));
  return Math.max(1, Math.min(k, n));
}

/**
 * Returns X with ±Inf/NaN replaced by the column mean of the finite values: X itself when
 * every value is finite, otherwise a cleaned copy (X is never modified). A column with no
 * finite value throws `LearnwareError("DATA_INVALID")` naming it.
 */
export function cleanData(X: Matrix): Matrix {
  const { rows: n, cols: d, data } = X;
  let clean = true;
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(data[i]!)) {
      clean = false;
      break;
    }
  }
  if (clean) return X;
  const sums = new Float64Array(d),
    counts = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j]!;
      if (Number.isFinite(v)) {
        sums[j]! += v;
        counts[j]! += 1;
      }
    }
  }
  const bad: number[] = [];
  for (let j = 0; j < d; j++) if (counts[j] === 0) bad.push(j);
  if (bad.length > 0) {
    throw new LearnwareError(
      "DATA_INVALID",
      `All values in column ${bad[0]} are non-finite (NaN or ±Infinity)` + (bad.length > 1 ? `; so are columns ${bad.slice(1).join(", ")}` : ""),
      { columns: bad },
    );
  }
  const out = new Float64Array(data.subarray(0, n * d));
  for (let j = 0; j < d; j++) sums[j] = sums[j]! / counts[j]!;
  for (let i = 0; i < n * d; i++) if (!Number.isFinite(out[i]!)) out[i] = sums[i % d]!;
  return { rows: n, cols: d, data: out };
}

/** m distinct rows of E chosen uniformly (partial Fisher–Yates, seeded), in row order. */
function sampleRows(E: Matrix, m: number, seed: number): Matrix {
  const n = E.rows,
    d = E.cols;
  const rng = createRng(seed);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.nextInt(n - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  const chosen = idx.subarray(0, m).sort();
  const data = new Float64Array(m * d);
  for (let i = 0; i < m; i++) data.set(E.data.subarray(chosen[i]! * d, chosen[i]! * d + d), i * d);
  return { rows: m, cols: d, data };
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** Generates the reduced set and weights of an RKME table spec from raw data X (n×d). */
export function generateRkme(X: Matrix, options: GenerateOptions = {}): GeneratedRkme {
  if (X === null || typeof X !== "object" || !(X.data instanceof Float64Array)) {
    throw new TypeError("generateRkme: X must be a Matrix over a Float64Array");
  }
  const n = X.rows,
    d = X.cols;
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1) {
    throw new RangeError(`generateRkme: X must have at least one row and column, got ${n}x${d}`);
  }
  if (X.data.length !== n * d) throw new RangeError(`generateRkme: X data length ${X.data.length} does not match ${n}x${d}`);
  const K = positiveInt(options.K ?? 100, "K");
  const gamma = options.gamma ?? 0.1;
  if (!Number.isFinite(gamma) || gamma <= 0) throw new RangeError(`gamma must be a positive finite number, got ${gamma}`);
  const stepSize = options.stepSize ?? 0.1;
  if (!Number.isFinite(stepSize)) throw new RangeError(`stepSize must be finite, got ${stepSize}`);
  const steps = options.steps ?? 3;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative integer, got ${steps}`);
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be finite, got ${seed}`);
  const nonnegative = options.nonnegativeBeta ?? true;
  const { signal, onProgress } = options;

  signal?.throwIfAborted();
  onProgress?.(0, "clean");
  const E = cleanData(X);

  if (options.reduce === false) {
    const z: Matrix = { rows: n, cols: d, data: E === X ? X.data.slice(0, n * d) : E.data };
    onProgress?.(1, "done");
    return { z, beta: new Float64Array(n).fill(1 / n), gamma, numPoints: n };
  }

  const k = effectiveK(K, n, d);
  const init = options.init ?? "kmeans";
  if (init !== "kmeans" && init !== "best") throw new RangeError(`init must be "kmeans" or "best", got ${String(init)}`);
  // Progress budget: k-means half, the data passes (one per β solve) the other half.
  const passes = steps + 1 + (init === "best" ? 1 : 0);
  const passShare = 0.5 / passes;
  let passNo = 0;
  const reporter = (stage: string) => {
    const base = 0.5 + passNo++ * passShare;
    return onProgress ? (f: number) => onProgress(base + passShare * f, stage) : undefined;
  };
  const kmRows = options.kmeansMaxRows ?? Math.max(KMEANS_MIN_ROWS, KMEANS_ROWS_PER_CENTER * k);
  if (!(kmRows >= 1)) throw new RangeError(`kmeansMaxRows must be at least 1, got ${kmRows}`);
  const sample = n > kmRows ? sampleRows(E, Math.max(k, Math.floor(kmRows)), seed ^ 0x5eed) : E;
  const km = kmeans(sample, k, {
    seed,
    maxIterations: KMEANS_MAX_ITERATIONS,
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress: (f: number) => onProgress(0.5 * f, "kmeans") } : {}),
  });
  let Z = km.centers;

  // C (and P, the data term of the next Z step, when one follows) at the current Z, then β.
  const C = new Float64Array(k);
  const P = new Float64Array(k * d);
  const stream = new DataStream(E, k, gamma, signal);
  const Kzz = new Float64Array(k * k);
  stream.rowSums(Z, C, steps > 0 ? P : null, reporter("beta"));
  let beta = solveBeta(Z, C, gamma, Kzz, nonnegative);

  if (init === "best") {
    // Also try k distinct data rows; keep whichever start has the lower MMD² to the data.
    const current = mmdObjective(Kzz, beta, C);
    const Zr = sampleRows(E, k, seed ^ 0xb357);
    const Cr = new Float64Array(k),
      Pr = new Float64Array(k * d);
    stream.rowSums(Zr, Cr, steps > 0 ? Pr : null, reporter("beta"));
    const betaR = solveBeta(Zr, Cr, gamma, Kzz, nonnegative);
    if (mmdObjective(Kzz, betaR, Cr) < current) {
      Z = Zr;
      C.set(Cr);
      P.set(Pr);
      beta = betaR;
    }
  }

  const r = new Float64Array(k),
    Q = new Float64Array(k * d);
  for (let step = 1; step <= steps; step++) {
    zStep(Z, beta, C, P, gamma, stepSize, r, Q);
    stream.rowSums(Z, C, step < steps ? P : null, reporter("z-step"));
    beta = solveBeta(Z, C, gamma, Kzz, nonnegative);
  }
  onProgress?.(1, "done");
  return { z: Z, beta, gamma, numPoints: n };
}

/** The Z- and β-dependent part of MMD² to the data: `βᵀKβ − 2Cᵀβ` (K as last filled). */
function mmdObjective(Kzz: Float64Array, beta: Float64Array, C: Float64Array): number {
  const k = beta.length;
  let quad = 0,
    lin = 0;
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += Kzz[i * k + j]! * beta[j]!;
    quad += beta[i]! * s;
    lin += C[i]! * beta[i]!;
  }
  return quad - 2 * lin;
}

/** Streams the data through `rbfRowSumsInto` in row blocks, accumulating the sums. */
class DataStream {
  readonly #E: Matrix;
  readonly #gamma: number;
  readonly #signal: AbortSignal | undefined;
  readonly #ones: Float64Array;
  readonly #tmpC: Float64Array;
  readonly #tmpP: Float64Array;

  constructor(E: Matrix, k: number, gamma: number, signal: AbortSignal | undefined) {
    this.#E = E;
    this.#gamma = gamma;
    this.#signal = signal;
    const block = Math.min(BLOCK_ROWS, E.rows);
    this.#ones = new Float64Array(block).fill(1);
    this.#tmpC = new Float64Array(k);
    this.#tmpP = new Float64Array(k * E.cols);
  }

  /**
   * `C_i = (1/n)Σ_n k(z_i, x_n)` and, when `P` is given, `P_i = (1/n)Σ_n k(z_i, x_n)·x_n`
   * (summed then divided by n, as Python's `torch.sum(C, dim=1) / n`).
   */
  rowSums(Z: Matrix, C: Float64Array, P: Float64Array | null, report?: (f: number) => void): void {
    const E = this.#E,
      n = E.rows,
      d = E.cols;
    const backend = getKernelBackend();
    C.fill(0);
    P?.fill(0);
    const tmpC = this.#tmpC,
      tmpP = this.#tmpP;
    for (let b0 = 0; b0 < n; b0 += BLOCK_ROWS) {
      this.#signal?.throwIfAborted();
      const rows = Math.min(BLOCK_ROWS, n - b0);
      const block: Matrix = { rows, cols: d, data: E.data.subarray(b0 * d, (b0 + rows) * d) };
      const w = rows === this.#ones.length ? this.#ones : this.#ones.subarray(0, rows);
      if (P) {
        backend.rbfRowSumsInto(tmpC, Z, block, w, this.#gamma, tmpP);
        for (let t = 0; t < P.length; t++) P[t]! += tmpP[t]!;
      } else {
        backend.rbfRowSumsInto(tmpC, Z, block, w, this.#gamma);
      }
      for (let i = 0; i < C.length; i++) C[i]! += tmpC[i]!;
      report?.((b0 + rows) / n);
    }
    for (let i = 0; i < C.length; i++) C[i] = C[i]! / n;
    if (P) for (let t = 0; t < P.length; t++) P[t] = P[t]! / n;
  }
}

/** β for the current Z: the simplex QP, or the ridge-regularised linear solve. */
function solveBeta(Z: Matrix, C: Float64Array, gamma: number, Kzz: Float64Array, nonnegative: boolean): Float64Array {
  const k = Z.rows;
  getKernelBackend().rbfBlockInto(Kzz, Z, Z, gamma);
  if (!nonnegative) return solveSpd(Kzz, k, C, 1, { ridge: 1e-5 }); // K is a PSD kernel matrix, so K + λI is PD
  const { x } = solveSimplexQp(Kzz.slice(), C.slice(), k);
  // Clip solver round-off below zero and renormalise, so β ≥ 0 and Σβ = 1 hold exactly enough.
  const beta = new Float64Array(k);
  let s = 0;
  for (let i = 0; i < k; i++) {
    const v = x[i]!;
    beta[i] = v > 0 ? v : 0;
    s += beta[i]!;
  }
  if (s > 0 && s !== 1) for (let i = 0; i < k; i++) beta[i] = beta[i]! / s;
  return beta;
}

/**
 * The Python package's Z update, in place: `z_i ← z_i + stepSize·2γβ_i·(T1_i − 2·T2_i)` with
 * `T1_i = Σ_j β_j k(z_i,z_j)(z_i − z_j) = r_i z_i − Q_i` and
 * `T2_i = (1/n)Σ_n k(z_i,x_n)(z_i − x_n) = C_i z_i − P_i`, every row from the old Z.
 */
function zStep(Z: Matrix, beta: Float64Array, C: Float64Array, P: Float64Array, gamma: number, stepSize: number, r: Float64Array, Q: Float64Array): void {
  const k = Z.rows,
    d = Z.cols,
    z = Z.data;
  getKernelBackend().rbfRowSumsInto(r, Z, Z, beta, gamma, Q);
  for (let i = 0; i < k; i++) {
    const scale = stepSize * 2 * gamma * beta[i]!; // −stepSize·grad = +stepSize·2γβ_i(T1 + term_2)
    const ri = r[i]!,
      ci = C[i]!,
      o = i * d;
    for (let j = 0; j < d; j++) {
      const zij = z[o + j]!;
      const t1 = ri * zij - Q[o + j]!;
      const t2 = ci * zij - P[o + j]!;
      z[o + j] = zij + scale * (t1 - 2 * t2);
    }
  }
}
