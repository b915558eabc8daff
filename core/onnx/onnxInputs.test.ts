import { test } from "node:test";
import assert from "node:assert/strict";
import { buildDenseOnnx } from "./onnxBuilder.ts";
import { onnxGraphInputs } from "./onnxInputs.ts";
import { buildBagOfWordsOnnx } from "./textOnnxBuilder.ts";

test("onnxGraphInputs reads the inputs' names, element types and shapes; refuses bytes that are not a model", () => {
  assert.deepEqual(onnxGraphInputs(buildDenseOnnx({ layers: [{ weights: [[1, 2, 3]], bias: [0, 0, 0] }], inputName: "x" })), [
    { name: "x", elemType: "float32", shape: ["N", 1] },
  ]);
  assert.deepEqual(onnxGraphInputs(buildBagOfWordsOnnx({ vocab: ["a"], weights: [[1]], bias: [0] })), [{ name: "text", elemType: "string", shape: ["N"] }]);
  assert.throws(() => onnxGraphInputs(new Uint8Array([0x0a, 0x05, 0x01])), /Truncated|no graph/);
  assert.throws(() => onnxGraphInputs(new TextEncoder().encode("not a model at all")), RangeError);
});
