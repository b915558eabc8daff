/** Resumable uploads (with a dropped connection), streamed multipart drops, and concurrent uploads. */
import assert from "node:assert/strict";
import { request } from "node:http";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, fixture, mintToken, sha256, startTestServer, type TestServer, uploadForm, TEST_BLOBS } from "./_server.ts";

/** Sends `headers` and the first `sendBytes` of a body that claims `total` bytes, then drops the socket. */
function dropMidBody(url: string, method: string, headers: Record<string, string>, body: Uint8Array, sendBytes: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method, headers: { ...headers, "content-length": String(body.length) } });
    req.on("error", () => resolve());
    req.on("response", () => resolve());
    req.write(body.subarray(0, sendBytes), () =>
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100),
    );
  });
}

// Looks into the disk store's folders: the disk configuration only (LW_TEST_BLOBS=s3 skips it).
const diskOnly = { skip: TEST_BLOBS === "s3" ? "inspects the disk blob store's folders" : false };
describe("uploads", () => {
  let s: TestServer;
  let tok: string;
  before(async () => {
    s = await startTestServer({ LW_MAX_CHUNK_BYTES: String(64 * 1024) });
    tok = await mintToken(s.url, "uma");
  });
  after(() => s.close());

  it("resumes a chunked upload after a dropped connection and finishes with the whole-file sha256", async () => {
    const f = fixture(3, " chunked", 100_000);
    const zip = f.zip;
    const chunk = 16 * 1024;
    const created = await api(s.url, "POST", "/v1/uploads", { token: tok, json: { size: zip.length } });
    assert.equal(created.status, 201);
    const id = created.data.id;
    const first = zip.subarray(0, chunk);
    const put1 = await api(s.url, "PUT", `/v1/uploads/${id}?offset=0&sha256=${await sha256(first)}`, { token: tok, body: first });
    assert.equal(put1.data.offset, chunk);
    // The second chunk's connection drops halfway: nothing of it is kept.
    const second = zip.subarray(chunk, 2 * chunk);
    await dropMidBody(
      `${s.url}/v1/uploads/${id}?offset=${chunk}&sha256=${await sha256(second)}`,
      "PUT",
      { authorization: `Bearer ${tok}`, "content-type": "application/octet-stream" },
      second,
      5000,
    );
    const q = await api(s.url, "GET", `/v1/uploads/${id}`, { token: tok });
    assert.equal(q.data.offset, chunk, "the received offset is where the last whole chunk ended");
    // A wrong offset or a corrupted chunk is rejected.
    assert.equal((await api(s.url, "PUT", `/v1/uploads/${id}?offset=0&sha256=${await sha256(second)}`, { token: tok, body: second })).status, 409);
    const bad = await api(s.url, "PUT", `/v1/uploads/${id}?offset=${chunk}&sha256=${"0".repeat(64)}`, { token: tok, body: second });
    assert.equal(bad.status, 422);
    assert.equal(bad.data.error.code, "CHECKSUM_MISMATCH");
    // Resume from the server's offset.
    for (let off = q.data.offset; off < zip.length; off += chunk) {
      const part = zip.subarray(off, Math.min(off + chunk, zip.length));
      const r = await api(s.url, "PUT", `/v1/uploads/${id}?offset=${off}&sha256=${await sha256(part)}`, { token: tok, body: part });
      assert.equal(r.status, 200, JSON.stringify(r.data));
    }
    const fin = await api(s.url, "POST", `/v1/uploads/${id}/finish`, { token: tok, json: { sha256: await sha256(zip), semantic: f.semantic } });
    assert.equal(fin.status, 201, JSON.stringify(fin.data));
    assert.equal(fin.data.version.packageSha256, await sha256(zip));
    const dl = await fetch(`${s.url}/v1/learnwares/${fin.data.learnware.id}/versions/1/package`, { headers: { authorization: `Bearer ${tok}` } });
    assert.equal(await sha256(new Uint8Array(await dl.arrayBuffer())), await sha256(zip));
  });

  it("rejects a finish whose whole-file sha256 does not match", async () => {
    const f = fixture(4, "", 100_000);
    const c = await api(s.url, "POST", "/v1/uploads", { token: tok, json: {} });
    const body = f.zip.subarray(0, 60000);
    await api(s.url, "PUT", `/v1/uploads/${c.data.id}?offset=0&sha256=${await sha256(body)}`, { token: tok, body });
    const fin = await api(s.url, "POST", `/v1/uploads/${c.data.id}/finish`, { token: tok, json: { sha256: await sha256(f.zip), semantic: f.semantic } });
    assert.equal(fin.status, 422);
    assert.equal(fin.data.error.code, "CHECKSUM_MISMATCH");
    const big = await api(s.url, "PUT", `/v1/uploads/${c.data.id}?offset=0&sha256=${"a".repeat(64)}`, { token: tok, body: new Uint8Array(70 * 1024) });
    assert.ok([404, 413].includes(big.status));
  });

  it("a streamed multipart upload dropped midway leaves no version and no temp file", diskOnly, async () => {
    const f = fixture(4, " dropped", 300_000);
    const form = uploadForm(f.semantic, f.zip);
    const req = new Request("http://x/", { method: "POST", body: form });
    const bytes = new Uint8Array(await req.arrayBuffer());
    const before = await api(s.url, "GET", "/v1/learnwares?owner=uma");
    await dropMidBody(
      `${s.url}/v1/learnwares`,
      "POST",
      { authorization: `Bearer ${tok}`, "content-type": req.headers.get("content-type")! },
      bytes,
      Math.floor(bytes.length / 2),
    );
    await new Promise((r) => setTimeout(r, 300));
    const afterList = await api(s.url, "GET", "/v1/learnwares?owner=uma");
    assert.equal(afterList.data.total, before.data.total);
    assert.deepEqual(await readdir(join(s.dir, "blobs", "tmp")), []);
  });

  it("concurrent uploads: nothing lost, unique ids and versions", async () => {
    const n = 12;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const f = fixture(i % 3, ` concurrent ${i}`);
        return api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, f.zip) });
      }),
    );
    for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.data));
    const ids = results.map((r) => r.data.learnware.id);
    assert.equal(new Set(ids).size, n);
    // Concurrent updates of one learnware get distinct, dense version numbers.
    const target = ids[0];
    const ups = await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const f = fixture(0, ` concurrent 0 update ${i}`);
        return api(s.url, "PATCH", `/v1/learnwares/${target}`, { token: tok, body: uploadForm(f.semantic, f.zip) });
      }),
    );
    const nums = ups.map((r) => r.data.version.number).sort((a, b) => a - b);
    assert.deepEqual(nums, [2, 3, 4, 5, 6, 7]);
    const list = await api(s.url, "GET", `/v1/learnwares?q=concurrent&limit=100`);
    assert.equal(list.data.total, n);
  });
});
