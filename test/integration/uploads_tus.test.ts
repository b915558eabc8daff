/**
 * Resumable uploads with tus-like semantics: one writer per session, idempotent finish,
 * a lost partial file → 410 and the session closed, per-owner caps, expiry swept while running.
 */
import assert from "node:assert/strict";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, fixture, mintToken, sha256, startTestServer, type TestServer, TEST_BLOBS } from "./_server.ts";

// Looks into the disk store's folders: the disk configuration only (LW_TEST_BLOBS=s3 skips it).
const diskOnly = { skip: TEST_BLOBS === "s3" ? "inspects the disk blob store's folders" : false };
describe("resumable uploads (tus-like)", () => {
  let s: TestServer;
  let tok: string;
  before(async () => {
    s = await startTestServer({ LW_UPLOAD_MAX_SESSIONS: "4", LW_UPLOAD_MAX_BYTES: String(4 * 1024 * 1024), LW_GC_INTERVAL_SECONDS: "1" });
    tok = await mintToken(s.url, "tess");
  });
  after(() => s.close());

  it("20 concurrent PUTs at the same offset: exactly one is accepted, the others get 409", async () => {
    const c = await api(s.url, "POST", "/v1/uploads", { token: tok, json: {} });
    const chunk = new Uint8Array(256 * 1024).fill(7);
    const sha = await sha256(chunk);
    const rs = await Promise.all(
      Array.from({ length: 20 }, () => api(s.url, "PUT", `/v1/uploads/${c.data.id}?offset=0&sha256=${sha}`, { token: tok, body: chunk })),
    );
    const codes = rs.map((r) => r.status).sort();
    assert.equal(codes.filter((x) => x === 200).length, 1, codes.join(","));
    assert.equal(codes.filter((x) => x === 409).length, 19, codes.join(","));
    const q = await api(s.url, "GET", `/v1/uploads/${c.data.id}`, { token: tok });
    assert.equal(q.data.offset, chunk.length);
    await api(s.url, "DELETE", `/v1/uploads/${c.data.id}`, { token: tok });
  });

  it("two simultaneous finishes get the same answer, and so does a later one", async () => {
    const f = fixture(0, " tus");
    const c = await api(s.url, "POST", "/v1/uploads", { token: tok, json: { size: f.zip.length } });
    await api(s.url, "PUT", `/v1/uploads/${c.data.id}?offset=0&sha256=${await sha256(f.zip)}`, { token: tok, body: f.zip });
    const body = { sha256: await sha256(f.zip), semantic: f.semantic };
    const [a, b] = await Promise.all([0, 1].map(() => api(s.url, "POST", `/v1/uploads/${c.data.id}/finish`, { token: tok, json: body })));
    assert.equal(a!.status, 201, JSON.stringify(a!.data));
    assert.equal(b!.status, 201, JSON.stringify(b!.data));
    assert.deepEqual(a!.data, b!.data);
    const again = await api(s.url, "POST", `/v1/uploads/${c.data.id}/finish`, { token: tok, json: body });
    assert.deepEqual(again.data, a!.data);
    const list = await api(s.url, "GET", "/v1/learnwares?owner=tess", { token: tok });
    assert.equal(list.data.total, 1, "one learnware, not two");
    // Another file's sha256 on a finished session is a conflict, not a second learnware.
    const other = await api(s.url, "POST", `/v1/uploads/${c.data.id}/finish`, { token: tok, json: { ...body, sha256: "0".repeat(64) } });
    assert.equal(other.status, 409);
  });

  it("a session whose partial file is lost answers 410 and is closed", diskOnly, async () => {
    const c = await api(s.url, "POST", "/v1/uploads", { token: tok, json: {} });
    await rm(join(s.dir, "blobs", "partial", c.data.id));
    const chunk = new Uint8Array(10);
    const put = await api(s.url, "PUT", `/v1/uploads/${c.data.id}?offset=0&sha256=${await sha256(chunk)}`, { token: tok, body: chunk });
    assert.equal(put.status, 410, JSON.stringify(put.data));
    assert.equal(put.data.error.code, "GONE");
    assert.equal((await api(s.url, "GET", `/v1/uploads/${c.data.id}`, { token: tok })).status, 404, "closed");
    const c2 = await api(s.url, "POST", "/v1/uploads", { token: tok, json: {} });
    await rm(join(s.dir, "blobs", "partial", c2.data.id));
    const fin = await api(s.url, "POST", `/v1/uploads/${c2.data.id}/finish`, { token: tok, json: { sha256: "0".repeat(64), semantic: fixture(0).semantic } });
    assert.equal(fin.status, 410);
  });

  it("caps open sessions (429) and the bytes they hold (413) per owner, with a clear message", async () => {
    const t = await mintToken(s.url, "capped");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await api(s.url, "POST", "/v1/uploads", { token: t, json: { size: 1024 } });
      assert.equal(r.status, 201);
      ids.push(r.data.id);
    }
    const fifth = await api(s.url, "POST", "/v1/uploads", { token: t, json: {} });
    assert.equal(fifth.status, 429);
    assert.match(fifth.data.error.message, /4 open upload sessions, the limit is 4 \(LW_UPLOAD_MAX_SESSIONS\)/);
    // Another owner is not affected.
    assert.equal((await api(s.url, "POST", "/v1/uploads", { token: await mintToken(s.url, "other"), json: {} })).status, 201);
    for (const id of ids) await api(s.url, "DELETE", `/v1/uploads/${id}`, { token: t });
    const big = await api(s.url, "POST", "/v1/uploads", { token: t, json: { size: 5 * 1024 * 1024 } });
    assert.equal(big.status, 413);
    assert.match(big.data.error.message, /LW_UPLOAD_MAX_BYTES/);
    // Undeclared sizes are counted as the chunks arrive.
    const open = await api(s.url, "POST", "/v1/uploads", { token: t, json: {} });
    const held = await api(s.url, "POST", "/v1/uploads", { token: t, json: { size: 3 * 1024 * 1024 } });
    assert.equal(held.status, 201);
    const chunk = new Uint8Array(2 * 1024 * 1024);
    const over = await api(s.url, "PUT", `/v1/uploads/${open.data.id}?offset=0&sha256=${await sha256(chunk)}`, { token: t, body: chunk });
    assert.equal(over.status, 413, JSON.stringify(over.data));
    assert.equal(over.data.error.code, "QUOTA_EXCEEDED");
  });

  it("sweeps expired sessions while running (not only at restart)", diskOnly, async () => {
    const dir = s.dir;
    await s.close({ keep: true });
    s = await startTestServer({ LW_UPLOAD_SESSION_SECONDS: "1", LW_GC_INTERVAL_SECONDS: "1" }, dir);
    const c = await api(s.url, "POST", "/v1/uploads", { token: tok, json: {} });
    assert.ok((await readdir(join(s.dir, "blobs", "partial"))).includes(c.data.id));
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(!(await readdir(join(s.dir, "blobs", "partial"))).includes(c.data.id), "the partial file is swept");
    const q = await api(s.url, "GET", `/v1/uploads/${c.data.id}`, { token: tok });
    assert.equal(q.status, 404);
  });
});
