/**
 * Registry semantics users expect (ModelBox / MLflow / Hub), over real HTTP against a real
 * server: owner kept or refused, version label/name/description and artifacts at creation,
 * a default namespace, metrics/params/artifacts on models, wall-clock ordering, unique names
 * per namespace (enforced by the database too), and `namespace/name[@tag|:version]` addressing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { onnxPackage } from "../../core/demo/packages.ts";
import { demoStatSpec } from "../../core/demo/synthetic.ts";
import { ADMIN, api, fixture, mintToken, sha256, startTestServer, type TestServer, uploadForm } from "./_server.ts";

const enc = encodeURIComponent;

describe("registry semantics", () => {
  let s: TestServer;
  let erin: string;
  let finn: string;
  before(async () => {
    s = await startTestServer();
    erin = await mintToken(s.url, "erin");
    finn = await mintToken(s.url, "finn");
  });
  after(() => s.close());

  it("keeps the owner when it is the caller or the caller is an admin, else 403", async () => {
    const mine = await api(s.url, "POST", "/v1/namespaces/team-a/models", { token: erin, json: { name: "churn-xgb", owner: "erin" } });
    assert.equal(mine.status, 201, JSON.stringify(mine.data));
    assert.equal(mine.data.owner, "erin");
    const other = await api(s.url, "POST", "/v1/namespaces/team-a/models", { token: erin, json: { name: "x", owner: "finn" } });
    assert.equal(other.status, 403);
    assert.equal(other.data.error.code, "FORBIDDEN");
    assert.match(other.data.error.message, /Owner 'finn' is not the caller \('erin'\)/);
    const byAdmin = await api(s.url, "POST", "/v1/namespaces/team-f/models", { token: ADMIN, json: { name: "for-finn", owner: "finn" } });
    assert.equal(byAdmin.status, 201);
    assert.equal(byAdmin.data.owner, "finn");
    // finn owns it: finn may add versions
    const v = await api(s.url, "POST", `/v1/models/${enc("team-f/for-finn")}/versions`, { token: finn, json: {} });
    assert.equal(v.status, 201, JSON.stringify(v.data));
  });

  it("refuses a duplicate name in a namespace with 409, and the database enforces it too", async () => {
    const dup = await api(s.url, "POST", "/v1/namespaces/team-a/models", { token: erin, json: { name: "churn-xgb" } });
    assert.equal(dup.status, 409);
    assert.equal(dup.data.error.code, "CONFLICT");
    assert.match(dup.data.error.message, /already has a model named 'churn-xgb'/);
    const elsewhere = await api(s.url, "POST", "/v1/namespaces/team-b/models", { token: erin, json: { name: "churn-xgb" } });
    assert.equal(elsewhere.status, 201);
    // the unique index itself (a second server instance would race past the check)
    await assert.rejects(
      s.started.ctx.db.client.execute(
        "insert into models (id, seq, kind, namespace, owner, name, metadata, latest_version, created_at, updated_at) values ('99999999', 99999999, 'model', 'team-a', 'erin', 'churn-xgb', '{}', 0, 0, 0)",
      ),
      // SQLite names the columns, PostgreSQL the index
      /UNIQUE constraint failed: models\.namespace, models\.name|duplicate key value violates unique constraint "models_ns_name_uq"/,
    );
    const bad = await api(s.url, "POST", "/v1/namespaces/team-a/models", { token: erin, json: { name: "a/b" } });
    assert.equal(bad.status, 400);
    assert.match(bad.data.error.message, /must not contain '\/', '@' or ':'/);
  });

  it("has a default namespace: POST /v1/models and bare names", async () => {
    const r = await api(s.url, "POST", "/v1/models", { token: erin, json: { name: "scratch", task: "regression" } });
    assert.equal(r.status, 201, JSON.stringify(r.data));
    assert.equal(r.data.namespace, "default");
    const byName = await api(s.url, "GET", "/v1/models/scratch", { token: erin });
    assert.equal(byName.status, 200);
    assert.equal(byName.data.id, r.data.id);
    const inNs = await api(s.url, "POST", "/v1/models", { token: erin, json: { name: "scratch", namespace: "team-b" } });
    assert.equal(inNs.status, 201);
    assert.equal(inNs.data.namespace, "team-b");
  });

  it("keeps version labels, names, descriptions and artifacts given at creation; addresses by namespace/name@tag|:version", async () => {
    const m = await api(s.url, "POST", "/v1/namespaces/vision/models", {
      token: erin,
      json: { name: "mnist", artifacts: [{ path: "card.md", uri: "https://example.org/card.md" }] },
    });
    assert.equal(m.status, 201, JSON.stringify(m.data));
    const ref = enc("vision/mnist");
    const v1 = await api(s.url, "POST", `/v1/models/${ref}/versions`, {
      token: erin,
      json: {
        label: "v1",
        name: "first",
        description: "baseline",
        framework: "pytorch",
        tags: ["production"],
        artifacts: [{ path: "weights.pt", uri: "s3://bucket/weights.pt" }],
      },
    });
    assert.equal(v1.status, 201, JSON.stringify(v1.data));
    assert.deepEqual([v1.data.number, v1.data.label, v1.data.name, v1.data.description, v1.data.tags], [1, "v1", "first", "baseline", ["production"]]);
    const v2 = await api(s.url, "POST", `/v1/models/${ref}/versions`, { token: erin, json: { label: "exp-b" } });
    assert.equal(v2.data.number, 2);
    const sameLabel = await api(s.url, "POST", `/v1/models/${ref}/versions`, { token: erin, json: { label: "v1" } });
    assert.equal(sameLabel.status, 409);
    assert.match(sameLabel.data.error.message, /already has a version labelled 'v1' \(number 1\)/);
    const numeric = await api(s.url, "POST", `/v1/models/${ref}/versions`, { token: erin, json: { label: "3" } });
    assert.equal(numeric.status, 400);

    const arts = await api(s.url, "GET", `/v1/models/${ref}/versions/v1/artifacts`, { token: erin });
    assert.deepEqual(
      arts.data.items.map((a: any) => [a.path, a.parent, a.fileType, a.storage]),
      [["weights.pt", `${m.data.id}/versions/1`, "MODEL", "tracked"]],
    );
    assert.match(arts.data.items[0].id, /^\d+$/);
    const modelArts = await api(s.url, "GET", `/v1/models/${ref}/artifacts`, { token: erin });
    assert.deepEqual(
      modelArts.data.items.map((a: any) => [a.path, a.parent, a.fileType, a.version]),
      [["card.md", m.data.id, "TEXT", null]],
    );

    for (const [addr, number] of [
      ["vision/mnist@production", 1],
      ["vision/mnist:2", 2],
      ["vision/mnist:v1", 1],
      ["vision/mnist:exp-b", 2],
      ["vision/mnist", 2],
      [`${m.data.id}@latest`, 2],
    ] as const) {
      const r = await api(s.url, "GET", `/v1/resolve/${enc(addr)}`, { token: erin });
      assert.equal(r.status, 200, `${addr}: ${JSON.stringify(r.data)}`);
      assert.equal(r.data.version.number, number, addr);
      assert.equal(r.data.model.id, m.data.id, addr);
    }
    const missing = await api(s.url, "GET", `/v1/resolve/${enc("vision/mnist@staging")}`, { token: erin });
    assert.equal(missing.status, 404);
    assert.match(missing.data.error.message, /has no tag 'staging'/);
    const nsRoute = await api(s.url, "GET", "/v1/namespaces/vision/models/mnist", { token: erin });
    assert.equal(nsRoute.data.id, m.data.id);
    assert.deepEqual(nsRoute.data.tags, { production: 1 });
    const byLabel = await api(s.url, "GET", `/v1/models/${ref}/versions/exp-b`, { token: erin });
    assert.equal(byLabel.data.number, 2);
    // a registry version is not "queued for a runner": its check log says what it is
    const check = await api(s.url, "GET", `/v1/learnwares/${m.data.id}/versions/1/check`, { token: erin });
    assert.equal(check.data.status, "usable");
    assert.match(check.data.log, /registered as usable, not checked by a runner/);
    assert.deepEqual(check.data.jobs, []);
  });

  it("logs metrics and artifacts on the model itself; metrics without a step come back in wall-clock order", async () => {
    const ref = enc("vision/mnist");
    const logged = await api(s.url, "POST", `/v1/models/${ref}/metrics`, {
      token: erin,
      json: {
        metrics: [
          { key: "auc", value: 0.8, wallClock: 3000 },
          { key: "auc", value: 0.6, wallClock: 1000 },
          { key: "auc", value: 0.7, wallClock: 2000 },
        ],
      },
    });
    assert.equal(logged.status, 201, JSON.stringify(logged.data));
    assert.equal(logged.data.version, null);
    const back = await api(s.url, "GET", `/v1/models/${ref}/metrics`, { token: erin });
    assert.deepEqual(
      back.data.metrics.auc.map((p: any) => [p.value, p.wallClock]),
      [
        [0.6, 1000],
        [0.7, 2000],
        [0.8, 3000],
      ],
    );
    // the versions' metrics are apart from the model's
    const onV = await api(s.url, "GET", `/v1/models/${ref}/versions/1/metrics`, { token: erin });
    assert.deepEqual(onV.data.metrics, {});

    const bytes = new TextEncoder().encode("model card bytes");
    const up = await api(s.url, "PUT", `/v1/models/${ref}/artifacts?path=README.md`, {
      token: erin,
      body: bytes,
      headers: { "x-checksum-sha256": await sha256(bytes), "content-type": "text/markdown" },
    });
    assert.equal(up.status, 201, JSON.stringify(up.data));
    assert.deepEqual([up.data.parent, up.data.fileType, up.data.sha256], [up.data.parent, "TEXT", await sha256(bytes)]);
    const res = await fetch(`${s.url}/v1/models/${ref}/artifacts/content?path=README.md`, { headers: { authorization: `Bearer ${erin}` } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "model card bytes");
    const notMine = await api(s.url, "POST", `/v1/models/${ref}/metrics`, { token: finn, json: { metrics: [{ key: "a", value: 1 }] } });
    assert.equal(notMine.status, 403);
  });

  it("tracks any allowed scheme or a plain absolute path, never javascript: or a relative path; explicit file types", async () => {
    const ref = enc("vision/mnist");
    const plain = await api(s.url, "POST", `/v1/models/${ref}/versions/1/artifacts`, { token: erin, json: { path: "train.csv", uri: "/data/train set.csv" } });
    assert.equal(plain.status, 201, JSON.stringify(plain.data));
    assert.equal(plain.data.uri, "file:///data/train%20set.csv");
    assert.equal(plain.data.fileType, "TEXT");
    for (const uri of ["gs://b/x", "hdfs://nn/x", "mlflow-artifacts:/1/x"]) {
      const r = await api(s.url, "POST", `/v1/models/${ref}/versions/1/artifacts`, { token: erin, json: { path: uri.replace(/\W/g, "_"), uri } });
      assert.equal(r.status, 201, `${uri}: ${JSON.stringify(r.data)}`);
    }
    const typed = await api(s.url, "POST", `/v1/models/${ref}/versions/1/artifacts`, {
      token: erin,
      json: { path: "clip.bin", uri: "s3://b/clip.bin", fileType: "VIDEO" },
    });
    assert.equal(typed.data.fileType, "VIDEO");
    for (const uri of ["javascript:alert(1)", "relative/path.bin", "data:text/plain,hi"]) {
      const r = await api(s.url, "POST", `/v1/models/${ref}/versions/1/artifacts`, { token: erin, json: { path: "bad.bin", uri } });
      assert.equal(r.status, 400, uri);
    }
    const badType = await api(s.url, "POST", `/v1/models/${ref}/versions/1/artifacts`, {
      token: erin,
      json: { path: "y.bin", uri: "s3://b/y", fileType: "MOVIE" },
    });
    assert.equal(badType.status, 400);
  });

  it("keeps params (strings, write-once) apart from metrics", async () => {
    const ref = enc("vision/mnist");
    const p = await api(s.url, "POST", `/v1/models/${ref}/versions/1/params`, { token: erin, json: { params: { optimizer: "adam", lr: "0.01" } } });
    assert.equal(p.status, 201, JSON.stringify(p.data));
    assert.deepEqual(p.data.params, { lr: "0.01", optimizer: "adam" });
    const same = await api(s.url, "POST", `/v1/models/${ref}/versions/1/params`, { token: erin, json: { params: { lr: "0.01" } } });
    assert.equal(same.status, 201);
    const changed = await api(s.url, "POST", `/v1/models/${ref}/versions/1/params`, { token: erin, json: { params: { lr: "0.1" } } });
    assert.equal(changed.status, 409);
    assert.match(changed.data.error.message, /Param 'lr' of version 1 is already '0.01'/);
    const notString = await api(s.url, "POST", `/v1/models/${ref}/versions/1/params`, { token: erin, json: { params: { lr: 0.1 } } });
    assert.equal(notString.status, 400);
    const back = await api(s.url, "GET", `/v1/models/${ref}/versions/1/params`, { token: erin });
    assert.deepEqual(back.data.params, { lr: "0.01", optimizer: "adam" });
    const metrics = await api(s.url, "GET", `/v1/models/${ref}/versions/1/metrics`, { token: erin });
    assert.deepEqual(metrics.data.metrics, {});
  });

  it("every registry write appends its event", async () => {
    const r = await api(s.url, "GET", "/v1/events?limit=500", { token: ADMIN });
    assert.equal(r.status, 200, JSON.stringify(r.data));
    const items: any[] = r.data.items ?? r.data.events ?? r.data;
    const types = new Set(items.map((e) => e.type));
    for (const t of ["model.created", "version.created", "tag.moved", "metrics.logged", "params.logged", "artifact.added"]) assert.ok(types.has(t), t);
    const created = items.find((e) => e.type === "model.created" && e.data?.name === "for-finn");
    assert.equal(created.actor, "admin");
    assert.equal(created.data.owner, "finn");
  });

  it("/api's learnware_info marks ONNX learnwares as not loadable by the Python client's load_learnware", async () => {
    const py = fixture(0, "-py");
    const onnxFx = fixture(1, "-onnx");
    const { spec, centres } = demoStatSpec(onnxFx.lw);
    const onnxZip = onnxPackage(onnxFx.lw, JSON.stringify(spec.toJSON()), centres);
    const ids: string[] = [];
    for (const [sem, zip] of [
      [py.semantic, py.zip],
      [onnxFx.semantic, onnxZip],
    ] as const) {
      const r = await api(s.url, "POST", "/v1/learnwares", { token: erin, body: uploadForm(sem, zip) });
      assert.equal(r.status, 201, JSON.stringify(r.data));
      ids.push(r.data.learnware.id);
    }
    const infos = await Promise.all(ids.map((id) => api(s.url, "GET", `/api/engine/learnware_info?learnware_id=${id}`)));
    assert.deepEqual(
      infos.map((r) => [r.data.data.learnware_info.runtime, r.data.data.learnware_info.python_loadable]),
      [
        ["python", true],
        ["onnx", false],
      ],
    );
    // and in /v1/search answers, beside each result
    const found = await api(s.url, "POST", "/v1/search", { token: ADMIN, json: { semantic: {}, statuses: ["pending"], limit: 50 } });
    assert.equal(found.status, 200, JSON.stringify(found.data));
    const byId = new Map(found.data.single.items.map((it: any) => [it.id, [it.runtime, it.pythonLoadable]]));
    assert.deepEqual(byId.get(ids[0]), ["python", true]);
    assert.deepEqual(byId.get(ids[1]), ["onnx", false]);
  });
});

describe("migration to unique registry names", () => {
  it("renames the later duplicates of an existing database (name-<id>) and keeps every model", async () => {
    const { cpSync, readFileSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { scratch } = await import("../_util.ts");
    const { createClient } = await import("@libsql/client/node");
    const { drizzle } = await import("drizzle-orm/libsql");
    const { migrate } = await import("drizzle-orm/libsql/migrator");
    const { migrationsFolder, openDatabase } = await import("../../edge/db/client.ts");
    const dir = scratch("lw-migrate-");
    // The migrations as they were before this change (0000–0003).
    const before = join(dir, "before");
    cpSync(migrationsFolder, before, { recursive: true });
    const journal = JSON.parse(readFileSync(join(before, "meta", "_journal.json"), "utf8"));
    journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 3);
    writeFileSync(join(before, "meta", "_journal.json"), JSON.stringify(journal));
    const url = `file:${join(dir, "lw.db")}`;
    const old = createClient({ url });
    await migrate(drizzle(old), { migrationsFolder: before });
    for (const [id, seq, kind, ns, name] of [
      ["00000001", 1, "model", "team-a", "churn"],
      ["00000002", 2, "model", "team-a", "churn"],
      ["00000003", 3, "model", "team-b", "churn"],
      ["00000004", 4, "learnware", "market", "same"],
      ["00000005", 5, "learnware", "market", "same"],
    ] as const) {
      await old.execute({
        sql: "insert into models (id, seq, kind, namespace, owner, name, metadata, latest_version, created_at, updated_at) values (?, ?, ?, ?, 'u', ?, '{}', 0, 0, 0)",
        args: [id, seq, kind, ns, name],
      });
    }
    old.close();
    const db = await openDatabase(url);
    const rows = await db.client.execute("select id, namespace, name from models order by seq");
    db.close();
    assert.deepEqual(
      rows.rows.map((r) => [r.id, r.namespace, r.name]),
      [
        ["00000001", "team-a", "churn"],
        ["00000002", "team-a", "churn-00000002"],
        ["00000003", "team-b", "churn"],
        ["00000004", "market", "same"],
        ["00000005", "market", "same"],
      ],
    );
  });
});
