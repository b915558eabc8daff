/**
 * Image learnwares through the server: uploaded with an RKMEImageSpecification (semantic Data =
 * Image), checked, then found by an image spec through POST /v1/search and /api, ranked by
 * the image kernel's MMD (score 1 − exp(−d/0.00005)); a table learnware is never returned.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { RKMEImageSpecification } from "../../core/image/rkmeImageSpec.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { createRng } from "../../core/random.ts";
import { ADMIN, api, fixture, runChecks, startTestServer, type TestServer, uploadForm } from "./_server.ts";

/** n images of 1×16×16: horizontal or vertical stripes with noise. */
function images(n: number, kind: "h" | "v", seed: number) {
  const rng = createRng(seed);
  const data = new Float64Array(n * 256);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) data[i * 256 + y * 16 + x] = Math.sin((kind === "h" ? y : x) * 1.3) + 0.2 * rng.normal();
  return { n, c: 1, h: 16, w: 16, data };
}
const kernel = { nModels: 1, width: 8 };

function imageSemantic(name: string) {
  return {
    Data: { Values: ["Image"], Type: "Class" },
    Task: { Values: ["Classification"], Type: "Class" },
    Library: { Values: ["PyTorch"], Type: "Class" },
    Scenario: { Values: ["Education"], Type: "Tag" },
    License: { Values: ["MIT"], Type: "Class" },
    Description: { Values: `${name} images`, Type: "String" },
    Name: { Values: name, Type: "String" },
    Output: { Dimension: 2, Description: { "0": "no", "1": "yes" } },
  };
}

function imagePackage(spec: RKMEImageSpecification): Uint8Array {
  return writeLearnwarePackage({
    yaml: {
      model: { class_name: "Model", kwargs: {} },
      stat_specifications: [{ module_path: "learnware.specification", class_name: RKMEImageSpecification.TYPE, file_name: "stat.json", kwargs: {} }],
    },
    files: { "__init__.py": "from learnware.model import BaseModel\nclass Model(BaseModel):\n    pass\n", "stat.json": spec.stringify() },
  });
}

describe("image learnwares through the server", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it("an image spec finds the image learnware of the same kind of images first, never a table learnware", async () => {
    const ids: string[] = [];
    for (const [name, kind, seed] of [
      ["horizontal stripes", "h", 1],
      ["vertical stripes", "v", 2],
    ] as const) {
      const spec = RKMEImageSpecification.generate(images(20, kind, seed), { K: 4, kernel });
      const r = await api(s.url, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(imageSemantic(name), imagePackage(spec)) });
      assert.equal(r.status, 201, JSON.stringify(r.data));
      ids.push(r.data.learnware.id);
    }
    const table = fixture(0);
    assert.equal((await api(s.url, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(table.semantic, table.zip) })).status, 201);
    assert.equal(await runChecks(s.url), 3);

    const user = RKMEImageSpecification.generate(images(12, "v", 9), { K: 3, kernel });
    const r = await api(s.url, "POST", "/v1/search", { json: { stat: user.toJSON() } });
    assert.equal(r.status, 200, JSON.stringify(r.data).slice(0, 300));
    assert.equal(r.data.path, "exact");
    assert.deepEqual(
      r.data.single.items.map((i: { id: string }) => i.id),
      [ids[1], ids[0]],
    );
    const [first, second] = r.data.single.items as { score: number; dist: number }[];
    assert.ok(first!.dist < second!.dist);
    assert.ok(Math.abs(first!.score - (1 - Math.exp(-first!.dist / 0.00005))) < 1e-12);
    assert.equal(r.data.multiple, null);

    const form = new FormData();
    form.set("semantic_specification", "{}");
    form.set("statistical_specification", new Blob([user.stringify()]), "stat.json");
    const compat = await (await fetch(`${s.url}/api/engine/search_learnware`, { method: "POST", body: form })).json();
    assert.equal(compat.code, 0, JSON.stringify(compat).slice(0, 300));
    assert.equal(compat.data.learnware_list_single[0].learnware_id, ids[1]);

    // A malformed image spec: 4xx naming the problem.
    const bad = await api(s.url, "POST", "/v1/search", { json: { stat: { ...user.toJSON(), beta: [1] } } });
    assert.equal(bad.status, 422);
    assert.equal(bad.data.error.code, "STAT_SPEC_INVALID");
  });
});
