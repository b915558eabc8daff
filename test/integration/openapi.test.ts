/**
 * The contract (`client/contract.ts`) against the server: the OpenAPI document's structure
 * (every operation named, typed and guarded as it should be), and real answers of a started
 * server over loopback checked against the schemas the document declares — field for field,
 * so an answer with a field the contract does not declare fails too.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { z } from "zod";
import { ErrorBody, isRaw, OPERATIONS, type Operation } from "../../client/contract.ts";
import { ADMIN, api, auth, fixture, mintToken, runChecks, sha256, startTestServer, type TestServer, uploadForm } from "./_server.ts";

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        security?: unknown[];
        parameters?: { name: string; in: string }[];
        requestBody?: unknown;
        responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
      }
    >
  >;
};

const contract = OPERATIONS as Record<string, Operation>;
const templates = Object.keys(contract).map((key) => {
  const [method, path] = key.split(" ") as [string, string];
  return { key, method, re: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`) };
});

/** The contract's operation for a concrete request (`GET /v1/models/00000001`). */
function operationOf(method: string, url: string): { key: string; op: Operation } {
  const path = new URL(url, "http://x").pathname;
  const t = templates.find((t) => t.method === method.toLowerCase() && t.re.test(path));
  assert.ok(t, `no operation in the contract for ${method} ${path}`);
  return { key: t.key, op: contract[t.key]! };
}

/** Checks one answer against its operation's declared schema and notes the operation as exercised. */
function checkAnswer(method: string, url: string, status: number, body: unknown, seen: Set<string>): void {
  const { key, op } = operationOf(method, url);
  if (status >= 400) {
    const r = ErrorBody.safeParse(body);
    assert.ok(r.success, `${key} → ${status}: not the error envelope: ${JSON.stringify(body)}`);
    return;
  }
  const schema = op.responses[status];
  assert.ok(schema !== undefined, `${key} answered ${status}, which the contract does not declare`);
  seen.add(key);
  if (schema === null || isRaw(schema)) return;
  const r = (schema as z.ZodTypeAny).safeParse(body);
  assert.ok(
    r.success,
    `${key} → ${status} does not match its schema: ${r.success ? "" : JSON.stringify(r.error.issues.slice(0, 3))}\n${JSON.stringify(body).slice(0, 400)}`,
  );
  // zod drops keys a schema does not declare: an answer equal to its parse declares every field.
  assert.deepEqual(r.data, body, `${key} → ${status} carries fields its schema does not declare`);
}

