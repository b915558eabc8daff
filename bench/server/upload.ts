/**
 * Upload throughput over real HTTP on loopback (issue #16's target: ≥ 200 MB/s), against a
 * baseline in the same process tree: the same curl sending the same multipart body to a bare
 * `node:http` server that only drains it (the loopback + HTTP ceiling of this machine), and to
 * one that also hashes it (sha256) and writes it to disk through the same 1 MiB write buffer
 * as the store (what streaming alone costs). Then the market server: the whole
 * `POST /v1/learnwares` (multipart parsing, stream to disk with its sha256, the package read
 * and checked on an inspection thread, fsync, commit, catalogue transaction).
 *
 *   node --import tsx bench/server/upload.ts [--mb 128] [--runs 5]
 *
 * Writes bench/results/upload.{json,md} (`npm run bench` includes it).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { zipSync } from "fflate";
import { demoLearnwares, demoMixtureQuery, demoSemantic } from "../../core/demo/synthetic.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { loadConfig } from "../../edge/config.ts";
import { startServer } from "../../edge/server.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MB = arg("mb", 128);
const RUNS = arg("runs", 5);
const TARGET = 200;
const ADMIN = "lw_bench_admin_token_0123456789abcdef";
const dir = await mkdtemp(join(tmpdir(), "lw-bench-upload-"));

// A learnware package of MB MiB: random weights stored (level 0: a model's weights do not compress).
const weights = new Uint8Array(MB * 1024 * 1024);
for (let i = 0; i < weights.length; i += 65536) crypto.getRandomValues(weights.subarray(i, Math.min(i + 65536, weights.length)));
const stat = RKMETableSpecification.generate(demoMixtureQuery(200), { K: 50, seed: 3 }).stringify();
const te = new TextEncoder();
const zip = zipSync({
  "__init__.py": te.encode("class Model: pass\n"),
  "learnware.yaml": te.encode(
    "model:\n  class_name: Model\n  kwargs: {}\nstat_specifications:\n  - module_path: learnware.specification\n    class_name: RKMETableSpecification\n    file_name: stat.json\n    kwargs: {}\n",
  ),
  "stat.json": te.encode(stat),
  "weights.bin": [weights, { level: 0 }],
});
const zipPath = join(dir, "big.zip");
writeFileSync(zipPath, zip);
const semPath = join(dir, "sem.json");
const sizeMB = zip.length / 1024 / 1024;

/** One curl multipart upload; resolves with seconds and the HTTP status. */
function curl(url: string, semantic: object): Promise<{ s: number; status: number }> {
  writeFileSync(semPath, JSON.stringify(semantic));
  const t0 = performance.now();
  return new Promise((resolve, reject) =>
    execFile(
      "curl",
      ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", `authorization: Bearer ${ADMIN}`, "-F", `semantic=<${semPath}`, "-F", `package=@${zipPath}`, url],
      (err, out) => (err ? reject(err) : resolve({ s: (performance.now() - t0) / 1000, status: Number(out) })),
    ),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(label: string, url: string, semantic: (k: number) => object, expect: number): Promise<number> {
  const mbps: number[] = [];
  for (let k = 0; k < RUNS + 1; k++) {
    const r = await curl(url, semantic(k));
    if (r.status !== expect) throw new Error(`${label}: HTTP ${r.status}`);
    if (k > 0) mbps.push(sizeMB / r.s);
  }
  const m = median(mbps);
  rows.push({ receiver: label, mbps: Math.round(m) });
  return m;
}

/** A bare node:http server: `consume` reads each request's body, then it answers 201. */
async function bare(consume: (req: IncomingMessage) => Promise<void>) {
  const srv = createServer(async (req, res) => {
    await consume(req);
    res.writeHead(201).end("{}");
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, close: () => new Promise((r) => srv.close(r)) };
}

const loadBefore = loadavg()[0]!;
const rows: { receiver: string; mbps: number }[] = [];
const drain = await bare(async (req) => {
  for await (const _ of req) {
    /* drained */
  }
});
const ceiling = await measure("bare node:http, body drained (baseline: loopback + HTTP)", drain.url, () => ({}), 201);
await drain.close();

let n = 0;
const hashing = await bare(async (req) => {
  const out = createWriteStream(join(dir, `raw-${n++}`), { highWaterMark: 1 << 20 });
  const sha = createHash("sha256");
  for await (const c of req) {
    sha.update(c as Buffer);
    if (!out.write(c)) await once(out, "drain");
  }
  await new Promise((r) => out.end(r));
  sha.digest();
});
const streaming = await measure("bare node:http, sha256 + write to disk (baseline: streaming)", hashing.url, () => ({}), 201);
await hashing.close();

const started = await startServer(
  loadConfig({ LW_DATA_DIR: join(dir, "data"), LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false", LW_MAX_PACKAGE_BYTES: String(4 * zip.length) }),
  { log: () => {} },
);
const server = serve({ fetch: started.app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise<void>((r) => server.once("listening", () => r()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const tmpl = demoLearnwares()[0]!;
const ours = await measure(
  "market server, POST /v1/learnwares (whole upload path)",
  `${base}/v1/learnwares`,
  (k) => demoSemantic({ ...tmpl, name: `bench upload ${k}` }),
  201,
);
server.close();
started.close();
await rm(dir, { recursive: true, force: true });

const verdict = ours >= TARGET ? "met" : "not met";
const md = [
  `# Upload throughput (loopback, ${sizeMB.toFixed(0)} MB package)`,
  "",
  `\`npm run bench:upload -- --mb ${MB} --runs ${RUNS}\` — curl -F sends a ${sizeMB.toFixed(0)} MB learnware package (random weights, stored) over loopback; median of ${RUNS} after a warm-up. Load average ${loadBefore.toFixed(1)} before.`,
  "",
  "| receiver | throughput |",
  "|---|---:|",
  ...rows.map((r) => `| ${r.receiver} | ${r.mbps} MB/s |`),
  "",
  `Market server: ${ours.toFixed(0)} MB/s = ${((100 * ours) / ceiling).toFixed(0)} % of the loopback ceiling, ${((100 * ours) / streaming).toFixed(0)} % of bare streaming; target ≥ ${TARGET} MB/s: ${verdict}.`,
  "",
];
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "results");
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, "upload.json"),
  JSON.stringify({ date: new Date().toISOString(), mb: sizeMB, runs: RUNS, loadBefore, rows, serverMBps: Math.round(ours), target: TARGET }, null, 2),
);
writeFileSync(join(resultsDir, "upload.md"), md.join("\n"));
console.log(md.join("\n"));
process.exit(0);
