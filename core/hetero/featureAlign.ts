/**
 * Feature alignment for reusing a learnware on a user table with different columns (the
 * role of the Python package's `FeatureAlignLearnware`): the user's rows are turned into
 * rows of the learnware's feature space, then the learnware predicts them.
 *
 * * Columns whose concept the user holds are copied (optionally moment-matched, below).
 * * Missing columns are imputed from the learnware's own RKME: the conditional mean of the
 *   missing columns given the shared ones x_S, under the spec's kernel density — a
 *   local-linear (kernel-weighted ridge) regression over the reduced set with weights
 *   `w_i = max(β_i, 0)·exp(−γ‖x_S − z_i,S‖²)` (γ chosen per alignment, see `gamma`),
 *   clamped to the reduced set's range. `imputation: "nadaraya-watson"` uses the local
 *   constant `Σ w_i z_i,miss / Σ w_i`; `"mean"` the β-weighted column mean.
 * * `matchMoments: true` rescales each shared user column so its mean and standard deviation
 *   equal the learnware marginal's (β-weighted over `z`), correcting unit or offset shifts;
 *   the user moments come from the rows passed to `fitMoments` (or the first `predict` batch).
 *
 * Deviation: Python trains an MLP user→learnware feature map by minimising the MMD between
 * the mapped user RKME and the learnware RKME (Adam, 50 epochs). The semantic column
 * mapping makes a learned map unnecessary for the shared columns, and the conditional mean
 * fills the rest deterministically, with no training.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { HeteroAlignedLearnware } from "./featureAlign.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const spec = new RKMETableSpecification(fromRows([[0, 10], [5, 20]]), new Float64Array([0.5, 0.5]), 0.1, 2);
 * const inner = { id: "lw", spec, predict: async (X: { rows: number; cols: number; data: Float64Array }) => X };
 * const a = new HeteroAlignedLearnware(inner, [-1, 0]); // lw column 1 ← user column 0
 * const out = await a.predict(fromRows([[20], [10]]));
 * // The shared column is copied; the missing one is imputed from the reduced point whose
 * // shared column matches ([5, 20] and [0, 10]), smoothed by the kernel: near 5 and near 0.
 * assert.equal(out.data[1], 20);
 * assert.equal(out.data[3], 10);
 * assert.ok(Math.abs(out.data[0]! - 5) < 0.1);
 * assert.ok(Math.abs(out.data[2]! - 0) < 0.1);
 * // `imputation: "mean"` fills the β-weighted column mean instead.
 * const flat = await new HeteroAlignedLearnware(inner, [-1, 0], { imputation: "mean" }).predict(fromRows([[20]]));
 * assert.equal(flat.data[0], 2.5);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { solveSpd } from "../linalg/solveSpd.ts";
import { fillNonFinite } from "../reuse/_ops.ts";
import type { Learnware } from "../reuse/types.ts";

export interface AlignOptions {
  /** `"conditional"` (default, local-linear), `"nadaraya-watson"` (local constant) or `"mean"`. */
  imputation?: "conditional" | "nadaraya-watson" | "mean";
  /**
   * RBF γ of the conditional mean, in raw units. Default `"auto"`: distances are measured on
   * shared columns standardised by the learnware's marginal sd, with a Silverman-style
   * bandwidth `h = (4/(s+2))^{1/(s+4)}·m^{−1/(s+4)}` (s shared columns, m reduced points).
   */
  gamma?: number | "auto";
  matchMoments?: boolean;
}

export class HeteroAlignedLearnware implements Learnware {
  readonly id: string;
  readonly inner: Learnware;
  /** For each learnware column, the user column that feeds it, or −1 (imputed). */
  readonly columnMap: readonly number[];
  private readonly options: AlignOptions;
  private userMoments: { mean: Float64Array; sd: Float64Array } | null = null;

