/**
 * Builds a small ONNX *text* model by hand: a bag-of-words linear classifier that takes the
 * raw texts as a string tensor `[N]` (what the runner passes an ONNX text learnware, as the
 * Python market's checker passes texts to a text model's `predict`). Graph (opset 20):
 * `StringSplit` (whitespace) → `TfIdfVectorizer` (TF counts of the vocabulary's words) →
 * `MatMul` + `Add` → optional `Softmax`; output float32 `[N, k]`.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { bagOfWordsForward, buildBagOfWordsOnnx } from "./textOnnxBuilder.ts";
 * const opts = { vocab: ["good", "bad"], weights: [[1, -1], [-1, 1]], bias: [0, 0] };
 * assert.ok(buildBagOfWordsOnnx(opts).length > 0);
 * assert.deepEqual(bagOfWordsForward(opts, ["good good bad"]), [[1, -1]]);
 * ```
 */
import { ProtoWriter } from "./protoWriter.ts";
import { floatTensor } from "./onnxBuilder.ts";

export interface BagOfWordsOnnxOptions {
  /** The words counted (case-sensitive, split on whitespace). */
  vocab: string[];
  /** `vocab.length × k` weights. */
  weights: number[][];
  /** `k` biases. */
  bias: number[];
  output?: "softmax" | "none";
  inputName?: string;
  outputName?: string;
}

const FLOAT = 1,
  STRING = 8;
const ATTR = { INT: 2, STRING: 3, INTS: 7, STRINGS: 8 } as const;
const utf8 = (s: string) => new TextEncoder().encode(s);

function attr(name: string, type: number, write: (w: ProtoWriter) => void): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  write(w);
  return w.int64(20, type);
}

function node(op: string, inputs: string[], outputs: string[], attrs: ProtoWriter[] = []): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${op}_${outputs[0]}`).string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === "number" ? new ProtoWriter().int64(1, d) : new ProtoWriter().string(2, d));
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().int64(1, elemType).message(2, shape)));
}

/** The serialized ONNX `ModelProto` of the bag-of-words classifier. */
export function buildBagOfWordsOnnx(opts: BagOfWordsOnnxOptions): Uint8Array {
  const V = opts.vocab.length,
    k = opts.bias.length;
  if (V === 0 || k === 0) throw new RangeError("buildBagOfWordsOnnx needs a vocabulary and at least one output");
  if (opts.weights.length !== V || opts.weights.some((r) => r.length !== k)) {
    throw new RangeError(`weights must be ${V}×${k} (vocabulary × outputs)`);
  }
  const input = opts.inputName ?? "text",
    output = opts.outputName ?? "output";
  const softmax = opts.output === "softmax";
  const g = new ProtoWriter();
  g.message(1, node("StringSplit", [input], ["tokens", "token_counts"]));
  g.message(
    1,
    node(
      "TfIdfVectorizer",
      ["tokens"],
      ["tf"],
      [
        attr("mode", ATTR.STRING, (w) => w.bytes(4, utf8("TF"))),
        attr("min_gram_length", ATTR.INT, (w) => w.int64(3, 1)),
        attr("max_gram_length", ATTR.INT, (w) => w.int64(3, 1)),
        attr("max_skip_count", ATTR.INT, (w) => w.int64(3, 0)),
        attr("ngram_counts", ATTR.INTS, (w) => w.int64(8, 0)),
        attr("ngram_indexes", ATTR.INTS, (w) => opts.vocab.forEach((_, i) => w.int64(8, i))),
        attr("pool_strings", ATTR.STRINGS, (w) => opts.vocab.forEach((s) => w.bytes(9, utf8(s)))),
      ],
    ),
  );
  g.message(1, node("MatMul", ["tf", "W"], ["logits0"]));
  g.message(1, node("Add", ["logits0", "B"], [softmax ? "logits" : output]));
  if (softmax) g.message(1, node("Softmax", ["logits"], [output], [attr("axis", ATTR.INT, (w) => w.int64(3, -1))]));
  g.string(2, "bag_of_words");
  g.message(5, floatTensor("W", [V, k], opts.weights.flat()));
  g.message(5, floatTensor("B", [k], opts.bias));
  g.message(11, valueInfo(input, STRING, ["N"]));
  g.message(12, valueInfo(output, FLOAT, ["N", k]));
  return new ProtoWriter()
    .int64(1, 9) // ir_version
    .string(2, "learnware-ts")
    .string(3, "0.1.0")
    .message(7, g)
    .message(8, new ProtoWriter().string(1, "").int64(2, 20)) // opset_import (StringSplit is opset 20)
    .finish();
}

/** The same model in plain TypeScript (float64), for tests: word counts × weights + bias (softmax if asked). */
export function bagOfWordsForward(opts: BagOfWordsOnnxOptions, texts: readonly string[]): number[][] {
  const at = new Map(opts.vocab.map((w, i) => [w, i]));
  return texts.map((t) => {
    const out = opts.bias.slice();
    for (const w of t.split(/\s+/)) {
      const i = at.get(w);
      if (i !== undefined) for (let j = 0; j < out.length; j++) out[j]! += opts.weights[i]![j]!;
    }
    if (opts.output !== "softmax") return out;
    const m = Math.max(...out);
    const e = out.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}
