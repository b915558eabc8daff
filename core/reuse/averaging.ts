/**
 * AveragingReuser (the Python package's `AveragingReuser`): every learnware predicts the
 * user's rows and the outputs are combined.
 *
 * * `"mean"` — regression: the element-wise mean of the outputs (n×k).
 * * `"vote_by_label"` — classification: each learnware's label (argmax of its scores, or
 *   its n×1 label output), then the most frequent label per row (smallest on ties) → n×1.
 * * `"vote_by_prob"` — classification: softmax of each learnware's n×c output (as Python
 *   does, even if it already holds probabilities), averaged → n×c.
 *
 * Deviation: Python's `"mean"` concatenates n×k outputs and averages all k·L columns into
 * one; here multi-output learnwares keep their k columns (identical for k = 1).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { AveragingReuser } from "./averaging.ts";
 * import { fromRows } from "../matrix.ts";
 * const c = (v: number) => ({ id: String(v), predict: async (X: { rows: number }) => fromRows(Array.from({ length: X.rows }, () => [v])) });
 * const r = new AveragingReuser([c(1), c(3)], "mean");
 * const out = await r.predict(fromRows([[0], [0]]));
 * assert.equal(out.data[0], 2);
 * assert.equal(out.rows, 2);
 * ```
 */
import type { Matrix } from "../matrix.ts";
import { checkPrediction, softmaxRows, toLabels } from "./_ops.ts";
import type { Learnware, Predictor } from "./types.ts";

export type AveragingMode = "mean" | "vote_by_label" | "vote_by_prob";

export class AveragingReuser implements Predictor {
  readonly learnwares: readonly Learnware[];
  readonly mode: AveragingMode;
  /** Optional per-learnware weights (e.g. a search result's mixture weights); default uniform. */
  readonly weights: Float64Array | null;

  constructor(learnwares: readonly Learnware[], mode: AveragingMode = "mean", weights?: ArrayLike<number>) {
    if (learnwares.length === 0) throw new RangeError("AveragingReuser needs at least one learnware");
    if (mode !== "mean" && mode !== "vote_by_label" && mode !== "vote_by_prob") {
      throw new RangeError(`Mode must be one of mean, vote_by_label, vote_by_prob, got ${String(mode)}`);
    }
    if (weights !== undefined && weights.length !== learnwares.length) {
      throw new RangeError(`AveragingReuser: ${weights.length} weights for ${learnwares.length} learnwares`);
    }
    this.learnwares = learnwares;
    this.mode = mode;
    this.weights = weights === undefined ? null : Float64Array.from(weights as ArrayLike<number>);
  }

  async predict(X: Matrix): Promise<Matrix> {
    const preds = await Promise.all(this.learnwares.map(async (l) => checkPrediction(await l.predict(X), X.rows, l.id)));
    const L = preds.length,
      n = X.rows;
    const w = this.weights ?? new Float64Array(L).fill(1);
    let wsum = 0;
    for (let k = 0; k < L; k++) wsum += w[k]!;
    if (this.mode === "vote_by_label") {
      const labels = preds.map(toLabels);
      let maxLabel = 0;
      for (const lab of labels) for (const v of lab) if (v > maxLabel) maxLabel = v;
      const counts = new Float64Array(maxLabel + 1);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        counts.fill(0);
        for (let k = 0; k < L; k++) counts[labels[k]![i]!]! += this.weights === null ? 1 : w[k]!;
        let best = 0;
        for (let c = 1; c < counts.length; c++) if (counts[c]! > counts[best]!) best = c;
        out[i] = best;
      }
      return { rows: n, cols: 1, data: out };
    }
    const parts = this.mode === "vote_by_prob" ? preds.map((p) => (p.cols > 1 ? softmaxRows(p) : p)) : preds;
    const cols = parts[0]!.cols;
    for (const p of parts) {
      if (p.cols !== cols) throw new RangeError(`AveragingReuser: learnware outputs have different widths (${cols} and ${p.cols})`);
    }
    const out = new Float64Array(n * cols);
    for (let k = 0; k < L; k++) {
      const d = parts[k]!.data,
        wk = w[k]! / wsum;
      for (let t = 0; t < out.length; t++) out[t]! += wk * d[t]!;
    }
    return { rows: n, cols, data: out };
  }
}
