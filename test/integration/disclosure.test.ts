/** What the event log and the namespaces disclose and allow. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN, api, fixture, mintToken, startTestServer, type TestServer, uploadForm } from "./_server.ts";

describe("disclosure and namespace ownership", () => {
  let s: TestServer;
  let carol: string;
  let dave: string;
  before(async () => {
    s = await startTestServer();
    carol = await mintToken(s.url, "carol");
    dave = await mintToken(s.url, "dave");
  });
  after(() => s.close());

  it("anonymous /v1/events lists no token or job events; admins see all", async () => {
    const f = fixture(0);
    const kept = await api(s.url, "POST", "/v1/learnwares", { token: carol, body: uploadForm(f.semantic, f.zip) });
    const gone = await api(s.url, "POST", "/v1/learnwares", { token: carol, body: uploadForm(f.semantic, f.zip) });
    await api(s.url, "DELETE", `/v1/learnwares/${gone.data.learnware.id}`, { token: carol });
    const anon = await api(s.url, "GET", "/v1/events?limit=1000");
    assert.equal(anon.status, 200);
    const types = anon.data.items.map((e: any) => e.type);
    assert.ok(!types.some((t: string) => t.startsWith("token.")), types.join(","));
    // Catalogue events stay public (watchers follow deletions), token data does not.
    assert.ok(anon.data.items.some((e: any) => e.modelId === gone.data.learnware.id && e.type === "model.deleted"));
    assert.ok(anon.data.items.some((e: any) => e.modelId === kept.data.learnware.id));
    assert.ok(!JSON.stringify(anon.data).includes("scopes"));
    const asDave = await api(s.url, "GET", "/v1/events?limit=1000", { token: dave });
    assert.ok(!asDave.data.items.some((e: any) => e.type.startsWith("token.") || e.type.startsWith("job.")));
    // Admins see everything.
    const admin = await api(s.url, "GET", "/v1/events?limit=1000", { token: ADMIN });
    assert.ok(admin.data.items.some((e: any) => e.type === "token.created"));
  });

  it("namespaces belong to their first user; others need membership", async () => {
    assert.equal((await api(s.url, "POST", "/v1/namespaces/vision/models", { token: carol, json: { name: "a" } })).status, 201);
    const ns = await api(s.url, "GET", "/v1/namespaces/vision");
    assert.equal(ns.data.owner, "carol");
    const denied = await api(s.url, "POST", "/v1/namespaces/vision/models", { token: dave, json: { name: "squatter" } });
    assert.equal(denied.status, 403);
    assert.match(denied.data.error.message, /belongs to 'carol'/);
    assert.equal((await api(s.url, "PUT", "/v1/namespaces/vision", { token: dave, json: { members: ["dave"] } })).status, 403);
    assert.equal((await api(s.url, "PUT", "/v1/namespaces/vision", { token: carol, json: { members: ["dave"] } })).status, 200);
    assert.equal((await api(s.url, "POST", "/v1/namespaces/vision/models", { token: dave, json: { name: "member's" } })).status, 201);
    assert.equal((await api(s.url, "POST", "/v1/namespaces/market/models", { token: dave, json: { name: "fake" } })).status, 403);
    // An admin names the owner of a new namespace.
    assert.equal((await api(s.url, "PUT", "/v1/namespaces/team-x", { token: ADMIN, json: { owner: "dave" } })).data.owner, "dave");
    assert.equal((await api(s.url, "POST", "/v1/namespaces/team-x/models", { token: carol, json: { name: "no" } })).status, 403);
    assert.equal((await api(s.url, "POST", "/v1/namespaces/team-x/models", { token: ADMIN, json: { name: "admin may" } })).status, 201);
  });
});
