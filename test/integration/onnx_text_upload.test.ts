/**
 * Upload of ONNX text learnwares (semantic Data = Text): a model taking a string tensor is
 * accepted (the runner then checks it on texts); a model taking numbers is refused at once
 * with a 422 saying an ONNX text learnware must take the raw texts as a string tensor.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildDenseOnnx } from "../../core/onnx/onnxBuilder.ts";
import { buildBagOfWordsOnnx } from "../../core/onnx/textOnnxBuilder.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { fromRows } from "../../core/matrix.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { RKMETextSpecification } from "../../core/text/rkmeTextSpec.ts";
import { ADMIN, startTestServer, type TestServer, uploadForm } from "./_server.ts";

const semantic = {
  Data: { Values: ["Text"], Type: "Class" },
  Task: { Values: ["Classification"], Type: "Class" },
  Library: { Values: ["Others"], Type: "Class" },
  Scenario: { Values: ["Entertainment"], Type: "Tag" },
  License: { Values: ["MIT"], Type: "Class" },
  Description: { Values: "sentiment of reviews", Type: "String" },
  Name: { Values: "onnx sentiment", Type: "String" },
  Output: { Dimension: 2, Description: { "0": "negative", "1": "positive" } },
};

function pkg(onnx: Uint8Array): Uint8Array {
  const table = RKMETableSpecification.generate(fromRows(Array.from({ length: 20 }, (_, i) => [Math.sin(i), Math.cos(i), i / 20])), { K: 4, seed: 1 });
  return writeLearnwarePackage({
    yaml: {
      model: { kind: "onnx", file: "model.onnx" },
      stat_specifications: [{ module_path: "learnware.specification", class_name: RKMETextSpecification.TYPE, file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.onnx": onnx, "stat.json": new RKMETextSpecification(table, ["en"]).stringify() },
  });
}

describe("ONNX text learnwares at upload", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it("a string-tensor model is accepted; a model on numbers is a 422 naming its input and the rule", async () => {
    const post = (zip: Uint8Array) =>
      fetch(`${s.url}/v1/learnwares`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: uploadForm(semantic, zip) });
    const ok = await post(
      pkg(
        buildBagOfWordsOnnx({
          vocab: ["good", "bad"],
          weights: [
            [1, -1],
            [-1, 1],
          ],
          bias: [0, 0],
          output: "softmax",
        }),
      ),
    );
    assert.equal(ok.status, 201, await ok.text());
    const ids = await post(
      pkg(
        buildDenseOnnx({
          layers: [
            {
              weights: [
                [1, 0],
                [0, 1],
                [1, 1],
              ],
              bias: [0, 0],
            },
          ],
          output: "softmax",
          inputName: "token_ids",
        }),
      ),
    );
    assert.equal(ids.status, 422);
    const body = (await ids.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "PACKAGE_INVALID");
    assert.match(body.error.message, /ONNX text learnware must take the raw texts as a string tensor/);
    assert.match(body.error.message, /input 'token_ids' is float32 \[N, 3\]/);
  });
});
