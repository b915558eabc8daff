/**
 * Dense numeric arrays as the runner passes them between backends, workers and the
 * service: a dtype, a shape (first axis = samples) and a little-endian typed array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor, rowCount, concatRows, sliceRows } from "./tensor.ts";
 * const a = tensor([[1, 2], [3, 4]]);
 * const b = concatRows([a, a]);
 * assert.equal(rowCount(b), 4);
 * assert.equal(sliceRows(b, 2, 3).data[0], 1);
 * ```
 */
export type DType = "float64" | "float32";

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: Float64Array | Float32Array;
}

/** Builds a float64 tensor from nested rows (or a flat vector, shape `[n]`). */
export function tensor(values: number[][] | number[], dtype: DType = "float64"): Tensor {
  const Ctor = dtype === "float32" ? Float32Array : Float64Array;
  if (values.length > 0 && Array.isArray(values[0])) {
    const rows = values as number[][];
    const d = rows[0]!.length;
    const data = new Ctor(rows.length * d);
    rows.forEach((r, i) => {
      if (r.length !== d) throw new RangeError(`Row ${i} has length ${r.length}, expected ${d}`);
      data.set(r, i * d);
    });
    return { dtype, shape: [rows.length, d], data };
  }
  return { dtype, shape: [values.length], data: Ctor.from(values as number[]) };
}

/** Wraps a typed array with a shape, checking the element count. */
export function fromTyped(data: Float64Array | Float32Array, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`Tensor of shape [${shape.join(", ")}] needs ${n} values, got ${data.length}`);
  return { dtype: data instanceof Float32Array ? "float32" : "float64", shape, data };
}

export function rowCount(t: Tensor): number {
  return t.shape.length === 0 ? 1 : t.shape[0]!;
}

/** Elements per sample (product of all axes but the first). */
export function rowSize(t: Tensor): number {
  return t.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Shape of one sample, as Python's `outputs[0].shape` (1-D outputs count as `[1]`). */
export function sampleShape(t: Tensor): number[] {
  return t.shape.length <= 1 ? [1] : t.shape.slice(1);
}

/** Concatenates tensors along the first axis (all must share dtype and sample shape). */
export function concatRows(parts: Tensor[]): Tensor {
  const first = parts[0];
  if (first === undefined) throw new RangeError("concatRows needs at least one tensor");
  const tail = first.shape.slice(1).join(",");
  let rows = 0;
  for (const p of parts) {
    if (p.shape.slice(1).join(",") !== tail || p.dtype !== first.dtype) {
      throw new RangeError(`Cannot concatenate [${p.shape.join(", ")}] ${p.dtype} with [${first.shape.join(", ")}] ${first.dtype}`);
    }
    rows += rowCount(p);
  }
  const data = new (first.dtype === "float32" ? Float32Array : Float64Array)(rows * rowSize(first));
  let o = 0;
  for (const p of parts) {
    data.set(p.data, o);
    o += p.data.length;
  }
  return { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
}

/** Rows `[start, end)` as a view (no copy). */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const s = rowSize(t);
  return { dtype: t.dtype, shape: [end - start, ...t.shape.slice(1)], data: t.data.subarray(start * s, end * s) };
}

/** Converts to the given dtype (returns the same tensor when it already matches). */
export function asDType(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  return { dtype, shape: t.shape, data: dtype === "float32" ? Float32Array.from(t.data) : Float64Array.from(t.data) };
}

/** Nested plain arrays (for JSON and assertions). */
export function toNested(t: Tensor): unknown {
  const rec = (axis: number, offset: number): unknown => {
    const n = t.shape[axis]!;
    if (axis === t.shape.length - 1) return Array.from(t.data.subarray(offset, offset + n));
    const stride = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => rec(axis + 1, offset + i * stride));
  };
  return t.shape.length === 0 ? t.data[0] : rec(0, 0);
}

/** Builds a tensor from nested arrays of any depth. */
export function fromNested(v: unknown, dtype: DType = "float64"): Tensor {
  const shape: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const flat = (Array.isArray(v) ? (v as unknown[]).flat(Infinity) : [v]) as number[];
  return fromTyped(dtype === "float32" ? Float32Array.from(flat) : Float64Array.from(flat), shape);
}
