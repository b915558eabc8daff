import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NodeBackend } from "../../runner/backends/node.ts";
import { sandbox } from "./_sandbox.ts";
import { checkLearnware } from "../../runner/check/checkLearnware.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { tensor } from "../../runner/tensor.ts";
import { buildDenseOnnx } from "../../core/onnx/onnxBuilder.ts";
import { bagOfWordsForward, buildBagOfWordsOnnx } from "../../core/onnx/textOnnxBuilder.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { RKMETextSpecification } from "../../core/text/rkmeTextSpec.ts";
import { onnxPackage, randomData, scratch, semantic } from "./_fixtures.ts";

const dir = scratch();
const backend = new NodeBackend("onnx", { sandbox, workDir: join(dir, "node") });

test("onnx backend: shapes from the graph, predictions as float32 rows that sum to 1", async () => {
  const lw = await materializePackage(onnxPackage(4, 3), join(dir, "pkgs"));
  const h = await backend.load(lw);
  assert.deepEqual(h.input_shape, [4]);
  assert.deepEqual(h.output_shape, [3]);
  const y = await h.predict(
    tensor([
      [0, 1, 2, 3],
      [1, 1, 1, 1],
    ]),
  );
  assert.deepEqual(y.shape, [2, 3]);
  assert.ok(Math.abs(y.data[0]! + y.data[1]! + y.data[2]! - 1) < 1e-5);
  await h.dispose();
});

test("onnx check: a matching classification learnware is USABLE", async () => {
  const lw = await materializePackage(onnxPackage(4, 3, { declare: true }), join(dir, "pkgs"));
  const r = await checkLearnware({ lw, semantic: semantic({ task: "Classification", inDim: 4, outDim: 3 }), backend, id: "onnx-ok" });
  assert.equal(r.status, "usable", r.log.join("\n"));
  assert.equal(r.code, 1);
  assert.match(r.log.join("\n"), /EasyStatChecker Success/);
});

test("onnx check: each mismatch is INVALID naming its rule", async () => {
  const cases = [
    {
      pkg: onnxPackage(4, 3),
      sem: semantic({ task: "Classification", inDim: 5, outDim: 3 }),
      rule: "input_shape",
      msg: /input shapes of model and semantic specifications are different/,
    },
    {
      pkg: onnxPackage(4, 3, { statD: 6 }),
      sem: semantic({ task: "Classification", inDim: 4, outDim: 3 }),
      rule: "stat_spec_dimension",
      msg: /input dimension mismatch with stat specification/,
    },
    {
      pkg: onnxPackage(4, 3),
      sem: semantic({ task: "Classification", inDim: 4, outDim: 5 }),
      rule: "classification_dimension",
      msg: /output dimension mismatch, where model_shape=\(3,\), semantic_shape=\(5,\)/,
    },
    {
      pkg: onnxPackage(4, 2),
      sem: semantic({ task: "Regression", inDim: 4, outDim: 1 }),
      rule: "regression_dimension",
      msg: /model_shape=\(2,\), semantic_shape=\(1,\)/,
    },
  ];
  for (const c of cases) {
    const lw = await materializePackage(c.pkg, join(dir, "pkgs"));
    const r = await checkLearnware({ lw, semantic: c.sem, backend, id: "x" });
    assert.equal(r.status, "invalid", `${c.rule}: ${r.log.join("\n")}`);
    assert.equal(r.code, -1);
    assert.equal(r.rule, c.rule);
    assert.match(r.message, c.msg);
    assert.match(r.log.join("\n"), new RegExp(`✗ ${c.rule}`));
  }
});

// ---- ONNX text learnwares: the model takes the raw texts as a string tensor.
const BOW = {
  vocab: ["good", "bad", "great", "a", "e"],
  weights: [
    [1, -1],
    [-1, 1],
    [2, -2],
    [0.1, 0],
    [0, 0.1],
  ],
  bias: [0, 0],
  output: "softmax" as const,
};

function textOnnxPackage(onnx: Uint8Array, declare?: { input_shape: number[]; output_shape: number[] }): Uint8Array {
  const spec = new RKMETextSpecification(RKMETableSpecification.generate(randomData(40, 6, 3), { K: 5, seed: 1 }), ["en"]);
  return writeLearnwarePackage({
    yaml: {
      model: { kind: "onnx", file: "model.onnx", ...(declare ?? {}) },
      stat_specifications: [{ module_path: "learnware.specification", class_name: RKMETextSpecification.TYPE, file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.onnx": onnx, "stat.json": spec.stringify() },
  });
}

const textSem = (task: "Classification" | "Regression", outDim: number) => {
  const s = semantic({ task, inDim: 1, outDim, data: "Text" });
  delete s.Input;
  return s;
};

test("onnx text learnware (string tensor input): predicts on texts as the TS reference; the check runs the Python text checker's rules", async () => {
  const lw = await materializePackage(textOnnxPackage(buildBagOfWordsOnnx(BOW)), join(dir, "pkgs"));
  const h = await backend.load(lw);
  assert.deepEqual(h.output_shape, [2]);
  const texts = ["good great movie", "bad bad", "nothing here"];
  const y = await h.predictTexts!(texts);
  assert.deepEqual(y.y.shape, [3, 2]);
  const ref = bagOfWordsForward(BOW, texts).flat();
  ref.forEach((v, i) => assert.ok(Math.abs(y.y.data[i]! - v) < 1e-6, `element ${i}: ${y.y.data[i]} vs ${v}`));
  // A numeric tensor is refused naming the input.
  await assert.rejects(h.predict(tensor([[1, 2]])), /takes texts \(its input 'text' is string/);
  await h.dispose();

  const ok = await checkLearnware({ lw, semantic: textSem("Classification", 2), backend, id: "onnx-text" });
  assert.equal(ok.status, "usable", ok.log.join("\n"));
  assert.match(ok.log.join("\n"), /predict on 10 random texts → output shape \[10, 2\]/);
  // The same rules as for Python text models: the output dimension against the semantic spec.
  const wrong = await checkLearnware({ lw, semantic: textSem("Classification", 3), backend, id: "onnx-text" });
  assert.equal(wrong.status, "invalid");
  assert.equal(wrong.rule, "classification_dimension");
  const reg = await checkLearnware({ lw, semantic: textSem("Regression", 1), backend, id: "onnx-text" });
  assert.equal(reg.rule, "regression_dimension");
});

test("onnx text learnware whose model takes numbers (token ids, embeddings): INVALID, saying an ONNX text model must take a string tensor", async () => {
  const lw = await materializePackage(textOnnxPackage(buildDenseOnnx({ layers: [{ weights: [[1, 0]], bias: [0, 0] }], output: "softmax" })), join(dir, "pkgs"));
  const r = await checkLearnware({ lw, semantic: textSem("Classification", 2), backend, id: "onnx-ids" });
  assert.equal(r.status, "invalid", r.log.join("\n"));
  assert.equal(r.rule, "predict");
  assert.match(r.message, /input 'input' is float32 \[N, 1\], but an ONNX text learnware must take the raw texts as a string tensor/);
});
