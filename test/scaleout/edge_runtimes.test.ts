/**
 * The same `createApp()` on edge runtimes, with no filesystem: workerd (Cloudflare's runtime,
 * the bundle `edge/entry/buildWorker.ts` makes) and Deno with network-only permissions
 * (`edge/entry/denoEdge.ts`), both on the PostgreSQL database and the S3 bucket (a test Swift)
 * of a Node server, which seeded the catalogue (uploads need the Node server). Through each edge
 * runtime: the listing, `/v1/search` and the compat `/api` search give the Node server's answer,
 * a package download has the same bytes, and an upload or a job lease answers 501
 * `NEEDS_NODE_SERVER`.
 *
 * The test cluster listens on a private Unix socket only; workerd's `connect()` speaks TCP, so the
 * edge runtimes reach it through a loopback TCP bridge to that socket (bytes passed as they are).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { buildWorker, nodeImports } from "../../edge/entry/buildWorker.ts";
import { edgeConfig } from "../../edge/entry/edgeApp.ts";
import { pgDatabase } from "../_postgres.ts";
import { requires } from "../_requires.ts";
import { s3Env } from "../_swift.ts";
import { scratch } from "../_util.ts";
import { ADMIN, api, fixture, runChecks, uploadForm } from "../integration/_server.ts";
import { type Child, spawnEntry } from "../integration/_spawn.ts";
import { type Bridge, bridgeTo, DENO_PERMISSIONS, type Runtime, startDenoEdge, startWorkerd } from "./_edge.ts";

const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function bytesOf(url: string, token?: string): Promise<{ status: number; bytes: Uint8Array; headers: Headers }> {
  const r = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: r.status, bytes: new Uint8Array(await r.arrayBuffer()), headers: r.headers };
}

/** The compat API's search: a multipart form with the semantic spec and the stat spec file. */
function compatSearchForm(stat: unknown): FormData {
  const fd = new FormData();
  fd.set("semantic_specification", JSON.stringify({}));
  fd.set("statistical_specification", new Blob([JSON.stringify(stat)], { type: "application/json" }), "stat.json");
  return fd;
}

async function compatSearch(base: string, stat: unknown): Promise<unknown> {
  const r = await fetch(`${base}/api/engine/search_learnware`, { method: "POST", body: compatSearchForm(stat) });
  assert.equal(r.status, 200);
  return r.json();
}

describe("the bundle for workerd", () => {
  it("refuses settings an edge runtime cannot serve, naming them", () => {
    assert.throws(() => edgeConfig({ LW_BLOB_URL: "s3://b/p" }), /LW_DB_URL must be a postgres:\/\/ URL .* got ''/);
    assert.throws(() => edgeConfig({ LW_DB_URL: "file:./lw.db", LW_BLOB_URL: "s3://b/p" }), /LW_DB_URL must be a postgres:\/\/ URL/);
    assert.throws(() => edgeConfig({ LW_DB_URL: "postgres://h/db" }), /LW_BLOB_URL must be an s3:\/\/bucket\/prefix URL/);
    assert.throws(
      () => edgeConfig({ LW_DB_URL: "postgres://h/db", LW_BLOB_URL: "s3://b", LW_RATE_SEARCH: "lots" }),
      /LW_RATE_SEARCH must be a non-negative integer/,
    );
    const c = edgeConfig({ LW_DB_URL: "postgres://h/db", LW_BLOB_URL: "s3://b/p", LW_S3_ENDPOINT: "http://s3.local" });
    assert.equal(c.searchThreads, 0);
    assert.equal(c.seedDemo, false);
    assert.equal(c.s3.endpoint, "http://s3.local");
  });

  it("under workerd without LW_BLOB_URL, every request answers 503 naming the setting", { timeout: 120_000 }, async () => {
    const rt = await startWorkerd({ LW_DB_URL: "postgres://lw@127.0.0.1:1/none" }, (r) => r.status === 503);
    try {
      const r = await api(rt.url, "GET", "/v1/learnwares");
      assert.equal(r.status, 503);
      assert.equal(r.data.error.code, "UNAVAILABLE");
      assert.match(r.data.error.message, /LW_BLOB_URL must be an s3:\/\/bucket\/prefix URL/);
    } finally {
      await rt.stop();
    }
  });

  it("is one ES module whose own code imports nothing of Node's beyond node:crypto (hashes) and AsyncLocalStorage", { timeout: 60_000 }, async () => {
    const built = await buildWorker({ outDir: scratch("lw-worker-build-") });
    assert.ok(built.bytes > 100_000, `bundle of ${built.bytes} bytes`);
    const own = [...nodeImports(built.metafile)].filter(([file]) => !file.startsWith("node_modules/") && !file.startsWith("node-builtin:"));
    // Web Crypto has no incremental hash: the S3 store hashes uploads as they stream (node:crypto,
    // in workerd's nodejs_compat and Deno); the worker scopes a connection per request.
    assert.deepEqual(Object.fromEntries(own), {
      "edge/blobs/store.ts": ["node:crypto"],
      "edge/blobs/s3Store.ts": ["node:crypto"],
      "edge/entry/worker.ts": ["node:async_hooks"],
    });
    // Of the packages, only the PostgreSQL driver (and its helpers) uses Node's modules.
    const packages = new Set([...nodeImports(built.metafile).keys()].filter((f) => f.startsWith("node_modules/")).map((f) => f.split("/")[1]));
    assert.deepEqual([...packages].sort(), ["pg", "pg-cloudflare", "pg-connection-string", "pg-pool", "pgpass", "split2"]);
    // Neither the libSQL client, the migrator, piscina nor the page's static files are in it.
    for (const absent of [
      "@libsql/client",
      "drizzle-orm/migrator",
      "piscina",
      "edge/middleware/static.ts",
      "edge/services/packageInspect.ts",
      "edge/server.ts",
    ]) {
      assert.ok(!Object.keys(built.metafile.inputs).some((f) => f.includes(absent)), `${absent} is bundled`);
    }
  });
});

