import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { buildDenseOnnx, denseForward, type DenseOnnxOptions } from "../../core/onnx/onnxBuilder.ts";
import { createRng } from "../../core/random.ts";

function randMat(rows: number, cols: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
}

async function run(opts: DenseOnnxOptions, x: number[][]): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(buildDenseOnnx(opts));
  const d = x[0]!.length;
  const input = new ort.Tensor("float32", Float32Array.from(x.flat()), [x.length, d]);
  const out = await session.run({ [opts.inputName ?? "input"]: input });
  const t = out[opts.outputName ?? "output"]!;
  await session.release();
  return { dims: t.dims, data: t.data as Float32Array };
}

function assertMatches(got: Float32Array, want: number[][]): void {
  const flat = want.flat();
  assert.equal(got.length, flat.length);
  flat.forEach((e, i) => assert.ok(Math.abs(got[i]! - e) <= 1e-4 + 1e-4 * Math.abs(e), `index ${i}: got ${got[i]}, expected ${e}`));
}

test("a single linear layer loads in onnxruntime-node and computes X·W + b", async () => {
  const opts: DenseOnnxOptions = { layers: [{ weights: randMat(4, 3, 1), bias: [0.5, -1, 2] }] };
  const x = randMat(7, 4, 2);
  const { dims, data } = await run(opts, x);
  assert.deepEqual([...dims], [7, 3]);
  assertMatches(data, denseForward(opts, x));
});

test("a two-layer relu network with softmax output, custom tensor names", async () => {
  const opts: DenseOnnxOptions = {
    layers: [
      { weights: randMat(5, 8, 3), bias: Array(8).fill(0.1), activation: "relu" },
      { weights: randMat(8, 3, 4), bias: [0, 0, 0] },
    ],
    output: "softmax",
    inputName: "x",
    outputName: "probs",
  };
  const x = randMat(10, 5, 5);
  const { dims, data } = await run(opts, x);
  assert.deepEqual([...dims], [10, 3]);
  assertMatches(data, denseForward(opts, x));
  for (let i = 0; i < 10; i++) {
    const s = data[i * 3]! + data[i * 3 + 1]! + data[i * 3 + 2]!;
    assert.ok(Math.abs(s - 1) < 1e-5, `row ${i} sums to ${s}`);
  }
});

test("a final relu layer writes the output directly", async () => {
  const opts: DenseOnnxOptions = { layers: [{ weights: [[1, -1]], bias: [0, 0], activation: "relu" }] };
  const { data } = await run(opts, [[2], [-3]]);
  assert.deepEqual([...data], [2, 0, 0, 3]);
});

test("mismatched layer shapes are rejected with a message naming them", () => {
  assert.throws(() => buildDenseOnnx({ layers: [] }), RangeError);
  assert.throws(
    () =>
      buildDenseOnnx({
        layers: [
          { weights: [[1, 2]], bias: [0, 0] },
          { weights: [[1]], bias: [0] },
        ],
      }),
    /Layer 1 expects 1 inputs but layer 0 produces 2/,
  );
  assert.throws(() => buildDenseOnnx({ layers: [{ weights: [[1, 2], [3]], bias: [0, 0] }] }), /row 1 has length 1/);
});
