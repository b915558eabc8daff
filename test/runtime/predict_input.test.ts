/**
 * The model service checks every predict's input before any model sees it, the same on
 * every backend (ONNX and JS in the Node worker, numpy in a Python worker): a wrong width
 * is one 400 `INPUT_SHAPE` naming both widths, a cell that is not a finite number one 400
 * `INPUT_TYPE` naming the cell, a jagged array a 400; a model's own failure is a 422 with a
 * short message and no traceback (that stays in the instance's log).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { jsPackage, numpyPackage, onnxPackage, pythonPackage, scratch } from "./_fixtures.ts";
import { startService } from "./_service.ts";
import { requires } from "../_requires.ts";

describe("predict input checks", requires("python3-numpy", "python3-venv", "bwrap"), async () => {
  const failing = pythonPackage(
    `import numpy as np
from learnware.model import BaseModel
class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(2,), output_shape=(1,))
    def predict(self, X):
        return np.linalg.inv(np.zeros((2, 2)))
`,
    { d: 2 },
  );
  const packages = new Map<string, Uint8Array>([
    ["onnx8@1", onnxPackage(8, 3)],
    ["js8@1", jsPackage(8)],
    ["np8@1", numpyPackage(8, 1)],
    ["bad@1", failing],
  ]);
  const svc = await startService(scratch("lw-input-"), packages);
  after(() => svc.close());
  const predict = (model: string, X: unknown) =>
    fetch(`${svc.address}/v1/models/${model}/versions/1/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ X }),
    });

  for (const model of ["onnx8", "js8", "np8"]) {
    test(`${model}: the right width predicts; 3 columns → 400 INPUT_SHAPE; a string cell → 400 INPUT_TYPE; a jagged array → 400`, async () => {
      const ok = await predict(model, [[1, 2, 3, 4, 5, 6, 7, 8]]);
      assert.equal(ok.status, 200, await ok.clone().text());
      const narrow = await predict(model, [[1, 2, 3]]);
      assert.equal(narrow.status, 400);
      const n = ((await narrow.json()) as { error: { code: string; message: string } }).error;
      assert.equal(n.code, "INPUT_SHAPE");
      assert.equal(n.message, "X has 3 columns; the model takes 8");
      const text = await predict(model, [[1, 2, 3, "four", 5, 6, 7, 8]]);
      assert.equal(text.status, 400);
      const t = ((await text.json()) as { error: { code: string; message: string } }).error;
      assert.equal(t.code, "INPUT_TYPE");
      assert.match(t.message, /X\[0\]\[3\] is "four", not a finite number/);
      const jagged = await predict(model, [
        [1, 2, 3, 4, 5, 6, 7, 8],
        [1, 2],
      ]);
      assert.equal(jagged.status, 400);
      assert.equal(((await jagged.json()) as { error: { code: string } }).error.code, "INPUT_SHAPE");
      const flat = await predict(model, [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.equal(flat.status, 400);
    });
  }

  test("a model that fails answers 422 with a short message and no traceback", async () => {
    const r = await predict("bad", [[1, 2]]);
    assert.equal(r.status, 422);
    const body = (await r.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } };
    assert.equal(body.error.code, "MODEL_ERROR");
    assert.match(body.error.message, /Singular matrix/);
    assert.doesNotMatch(JSON.stringify(body), /Traceback|File "/);
    const log = await fetch(`${svc.address}/v1/models/bad/versions/1/log`);
    assert.equal(log.status, 200);
  });
});
