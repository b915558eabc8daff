/** The typed client against a real server over loopback: typed answers, 204 as null, errors as `ApiError` from the one envelope. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, fixture, startTestServer, type TestServer, uploadForm } from "../test/integration/_server.ts";
import { ApiError, LwClient } from "./client.ts";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

test("call() fills the path from the contract and resolves with the typed answer", async () => {
  const admin = new LwClient({ baseUrl: s.url, token: ADMIN });
  const me = await admin.call("whoami");
  assert.deepEqual(me.scopes.includes("admin"), true);
  const minted = await admin.call("createToken", { json: { owner: "erin", scopes: ["read", "write"] } });
  assert.match(minted.token, /^lw_/);
  const erin = new LwClient({ baseUrl: s.url, token: () => minted.token });
  const f = fixture(0);
  const up = await erin.call("submitLearnware", { body: uploadForm(f.semantic, f.zip) });
  assert.equal(up.learnware.owner, "erin");
  assert.equal(up.version.status, "pending");
  const v = await erin.call("getLearnwareVersion", { params: { id: up.learnware.id, ref: 1 } });
  assert.equal(v.packageSha256, up.version.packageSha256);
  const zip = await erin.bytes("getPackage", { params: { id: up.learnware.id, ref: "latest" } });
  assert.deepEqual(zip, f.zip);
  const list = await erin.call("listLearnwares", { query: { owner: "erin", status: undefined } });
  assert.deepEqual(
    list.items.map((m) => m.id),
    [up.learnware.id],
  );
  // A lease with no job queued for these kinds is a 204: null.
  assert.equal(await admin.call("leaseJob", { json: { runner: "t", kinds: ["build"], leaseSeconds: 10 } }), null);
});

test("error answers become ApiError (a LearnwareError) with the status, code and details of the envelope", async () => {
  const anon = new LwClient({ baseUrl: s.url });
  const e1 = await anon.call("getLearnware", { params: { id: "99999999" } }).catch((e: unknown) => e);
  assert.ok(e1 instanceof ApiError);
  assert.equal(e1.status, 404);
  assert.equal(e1.code, "NOT_FOUND");
  const e2 = await anon.call("listTokens").catch((e: unknown) => e);
  assert.ok(e2 instanceof ApiError);
  assert.deepEqual([e2.status, e2.code], [401, "UNAUTHENTICATED"]);
  // Deliberately not a spec (the types would refuse it): the server names the field.
  const e3 = await anon.call("search", { json: { stat: 42 } as never }).catch((e: unknown) => e);
  assert.ok(e3 instanceof ApiError);
  assert.equal(e3.status, 400);
  assert.equal((e3.details as { field?: string }).field?.startsWith("body"), true);
  assert.throws(() => anon.path("getLearnware"), /needs the path parameter 'id'/);
  assert.equal(anon.path("getLearnwareVersion", { id: "a/b", ref: 2 }), "/v1/learnwares/a%2Fb/versions/2");
});
