/** Auth failures: missing, unknown, revoked, expired and under-scoped tokens; owner checks; private reads. */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN, api, databaseBytes, fixture, mintToken, startTestServer, type TestServer, uploadForm } from "./_server.ts";

describe("auth", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it("rejects writes without a token (401) and with a malformed or unknown one (401)", async () => {
    const r = await api(s.url, "POST", "/v1/namespaces/a/models", { json: { name: "x" } });
    assert.equal(r.status, 401);
    assert.equal(r.data.error.code, "UNAUTHENTICATED");
    assert.equal((await api(s.url, "GET", "/v1/learnwares", { headers: { authorization: "Basic abc" } })).status, 401);
    assert.equal((await api(s.url, "GET", "/v1/learnwares", { token: "lw_nope" })).status, 401);
  });

  it("enforces scopes: a read token cannot write; only admins mint tokens or lease jobs", async () => {
    const reader = await mintToken(s.url, "rita", ["read"]);
    const w = await api(s.url, "POST", "/v1/namespaces/a/models", { token: reader, json: { name: "x" } });
    assert.equal(w.status, 403);
    assert.match(w.data.error.message, /write/);
    const writer = await mintToken(s.url, "wes", ["write"]);
    assert.equal((await api(s.url, "POST", "/v1/tokens", { token: writer, json: { owner: "x", scopes: ["admin"] } })).status, 403);
    assert.equal((await api(s.url, "POST", "/v1/jobs/lease", { token: writer, json: { runner: "r" } })).status, 403);
    const runner = await mintToken(s.url, "runner-1", ["runner"]);
    assert.equal((await api(s.url, "POST", "/v1/jobs/lease", { token: runner, json: { runner: "r" } })).status, 204);
    const bad = await api(s.url, "POST", "/v1/tokens", { token: ADMIN, json: { owner: "x", scopes: ["root"] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.data.error.details.field, "body.scopes.0");
  });

  it("revoked and expired tokens stop working", async () => {
    const t = await api(s.url, "POST", "/v1/tokens", { token: ADMIN, json: { owner: "eve", scopes: ["read", "write"] } });
    assert.equal((await api(s.url, "GET", "/v1/whoami", { token: t.data.token })).data.owner, "eve");
    assert.equal((await api(s.url, "DELETE", `/v1/tokens/${t.data.id}`, { token: t.data.token })).status, 200);
    assert.equal((await api(s.url, "GET", "/v1/whoami", { token: t.data.token })).status, 401);
    const short = await api(s.url, "POST", "/v1/tokens", { token: ADMIN, json: { owner: "eve", scopes: ["read"], expiresInSeconds: 1 } });
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await api(s.url, "GET", "/v1/whoami", { token: short.data.token })).status, 401);
  });

  it("checks the owner on every write", async () => {
    const a = await mintToken(s.url, "ann");
    const b = await mintToken(s.url, "ben");
    const f = fixture(3);
    const up = await api(s.url, "POST", "/v1/learnwares", { token: a, body: uploadForm(f.semantic, f.zip) });
    assert.equal(up.status, 201);
    const id = up.data.learnware.id;
    assert.equal((await api(s.url, "DELETE", `/v1/learnwares/${id}`, { token: b })).status, 403);
    assert.equal((await api(s.url, "POST", `/v1/models/${id}/versions/1/metrics`, { token: b, json: { metrics: [{ key: "k", value: 1 }] } })).status, 403);
    assert.equal((await api(s.url, "POST", `/v1/models/${id}/versions/1/metrics`, { token: ADMIN, json: { metrics: [{ key: "k", value: 1 }] } })).status, 201);
  });

  it("never writes a token to the logs or the database in clear", async () => {
    const t = await mintToken(s.url, "logcheck");
    await api(s.url, "GET", "/v1/whoami", { token: t });
    assert.ok(!s.logs.join("\n").includes(t));
    const dbFile = await databaseBytes(s);
    assert.ok(!dbFile.includes(Buffer.from(t)), "token not stored in clear");
  });
});

describe("auth: private reads and the generated admin token", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ LW_PUBLIC_READS: "false", LW_ADMIN_TOKEN: "" });
  });
  after(() => s.close());

  it("requires a token for reads when public reads are off", async () => {
    assert.equal((await api(s.url, "GET", "/v1/learnwares")).status, 401);
    assert.equal((await api(s.url, "POST", "/v1/search", { json: {} })).status, 401);
    const admin = (await readFile(join(s.dir, "admin-token"), "utf8")).trim();
    assert.equal((await stat(join(s.dir, "admin-token"))).mode & 0o777, 0o600);
    assert.equal((await api(s.url, "GET", "/v1/learnwares", { token: admin })).status, 200);
    // Semantic options and the docs stay public.
    assert.equal((await api(s.url, "GET", "/v1/semantic-options")).status, 200);
  });
});