  constructor(inner: Learnware, columnMap: readonly number[], options: AlignOptions = {}) {
    if (inner.spec === undefined) throw new LearnwareError("SPEC_MISSING", `Feature alignment needs the table RKME of learnware ${inner.id}`);
    if (columnMap.length !== inner.spec.dim) {
      throw new RangeError(`columnMap has ${columnMap.length} entries but learnware ${inner.id} has ${inner.spec.dim} columns`);
    }
    this.id = inner.id;
    this.inner = inner;
    this.columnMap = columnMap;
    this.options = options;
  }

  get spec() {
    return this.inner.spec;
  }

  /** Records the user's per-column moments for `matchMoments`. */
  fitMoments(X: Matrix): void {
    const { rows: n, cols: d } = X;
    const mean = new Float64Array(d),
      sd = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += X.data[i * d + j]! / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sd[j]! += (X.data[i * d + j]! - mean[j]!) ** 2 / n;
    for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!);
    this.userMoments = { mean, sd };
  }

  /** The user's rows in the learnware's feature space. */
  transform(Xraw: Matrix): Matrix {
    const spec = this.inner.spec!;
    const X = fillNonFinite(Xraw);
    const { z, beta } = spec;
    const m = z.rows,
      dl = z.cols,
      n = X.rows;
    for (const j of this.columnMap) {
      if (j >= X.cols) throw new RangeError(`columnMap refers to user column ${j} but the user table has ${X.cols} columns`);
    }
    const shared: number[] = [],
      missing: number[] = [];
    this.columnMap.forEach((j, i) => (j >= 0 ? shared : missing).push(i));
    const w = new Float64Array(m);
    let wsum = 0;
    for (let i = 0; i < m; i++) {
      w[i] = beta[i]! > 0 ? beta[i]! : 0;
      wsum += w[i]!;
    }
    // β-weighted marginal moments of the learnware's columns.
    const lwMean = new Float64Array(dl),
      lwSd = new Float64Array(dl);
    for (let i = 0; i < m; i++) for (let c = 0; c < dl; c++) lwMean[c]! += (w[i]! / wsum) * z.data[i * dl + c]!;
    for (let i = 0; i < m; i++) for (let c = 0; c < dl; c++) lwSd[c]! += (w[i]! / wsum) * (z.data[i * dl + c]! - lwMean[c]!) ** 2;
    for (let c = 0; c < dl; c++) lwSd[c] = Math.sqrt(lwSd[c]!);
    if (this.options.matchMoments && this.userMoments === null) this.fitMoments(X);
    const out = new Float64Array(n * dl);
    for (let r = 0; r < n; r++) {
      for (const c of shared) {
        let v = X.data[r * X.cols + this.columnMap[c]!]!;
        if (this.options.matchMoments) {
          const j = this.columnMap[c]!,
            um = this.userMoments!;
          v = um.sd[j]! > 1e-12 ? lwMean[c]! + ((v - um.mean[j]!) / um.sd[j]!) * lwSd[c]! : lwMean[c]!;
        }
        out[r * dl + c] = v;
      }
    }
    if (missing.length === 0) return { rows: n, cols: dl, data: out };
    const s = shared.length;
    const auto = (this.options.gamma ?? "auto") === "auto";
    const h = (4 / (s + 2)) ** (1 / (s + 4)) * Math.max(m, 1) ** (-1 / (s + 4));
    const gamma = auto ? 1 / (2 * h * h) : (this.options.gamma as number);
    // per shared column: 1/sd² (auto) or 1 (raw units)
    const colScale = new Float64Array(dl).fill(1);
    if (auto) for (const c of shared) colScale[c] = lwSd[c]! > 1e-12 ? 1 / (lwSd[c]! * lwSd[c]!) : 1;
    const conditional = (this.options.imputation ?? "conditional") !== "mean" && shared.length > 0;
    const k = new Float64Array(m);
    const local = (this.options.imputation ?? "conditional") === "conditional";
    const colMin = new Float64Array(dl).fill(Infinity),
      colMax = new Float64Array(dl).fill(-Infinity);
    for (let i = 0; i < m; i++) {
      if (w[i]! <= 0) continue;
      for (let c = 0; c < dl; c++) {
        const v = z.data[i * dl + c]!;
        if (v < colMin[c]!) colMin[c] = v;
        if (v > colMax[c]!) colMax[c] = v;
      }
    }
    for (let r = 0; r < n; r++) {
      let ks = 0;
      if (conditional) {
        // log-sum-exp style shift so far-away rows still get the nearest points' mean.
        let minD = Infinity;
        for (let i = 0; i < m; i++) {
          let d2 = 0;
          for (const c of shared) {
            const t = out[r * dl + c]! - z.data[i * dl + c]!;
            d2 += t * t * colScale[c]!;
          }
          k[i] = d2;
          if (w[i]! > 0 && d2 < minD) minD = d2;
        }
        for (let i = 0; i < m; i++) {
          k[i] = w[i]! * Math.exp(-gamma * (k[i]! - minD));
          ks += k[i]!;
        }
      }
      if (ks > 0 && local) {
        localLinear(out, r, dl, z, k, ks, shared, missing, lwSd, colMin, colMax);
        continue;
      }
      for (const c of missing) {
        if (ks > 0) {
          let acc = 0;
          for (let i = 0; i < m; i++) acc += k[i]! * z.data[i * dl + c]!;
          out[r * dl + c] = acc / ks;
        } else out[r * dl + c] = lwMean[c]!;
      }
    }
    return { rows: n, cols: dl, data: out };
  }

  predict(X: Matrix): Promise<Matrix> {
    return this.inner.predict(this.transform(X));
  }
}

