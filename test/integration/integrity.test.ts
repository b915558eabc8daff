/**
 * Nothing reused: model ids survive deletes and restarts, and a signed link names the bytes
 * it was made for, so it never serves another object that came after.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN, api, fixture, mintToken, sha256, startTestServer, type TestServer, uploadForm } from "./_server.ts";

describe("ids and links are never reused", () => {
  let s: TestServer;
  let alice: string;
  let bob: string;
  before(async () => {
    s = await startTestServer();
    alice = await mintToken(s.url, "alice");
    bob = await mintToken(s.url, "bob");
  });
  after(() => s.close());

  it("deleting the newest learnware does not free its id, before or after a restart", async () => {
    const a = fixture(0, " a");
    const first = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(a.semantic, a.zip) });
    assert.equal(first.status, 201);
    const newest = first.data.learnware.id;
    assert.match(newest, /^\d{8}$/, "ids keep the 8-digit Beimingwu form");
    assert.equal((await api(s.url, "DELETE", `/v1/learnwares/${newest}`, { token: alice })).status, 200);
    const b = fixture(1, " b");
    const second = await api(s.url, "POST", "/v1/learnwares", { token: bob, body: uploadForm(b.semantic, b.zip) });
    assert.notEqual(second.data.learnware.id, newest);
    assert.ok(Number(second.data.learnware.id) > Number(newest));
    // Restart, delete the newest again, create: still a fresh id.
    const dir = s.dir;
    await s.close({ keep: true });
    s = await startTestServer({}, dir);
    assert.equal((await api(s.url, "DELETE", `/v1/learnwares/${second.data.learnware.id}`, { token: bob })).status, 200);
    const reg = await api(s.url, "POST", "/v1/namespaces/bobs/models", { token: bob, json: { name: "registry model" } });
    assert.equal(reg.status, 201);
    assert.ok(Number(reg.data.id) > Number(second.data.learnware.id), `${reg.data.id} after ${second.data.learnware.id}`);
  });

  it("a signed link of a deleted learnware never serves another's package, also after a restart", async () => {
    const a = fixture(2, " a-link");
    const made = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(a.semantic, a.zip) });
    const id = made.data.learnware.id;
    const link = await api(s.url, "POST", `/v1/learnwares/${id}/versions/1/link`, { token: alice, json: { expiresInSeconds: 86400 } });
    assert.equal(link.status, 200, JSON.stringify(link.data));
    assert.match(link.data.url, /sha256=[0-9a-f]{64}/);
    const ok = await fetch(s.url + link.data.url);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-disposition") ?? "", /^attachment/);
    assert.equal(await sha256(new Uint8Array(await ok.arrayBuffer())), await sha256(a.zip));
    assert.equal((await api(s.url, "DELETE", `/v1/learnwares/${id}`, { token: alice })).status, 200);
    // Bob's pending learnware comes next; the link must not reach it.
    const b = fixture(3, " b-pending");
    const other = await api(s.url, "POST", "/v1/learnwares", { token: bob, body: uploadForm(b.semantic, b.zip) });
    assert.notEqual(other.data.learnware.id, id);
    const gone = await api(s.url, "GET", link.data.url);
    assert.equal(gone.status, 410, JSON.stringify(gone.data));
    assert.equal(gone.data.error.code, "GONE");
    // Forging the id in the URL breaks the signature.
    const forged = await api(s.url, "GET", link.data.url.replace(`/links/${id}/`, `/links/${other.data.learnware.id}/`));
    assert.equal(forged.status, 403);
    const dir = s.dir;
    await s.close({ keep: true });
    s = await startTestServer({}, dir);
    const after = await api(s.url, "GET", link.data.url);
    assert.equal(after.status, 410);
    assert.equal((await api(s.url, "GET", `/v1/learnwares/${other.data.learnware.id}`, { token: ADMIN })).status, 200);
  });
});

describe("the blob collector runs while serving", () => {
  it("removes a blob no row references, and only that one, without a restart", async () => {
    const s = await startTestServer({ LW_GC_INTERVAL_SECONDS: "1" });
    try {
      const tok = await mintToken(s.url, "gc");
      const f = fixture(0);
      const up = await api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, f.zip) });
      assert.equal(up.status, 201);
      const sha = await sha256(f.zip);
      // Garbage as a crash between a blob's rename and its transaction would leave it.
      // (Through the store, so the test holds on the disk and on the S3 configuration alike.)
      const blobs = s.started.deps.blobs;
      const { sha256: orphan } = await blobs.putBytes(new TextEncoder().encode("garbage"));
      assert.equal(await blobs.has(orphan), true);
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(await blobs.has(orphan), false, "the orphan is collected");
      assert.equal(await blobs.has(sha), true, "the referenced blob stays");
      const dl = await fetch(`${s.url}/v1/learnwares/${up.data.learnware.id}/versions/1/package`, { headers: { authorization: `Bearer ${tok}` } });
      assert.equal(await sha256(new Uint8Array(await dl.arrayBuffer())), sha);
    } finally {
      await s.close();
    }
  });
});