describe("OpenAPI document", () => {
  let s: TestServer;
  let doc: Doc;
  before(async () => {
    s = await startTestServer();
    doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as Doc;
  });
  after(() => s.close());

  it("every operation has a unique operationId from the contract, typed answers, its parameters and request body", () => {
    const ids = new Set<string>();
    let n = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        n++;
        const where = `${method.toUpperCase()} ${path}`;
        const c = contract[`${method} ${path}`];
        assert.ok(c, `${where} is not in client/contract.ts`);
        assert.equal(op.operationId, c.operationId, where);
        assert.ok(!ids.has(op.operationId!), `${where}: operationId ${op.operationId} is used twice`);
        ids.add(op.operationId!);
        for (const [status, r] of Object.entries(op.responses)) {
          if (status === "default") {
            assert.deepEqual(r.content?.["application/json"]?.schema, { $ref: "#/components/schemas/Error" }, `${where}: errors use the one envelope`);
            continue;
          }
          if (status === "204") continue;
          assert.ok(r.content && Object.keys(r.content).length === 1, `${where} → ${status} declares no body schema`);
          const schema = Object.values(r.content)[0]!.schema as Record<string, unknown>;
          assert.ok(schema && Object.keys(schema).length > 0, `${where} → ${status}: empty schema`);
        }
        assert.ok(
          Object.keys(op.responses).some((s) => s.startsWith("2")),
          `${where} declares no success answer`,
        );
        for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
          assert.ok(
            op.parameters?.some((p) => p.in === "path" && p.name === name),
            `${where}: path parameter ${name} is not declared`,
          );
        }
        if (method === "post" || method === "put" || method === "patch") assert.ok(op.requestBody, `${where} declares no request body`);
      }
    }
    assert.equal(n, Object.keys(contract).length, "the document and the contract list the same operations");
  });

  it("auth flags: token management and writes need a bearer token; public reads and the search do not", () => {
    const secured = (m: string, p: string) => (doc.paths[p]?.[m]?.security ?? []).length > 0;
    for (const [m, p] of [
      ["post", "/v1/tokens"],
      ["get", "/v1/tokens"],
      ["delete", "/v1/tokens/{id}"],
      ["post", "/v1/learnwares"],
      ["delete", "/v1/learnwares/{id}"],
      ["post", "/v1/uploads"],
      ["post", "/v1/jobs/lease"],
      ["get", "/v1/jobs"],
      ["put", "/v1/models/{id}/tags/{tag}"],
    ] as const)
      assert.ok(secured(m, p), `${m.toUpperCase()} ${p} must be documented as needing a token`);
    for (const [m, p] of [
      ["get", "/v1/whoami"],
      ["get", "/v1/semantic-options"],
      ["post", "/v1/search"],
      ["get", "/v1/learnwares"],
      ["get", "/v1/links/{id}/{n}"],
    ] as const)
      assert.ok(!secured(m, p), `${m.toUpperCase()} ${p} is public while reads are public`);
  });

  it("real answers of a running server match their declared schemas", async () => {
    const seen = new Set<string>();
    const call = async (method: string, path: string, opts: Parameters<typeof api>[3] = {}) => {
      const r = await api(s.url, method, path, opts);
      checkAnswer(method, path, r.status, r.data, seen);
      return r;
    };
    const raw = async (method: string, path: string, token?: string) => {
      const res = await fetch(s.url + path, { method, ...(token ? { headers: auth(token) } : {}) });
      checkAnswer(method, path, res.status, res.status >= 400 ? await res.json() : null, seen);
      if (res.status < 400) await res.arrayBuffer();
      return res;
    };
    // auth
    const alice = await mintToken(s.url, "alice");
    await call("GET", "/v1/whoami", { token: alice });
    await call("GET", "/v1/whoami");
    const minted = await call("POST", "/v1/tokens", { token: ADMIN, json: { owner: "bob", scopes: ["read"], expiresInSeconds: 60 } });
    await call("GET", "/v1/tokens", { token: ADMIN });
    await call("DELETE", `/v1/tokens/${minted.data.id}`, { token: ADMIN });
    assert.equal((await call("GET", "/v1/tokens")).status, 401);
    // market: upload, check, read, search
    await call("GET", "/v1/semantic-options");
    const f = fixture(0);
    const up = await call("POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, f.zip) });
    assert.equal(up.status, 201);
    const id = up.data.learnware.id as string;
    await call("GET", "/v1/jobs", { token: ADMIN });
    await call("GET", `/v1/jobs/${up.data.jobId}`, { token: ADMIN });
    assert.equal((await call("PATCH", `/v1/jobs/${up.data.jobId}`, { token: ADMIN, json: { priority: 3 } })).data.job.priority, 3);
    const lease = await call("POST", "/v1/jobs/lease", {
      token: ADMIN,
      json: { runner: "r1", kinds: ["check"], leaseSeconds: 30, capabilities: { gpus: 0, labels: [], backends: ["python-venv"] } },
    });
    assert.equal(lease.status, 200);
    await call("POST", `/v1/jobs/${lease.data.job.id}/heartbeat`, { token: ADMIN, json: { runner: "r1" } });
    await call("POST", `/v1/jobs/${lease.data.job.id}/complete`, { token: ADMIN, json: { runner: "r1", status: "usable", log: "ok" } });
    assert.equal((await call("POST", "/v1/jobs/lease", { token: ADMIN, json: { runner: "r1", kinds: ["check"], leaseSeconds: 30 } })).status, 204);
    await call("POST", "/v1/runners", {
      token: ADMIN,
      json: {
        runner: "r2",
        capabilities: {
          gpus: 1,
          labels: ["cuda12"],
          backends: ["onnx"],
          sandbox: "bwrap",
          cpus: 4,
          memoryBytes: 2 ** 33,
          gpuDevices: [{ uuid: "GPU-1", name: "NVIDIA L4", memoryMiB: 23034 }],
        },
      },
    });
    await call("GET", "/v1/runners", { token: ADMIN });
    await call("GET", "/v1/learnwares");
    await call("GET", `/v1/learnwares/${id}`);
    await call("GET", `/v1/learnwares/${id}/versions`);
    await call("GET", `/v1/learnwares/${id}/versions/1`);
    await call("GET", `/v1/learnwares/${id}/versions/1/check`);
    await raw("GET", `/v1/learnwares/${id}/versions/1/package`);
    await raw("GET", `/v1/learnwares/${id}/download`);
    const link = await call("POST", `/v1/learnwares/${id}/versions/1/link`, { token: alice });
    await raw("GET", link.data.url);
    await call("POST", "/v1/search", { json: { stat: f.stat } });
    await call("POST", "/v1/search", { json: { semantic: f.semantic, stat: f.stat, maxSearchNum: 3 } });
    await call("POST", "/v1/search", { json: { stat: 42 } });
    const f2 = fixture(1);
    await call("PATCH", `/v1/learnwares/${id}`, { token: alice, body: uploadForm(f.semantic, f2.zip) });
    await runChecks(s.url);
    // resumable upload
    const session = await call("POST", "/v1/uploads", { token: alice, json: { size: f2.zip.length } });
    await call("PUT", `/v1/uploads/${session.data.id}?offset=0&sha256=${await sha256(f2.zip)}`, { token: alice, body: f2.zip });
    await call("GET", `/v1/uploads/${session.data.id}`, { token: alice });
    await call("POST", `/v1/uploads/${session.data.id}/finish`, { token: alice, json: { sha256: await sha256(f2.zip), semantic: f2.semantic } });
    await call("GET", `/v1/uploads/${session.data.id}`, { token: alice });
    const other = await call("POST", "/v1/uploads", { token: alice, json: {} });
    await call("DELETE", `/v1/uploads/${other.data.id}`, { token: alice });
    // registry
    const model = await call("POST", "/v1/namespaces/vision/models", { token: alice, json: { name: "resnet", task: "classification", metadata: { a: 1 } } });
    const mid = model.data.id as string;
    await call("GET", "/v1/namespaces/vision/models");
    await call("GET", "/v1/namespaces/vision");
    await call("PUT", "/v1/namespaces/vision", { token: alice, json: { members: ["bob"] } });
    await call("GET", "/v1/models?kind=model");
    await call("GET", `/v1/models/${mid}`);
    await call("POST", `/v1/models/${mid}/versions`, { token: alice, json: { framework: "pytorch", tags: ["production"] } });
    await call("POST", `/v1/models/${mid}/versions`, { token: alice, json: {} });
    await call("GET", `/v1/models/${mid}/versions`);
    await call("GET", `/v1/models/${mid}/versions/production`);
    await call("GET", `/v1/models/${mid}/tags`);
    await call("PUT", `/v1/models/${mid}/tags/production`, { token: alice, json: { version: 2 } });
    await call("PUT", `/v1/models/${mid}/tags/staging`, { token: alice, json: { version: 1 } });
    await call("DELETE", `/v1/models/${mid}/tags/staging`, { token: alice });
    await call("GET", `/v1/models/${mid}/metadata`);
    await call("PATCH", `/v1/models/${mid}/metadata`, { token: alice, json: { metadata: { b: 2 } } });
    await call("GET", `/v1/models/${mid}/versions/1/metadata`);
    await call("PATCH", `/v1/models/${mid}/versions/1/metadata`, { token: alice, json: { metadata: { dataset: "x" } } });
    await call("POST", `/v1/models/${mid}/versions/1/metrics`, {
      token: alice,
      json: {
        metrics: [
          { key: "loss", value: 0.5, step: 1 },
          { key: "note", value: "warm" },
          { key: "blob", bytes: btoa("ab") },
        ],
      },
    });
    await call("GET", `/v1/models/${mid}/versions/1/metrics`);
    const bytes = new TextEncoder().encode('{"hello":"world"}');
    await call("PUT", `/v1/models/${mid}/versions/1/artifacts?path=config.json`, {
      token: alice,
      body: bytes,
      headers: { "x-checksum-sha256": await sha256(bytes) },
    });
    await call("POST", `/v1/models/${mid}/versions/1/artifacts`, { token: alice, json: { path: "w.pt", uri: "s3://b/w.pt", size: 3 } });
    await call("GET", `/v1/models/${mid}/versions/1/artifacts`);
    await raw("GET", `/v1/models/${mid}/versions/1/artifacts/content?path=config.json`);
    // addressing, the default namespace, params, and the model's own metrics, params and artifacts
    await call("POST", "/v1/models", { token: alice, json: { name: "tiny-default" } });
    await call("GET", "/v1/namespaces/vision/models/resnet");
    await call("GET", `/v1/resolve/${encodeURIComponent("vision/resnet@production")}`);
    await call("POST", `/v1/models/${mid}/versions/1/params`, { token: alice, json: { params: { optimizer: "adam" } } });
    await call("GET", `/v1/models/${mid}/versions/1/params`);
    await call("POST", `/v1/models/${mid}/metrics`, { token: alice, json: { metrics: [{ key: "best_auc", value: 0.9 }] } });
    await call("GET", `/v1/models/${mid}/metrics`);
    await call("POST", `/v1/models/${mid}/params`, { token: alice, json: { params: { owner_team: "vision" } } });
    await call("GET", `/v1/models/${mid}/params`);
    await call("PUT", `/v1/models/${mid}/artifacts?path=README.md`, {
      token: alice,
      body: bytes,
      headers: { "x-checksum-sha256": await sha256(bytes) },
    });
    await call("POST", `/v1/models/${mid}/artifacts`, { token: alice, json: { path: "card.pdf", uri: "s3://b/card.pdf", size: 3 } });
    await call("GET", `/v1/models/${mid}/artifacts`);
    await raw("GET", `/v1/models/${mid}/artifacts/content?path=README.md`);
    await call("GET", "/v1/events", { token: ADMIN });
    await call("DELETE", `/v1/models/${mid}`, { token: alice });
    await call("DELETE", `/v1/learnwares/${id}`, { token: alice });
    await call("GET", `/v1/learnwares/${id}`);
    // Every operation but the event stream answered at least once with a success.
    const missed = Object.keys(contract).filter((k) => !seen.has(k) && k !== "get /v1/events/stream");
    assert.deepEqual(missed, [], `operations not exercised: ${missed.join(", ")}`);
  });
});
