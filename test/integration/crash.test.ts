/**
 * kill -9 mid-upload, then restart: no half-written version, no temp file, no orphan blob,
 * and everything committed before the crash is intact.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ADMIN, api, fixture, sha256, uploadForm } from "./_server.ts";
import { spawnEntry } from "./_spawn.ts";

describe("crash recovery (node entry as a child process)", () => {
  let dir = "";
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("leaves no half-written version and no orphan blob after kill -9 and restart", { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), "lw-crash-"));
    const env = { LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false" };
    let child = await spawnEntry("node", env);
    const kept = fixture(0, " kept");
    const ok = await api(child.url, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(kept.semantic, kept.zip) });
    assert.equal(ok.status, 201, JSON.stringify(ok.data));
    const keptId = ok.data.learnware.id;

    // Start a large streamed upload, send half of it, and kill -9 the server meanwhile.
    const big = fixture(1, " crashed", 3_000_000);
    const req0 = new Request("http://x/", { method: "POST", body: uploadForm(big.semantic, big.zip) });
    const body = new Uint8Array(await req0.arrayBuffer());
    const tmp = join(dir, "blobs", "tmp");
    await new Promise<void>((resolve) => {
      const req = request(`${child.url}/v1/learnwares`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": req0.headers.get("content-type")!, "content-length": String(body.length) },
      });
      req.on("error", () => resolve());
      req.write(body.subarray(0, body.length >> 1));
      const poll = setInterval(async () => {
        if ((await readdir(tmp)).length > 0) {
          clearInterval(poll);
          await child.kill("SIGKILL");
          req.destroy();
          resolve();
        }
      }, 20);
    });
    assert.ok((await readdir(tmp)).length > 0, "a temp file was being written when the server died");

    // Simulate the other crash window: a blob renamed into place whose transaction never committed,
    // and a resumable-session file without its row.
    const orphan = "ab".repeat(32);
    await mkdir(join(dir, "blobs", "sha256", "ab"), { recursive: true });
    await writeFile(join(dir, "blobs", "sha256", "ab", orphan.slice(2)), "orphan");
    await writeFile(join(dir, "blobs", "partial", "up_orphansession"), "partial");

    child = await spawnEntry("node", env);
    try {
      assert.match(child.output(), /recovered: removed 1 temp file\(s\), 1 orphan blob\(s\)/);
      assert.deepEqual(await readdir(tmp), []);
      assert.deepEqual(await readdir(join(dir, "blobs", "partial")), []);
      const list = await api(child.url, "GET", "/v1/learnwares", { token: ADMIN });
      assert.equal(list.data.total, 1, "only the committed learnware exists");
      assert.equal(list.data.items[0].id, keptId);
      const dl = await fetch(`${child.url}/v1/learnwares/${keptId}/versions/1/package`, { headers: { authorization: `Bearer ${ADMIN}` } });
      assert.equal(await sha256(new Uint8Array(await dl.arrayBuffer())), await sha256(kept.zip));
      // The server keeps accepting uploads after recovery.
      const again = await api(child.url, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(big.semantic, big.zip) });
      assert.equal(again.status, 201);
      assert.equal(again.data.learnware.id, String(Number(keptId) + 1).padStart(8, "0"));
    } finally {
      await child.kill();
    }
  });
});