/**
 * Local-linear conditional mean: a kernel-weighted ridge regression of the missing columns
 * on the shared ones around row r, clamped to the range of the reduced set (it removes the
 * shrinkage towards the mean a local-constant estimate has on linear relations).
 */
function localLinear(
  out: Float64Array,
  r: number,
  dl: number,
  z: Matrix,
  k: Float64Array,
  ks: number,
  shared: readonly number[],
  missing: readonly number[],
  sd: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
): void {
  const s = shared.length,
    m = z.rows;
  const mu = new Float64Array(dl);
  for (let i = 0; i < m; i++) {
    const wi = k[i]! / ks;
    if (wi === 0) continue;
    for (const c of shared) mu[c]! += wi * z.data[i * dl + c]!;
    for (const c of missing) mu[c]! += wi * z.data[i * dl + c]!;
  }
  const A = new Float64Array(s * s),
    B = new Float64Array(s * missing.length);
  for (let i = 0; i < m; i++) {
    const wi = k[i]! / ks;
    if (wi === 0) continue;
    for (let a = 0; a < s; a++) {
      const da = z.data[i * dl + shared[a]!]! - mu[shared[a]!]!;
      for (let b = 0; b < s; b++) A[a * s + b]! += wi * da * (z.data[i * dl + shared[b]!]! - mu[shared[b]!]!);
      missing.forEach((c, t) => {
        B[a * missing.length + t]! += wi * da * (z.data[i * dl + c]! - mu[c]!);
      });
    }
  }
  // ridge: 5 % of the learnware's marginal variance keeps the slope tame where few points weigh
  for (let a = 0; a < s; a++) A[a * s + a]! += 0.05 * Math.max(sd[shared[a]!]! ** 2, 1e-12);
  const slope = solveSpd(A, s, B, missing.length);
  missing.forEach((c, t) => {
    let v = mu[c]!;
    for (let a = 0; a < s; a++) v += (out[r * dl + shared[a]!]! - mu[shared[a]!]!) * slope[a * missing.length + t]!;
    out[r * dl + c] = Math.min(hi[c]!, Math.max(lo[c]!, v));
  });
}
