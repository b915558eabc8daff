/**
 * Integration helpers: a real server (the same start-up as `npm start`) on a random
 * loopback port over a libSQL file in a temp folder, plus small HTTP and fixture helpers.
 *
 * `LW_TEST_DB=postgres` runs the same servers on PostgreSQL: a fresh database on the test
 * cluster (test/_postgres.ts) per data folder, kept for a restart on the same folder.
 * `LW_TEST_BLOBS=s3` puts the blobs in a fresh bucket of a test Swift (test/_swift.ts) per
 * data folder, likewise.
 */
import { serve } from "@hono/node-server";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LwClient } from "../../client/client.ts";
import type { Scope } from "../../client/requests.ts";
import { loadConfig, type ServerConfig } from "../../edge/config.ts";
import { pgDatabase } from "../_postgres.ts";
import { s3Env } from "../_swift.ts";
import { applyTimeouts } from "../../edge/entry/nodeTimeouts.ts";
import { startServer, type Started } from "../../edge/server.ts";
import { pythonPackage } from "../../core/demo/packages.ts";
import { type DemoLearnware, demoLearnwares, demoSemantic, demoStatSpec } from "../../core/demo/synthetic.ts";

export const ADMIN = "lw_test_admin_token_0123456789abcdef";

export interface TestServer {
  url: string;
  dir: string;
  started: Started;
  logs: string[];
  close(opts?: { keep?: boolean }): Promise<void>;
}

/** The test configuration's database (`LW_TEST_DB`): `libsql` (default) or `postgres`. */
export const TEST_DB = process.env.LW_TEST_DB === "postgres" ? "postgres" : "libsql";
const pgDatabases = new Map<string, Promise<string>>();

/** The catalogue URL for a data folder under the test configuration (undefined: the default `file:`). */
export async function testDbUrl(dataDir: string): Promise<string | undefined> {
  if (TEST_DB !== "postgres") return undefined;
  let url = pgDatabases.get(dataDir);
  if (!url) pgDatabases.set(dataDir, (url = pgDatabase("it")));
  return url;
}

/** The test configuration's blob store (`LW_TEST_BLOBS`): `disk` (default) or `s3`. */
export const TEST_BLOBS = process.env.LW_TEST_BLOBS === "s3" ? "s3" : "disk";
const buckets = new Map<string, Promise<Record<string, string>>>();

/** The S3 settings for a data folder under the test configuration (empty: the disk store). */
export async function testBlobEnv(dataDir: string): Promise<Record<string, string>> {
  if (TEST_BLOBS !== "s3") return {};
  let e = buckets.get(dataDir);
  if (!e) buckets.set(dataDir, (e = s3Env("it")));
  return e;
}

export async function startTestServer(env: Record<string, string> = {}, dir?: string): Promise<TestServer> {
  const dataDir = dir ?? (await mkdtemp(join(tmpdir(), "lw-it-")));
  const dbUrl = env.LW_DB_URL ?? (await testDbUrl(dataDir));
  const blobEnv = env.LW_BLOB_URL ? {} : await testBlobEnv(dataDir);
  const config: ServerConfig = loadConfig({
    LW_DATA_DIR: dataDir,
    LW_ADMIN_TOKEN: ADMIN,
    LW_SEED_DEMO: "false",
    ...(dbUrl ? { LW_DB_URL: dbUrl } : {}),
    ...blobEnv,
    ...env,
  });
  const logs: string[] = [];
  const started = await startServer(config, { log: (m) => logs.push(m) });
  const server = serve({ fetch: started.app.fetch, port: 0, hostname: "127.0.0.1" });
  applyTimeouts(server, config);
  await new Promise<void>((r) => server.once("listening", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dir: dataDir,
    started,
    logs,
    close: async (opts = {}) => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      started.close();
      if (!opts.keep) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Everything the server's database holds, as bytes to search for secrets: the libSQL file, or on
 * PostgreSQL every row of every table as text.
 */
export async function databaseBytes(s: TestServer): Promise<Buffer> {
  const db = s.started.deps.db;
  if (db.dialect === "sqlite") return readFile(join(s.dir, "lw.db"));
  const tables = await db.client.execute("select tablename from pg_tables where schemaname = 'public'");
  const parts: string[] = [];
  for (const t of tables.rows) {
    const r = await db.client.execute(`select t::text as row from "${String(t.tablename)}" t`);
    for (const x of r.rows) parts.push(String(x.row));
  }
  return Buffer.from(parts.join("\n"));
}

export function auth(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra };
}

export async function api(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; body?: BodyInit | Uint8Array; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body = opts.body as BodyInit | undefined;
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: res.status, data, headers: res.headers };
}

/** The typed client of the contract, bound to `base` and `token`. */
export function client(base: string, token?: string): LwClient {
  return new LwClient({ baseUrl: base, token });
}

/** Mints a token through the admin endpoint. */
export async function mintToken(base: string, owner: string, scopes: Scope[] = ["read", "write"], extra: Record<string, unknown> = {}): Promise<string> {
  return (await client(base, ADMIN).call("createToken", { json: { owner, scopes, ...extra } })).token;
}

export interface Fixture {
  lw: DemoLearnware;
  zip: Uint8Array;
  semantic: Record<string, unknown>;
  stat: Record<string, unknown>;
}

/** A demo learnware package (deterministic) with its semantic and stat specs; `variant` changes the name. */
export function fixture(index = 0, variant = "", padBytes = 0): Fixture {
  const base = demoLearnwares()[index]!;
  const lw = { ...base, name: base.name + variant };
  const { spec, centres } = demoStatSpec(lw);
  const statJson = JSON.stringify(spec.toJSON());
  return {
    lw,
    zip: pythonPackage(lw, statJson, centres, padBytes > 0 ? { "padding.bin": pseudoRandom(padBytes, index + 7) } : {}),
    semantic: demoSemantic(lw),
    stat: spec.toJSON() as unknown as Record<string, unknown>,
  };
}

export function uploadForm(semantic: unknown, zip: Uint8Array | null): FormData {
  const fd = new FormData();
  fd.set("semantic", JSON.stringify(semantic));
  if (zip) fd.set("package", new Blob([zip as Uint8Array<ArrayBuffer>], { type: "application/zip" }), "learnware.zip");
  return fd;
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Completes every queued check job as a runner would. */
export async function runChecks(base: string, status: "usable" | "invalid" = "usable", runner = "test-runner"): Promise<number> {
  const admin = client(base, ADMIN);
  let n = 0;
  for (;;) {
    const leased = await admin.call("leaseJob", { json: { runner, kinds: ["check"], leaseSeconds: 30 } });
    if (leased === null) return n;
    const { job } = leased;
    await admin.bytes("getPackage", { params: { id: job.learnwareId, ref: job.version } });
    await admin.call("completeJob", { params: { id: job.id }, json: { runner, status, log: `checked by ${runner}` } });
    n++;
  }
}

/** Incompressible deterministic bytes (xorshift), for packages of a given size. */
export function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
