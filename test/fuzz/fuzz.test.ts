/**
 * The fuzz suite: thousands of generated malformed requests (deterministic seed) over every
 * route of `/v1` (read from the server's own OpenAPI document) and of the Python client's
 * `/api`, against a real server over loopback. It asserts 0 × 5xx, a server that keeps
 * answering, and that rejected requests leave nothing behind: no temp files, no partial files
 * without a session, no blob without a row, and only the rows of the requests that succeeded.
 *
 * `LW_FUZZ_REQUESTS` (default 2400) and `LW_FUZZ_SEED` (default 19) pick the run.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { collectBlobs } from "../../edge/services/gc.ts";
import { ADMIN, api, fixture, mintToken, runChecks, sha256, startTestServer, type TestServer, uploadForm } from "../integration/_server.ts";
import { zipBomb } from "../integration/_zipBomb.ts";

const N = Number(process.env.LW_FUZZ_REQUESTS ?? 2400);
const SEED = Number(process.env.LW_FUZZ_SEED ?? 19);

/** xorshift32: the same requests on every run for a seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!,
    chance: (p: number) => next() < p,
  };
}

type Rng = ReturnType<typeof rng>;

const WEIRD_STRINGS = [
  "",
  " ",
  "%ff%fe",
  "%00",
  "..",
  "../../etc/passwd",
  "a\\..\\..\\b",
  "con",
  "NUL.txt",
  "latest",
  "0",
  "-1",
  "1e999",
  "NaN",
  "99999999",
  "00000000",
  "null",
  "true",
  "[]",
  "{}",
  "<script>alert(1)</script>",
  "javascript:alert(1)",
  "data:text/html,x",
  "é🎉",
  "\u202e",
  "x".repeat(300),
  "a/b/c",
  "%2e%2e%2f",
  "up_",
  "up_doesnotexist",
  "job_nope",
  "'; drop table models; --",
];
const WEIRD_NUMBERS = [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 1e-320, 4294967296, 86401];
const WEIRD_JSON_TEXT = [
  "{",
  "[",
  "nul",
  '{"a":1e999}',
  '{"a":NaN}',
  "[".repeat(5000) + "]".repeat(5000),
  '"string"',
  "123",
  "null",
  "{}",
  '{"__proto__":{"x":1}}',
  "\u0000",
];

function weirdValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 5 : 8)) {
    case 0:
      return r.pick(WEIRD_STRINGS);
    case 1:
      return r.pick(WEIRD_NUMBERS);
    case 2:
      return r.pick([null, true, false]);
    case 3:
      return r.int(1000);
    case 4:
      return "s" + r.int(1e6);
    case 5:
      return Array.from({ length: r.int(4) }, () => weirdValue(r, depth + 1));
    case 6:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [
          r.pick(["name", "version", "semantic", "stat", "path", "uri", "sha256", "metadata", "tags", "size", "owner", "scopes", "x"]),
          weirdValue(r, depth + 1),
        ]),
      );
    default:
      return { Data: { Values: weirdValue(r, depth + 1), Type: "Class" }, Input: { Dimension: r.pick(WEIRD_NUMBERS) } };
  }
}

interface Fx {
  url: string;
  tokens: string[];
  ids: string[];
  uploads: string[];
  zips: Uint8Array[];
  semantic: unknown;
  stat: unknown;
}

function fill(r: Rng, template: string, fx: Fx): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
    if (name === "id" && r.chance(0.5)) return fx.ids[r.int(fx.ids.length)]!;
    if (name === "id" && template.startsWith("/v1/uploads") && r.chance(0.6)) return fx.uploads[r.int(fx.uploads.length)]!;
    if ((name === "ref" || name === "n") && r.chance(0.6)) return r.pick(["1", "2", "latest", "prod", "0", "-1", "999"]);
    if (name === "namespace" && r.chance(0.5)) return r.pick(["vision", "market", "fuzz", "a".repeat(70)]);
    return encodeURIComponent(String(r.pick(WEIRD_STRINGS))).replace(/%25(?=ff|fe|00)/g, "%");
  });
}

function query(r: Rng): string {
  if (r.chance(0.3)) return "";
  const keys = ["limit", "offset", "path", "offset", "sha256", "exp", "sig", "version", "after", "status", "q", "learnware_id", "namespace", "kind", "x"];
  const parts = Array.from({ length: 1 + r.int(3) }, () => `${r.pick(keys)}=${encodeURIComponent(String(weirdValue(r, 2))).replace(/%25(?=ff)/g, "%")}`);
  return "?" + parts.join("&");
}

function multipart(r: Rng, fx: Fx): { body: BodyInit; headers: Record<string, string> } {
  const fd = new FormData();
  const choice = r.int(6);
  const semText = r.chance(0.5)
    ? JSON.stringify(fx.semantic).replace(/"Dimension":\d+/, `"Dimension":${r.pick(["1e999", "0", "-3", '"x"', "2.5", "8"])}`)
    : String(r.pick(WEIRD_JSON_TEXT));
  for (const name of r.chance(0.5) ? ["semantic", "semantic_specification"] : [r.pick(["semantic", "x", "learnware_id", "file_hash", "chunk_begin"])])
    fd.set(name, semText);
  if (choice > 0) {
    const zip = r.pick(fx.zips);
    const mutated = zip.slice();
    for (let k = 0; k < r.int(8); k++) mutated[r.int(mutated.length)] = r.int(256);
    fd.set(
      r.pick(["package", "learnware_file", "chunk_file", "statistical_specification", "package"]),
      new Blob([mutated as Uint8Array<ArrayBuffer>]),
      r.pick(["lw.zip", "../x.zip", "a\u0000b"]),
    );
  }
  if (r.chance(0.3)) {
    // A raw, broken multipart body.
    const boundary = "XyZ" + r.int(1e6);
    const text = `--${boundary}\r\nContent-Disposition: form-data; name="${r.pick(["package", "semantic", ""])}"${r.chance(0.5) ? '; filename="a.zip"' : ""}\r\n\r\n${"A".repeat(r.int(2000))}${r.chance(0.5) ? `\r\n--${boundary}--\r\n` : ""}`;
    return { body: text, headers: { "content-type": `multipart/form-data; boundary=${r.chance(0.8) ? boundary : "other"}` } };
  }
  return { body: fd, headers: {} };
}

function body(r: Rng, fx: Fx, method: string): { body?: BodyInit; headers: Record<string, string> } {
  if (method === "GET" || method === "DELETE") return r.chance(0.1) ? { headers: { "content-type": "application/json" } } : { headers: {} };
  switch (r.int(6)) {
    case 0:
      return { body: String(r.pick(WEIRD_JSON_TEXT)), headers: { "content-type": "application/json" } };
    case 1:
      return {
        body: JSON.stringify(weirdValue(r)),
        headers: { "content-type": r.pick(["application/json", "text/plain", "application/x-www-form-urlencoded"]) },
      };
    case 2:
      return multipart(r, fx);
    case 3:
      return { body: r.pick(fx.zips) as Uint8Array<ArrayBuffer>, headers: { "content-type": "application/octet-stream" } };
    case 4:
      return {
        body: `{"stat":${JSON.stringify(fx.stat).replace(/"gamma":[^,}]+/, `"gamma":${r.pick(["1e-320", "1e300", "0", "-1", "NaN", "1e999"])}`)}}`,
        headers: { "content-type": "application/json" },
      };
    default:
      return {
        body: new URLSearchParams({ [r.pick(["file_hash", "chunk_begin", "learnware_id", "limit"])]: String(weirdValue(r, 2)) }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      };
  }
}

async function counts(s: TestServer): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ["models", "versions", "artifacts", "tags", "metrics", "uploads", "namespaces", "tokens", "jobs"]) {
    const r = await s.started.deps.db.client.execute(`select count(*) as n from ${t}`);
    out[t] = Number(r.rows[0]!.n);
  }
  return out;
}

describe("fuzz: malformed requests over every route", () => {
  let s: TestServer;
  let fx: Fx;
  before(async () => {
    s = await startTestServer({
      LW_RATE_AUTH_FAILURES: "0",
      LW_RATE_SEARCH: "0",
      LW_RATE_UPLOADS: "0",
      LW_UPLOAD_MAX_SESSIONS: "0",
      LW_UPLOAD_MAX_BYTES: "0",
      LW_MAX_CHUNK_BYTES: String(256 * 1024),
    });
    const owner = await mintToken(s.url, "fuzzer", ["read", "write"], { email: "fuzzer@example.org" });
    const other = await mintToken(s.url, "other");
    const reader = await mintToken(s.url, "reader", ["read"]);
    const f = fixture(0);
    const lw = await api(s.url, "POST", "/v1/learnwares", { token: owner, body: uploadForm(f.semantic, f.zip) });
    await runChecks(s.url);
    const m = await api(s.url, "POST", "/v1/namespaces/fuzz/models", { token: owner, json: { name: "m" } });
    await api(s.url, "POST", `/v1/models/${m.data.id}/versions`, { token: owner, json: { tags: ["prod"] } });
    await api(s.url, "PUT", `/v1/models/${m.data.id}/versions/1/artifacts?path=a.txt`, { token: owner, body: new TextEncoder().encode("a") });
    const up = await api(s.url, "POST", "/v1/uploads", { token: owner, json: {} });
    const login = await api(s.url, "POST", "/api/auth/login_by_token", { json: { email: "fuzzer@example.org", token: owner } });
    fx = {
      url: s.url,
      tokens: [owner, other, reader, login.data.data.token, "lw_not_a_token", ""],
      ids: [lw.data.learnware.id, m.data.id, "00000000", "99999999"],
      uploads: [up.data.id, "up_missing"],
      zips: [f.zip, zipBomb(40, 1024 * 1024), new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]), new TextEncoder().encode("not a zip")],
      semantic: f.semantic,
      stat: f.stat,
    };
  });
  after(() => s.close());

  it(`${N} malformed requests: 0 × 5xx, the server keeps answering, rejected requests leave nothing`, { timeout: 180_000 }, async () => {
    const doc = (await api(s.url, "GET", "/openapi.json")).data;
    const routes: [string, string][] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) for (const m of Object.keys(ops)) routes.push([m.toUpperCase(), path]);
    for (const p of [
      "auth/login_by_token",
      "auth/logout",
      "user/chunked_upload",
      "user/add_learnware_uploaded",
      "user/update_learnware",
      "user/delete_learnware",
      "user/list_learnware",
      "engine/search_learnware",
    ])
      routes.push(["POST", `/api/${p}`]);
    for (const p of ["engine/learnware_info", "engine/download_learnware", "engine/semantic_specification"]) routes.push(["GET", `/api/${p}`]);
    routes.push(["GET", "/%ff%fe/x"], ["GET", "/{id}"], ["PATCH", "/v1/learnwares"], ["POST", "/healthz"]);
    assert.ok(routes.length > 50, `${routes.length} routes`);

    const before = await counts(s);
    const r = rng(SEED);
    const plans = Array.from({ length: N }, (_, i) => {
      const [method0, template] = routes[i % routes.length]!;
      const method = r.chance(0.05) ? r.pick(["GET", "POST", "PUT", "PATCH", "DELETE"]) : method0;
      // Mostly the owner's tokens, so most requests get past auth and reach the handlers.
      const token = r.pick([fx.tokens[0]!, fx.tokens[0]!, fx.tokens[0]!, fx.tokens[3]!, fx.tokens[1]!, fx.tokens[2]!, fx.tokens[4]!, fx.tokens[5]!]);
      // DELETEs with a real id come only from a token that may not delete, so the fixtures stay.
      const path = fill(r, template, fx) + query(r);
      const b = body(r, fx, method);
      const headers: Record<string, string> = { ...b.headers };
      if (token !== "") headers.authorization = r.chance(0.05) ? r.pick(["Basic abc", "Bearer", "Bearer a b", "bearer " + token]) : `Bearer ${token}`;
      if (method === "DELETE" && (token === fx.tokens[0] || token === fx.tokens[3])) headers.authorization = `Bearer ${fx.tokens[1]}`;
      // Logging out revokes the token: only a throwaway one may.
      if (template.endsWith("/auth/logout") && token !== "") headers.authorization = "Bearer lw_not_a_token";
      if (template.endsWith("/delete_learnware") && token !== "") headers.authorization = `Bearer ${fx.tokens[1]}`;
      return { method, path, body: b.body, headers };
    });
    const statuses = new Map<number, number>();
    const fivexx: string[] = [];
    let created = 0;
    let i = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (i < plans.length) {
          const p = plans[i++]!;
          let status = 0;
          const abort = new AbortController();
          const timer = setTimeout(() => abort.abort(), 15_000);
          try {
            const res = await fetch(s.url + p.path, {
              method: p.method,
              headers: p.headers,
              signal: abort.signal,
              ...(p.body !== undefined && p.method !== "GET" && p.method !== "HEAD" ? { body: p.body } : {}),
              redirect: "manual",
            });
            status = res.status;
            // A live feed never ends: its first bytes are the answer.
            if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
              await res.body?.getReader().read();
              abort.abort();
            } else {
              await res.arrayBuffer();
            }
          } catch (err) {
            if (status === 0) {
              fivexx.push(`${p.method} ${p.path.slice(0, 120)}: no answer: ${(err as Error).message}`);
              continue;
            }
          } finally {
            clearTimeout(timer);
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) fivexx.push(`${p.method} ${p.path.slice(0, 120)} → ${status}`);
          if (status >= 200 && status < 300 && p.method !== "GET") created++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const health = await api(s.url, "GET", "/healthz");
    assert.equal(health.status, 200, "the server still answers");
    const summary = [...statuses.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, v]) => `${k}×${v}`)
      .join(" ");
    console.log(
      `# fuzz: ${N} requests over ${routes.length} routes in ${seconds.toFixed(1)} s (seed ${SEED}): ${summary}; 5xx: ${fivexx.length}; accepted writes: ${created}`,
    );
    assert.deepEqual(fivexx, [], "no 5xx and no dropped connection");

    // Nothing left behind by rejected requests.
    assert.deepEqual(await readdir(join(s.dir, "blobs", "tmp")), [], "no temp files");
    const sessions = new Set((await s.started.deps.db.client.execute("select id from uploads where state = 'open'")).rows.map((x) => String(x.id)));
    for (const f of await readdir(join(s.dir, "blobs", "partial"))) assert.ok(sessions.has(f), `partial file ${f} has its session`);
    assert.equal(await collectBlobs(s.started.ctx), 0, "no blob without a row");
    const afterCounts = await counts(s);
    const grew = Object.entries(afterCounts).reduce((a, [k, v]) => a + Math.max(0, v - before[k]!), 0);
    assert.ok(grew <= created * 3, `rows grew by ${grew} for ${created} accepted writes: ${JSON.stringify(before)} → ${JSON.stringify(afterCounts)}`);
    // The fixtures are intact and downloadable.
    const dl = await fetch(`${s.url}/v1/learnwares/${fx.ids[0]}/versions/1/package`, { headers: { authorization: `Bearer ${fx.tokens[0]}` } });
    assert.equal(dl.status, 200);
    assert.equal(await sha256(new Uint8Array(await dl.arrayBuffer())), await sha256(fixture(0).zip));
    void ADMIN;
  });
});
