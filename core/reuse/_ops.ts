/**
 * Small matrix helpers shared by the reusers: labels from scores, softmax, column
 * concatenation, row selection, NaN filling.
 */
import { LearnwareError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";

/** Labels per row: the argmax of each row when `cols > 1` (first on ties), else the value rounded. */
export function toLabels(P: Matrix): Int32Array {
  const out = new Int32Array(P.rows);
  const { cols, data } = P;
  for (let i = 0; i < P.rows; i++) {
    if (cols === 1) {
      out[i] = Math.round(data[i]!);
      continue;
    }
    let best = 0,
      bv = data[i * cols]!;
    for (let j = 1; j < cols; j++) {
      const v = data[i * cols + j]!;
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Row-wise softmax (max-shifted), a new matrix. */
export function softmaxRows(P: Matrix): Matrix {
  const { rows, cols, data } = P;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) mx = Math.max(mx, data[i * cols + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(data[i * cols + j]! - mx);
      out[i * cols + j] = e;
      s += e;
    }
    for (let j = 0; j < cols; j++) out[i * cols + j]! /= s;
  }
  return { rows, cols, data: out };
}

/** `[A | B | …]`: all parts must have the same number of rows. */
export function hconcat(parts: readonly Matrix[]): Matrix {
  if (parts.length === 0) throw new RangeError("hconcat needs at least one matrix");
  const rows = parts[0]!.rows;
  let cols = 0;
  for (const p of parts) {
    if (p.rows !== rows) throw new RangeError(`hconcat: row counts differ (${rows} and ${p.rows})`);
    cols += p.cols;
  }
  const data = new Float64Array(rows * cols);
  let off = 0;
  for (const p of parts) {
    for (let i = 0; i < rows; i++) data.set(p.data.subarray(i * p.cols, (i + 1) * p.cols), i * cols + off);
    off += p.cols;
  }
  return { rows, cols, data };
}

/** The rows `idx` of `X`, in that order. */
export function takeRows(X: Matrix, idx: ArrayLike<number>): Matrix {
  const d = X.cols;
  const data = new Float64Array(idx.length * d);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    data.set(X.data.subarray(i * d, (i + 1) * d), k * d);
  }
  return { rows: idx.length, cols: d, data };
}

/** A column vector from numbers. */
export function column(values: ArrayLike<number>): Matrix {
  return { rows: values.length, cols: 1, data: Float64Array.from(values as ArrayLike<number>) };
}

/**
 * A copy of X with ±Inf/NaN replaced by the column's mean of finite values (the Python
 * reusers' `_fill_data`); a column with no finite value throws `DATA_INVALID`.
 */
export function fillNonFinite(X: Matrix): Matrix {
  const { rows, cols } = X;
  const data = Float64Array.from(X.data);
  for (let j = 0; j < cols; j++) {
    let s = 0,
      c = 0,
      bad = false;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j]!;
      if (Number.isFinite(v)) {
        s += v;
        c++;
      } else bad = true;
    }
    if (!bad) continue;
    if (c === 0) throw new LearnwareError("DATA_INVALID", `All values in column ${j} are non-finite (NaN or ±Infinity)`);
    const mean = s / c;
    for (let i = 0; i < rows; i++) if (!Number.isFinite(data[i * cols + j]!)) data[i * cols + j] = mean;
  }
  return { rows, cols, data };
}

/** Checks that a learnware's output has one row per input row. */
export function checkPrediction(P: Matrix, n: number, id: string): Matrix {
  if (P === null || typeof P !== "object" || !(P.data instanceof Float64Array)) {
    throw new LearnwareError("PREDICT_INVALID", `Learnware ${id} returned something that is not a Matrix`);
  }
  if (P.rows !== n || P.data.length !== P.rows * P.cols) {
    throw new LearnwareError("PREDICT_INVALID", `Learnware ${id} returned ${P.rows}x${P.cols} for ${n} input rows`);
  }
  return P;
}

/** The most frequent label (smallest on ties, as numpy's bincount().argmax()). */
export function majority(labels: ArrayLike<number>, counts: Int32Array): number {
  counts.fill(0);
  let best = 0,
    bc = -1;
  for (let k = 0; k < labels.length; k++) counts[labels[k]!]! += 1;
  for (let c = 0; c < counts.length; c++)
    if (counts[c]! > bc) {
      bc = counts[c]!;
      best = c;
    }
  return best;
}
