/**
 * Image learnwares through the server: uploaded with an RKMEImageSpecification (semantic Data =
 * Image), checked, then found by an image spec through POST /v1/search and /api, ranked by
 * the image kernel's MMD (score 1 − exp(−d/0.00005)); a table learnware is never returned.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { RKMEImageSpecification } from "../../core/image/rkmeImageSpec.ts";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { imagePackage, imageSemantic, rgbStripes, stripes, writeStripePngs } from "../_images.ts";
import { repoRoot, scratch } from "../_util.ts";
import { ADMIN, api, fixture, runChecks, startTestServer, type TestServer, uploadForm } from "./_server.ts";

const images = stripes;
const kernel = { nModels: 1, width: 8 };

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

  it("lw spec generate --images (a folder of pictures or an N×C×H×W .npy) → lw search --server finds the image learnware", async () => {
    // Two CNN-GP image learnwares (the CLI's default kernel): 3-channel horizontal and vertical stripes.
    const rgb = rgbStripes;
    const ids: string[] = [];
    for (const [name, kind, seed] of [
      ["horizontal stripes (cnn-gp)", "h", 11],
      ["vertical stripes (cnn-gp)", "v", 12],
    ] as const) {
      const spec = RKMEImageSpecification.generate(rgb(16, kind, seed), { K: 3 });
      const r = await api(s.url, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(imageSemantic(name), imagePackage(spec)) });
      assert.equal(r.status, 201, JSON.stringify(r.data));
      ids.push(r.data.learnware.id);
    }
    assert.equal(await runChecks(s.url), 2);

    // The user's vertical-stripe pictures as PNG files (grey, decoded as RGB by the CLI).
    const dir = scratch("lw-images-");
    const pics = join(dir, "pics");
    mkdirSync(pics);
    const user = images(8, "v", 21);
    await writeStripePngs(pics, 8, "v", 21);
    // Asynchronous: the server runs in this process and must answer while lw waits.
    const lw = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [join(repoRoot, "cli", "lw.js"), ...args], { cwd: dir, encoding: "utf8", timeout: 120_000 }, (err, stdout, stderr) =>
          resolve({ status: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
        ),
      );
    const gen = await lw("spec", "generate", "--images", pics, "--output", "user.json", "--K", "3", "--json");
    assert.equal(gen.status, 0, gen.stderr);
    assert.deepEqual(JSON.parse(gen.stdout), { output: "user.json", points: 3, channels: 3, images: 8 });
    const found = await lw("search", "--server", s.url, "--spec", "user.json", "--json");
    assert.equal(found.status, 0, found.stderr);
    const single = (JSON.parse(found.stdout) as { single: { id: string }[] }).single.map((x) => x.id);
    assert.deepEqual(single.slice(0, 2), [ids[1], ids[0]], found.stdout.slice(0, 400));

    // The same images as a 4-D .npy (float64, N×C×H×W), and a 2-D one refused with its shape named.
    const npy = (shape: number[], data: Float64Array) => {
      let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
      header += " ".repeat(64 - ((10 + header.length + 1) % 64)) + "\n";
      const head = Buffer.concat([
        Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]),
        Buffer.from(new Uint16Array([header.length]).buffer),
        Buffer.from(header, "latin1"),
      ]);
      return Buffer.concat([head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
    };
    writeFileSync(join(dir, "user.npy"), npy([8, 1, 16, 16], user.data));
    const fromNpy = await lw("spec", "generate", "--images", "user.npy", "--output", "npy.json", "--K", "3", "--json");
    assert.equal(fromNpy.status, 0, fromNpy.stderr);
    assert.deepEqual(JSON.parse(fromNpy.stdout), { output: "npy.json", points: 3, channels: 1, images: 8 });
    writeFileSync(join(dir, "flat.npy"), npy([8, 256], user.data));
    const flat = await lw("spec", "generate", "--images", "flat.npy", "--output", "x.json");
    assert.notEqual(flat.status, 0);
    assert.match(flat.stderr, /must be 4-D \(N, C, H, W\), got shape \(8, 256\)/);
    const empty = await lw("spec", "generate", "--images", dir + "/nothing", "--output", "x.json");
    assert.notEqual(empty.status, 0);
    assert.match(empty.stderr, /Cannot read images .*nothing: ENOENT/);
  });
});
