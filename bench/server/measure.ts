/**
 * Measures the server over real HTTP on loopback (libSQL file + disk blobs in a temp dir):
 * search latency over a market of N learnwares (statistical + mixture) and upload
 * throughput (streamed multipart and resumable chunks).
 *
 *   node --import tsx bench/server/measure.ts [--market 200] [--mb 64] [--runs 30]
 */
import { serve } from "@hono/node-server";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { createRng } from "../../core/random.ts";
import { loadConfig } from "../../edge/config.ts";
import { startServer } from "../../edge/server.ts";
import { demoMixtureQuery, demoSemantic, demoLearnwares } from "../../core/demo/synthetic.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MARKET = arg("market", 200);
const MB = arg("mb", 64);
const RUNS = arg("runs", 30);
const ADMIN = "lw_bench_admin";

const dir = await mkdtemp(join(tmpdir(), "lw-bench-"));
const started = await startServer(loadConfig({ LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "true" }), { log: (m) => console.error(m) });
const server = serve({ fetch: started.app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise<void>((r) => server.once("listening", () => r()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const H = { authorization: `Bearer ${ADMIN}` };

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

// The upload payload is built first (so no idle keep-alive socket expires while it is made).
const bigStat = RKMETableSpecification.generate(demoMixtureQuery(200), { K: 50, seed: 3 }).toJSON();
const pad = new Uint8Array(MB * 1024 * 1024);
for (let i = 0; i < pad.length; i += 65536) crypto.getRandomValues(pad.subarray(i, Math.min(i + 65536, pad.length)));
const big = writeLearnwarePackage({
  yaml: { model: { class_name: "Model" } },
  files: { "__init__.py": "class Model: pass\n", "stat_spec.json": JSON.stringify(bigStat), "weights.bin": pad },
});
// Market: N learnwares in the sensor space (d = 8), RKMEs of 50 points, through the upload path.
const tmpl = demoLearnwares()[0]!;
const rng = createRng(42);
for (let i = 0; i < MARKET; i++) {
  const m = 50,
    d = 8;
  const center = Array.from({ length: d }, () => 6 * rng.normal());
  const z = Array.from({ length: m }, () => center.map((c) => c + rng.normal()));
  const stat = { z, beta: Array(m).fill(1 / m), gamma: 0.1, num_points: 500, type: "RKMETableSpecification" };
  const zip = writeLearnwarePackage({
    yaml: { model: { class_name: "Model" } },
    files: { "__init__.py": "class Model: pass\n", "stat_spec.json": JSON.stringify(stat) },
  });
  const fd = new FormData();
  fd.set("semantic", JSON.stringify(demoSemantic({ ...tmpl, name: `bench ${i}` })));
  fd.set("package", new Blob([zip as Uint8Array<ArrayBuffer>]), "lw.zip");
  const r = await fetch(`${base}/v1/learnwares`, { method: "POST", headers: H, body: fd });
  if (r.status !== 201) throw new Error(await r.text());
}
for (;;) {
  const r = await fetch(`${base}/v1/jobs/lease`, {
    method: "POST",
    headers: { ...H, "content-type": "application/json" },
    body: JSON.stringify({ runner: "bench", kinds: ["check"] }),
  });
  if (r.status === 204) break;
  const { job } = (await r.json()) as { job: { id: string } };
  await fetch(`${base}/v1/jobs/${job.id}/complete`, {
    method: "POST",
    headers: { ...H, "content-type": "application/json" },
    body: JSON.stringify({ runner: "bench", status: "usable", log: "" }),
  });
}

// Search latency.
const user = RKMETableSpecification.generate(demoMixtureQuery(200), { K: 50, seed: 3 }).toJSON();
const bodies = {
  semantic: JSON.stringify({ semantic: { Data: { Type: "Class", Values: ["Table"] }, Name: { Type: "String", Values: "sensor" } } }),
  "stat+greedy mixture": JSON.stringify({ stat: user, method: "greedy" }),
  "stat+auto mixture": JSON.stringify({ stat: user, method: "auto" }),
};
const searchResults: Record<string, { p50: number; p95: number; singles: number }> = {};
for (const [name, body] of Object.entries(bodies)) {
  const times: number[] = [];
  let singles = 0;
  for (let i = 0; i < RUNS + 3; i++) {
    const t0 = performance.now();
    const r = await fetch(`${base}/v1/search`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const j = (await r.json()) as { single: { total: number } };
    if (i >= 3) times.push(performance.now() - t0);
    singles = j.single.total;
  }
  searchResults[name] = { p50: quantile(times, 0.5), p95: quantile(times, 0.95), singles };
}

const sem = demoSemantic({ ...tmpl, name: "bench big" });
const fd = new FormData();
fd.set("semantic", JSON.stringify(sem));
fd.set("package", new Blob([big as Uint8Array<ArrayBuffer>]), "big.zip");
let t0 = performance.now();
let r = await fetch(`${base}/v1/learnwares`, { method: "POST", headers: H, body: fd });
if (r.status !== 201) throw new Error(await r.text());
const multipartSec = (performance.now() - t0) / 1000;

const CHUNK = 8 * 1024 * 1024;
t0 = performance.now();
r = await fetch(`${base}/v1/uploads`, { method: "POST", headers: { ...H, "content-type": "application/json" }, body: JSON.stringify({ size: big.length }) });
const { id } = (await r.json()) as { id: string };
for (let off = 0; off < big.length; off += CHUNK) {
  const part = big.subarray(off, Math.min(off + CHUNK, big.length));
  const sum = createHash("sha256").update(part).digest("hex");
  r = await fetch(`${base}/v1/uploads/${id}?offset=${off}&sha256=${sum}`, { method: "PUT", headers: H, body: part as Uint8Array<ArrayBuffer> });
  if (r.status !== 200) throw new Error(await r.text());
}
r = await fetch(`${base}/v1/uploads/${id}/finish`, {
  method: "POST",
  headers: { ...H, "content-type": "application/json" },
  body: JSON.stringify({ sha256: createHash("sha256").update(big).digest("hex"), semantic: { ...sem, Name: { Type: "String", Values: "bench big 2" } } }),
});
if (r.status !== 201) throw new Error(await r.text());
const chunkedSec = (performance.now() - t0) / 1000;

const sizeMB = big.length / 1024 / 1024;
const out = {
  market: MARKET + 6,
  search: searchResults,
  upload: {
    sizeMB: Math.round(sizeMB * 10) / 10,
    multipartMBps: Math.round((sizeMB / multipartSec) * 10) / 10,
    chunkedMBps: Math.round((sizeMB / chunkedSec) * 10) / 10,
    chunkMB: CHUNK / 1024 / 1024,
  },
  node: process.version,
};
console.log(JSON.stringify(out, null, 2));
console.log(`\n| measurement | value |\n|---|---|`);
for (const [k, v] of Object.entries(searchResults))
  console.log(`| search (${k}), ${out.market} learnwares | p50 ${v.p50.toFixed(1)} ms, p95 ${v.p95.toFixed(1)} ms |`);
console.log(`| upload, streamed multipart, ${out.upload.sizeMB} MB | ${out.upload.multipartMBps} MB/s |`);
console.log(`| upload, resumable ${out.upload.chunkMB} MB chunks, ${out.upload.sizeMB} MB | ${out.upload.chunkedMBps} MB/s |`);

server.close();
started.close();
await rm(dir, { recursive: true, force: true });
process.exit(0);
