/** The same createApp() served by Deno.serve (edge/entry/deno.ts), seeded with the demo market. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { api, fixture, uploadForm } from "./_server.ts";
import { spawnEntry } from "./_spawn.ts";
import { buildWeb } from "../../web/build.ts";

describe("deno entry", () => {
  let dir = "";
  after(async () => {
    // Retried: files the server wrote while stopping may still be settling (ENOTEMPTY seen on Node 24).
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it("serves the API with the seeded demo market under Deno", { timeout: 180_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), "lw-deno-"));
    // The page too (what `npm run serve:deno` serves), built into a private folder.
    const web = await buildWeb({ outDir: join(dir, "web") });
    const child = await spawnEntry("deno", { LW_DATA_DIR: dir, LW_WEB_ROOT: web.outDir }, 150_000);
    try {
      const admin = (await readFile(join(dir, "admin-token"), "utf8")).trim();
      const list = await api(child.url, "GET", "/v1/learnwares?status=usable");
      assert.equal(list.status, 200, JSON.stringify(list.data));
      assert.ok(list.data.total >= 6, "demo learnwares are seeded and usable");
      const f = fixture(0);
      const s = await api(child.url, "POST", "/v1/search", { json: { stat: f.stat } });
      assert.equal(s.status, 200);
      assert.ok(s.data.single.items.length > 0);
      assert.equal(s.data.single.items[0].learnware.name, "Sensor fault classifier (plant A)");
      const up = await api(child.url, "POST", "/v1/learnwares", { token: admin, body: uploadForm(fixture(5, " deno").semantic, fixture(5, " deno").zip) });
      assert.equal(up.status, 201, JSON.stringify(up.data));
      assert.equal((await api(child.url, "GET", "/openapi.json")).data.openapi, "3.1.0");
      const page = await fetch(`${child.url}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
      assert.match(await page.text(), /<script[^>]+main\.js/);
    } finally {
      await child.kill();
    }
  });
});
