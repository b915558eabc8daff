/**
 * `LW_DOWNLOAD_REDIRECT=1` on S3 blobs: package and artifact downloads answer 302 to a presigned
 * URL of the store (Swift's S3 layer, which checks the signature), so the bytes do not flow
 * through the server; the URL works without credentials, names the file, and a tampered one is
 * refused. HEAD still answers from the server; without the setting the server streams.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { requires } from "../_requires.ts";
import { s3Env } from "../_swift.ts";
import { ADMIN, api, fixture, startTestServer, type TestServer, uploadForm } from "../integration/_server.ts";

const admin = { authorization: `Bearer ${ADMIN}` };
const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("downloads redirected to presigned S3 URLs", requires("python3-swift"), () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ...(await s3Env("redirect")), LW_DOWNLOAD_REDIRECT: "1", LW_SIGNED_LINK_SECONDS: "120" });
  });
  after(() => s?.close());

  it("a package download is a 302 to the store; the URL serves the zip with its name and no credentials", async () => {
    const fx = fixture(1, " (redirect)");
    const up = await fetch(`${s.url}/v1/learnwares`, { method: "POST", headers: admin, body: uploadForm(fx.semantic, fx.zip) });
    assert.equal(up.status, 201, await up.clone().text());
    const id = ((await up.json()) as { learnware: { id: string } }).learnware.id;

    const r = await fetch(`${s.url}/v1/learnwares/${id}/download`, { headers: admin, redirect: "manual" });
    assert.equal(r.status, 302);
    const location = r.headers.get("location")!;
    assert.match(location, /X-Amz-Signature=/);
    assert.equal(r.headers.get("x-checksum-sha256"), hex(fx.zip));

    const direct = await fetch(location);
    assert.equal(direct.status, 200);
    assert.equal(hex(new Uint8Array(await direct.arrayBuffer())), hex(fx.zip));
    assert.match(direct.headers.get("content-disposition") ?? "", new RegExp(`^attachment; filename="learnware-${id}-v1.zip"`));
    assert.equal(direct.headers.get("content-type"), "application/zip");

    // A client that follows redirects (fetch, the Python client's requests, curl -L) just gets the bytes.
    const followed = await fetch(`${s.url}/v1/learnwares/${id}/download`, { headers: admin });
    assert.equal(hex(new Uint8Array(await followed.arrayBuffer())), hex(fx.zip));
    // The signature covers the object: pointing it at another key is refused by the store.
    const tampered = await fetch(location.replace(/sha256\/[0-9a-f]{8}/, "sha256/00000000"));
    assert.equal(tampered.status, 403);
    // HEAD answers from the server (size and checksum), no redirect.
    const head = await fetch(`${s.url}/v1/learnwares/${id}/download`, { method: "HEAD", headers: admin, redirect: "manual" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(fx.zip.length));
  });

  it("a stored artifact's content is a 302 too, served as a download", async () => {
    const m = await api(s.url, "POST", "/v1/models", { token: ADMIN, json: { name: "redirected" } });
    assert.equal(m.status, 201, JSON.stringify(m.data));
    const v = await api(s.url, "POST", `/v1/models/${m.data.id}/versions`, { token: ADMIN, json: {} });
    assert.equal(v.status, 201, JSON.stringify(v.data));
    const bytes = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    const put = await api(s.url, "PUT", `/v1/models/${m.data.id}/versions/1/artifacts?path=report.html`, { token: ADMIN, body: bytes });
    assert.equal(put.status, 201, JSON.stringify(put.data));
    const r = await fetch(`${s.url}/v1/models/${m.data.id}/versions/1/artifacts/content?path=report.html`, { headers: admin, redirect: "manual" });
    assert.equal(r.status, 302);
    const direct = await fetch(r.headers.get("location")!);
    assert.equal(direct.status, 200);
    assert.deepEqual(new Uint8Array(await direct.arrayBuffer()), bytes);
    assert.match(direct.headers.get("content-disposition") ?? "", /^attachment; filename="report.html"/);
  });
});
