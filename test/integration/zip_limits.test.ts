/**
 * Zip bombs on every upload path: refused with a 4xx naming the limit before anything is
 * inflated, while the server's memory stays put and `/healthz` keeps answering.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, auth, fixture, mintToken, runChecks, sha256, startTestServer, type TestServer, uploadForm, TEST_BLOBS } from "./_server.ts";
import { zipBomb } from "./_zipBomb.ts";

describe("zip limits on every upload path", () => {
  let s: TestServer;
  let tok: string;
  let existing: string;
  const bomb = zipBomb(1000, 1024 * 1024);
  before(async () => {
    s = await startTestServer();
    tok = await mintToken(s.url, "zed", ["read", "write"], { email: "zed@example.org" });
    const f = fixture(0);
    const r = await api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, f.zip) });
    existing = r.data.learnware.id;
    await runChecks(s.url);
  });
  after(() => s.close());

  const assertRefused = (r: { status: number; data: any }, where: string) => {
    assert.ok(r.status >= 400 && r.status < 500, `${where}: ${r.status} ${JSON.stringify(r.data)}`);
    const text = JSON.stringify(r.data);
    assert.match(text, /LW_ZIP_MAX_RATIO/, `${where} names the limit: ${text}`);
    assert.match(text, /1048576000 bytes uncompressed/, `${where} names the declared size`);
  };

  it("is a 1.1 MB zip declaring 1,000 MiB", () => {
    assert.ok(bomb.byteLength < 1_200_000, `${bomb.byteLength}`);
  });

  it("refuses it on all paths with the limit named; RSS stays bounded and /healthz answers meanwhile", { timeout: 120_000 }, async () => {
    const rss0 = process.memoryUsage().rss;
    let slowest = 0;
    let health = 0;
    let stop = false;
    const pinger = (async () => {
      while (!stop) {
        const t = performance.now();
        const r = await fetch(`${s.url}/healthz`);
        await r.text();
        assert.equal(r.status, 200);
        slowest = Math.max(slowest, performance.now() - t);
        health++;
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const f = fixture(1);
    const paths: [string, () => Promise<{ status: number; data: any }>][] = [
      ["multipart POST /v1/learnwares", () => api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, bomb) })],
      ["version update PATCH /v1/learnwares/{id}", () => api(s.url, "PATCH", `/v1/learnwares/${existing}`, { token: tok, body: uploadForm(f.semantic, bomb) })],
      [
        "resumable /v1/uploads",
        async () => {
          const c = await api(s.url, "POST", "/v1/uploads", { token: tok, json: { size: bomb.byteLength } });
          const put = await api(s.url, "PUT", `/v1/uploads/${c.data.id}?offset=0&sha256=${await sha256(bomb)}`, { token: tok, body: bomb });
          assert.equal(put.status, 200, JSON.stringify(put.data));
          return api(s.url, "POST", `/v1/uploads/${c.data.id}/finish`, { token: tok, json: { sha256: await sha256(bomb), semantic: f.semantic } });
        },
      ],
      [
        "/api chunked_upload + add_learnware_uploaded",
        async () => {
          const login = await api(s.url, "POST", "/api/auth/login_by_token", { json: { email: "zed@example.org", token: tok } });
          const session = login.data.data.token;
          const md5 = createHash("md5").update(bomb).digest("hex");
          const fd = new FormData();
          fd.set("file_hash", md5);
          fd.set("chunk_begin", "0");
          fd.set("chunk_file", new Blob([bomb]), "chunk");
          const up = await api(s.url, "POST", "/api/user/chunked_upload", { token: session, body: fd });
          assert.equal(up.data.code, 0, JSON.stringify(up.data));
          return api(s.url, "POST", "/api/user/add_learnware_uploaded", {
            token: session,
            json: { file_hash: md5, semantic_specification: JSON.stringify(f.semantic) },
          });
        },
      ],
      [
        "/api update_learnware",
        async () => {
          const login = await api(s.url, "POST", "/api/auth/login_by_token", { json: { email: "zed@example.org", token: tok } });
          const fd = new FormData();
          fd.set("learnware_id", existing);
          fd.set("semantic_specification", JSON.stringify(f.semantic));
          fd.set("learnware_file", new Blob([bomb]), "learnware.zip");
          return api(s.url, "POST", "/api/user/update_learnware", { token: login.data.data.token, body: fd });
        },
      ],
    ];
    for (const [where, run] of paths) assertRefused(await run(), where);
    // Three at once.
    const three = await Promise.all([0, 1, 2].map(() => api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, bomb) })));
    for (const r of three) assertRefused(r, "concurrent multipart");
    stop = true;
    await pinger;
    const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
    console.log(
      `# zip bomb: ${paths.length} paths + 3 concurrent refused; RSS grew ${grown.toFixed(0)} MiB; slowest of ${health} /healthz ${slowest.toFixed(0)} ms`,
    );
    assert.ok(grown < 150, `RSS grew by ${grown.toFixed(0)} MiB`);
    assert.ok(health > 0 && slowest < 1000, `slowest /healthz ${slowest.toFixed(0)} ms over ${health}`);
    // Nothing kept: no version, no temp file, no blob beyond the one good package.
    const v = await api(s.url, "GET", `/v1/learnwares/${existing}/versions`, { token: tok });
    assert.equal(v.data.items.length, 1);
    // (The disk store's temp folder; the S3 configuration has none to look into.)
    if (TEST_BLOBS === "disk") assert.deepEqual(await readdir(join(s.dir, "blobs", "tmp")), []);
    const list = await api(s.url, "GET", "/v1/learnwares", { token: tok });
    assert.equal(list.data.total, 1);
  });

  it("stops a central directory that lies about sizes while inflating", async () => {
    // Declares 1 KiB per entry (ratio check passes) but inflates 1 MiB each.
    const liar = zipBomb(4, 1024 * 1024, { lie: 1024 });
    const f = fixture(2);
    const r = await api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, liar) });
    assert.ok(r.status >= 400 && r.status < 500, JSON.stringify(r.data));
    assert.match(r.data.error.message, /inflates to more than its declared 1024 bytes/);
  });

  it("inflates a large legitimate package in a worker thread", { timeout: 60_000 }, async () => {
    const f = fixture(3, " big", 6 * 1024 * 1024);
    const r = await api(s.url, "POST", "/v1/learnwares", { headers: auth(tok), body: uploadForm(f.semantic, f.zip) });
    assert.equal(r.status, 201, JSON.stringify(r.data));
  });
});

describe("zip limits on the inspection threads (every package read by a worker from its staged file)", () => {
  let s: TestServer;
  let tok: string;
  before(async () => {
    s = await startTestServer({ LW_ZIP_WORKER_MIN_BYTES: "1" });
    tok = await mintToken(s.url, "yan", ["read", "write"]);
  });
  after(() => s.close());

  it("refuses a bomb from its central directory, naming the limit, and keeps nothing", async () => {
    const f = fixture(4);
    const r = await api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, zipBomb(1000, 1024 * 1024)) });
    assert.equal(r.status, 413, JSON.stringify(r.data));
    assert.match(r.data.error.message, /LW_ZIP_MAX_RATIO/);
    if (TEST_BLOBS === "disk") assert.deepEqual(await readdir(join(s.dir, "blobs", "tmp")), []);
  });

  it("refuses a corrupt entry (422 naming it) and accepts the intact package", async () => {
    const f = fixture(5);
    const bad = new Uint8Array(f.zip);
    // Flip a byte inside the first entry's data (after its 30-byte local header and name).
    const view = new DataView(bad.buffer);
    const dataAt = 30 + view.getUint16(26, true) + view.getUint16(28, true);
    bad[dataAt + 2]! ^= 0xff;
    const r = await api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, bad) });
    assert.equal(r.status, 422, JSON.stringify(r.data));
    assert.match(r.data.error.message, /corrupt/);
    const ok = await api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, f.zip) });
    assert.equal(ok.status, 201, JSON.stringify(ok.data));
    const list = await api(s.url, "GET", "/v1/learnwares", { token: tok });
    assert.equal(list.data.total, 1);
  });
});