describe("edge runtimes on PostgreSQL + S3 (workerd, network-only Deno)", requires("postgresql", "python3-swift"), () => {
  let node: Child;
  let bridge: Bridge | null = null;
  let edgeEnv: Record<string, string>;
  let ids: string[] = [];
  const stat = fixture(0).stat;

  before(async () => {
    const db = await pgDatabase("edge");
    const s3 = await s3Env("edge");
    // The Node server migrates the database, creates the bucket, seeds the demo market and takes an upload.
    node = await spawnEntry("node", { LW_DB_URL: db, ...s3, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "true", LW_DATA_DIR: scratch("lw-edge-node-") }, 120_000);
    const fx = fixture(1, " (uploaded to Node)");
    const up = await api(node.url, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(fx.semantic, fx.zip) });
    assert.equal(up.status, 201, JSON.stringify(up.data));
    await runChecks(node.url);
    const list = await api(node.url, "GET", "/v1/learnwares?status=usable&limit=100");
    ids = list.data.items.map((x: { id: string }) => x.id);
    assert.ok(ids.length >= 7, `usable learnwares: ${ids.length}`);
    const tcp = await bridgeTo(db);
    bridge = tcp.bridge;
    edgeEnv = { LW_DB_URL: tcp.url, ...s3 };
  });
  after(async () => {
    await node?.kill();
    bridge?.close();
  });

  /** What every edge runtime must answer as the Node server does. */
  async function sameAsNode(edge: string): Promise<void> {
    // Listing.
    const [a, b] = await Promise.all([
      api(node.url, "GET", "/v1/learnwares?status=usable&limit=100"),
      api(edge, "GET", "/v1/learnwares?status=usable&limit=100"),
    ]);
    assert.equal(b.status, 200, JSON.stringify(b.data));
    assert.deepEqual(b.data, a.data);
    // A statistical search.
    const [sa, sb] = await Promise.all([api(node.url, "POST", "/v1/search", { json: { stat } }), api(edge, "POST", "/v1/search", { json: { stat } })]);
    assert.equal(sb.status, 200, JSON.stringify(sb.data));
    assert.ok(sa.data.single.items.length > 0);
    const ranked = (d: { single: { items: { learnware: { id: string }; score: number }[] } }) => d.single.items.map((x) => x.learnware.id);
    assert.deepEqual(ranked(sb.data), ranked(sa.data));
    sa.data.single.items.forEach((x: { score: number }, i: number) => {
      assert.ok(
        Math.abs(sb.data.single.items[i].score - x.score) <= 1e-9 * Math.max(1, Math.abs(x.score)),
        `score ${i}: ${sb.data.single.items[i].score} vs ${x.score}`,
      );
    });
    assert.equal(sb.data.single.items[0].learnware.name, "Sensor fault classifier (plant A)");
    // A semantic search.
    const q = { semantic: { Name: { Values: "Sensor", Type: "String" } } };
    const [qa, qb] = await Promise.all([api(node.url, "POST", "/v1/search", { json: q }), api(edge, "POST", "/v1/search", { json: q })]);
    assert.equal(qb.status, 200, JSON.stringify(qb.data));
    assert.deepEqual(ranked(qb.data), ranked(qa.data));
    // The compat API's search (the Python client's).
    const [ca, cb] = (await Promise.all([compatSearch(node.url, stat), compatSearch(edge, stat)])) as {
      data: { learnware_list_single: { learnware_id: string }[] };
    }[];
    assert.ok(ca!.data.learnware_list_single.length > 0);
    assert.deepEqual(
      cb!.data.learnware_list_single.map((x) => x.learnware_id),
      ca!.data.learnware_list_single.map((x) => x.learnware_id),
    );
    // A learnware, its versions, the semantic options: as the Node server answers them.
    for (const path of [`/v1/learnwares/${ids[0]}`, `/v1/learnwares/${ids[0]}/versions`, "/v1/semantic-options"]) {
      const [ra, rb] = await Promise.all([api(node.url, "GET", path), api(edge, "GET", path)]);
      assert.equal(rb.status, 200, `${path}: ${JSON.stringify(rb.data)}`);
      assert.deepEqual(rb.data, ra.data, path);
    }
    // Downloads: the same bytes and checksum, streamed from the bucket.
    for (const id of [ids[0]!, ids[ids.length - 1]!]) {
      const [da, db] = await Promise.all([bytesOf(`${node.url}/v1/learnwares/${id}/download`), bytesOf(`${edge}/v1/learnwares/${id}/download`)]);
      assert.equal(db.status, 200, new TextDecoder().decode(db.bytes));
      assert.equal(hex(db.bytes), hex(da.bytes));
      assert.equal(db.headers.get("x-checksum-sha256"), hex(da.bytes));
      const compat = await bytesOf(`${edge}/api/engine/download_learnware?learnware_id=${id}`);
      assert.equal(hex(compat.bytes), hex(da.bytes));
    }
    // Uploads and the runners' jobs need the Node server: a clear 501.
    const fx = fixture(2, " (edge)");
    const up = await api(edge, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(fx.semantic, fx.zip) });
    assert.equal(up.status, 501, JSON.stringify(up.data));
    assert.equal(up.data.error.code, "NEEDS_NODE_SERVER");
    assert.match(up.data.error.message, /needs the Node server/);
    const lease = await api(edge, "POST", "/v1/jobs/lease", { token: ADMIN, json: { runner: "r", kinds: ["check"] } });
    assert.equal(lease.status, 501);
    // A write that needs no Node work goes through to the shared database.
    const m = await api(edge, "POST", "/v1/models", { token: ADMIN, json: { name: `made-on-the-edge-${Math.random().toString(36).slice(2, 8)}` } });
    assert.equal(m.status, 201, JSON.stringify(m.data));
    const seen = await api(node.url, "GET", `/v1/models/${m.data.id ?? m.data.model?.id}`, { token: ADMIN });
    assert.equal(seen.status, 200, JSON.stringify(seen.data));
  }

  /** Runs the checks against a runtime, with its output in the failure message. */
  async function through(rt: Runtime, name: string, more: (url: string) => Promise<void> = async () => {}): Promise<void> {
    try {
      await sameAsNode(rt.url);
      await more(rt.url);
    } catch (err) {
      (err as Error).message += `\n--- ${name} output ---\n${rt.output().slice(-4000)}`;
      throw err;
    } finally {
      await rt.stop();
    }
  }

  it("workerd serves listing, searches and downloads from the bundle", { timeout: 240_000 }, async () => {
    await through(await startWorkerd(edgeEnv), "workerd", async (url) => {
      // After the plain requests above, their connections are closed already (each at its response).
      const quick = Date.now() + 3_000;
      while ((await bridge!.open()) > 0 && Date.now() < quick) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await bridge!.open(), 0, "connections left open after plain requests");
      // The event feed (a stream that queries the database as long as it is open) sees a change
      // the Node server makes while it is open.
      const abort = new AbortController();
      const feed = await fetch(`${url}/v1/events/stream`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: abort.signal });
      assert.equal(feed.status, 200);
      assert.match(feed.headers.get("content-type") ?? "", /^text\/event-stream/);
      const reader = feed.body!.getReader();
      let text = "";
      const until = async (re: RegExp) => {
        const end = Date.now() + 20_000;
        while (!re.test(text) && Date.now() < end) {
          const { done, value } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        assert.match(text, re);
      };
      await until(/event: ready/);
      const name = `seen-live-${Math.random().toString(36).slice(2, 8)}`;
      const made = await api(node.url, "POST", "/v1/models", { token: ADMIN, json: { name } });
      assert.equal(made.status, 201, JSON.stringify(made.data));
      await until(new RegExp(`event: model\\.created[^]*${name}`));
      abort.abort();
      await reader.cancel().catch(() => undefined);
      // One connection per request, closed when its response is done: none stays open.
      // (workerd notices the feed's client has gone at the feed's next write, a keep-alive after
      // 15 idle seconds: measured 14.2 s.)
      const end = Date.now() + 30_000;
      while ((await bridge!.open()) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await bridge!.open(), 0, "database connections left open by workerd");
    });
  });

  it(`Deno with ${DENO_PERMISSIONS.join(" ")} only serves the same`, { timeout: 240_000 }, async () => {
    await through(await startDenoEdge(edgeEnv), "deno");
  });
});
