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

/**
 * kill -9 during a 600-artifact delete, again and again: the delete's rows go in one
 * transaction and its blobs are collected after the commit, so whatever instant the kill
 * lands on, every row left is downloadable after the restart (`LW_CRASH_TRIALS`, default 10).
 */
describe("kill -9 during large deletes (node entry as a child process)", () => {
  let dir = "";
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  // 20 trials took 200–345 s on the shared 2-core machine; `npm test` runs 10 (LW_CRASH_TRIALS=20 for the full run).
  const TRIALS = Number(process.env.LW_CRASH_TRIALS ?? 10);
  const ARTIFACTS = 600;

  it(`every remaining row is downloadable after ${TRIALS} kills mid-delete`, { timeout: 900_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), "lw-crash-del-"));
    const env = { LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false", LW_RATE_UPLOADS: "0" };
    let child = await spawnEntry("node", env);
    const enc = new TextEncoder();
    const put = async (url: string, id: string, path: string, body: Uint8Array) => {
      const r = await fetch(`${url}/v1/models/${id}/versions/1/artifacts?path=${encodeURIComponent(path)}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN}` },
        body: body as Uint8Array<ArrayBuffer>,
      });
      assert.equal(r.status, 201, await r.text());
    };
    const makeModel = async (url: string, name: string, n: number, shared: (i: number) => boolean) => {
      const m = await api(url, "POST", "/v1/namespaces/crash/models", { token: ADMIN, json: { name } });
      await api(url, "POST", `/v1/models/${m.data.id}/versions`, { token: ADMIN, json: {} });
      const queue = Array.from({ length: n }, (_, i) => i);
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
            // Some artifacts share their bytes with the keeper's, so their blobs must survive the delete.
            await put(url, m.data.id, `a/${i}.txt`, enc.encode(shared(i) ? `shared ${i % 50}` : `${name} ${i}`));
          }
        }),
      );
      return m.data.id as string;
    };
    const keeper = await makeModel(child.url, "keeper", 50, () => true);
    const outcomes = { committed: 0, rolledBack: 0 };
    let rows = 0;
    const started = performance.now();
    try {
      for (let t = 0; t < TRIALS; t++) {
        const victim = await makeModel(child.url, `victim ${t}`, ARTIFACTS, (i) => i % 10 === 0);
        // Fire the delete and kill the server a few ms later (a spread of instants over the trials).
        const res = fetch(`${child.url}/v1/models/${victim}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } }).catch(() => null);
        await new Promise((r) => setTimeout(r, 5 + ((t * 37) % 120)));
        await child.kill("SIGKILL");
        await res;
        child = await spawnEntry("node", env);
        const still = await api(child.url, "GET", `/v1/models/${victim}`, { token: ADMIN });
        if (still.status === 200) outcomes.rolledBack++;
        else outcomes.committed++;
        // Every artifact row of every model is downloadable and has its bytes.
        const models = await api(child.url, "GET", "/v1/models?namespace=crash&limit=500", { token: ADMIN });
        for (const m of models.data.items) {
          const list = await api(child.url, "GET", `/v1/models/${m.id}/versions/1/artifacts`, { token: ADMIN });
          for (const a of list.data.items) {
            const dl = await fetch(`${child.url}/v1/models/${m.id}/versions/1/artifacts/content?path=${encodeURIComponent(a.path)}`, {
              headers: { authorization: `Bearer ${ADMIN}` },
            });
            assert.equal(dl.status, 200, `trial ${t}: ${m.id} ${a.path} → ${dl.status}`);
            assert.equal(await sha256(new Uint8Array(await dl.arrayBuffer())), a.sha256);
            rows++;
          }
        }
        // A surviving victim is deleted cleanly now (its blobs were all there).
        if (still.status === 200) assert.equal((await api(child.url, "DELETE", `/v1/models/${victim}`, { token: ADMIN })).status, 200);
      }
      const k = await api(child.url, "GET", `/v1/models/${keeper}/versions/1/artifacts`, { token: ADMIN });
      assert.equal(k.data.items.length, 50);
    } finally {
      await child.kill();
    }
    console.log(
      `# kill -9 mid-delete: ${TRIALS} trials (${outcomes.committed} committed, ${outcomes.rolledBack} rolled back), ${rows} rows checked, 0 lost, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});

/**
 * The fault suite: kill -9 while uploads, resumable finishes, version writes, tag moves,
 * artifact writes and deletes run together, at a different instant each trial
 * (`LW_FAULT_TRIALS`, default 10); after each restart the consistency rules hold.
 */
describe("kill -9 during mixed writes (fault suite)", () => {
  let dir = "";
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const TRIALS = Number(process.env.LW_FAULT_TRIALS ?? 10);

  it(`consistency after ${TRIALS} kills during mixed writes`, { timeout: 600_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), "lw-fault-"));
    const env = { LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false", LW_RATE_UPLOADS: "0" };
    let child = await spawnEntry("node", env);
    const H = { authorization: `Bearer ${ADMIN}` };
    const reg = await api(child.url, "POST", "/v1/namespaces/fault/models", { token: ADMIN, json: { name: "tagged" } });
    const regId = reg.data.id as string;
    await api(child.url, "POST", `/v1/models/${regId}/versions`, { token: ADMIN, json: { tags: ["prod"] } });
    let lost = 0;
    let checked = 0;
    try {
      for (let t = 0; t < TRIALS; t++) {
        const url = child.url;
        let stop = false;
        const loop = async (fn: (i: number) => Promise<unknown>) => {
          for (let i = 0; !stop; i++) await fn(i).catch(() => undefined);
        };
        const f = fixture(t % 5, ` fault ${t}`, 200_000);
        const writers = [
          loop(() => api(url, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(f.semantic, f.zip) })),
          loop(async () => {
            const v = await api(url, "POST", `/v1/models/${regId}/versions`, { token: ADMIN, json: { metadata: { t } } });
            await api(url, "PUT", `/v1/models/${regId}/tags/prod`, { token: ADMIN, json: { version: v.data.number } });
          }),
          loop(async (i) => {
            await fetch(`${url}/v1/models/${regId}/versions/1/artifacts?path=${encodeURIComponent(`t${t}/${i}.bin`)}`, {
              method: "PUT",
              headers: H,
              body: new TextEncoder().encode(`artifact ${t} ${i}`),
            });
          }),
          loop(async () => {
            const c = await api(url, "POST", "/v1/uploads", { token: ADMIN, json: { size: f.zip.length } });
            await api(url, "PUT", `/v1/uploads/${c.data.id}?offset=0&sha256=${await sha256(f.zip)}`, { token: ADMIN, body: f.zip });
            await api(url, "POST", `/v1/uploads/${c.data.id}/finish`, { token: ADMIN, json: { sha256: await sha256(f.zip), semantic: f.semantic } });
          }),
          loop(async () => {
            const l = await api(url, "GET", "/v1/learnwares?limit=5", { token: ADMIN });
            const victim = l.data.items?.[(t * 7) % Math.max(1, l.data.items.length)];
            if (victim) await api(url, "DELETE", `/v1/learnwares/${victim.id}`, { token: ADMIN });
          }),
        ];
        await new Promise((r) => setTimeout(r, 300 + ((t * 173) % 700)));
        await child.kill("SIGKILL");
        stop = true;
        await Promise.all(writers);
        child = await spawnEntry("node", env);
        // The rules, checked over HTTP on the restarted server.
        assert.deepEqual(await readdir(join(dir, "blobs", "tmp")), [], `trial ${t}: temp files swept`);
        const ids = new Set<string>();
        for (let offset = 0; ; offset += 500) {
          const page = await api(child.url, "GET", `/v1/models?limit=500&offset=${offset}`, { token: ADMIN });
          for (const m of page.data.items) {
            assert.ok(!ids.has(m.id), `trial ${t}: id ${m.id} twice`);
            ids.add(m.id);
            const vs = await api(child.url, "GET", `/v1/models/${m.id}/versions`, { token: ADMIN });
            const numbers = vs.data.items.map((v: any) => v.number);
            assert.equal(Math.max(0, ...numbers), m.latestVersion, `trial ${t}: ${m.id} latest version`);
            for (const [tag, n] of Object.entries((await api(child.url, "GET", `/v1/models/${m.id}/tags`, { token: ADMIN })).data.tags)) {
              assert.ok(numbers.includes(n), `trial ${t}: tag ${tag} → missing version ${n}`);
            }
            for (const v of vs.data.items) {
              if (v.packageSha256) {
                const dl = await fetch(`${child.url}/v1/learnwares/${m.id}/versions/${v.number}/package`, { headers: H });
                const bytes = new Uint8Array(await dl.arrayBuffer());
                if (dl.status !== 200 || (await sha256(bytes)) !== v.packageSha256) lost++;
                checked++;
              }
            }
            if (m.kind === "model") {
              const arts = await api(child.url, "GET", `/v1/models/${m.id}/versions/1/artifacts`, { token: ADMIN });
              for (const a of arts.data.items) {
                const dl = await fetch(`${child.url}/v1/models/${m.id}/versions/1/artifacts/content?path=${encodeURIComponent(a.path)}`, { headers: H });
                if (dl.status !== 200 || (await sha256(new Uint8Array(await dl.arrayBuffer()))) !== a.sha256) lost++;
                checked++;
              }
            }
          }
          if (page.data.items.length < 500) break;
        }
        assert.equal(lost, 0, `trial ${t}: ${lost} rows without their bytes`);
      }
    } finally {
      await child.kill();
    }
    console.log(`# fault suite: ${TRIALS} kill -9 trials during mixed writes, ${checked} packages and artifacts checked, ${lost} lost`);
  });
});
