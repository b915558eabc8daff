/** The market round trip over real HTTP: upload → check → search → download, update, delete. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, fixture, mintToken, runChecks, sha256, startTestServer, type TestServer, uploadForm } from "./_server.ts";

describe("market round trip", () => {
  let s: TestServer;
  let alice: string;
  let bob: string;
  before(async () => {
    s = await startTestServer();
    alice = await mintToken(s.url, "alice");
    bob = await mintToken(s.url, "bob");
  });
  after(() => s.close());

  const ids: string[] = [];

  it("uploads three learnwares as pending, each with a queued check job", async () => {
    for (const i of [0, 1, 2]) {
      const f = fixture(i);
      const r = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, f.zip) });
      assert.equal(r.status, 201, JSON.stringify(r.data));
      assert.equal(r.data.learnware.status, "pending");
      assert.equal(r.data.version.number, 1);
      assert.equal(r.data.version.packageSha256, await sha256(f.zip));
      assert.match(r.data.jobId, /^job_/);
      ids.push(r.data.learnware.id);
    }
    const check = await api(s.url, "GET", `/v1/learnwares/${ids[0]}/versions/1/check`);
    assert.equal(check.data.status, "pending");
    assert.equal(check.data.jobs[0].status, "queued");
  });

  it("does not find pending learnwares, then finds them once a runner completes the checks", async () => {
    const f = fixture(0);
    const before = await api(s.url, "POST", "/v1/search", { json: { stat: f.stat } });
    assert.equal(before.status, 200);
    assert.equal(before.data.single.total, 0);
    assert.equal(await runChecks(s.url), 3);
    const check = await api(s.url, "GET", `/v1/learnwares/${ids[0]}/versions/1/check`);
    assert.equal(check.data.status, "usable");
    assert.match(check.data.log, /checked by test-runner/);
    const r = await api(s.url, "POST", "/v1/search", { json: { semantic: { Data: { Type: "Class", Values: ["Table"] } }, stat: f.stat } });
    assert.equal(r.status, 200, JSON.stringify(r.data));
    assert.equal(r.data.single.items[0].id, ids[0]);
    assert.ok(r.data.single.items[0].dist < 1e-9, "own spec is at distance ~0");
  });

  it("finds a mixture for data drawn from two learnwares' regions", async () => {
    const { demoMixtureQuery } = await import("../../core/demo/synthetic.ts");
    const { RKMETableSpecification } = await import("../../core/spec/rkmeTableSpec.ts");
    const user = RKMETableSpecification.generate(demoMixtureQuery(200), { K: 20, seed: 5 }).toJSON();
    const r = await api(s.url, "POST", "/v1/search", { json: { stat: user, limit: 2, method: "auto" } });
    assert.equal(r.status, 200);
    assert.ok(r.data.multiple, "a mixture is returned");
    assert.deepEqual([...r.data.multiple.ids].sort(), [ids[0], ids[2]].sort());
    assert.ok(Math.abs(r.data.multiple.weights.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-6);
    assert.ok(r.data.single.items.length <= 2);
  });

  it("searches semantically with filters and lists with filters and pagination", async () => {
    const r = await api(s.url, "POST", "/v1/search", { json: { semantic: { Name: { Type: "String", Values: "plant B" } } } });
    assert.deepEqual(
      r.data.single.items.map((x: any) => x.id),
      [ids[1]],
    );
    const l = await api(s.url, "GET", "/v1/learnwares?library=PyTorch");
    assert.deepEqual(
      l.data.items.map((x: any) => x.id),
      [ids[2]],
    );
    const l2 = await api(s.url, "GET", "/v1/learnwares?scenario=Industry&status=usable&limit=2&offset=0");
    assert.equal(l2.data.total, 3);
    assert.equal(l2.data.items.length, 2);
    const l3 = await api(s.url, "GET", "/v1/learnwares?q=humid");
    assert.deepEqual(
      l3.data.items.map((x: any) => x.id),
      [ids[2]],
    );
    const l4 = await api(s.url, "GET", "/v1/learnwares?owner=bob");
    assert.equal(l4.data.total, 0);
  });

  it("downloads a version by number, by alias and through a signed link, byte-identical", async () => {
    const f = fixture(0);
    const want = await sha256(f.zip);
    const byNum = await fetch(`${s.url}/v1/learnwares/${ids[0]}/versions/1/package`);
    assert.equal(byNum.status, 200);
    assert.equal(await sha256(new Uint8Array(await byNum.arrayBuffer())), want);
    const tag = await api(s.url, "PUT", `/v1/models/${ids[0]}/tags/production`, { token: alice, json: { version: 1 } });
    assert.equal(tag.status, 200);
    const byAlias = await fetch(`${s.url}/v1/learnwares/${ids[0]}/versions/production/package`);
    assert.equal(await sha256(new Uint8Array(await byAlias.arrayBuffer())), want);
    const link = await api(s.url, "POST", `/v1/learnwares/${ids[0]}/versions/1/link`, { token: bob });
    assert.equal(link.status, 200);
    const viaLink = await fetch(s.url + link.data.url);
    assert.equal(viaLink.status, 200);
    assert.equal(await sha256(new Uint8Array(await viaLink.arrayBuffer())), want);
    // Change the signature's first character (to one it is not: "sig=0…" must not stay "0").
    const tampered = await api(
      s.url,
      "GET",
      link.data.url.replace(/sig=(.)/, (_m: string, c: string) => `sig=${c === "0" ? "1" : "0"}`),
    );
    assert.equal(tampered.status, 403);
    const expired = await api(s.url, "GET", link.data.url.replace(/exp=\d+/, "exp=1000"));
    assert.equal(expired.status, 410);
  });

  it("updates: a new semantic spec makes version 2, pending, with the same package", async () => {
    const f = fixture(0);
    const sem = { ...f.semantic, Description: { Type: "String", Values: "Updated description" } };
    const r = await api(s.url, "PATCH", `/v1/learnwares/${ids[0]}`, { token: alice, json: { semantic: sem } });
    assert.equal(r.status, 200, JSON.stringify(r.data));
    assert.equal(r.data.version.number, 2);
    assert.equal(r.data.version.status, "pending");
    const v1 = await api(s.url, "GET", `/v1/learnwares/${ids[0]}/versions/1`);
    assert.equal(v1.data.semantic.Description.Values, f.lw.description, "version 1 is immutable");
    assert.equal(r.data.version.packageSha256, v1.data.packageSha256);
    const got = await api(s.url, "GET", `/v1/learnwares/${ids[0]}`);
    assert.equal(got.data.status, "pending");
    assert.equal(got.data.latestVersion, 2);
    assert.equal(got.data.tags.production, 1);
    // A new package via multipart makes version 3.
    const g = fixture(0, " v3");
    const r3 = await api(s.url, "PATCH", `/v1/learnwares/${ids[0]}`, { token: alice, body: uploadForm(g.semantic, g.zip) });
    assert.equal(r3.status, 200, JSON.stringify(r3.data));
    assert.equal(r3.data.version.number, 3);
    assert.equal(r3.data.version.packageSha256, await sha256(g.zip));
    // Bob cannot update Alice's learnware.
    const rb = await api(s.url, "PATCH", `/v1/learnwares/${ids[0]}`, { token: bob, json: { semantic: sem } });
    assert.equal(rb.status, 403);
    assert.equal(rb.data.error.code, "FORBIDDEN");
    // Pending versions are hidden from anonymous downloads but readable by the owner.
    assert.equal((await api(s.url, "GET", `/v1/learnwares/${ids[0]}/versions/3/package`)).status, 401);
    assert.equal((await fetch(`${s.url}/v1/learnwares/${ids[0]}/versions/3/package`, { headers: { authorization: `Bearer ${alice}` } })).status, 200);
  });

  it("rejects bad input with 4xx naming the field, never 500", async () => {
    const f = fixture(1);
    const badSem = { ...f.semantic, Data: { Type: "Class", Values: ["Tabular"] } };
    const r1 = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(badSem, f.zip) });
    assert.equal(r1.status, 422);
    assert.equal(r1.data.error.code, "SEMANTIC_INVALID");
    assert.equal(r1.data.error.details.field, "semantic.Data");
    const r2 = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, null) });
    assert.equal(r2.status, 400);
    assert.equal(r2.data.error.details.field, "package");
    const r3 = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, new TextEncoder().encode("not a zip")) });
    assert.equal(r3.status, 422);
    assert.equal(r3.data.error.code, "PACKAGE_INVALID");
    const wrongDim = { ...f.semantic, Input: { Dimension: 9, Description: {} } };
    const r4 = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(wrongDim, f.zip) });
    assert.equal(r4.status, 422);
    assert.equal(r4.data.error.code, "STAT_SPEC_INVALID");
    assert.match(r4.data.error.message, /dimension 8/);
    const r5 = await api(s.url, "POST", "/v1/search", { json: { stat: { z: [[1, 2]], beta: [1, 2], gamma: 0.1 } } });
    assert.equal(r5.status, 422);
    const r6 = await api(s.url, "POST", "/v1/search", { body: "{nope", headers: { "content-type": "application/json" } });
    assert.equal(r6.status, 400);
    assert.equal(r6.data.error.details.field, "body");
    const r7 = await api(s.url, "POST", "/v1/search", { json: { limit: -1 } });
    assert.equal(r7.status, 400);
    assert.equal(r7.data.error.details.field, "body.limit");
    const r8 = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: "x", headers: { "content-type": "text/plain" } });
    assert.equal(r8.status, 415);
    const r9 = await api(s.url, "GET", "/v1/learnwares/99999999");
    assert.equal(r9.status, 404);
    const list = await api(s.url, "GET", "/v1/learnwares?limit=1000");
    assert.equal(list.status, 400);
    assert.equal(s.logs.filter((l) => l.startsWith("error")).length, 0, s.logs.join("\n"));
  });

  it("serves the semantic options, the OpenAPI document and the reference page", async () => {
    const o = await api(s.url, "GET", "/v1/semantic-options");
    assert.ok(o.data.options.Data.values.includes("Table"));
    const doc = await api(s.url, "GET", "/openapi.json");
    assert.equal(doc.data.openapi, "3.1.0");
    assert.ok(doc.data.paths["/v1/search"].post);
    assert.ok(doc.data.paths["/v1/learnwares/{id}/versions/{ref}/package"].get);
    const page = await fetch(s.url + "/docs");
    assert.match(await page.text(), /\/v1\/search/);
  });

  it("deletes a learnware (owner only) and its blobs once unreferenced", async () => {
    assert.equal((await api(s.url, "DELETE", `/v1/learnwares/${ids[1]}`, { token: bob })).status, 403);
    const r = await api(s.url, "DELETE", `/v1/learnwares/${ids[1]}`, { token: alice });
    assert.equal(r.status, 200);
    assert.equal((await api(s.url, "GET", `/v1/learnwares/${ids[1]}`)).status, 404);
    const sha = await sha256(fixture(1).zip);
    assert.equal(await s.started.deps.blobs.has(sha), false);
    const ev = await api(s.url, "GET", `/v1/events?model=${ids[1]}`);
    assert.ok(ev.data.items.some((e: any) => e.type === "model.deleted"));
  });
});
