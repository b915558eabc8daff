import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RKMETextSpecification, searchTextSpecs } from "../../core/text/rkmeTextSpec.ts";
import { buildTinyModel, TINY_DIM, TINY_MODEL_NAME } from "./buildTinyModel.ts";
import { loadTextEmbedder } from "./embedder.ts";

test("the tiny model folder loads in transformers.js and drives text specs end to end", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lw-tiny-"));
  try {
    const a = buildTinyModel(dir);
    const b = buildTinyModel(join(dir, "again"));
    assert.deepEqual(readFileSync(join(a, "onnx", "model.onnx")), readFileSync(join(b, "onnx", "model.onnx")), "deterministic bytes");
    const embed = await loadTextEmbedder({ modelsDir: dir, model: TINY_MODEL_NAME });
    const v = await embed(["the cat eats food", "the dog eats food", "stock market price"]);
    assert.equal(v.length, 3);
    assert.equal(v[0]!.length, TINY_DIM);
    const cos = (x: Float32Array, y: Float32Array) => {
      let xy = 0,
        xx = 0,
        yy = 0;
      for (let i = 0; i < x.length; i++) {
        xy += x[i]! * y[i]!;
        xx += x[i]! ** 2;
        yy += y[i]! ** 2;
      }
      return xy / Math.sqrt(xx * yy);
    };
    assert.ok(cos(v[0]!, v[1]!) > cos(v[0]!, v[2]!) + 0.3);
    assert.deepEqual(Array.from((await embed(["the cat eats food"]))[0]!), Array.from(v[0]!), "batching does not change a vector");

    const mk = (t: string[]) => RKMETextSpecification.generate(t, embed, { K: 3, seed: 0 });
    const pets = await mk(["the cat eats fish", "my dog likes to play ball", "the cat sleeps at home", "a dog and a cat"]);
    const money = await mk(["the bank loan credit", "stock market price today", "buy and sell stock", "pay the loan to the bank"]);
    const user = await mk(["my cat and my dog play", "the dog eats food"]);
    const r = searchTextSpecs(
      user,
      [
        { id: "money", spec: money },
        { id: "pets", spec: pets },
      ],
      { method: "none" },
    );
    assert.equal(r.single[0]!.id, "pets");
    assert.deepEqual(pets.language, ["en"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
