/**
 * Row-major dense matrices over typed arrays: the numeric currency of the core.
 *
 * @example
 * ```ts
 * import assert from "./testing/assert.ts";
 * import { fromRows, toRows } from "./matrix.ts";
 * const m = fromRows([[1, 2], [3, 4]]);
 * assert.equal(m.rows, 2);
 * assert.equal(m.cols, 2);
 * assert.equal(m.data[2], 3);
 * assert.equal(toRows(m)[1]![1], 4);
 * ```
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major values, `data[i * cols + j]`; length `rows * cols`. */
  readonly data: Float64Array;
}

/** Creates a matrix, zero-filled unless `data` is given (its length must be rows·cols). */
export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`Matrix shape must be non-negative integers, got ${rows}x${cols}`);
  }
  if (data !== undefined && data.length !== rows * cols) {
    throw new RangeError(`Matrix data length ${data.length} does not match shape ${rows}x${cols}`);
  }
  return { rows, cols, data: data ?? new Float64Array(rows * cols) };
}

/** Builds a matrix from nested arrays; every row must have the same length. */
export function fromRows(rows: ArrayLike<ArrayLike<number>>, name = "matrix"): Matrix {
  const n = rows.length;
  const d = n === 0 ? 0 : rows[0]!.length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r.length !== d) {
      throw new RangeError(`Row ${i} of ${name} has length ${r.length}, expected ${d}`);
    }
    for (let j = 0; j < d; j++) data[i * d + j] = r[j]!;
  }
  return { rows: n, cols: d, data };
}

/** Converts a matrix to nested plain arrays (for JSON). */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  return out;
}

/** Returns row `i` as a view (no copy). */
export function row(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}
