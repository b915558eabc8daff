/**
 * The pure parts of running an ONNX learnware in the page: which file of the package is the
 * model and what it takes, the input matrix from the user's CSV (checked against the model's
 * input dimension, with every refusal naming its numbers), the answer per row (the class with
 * the largest output and that output, or the values for regression), and the predictions as a
 * CSV. No DOM and no ONNX Runtime here, so the rules are tested under Node; the worker
 * (`worker.ts`) runs the model with onnxruntime-web between `predictInput` and `readOutput`.
 *
 * @example
 * ```ts ignore
 * const model = onnxModelOf(readLearnwarePackage(zipBytes));
 * const X = predictInput(table, [0, 1, 2], inputDimOf(model.inputShape ?? [3]));
 * ```
 */
import type { LearnwarePackage } from "../../core/package/types.ts";
import type { ParsedTable } from "./csv.ts";

/** Most rows one run in the page takes (a larger CSV goes through the runner or `lw reuse`). */
export const MAX_PREDICT_ROWS = 100_000;

export interface OnnxModelFile {
  /** The model file's path inside the package. */
  file: string;
  bytes: Uint8Array;
  /** `model.input_shape` of learnware.yaml, when declared (else the model's own input shape decides). */
  inputShape: number[] | null;
}

/** The ONNX model of a package, or an error saying what kind of learnware it is instead. */
export function onnxModelOf(pkg: LearnwarePackage): OnnxModelFile {
  const m = pkg.model;
  if (m.kind !== "onnx" || m.file === undefined)
    throw new Error(`This learnware's model is ${m.kind === "python" ? "a Python class" : `a ${m.kind} module`}, not ONNX: it runs through the runner`);
  const bytes = pkg.files.get(m.file);
  if (!bytes) throw new Error(`The package has no ${m.file}, the ONNX file its learnware.yaml names`);
  const shape = m.kwargs["input_shape"];
  const inputShape = Array.isArray(shape) && shape.length > 0 && shape.every((d) => Number.isInteger(d) && d > 0) ? (shape as number[]) : null;
  return { file: m.file, bytes, inputShape };
}

/** How many numbers one row of a model input of this shape holds (`[3, 4]` → 12). */
export function inputDimOf(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/** Row-major float32 rows × d from the chosen columns, refused with a reason a person can act on. */
export function predictInput(t: ParsedTable, columns: readonly number[], inputDim: number): { rows: number; cols: number; data: Float32Array } {
  const p = t.profile;
  if (columns.length !== inputDim)
    throw new Error(
      `The model takes ${inputDim} input column${inputDim === 1 ? "" : "s"}, but ${columns.length} ${columns.length === 1 ? "is" : "are"} chosen`,
    );
  if (p.rows === 0) throw new Error(`${p.fileName} has no rows`);
  if (p.rows > MAX_PREDICT_ROWS)
    throw new Error(
      `${p.fileName} has ${p.rows.toLocaleString("en")} rows; the page runs at most ${MAX_PREDICT_ROWS.toLocaleString("en")} (use the runner for more)`,
    );
  const n = p.rows,
    k = columns.length;
  const data = new Float32Array(n * k);
  columns.forEach((c, j) => {
    const info = p.columns[c];
    const col = t.values[c];
    if (!info || !col) throw new RangeError(`No column ${c + 1} in ${p.fileName}`);
    if (info.type !== "number") throw new Error(`Column "${info.name}" is not numeric and cannot be a model input`);
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      if (!Number.isFinite(v))
        throw new Error(`Row ${i + 1} has no number in column "${info.name}" (${info.missing} missing there): fill it before predicting`);
      data[i * k + j] = v;
    }
  });
  return { rows: n, cols: k, data };
}

export interface Prediction {
  /** The output's shape, rows first. */
  shape: number[];
  /** The output values, row-major. */
  values: Float32Array;
  /** Per row, the index of the largest output (2-D outputs with more than one column), else null. */
  classes: Int32Array | null;
  /** Per row, that largest output. */
  top: Float32Array | null;
  /** True when every row is non-negative and sums to 1 (softmax output): `top` is a probability. */
  probabilities: boolean;
  ms: number;
  /** ONNX Runtime Web's wasm threads (set by the worker; 1 unless the page is cross-origin isolated). */
  threads?: number;
}

/** The per-row answer of an output tensor. */
export function readOutput(dims: readonly number[], values: Float32Array, ms = 0): Prediction {
  const shape = [...dims];
  const rows = shape[0] ?? values.length;
  const k = rows > 0 ? values.length / rows : 0;
  if (shape.length !== 2 || k < 2) return { shape, values, classes: null, top: null, probabilities: false, ms };
  const classes = new Int32Array(rows);
  const top = new Float32Array(rows);
  let probabilities = true;
  for (let i = 0; i < rows; i++) {
    let best = 0,
      sum = 0;
    for (let j = 0; j < k; j++) {
      const v = values[i * k + j]!;
      if (v > values[i * k + best]!) best = j;
      if (v < 0) probabilities = false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) probabilities = false;
    classes[i] = best;
    top[i] = values[i * k + best]!;
  }
  return { shape, values, classes, top, probabilities, ms };
}

/** The predictions as CSV: one line per input row (`row,class,output_0,…` or `row,output_0,…`). */
export function predictionsCsv(p: Prediction): string {
  const rows = p.shape[0] ?? p.values.length;
  const k = rows > 0 ? p.values.length / rows : 0;
  const head = ["row", ...(p.classes ? ["class"] : []), ...Array.from({ length: k }, (_, j) => `output_${j}`)];
  const lines = [head.join(",")];
  for (let i = 0; i < rows; i++) {
    const out = Array.from(p.values.subarray(i * k, (i + 1) * k), (v) => String(v));
    lines.push([String(i + 1), ...(p.classes ? [String(p.classes[i])] : []), ...out].join(","));
  }
  return lines.join("\n") + "\n";
}
