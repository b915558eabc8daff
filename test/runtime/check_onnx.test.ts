import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NodeBackend } from "../../runner/backends/node.ts";
import { sandbox } from "./_sandbox.ts";
import { checkLearnware } from "../../runner/check/checkLearnware.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { tensor } from "../../runner/tensor.ts";
import { onnxPackage, scratch, semantic } from "./_fixtures.ts";

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
