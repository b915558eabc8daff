/**
 * Reads an ONNX model's graph inputs (name, element type, shape) straight from the protobuf
 * bytes, without a runtime: what the server needs at upload to tell whether an ONNX text
 * learnware takes texts (a string tensor). Initializers listed as inputs (older exporters)
 * are left out, as onnxruntime leaves them out of `inputNames`.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { buildDenseOnnx } from "./onnxBuilder.ts";
 * import { onnxGraphInputs } from "./onnxInputs.ts";
 * const inputs = onnxGraphInputs(buildDenseOnnx({ layers: [{ weights: [[1], [2]], bias: [0] }] }));
 * assert.deepEqual(inputs, [{ name: "input", elemType: "float32", shape: ["N", 2] }]);
 * ```
 */

export interface OnnxInput {
  name: string;
  /** `float32`, `string`, `int64`, … (`type<n>` for other codes; `other` when not a tensor). */
  elemType: string;
  /** Dimensions: numbers, symbolic names, or `?`. */
  shape: (number | string)[];
}

const ELEM: Record<number, string> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  16: "bfloat16",
};

/** One protobuf field: its number and either a varint or the bytes of a length-delimited value. */
type Field = { no: number; varint?: number; bytes?: Uint8Array };

function* fields(buf: Uint8Array): Generator<Field> {
  let p = 0;
  const varint = (): number => {
    let v = 0,
      mul = 1;
    for (;;) {
      if (p >= buf.length) throw new RangeError("Truncated ONNX protobuf");
      const b = buf[p++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (p < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8),
      wire = tag % 8;
    if (wire === 0) yield { no, varint: varint() };
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = varint();
      if (p + len > buf.length) throw new RangeError("Truncated ONNX protobuf");
      yield { no, bytes: buf.subarray(p, p + len) };
      p += len;
    } else throw new RangeError(`Unsupported protobuf wire type ${wire}`);
  }
}

const text = (b: Uint8Array | undefined) => (b === undefined ? "" : new TextDecoder().decode(b));

function valueInfo(buf: Uint8Array): OnnxInput {
  let name = "",
    elemType = "other";
  const shape: (number | string)[] = [];
  for (const f of fields(buf)) {
    if (f.no === 1) name = text(f.bytes);
    else if (f.no === 2 && f.bytes) {
      for (const t of fields(f.bytes)) {
        if (t.no !== 1 || !t.bytes) continue; // tensor_type
        for (const tt of fields(t.bytes)) {
          if (tt.no === 1 && tt.varint !== undefined) elemType = ELEM[tt.varint] ?? `type${tt.varint}`;
          else if (tt.no === 2 && tt.bytes) {
            for (const d of fields(tt.bytes)) {
              if (d.no !== 1 || !d.bytes) continue;
              let dim: number | string = "?";
              for (const x of fields(d.bytes)) {
                if (x.no === 1 && x.varint !== undefined) dim = x.varint;
                else if (x.no === 2) dim = text(x.bytes);
              }
              shape.push(dim);
            }
          }
        }
      }
    }
  }
  return { name, elemType, shape };
}

/** The graph's inputs in order (not the initializers); throws a RangeError on bytes that are not a model. */
export function onnxGraphInputs(model: Uint8Array): OnnxInput[] {
  let graph: Uint8Array | undefined;
  for (const f of fields(model)) if (f.no === 7 && f.bytes) graph = f.bytes;
  if (graph === undefined) throw new RangeError("Not an ONNX model: no graph");
  const inputs: OnnxInput[] = [];
  const initializers = new Set<string>();
  for (const f of fields(graph)) {
    if (f.no === 11 && f.bytes) inputs.push(valueInfo(f.bytes));
    else if (f.no === 5 && f.bytes) {
      for (const t of fields(f.bytes)) if (t.no === 8) initializers.add(text(t.bytes));
    }
  }
  return inputs.filter((i) => !initializers.has(i.name));
}
