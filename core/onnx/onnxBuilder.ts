/**
 * Builds small dense networks as ONNX models by hand (opset 13, IR version 8), so tests,
 * demos and the seeder have real ONNX learnwares without Python or a converter.
 *
 * Each layer is `Gemm(X, W, b)` (W stored `in × out`), optionally followed by `Relu`;
 * the model may end in `Softmax` over the last axis. Input is float32 `[N, d]`, output
 * float32 `[N, k]` with a symbolic batch dimension `N`.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { buildDenseOnnx } from "./onnxBuilder.ts";
 * const bytes = buildDenseOnnx({ layers: [{ weights: [[1, 0], [0, 1]], bias: [0, 0] }] });
 * assert.ok(bytes.length > 0);
 * ```
 */
import { ProtoWriter } from "./protoWriter.ts";

export interface DenseLayer {
  /** `in × out` weights. */
  weights: number[][];
  /** `out` biases. */
  bias: number[];
  activation?: "relu" | "none";
}

export interface DenseOnnxOptions {
  layers: DenseLayer[];
  output?: "softmax" | "none";
  inputName?: string;
  outputName?: string;
  /** Graph name stored in the model (default "dense"). */
  name?: string;
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

/** A float32 `TensorProto` (an initializer) of `dims` with `values`. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): ProtoWriter {
  const raw = new Uint8Array(values.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i]!, true);
  const t = new ProtoWriter();
  for (const d of dims) t.int64(1, d);
  return t.int64(2, FLOAT).string(8, name).bytes(9, raw);
}

function valueInfo(name: string, dims: Array<number | string>): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = typeof d === "number" ? new ProtoWriter().int64(1, d) : new ProtoWriter().string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int64(1, FLOAT).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, name).message(2, type);
}

function node(op: string, inputs: string[], outputs: string[], name: string, intAttrs: Record<string, number> = {}): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, name).string(4, op);
  for (const [k, v] of Object.entries(intAttrs)) {
    n.message(5, new ProtoWriter().string(1, k).int64(3, v).int64(20, ATTR_INT));
  }
  return n;
}

/** Returns the serialized ONNX `ModelProto` for the dense network. */
export function buildDenseOnnx(opts: DenseOnnxOptions): Uint8Array {
  const { layers } = opts;
  if (layers.length === 0) throw new RangeError("buildDenseOnnx needs at least one layer");
  const inputName = opts.inputName ?? "input";
  const outputName = opts.outputName ?? "output";
  const graph = new ProtoWriter();
  const initializers: ProtoWriter[] = [];
  let current = inputName;
  let prevOut = -1;
  let inDim = -1;
  const last = layers.length - 1;
  const softmax = opts.output === "softmax";

  layers.forEach((layer, li) => {
    const din = layer.weights.length;
    const dout = layer.bias.length;
    if (din === 0) throw new RangeError(`Layer ${li} has no weight rows`);
    if (li === 0) inDim = din;
    if (prevOut !== -1 && din !== prevOut) {
      throw new RangeError(`Layer ${li} expects ${din} inputs but layer ${li - 1} produces ${prevOut}`);
    }
    const flat = new Float32Array(din * dout);
    layer.weights.forEach((row, i) => {
      if (row.length !== dout) {
        throw new RangeError(`Layer ${li} weight row ${i} has length ${row.length}, expected ${dout} (bias length)`);
      }
      for (let j = 0; j < dout; j++) flat[i * dout + j] = row[j]!;
    });
    const w = `W${li}`,
      b = `B${li}`;
    initializers.push(floatTensor(w, [din, dout], flat), floatTensor(b, [dout], layer.bias));
    const isFinal = li === last && !softmax && layer.activation !== "relu";
    const gemmOut = isFinal ? outputName : `gemm${li}`;
    graph.message(1, node("Gemm", [current, w, b], [gemmOut], `gemm${li}`));
    current = gemmOut;
    if (layer.activation === "relu") {
      const reluOut = li === last && !softmax ? outputName : `relu${li}`;
      graph.message(1, node("Relu", [current], [reluOut], `relu${li}`));
      current = reluOut;
    }
    prevOut = dout;
  });
  if (softmax) {
    graph.message(1, node("Softmax", [current], [outputName], "softmax", { axis: -1 }));
  }
  graph.string(2, opts.name ?? "dense");
  for (const init of initializers) graph.message(5, init);
  graph.message(11, valueInfo(inputName, ["N", inDim]));
  graph.message(12, valueInfo(outputName, ["N", prevOut]));

  return new ProtoWriter()
    .int64(1, 8) // ir_version
    .string(2, "learnware-ts")
    .string(3, "0.1.0")
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, "").int64(2, 13)) // opset_import
    .finish();
}

/** Computes the same network in plain TypeScript (float64), for tests and as a reference. */
export function denseForward(opts: DenseOnnxOptions, x: number[][]): number[][] {
  let cur = x.map((r) => r.slice());
  for (const layer of opts.layers) {
    cur = cur.map((r) => {
      const out = layer.bias.slice();
      for (let i = 0; i < r.length; i++) {
        const wi = layer.weights[i]!;
        for (let j = 0; j < out.length; j++) out[j]! += r[i]! * wi[j]!;
      }
      return layer.activation === "relu" ? out.map((v) => Math.max(0, v)) : out;
    });
  }
  if (opts.output === "softmax") {
    cur = cur.map((r) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
  }
  return cur;
}
