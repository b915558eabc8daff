/**
 * The read mix through each runtime of the same app, on one PostgreSQL database and one S3 bucket
 * (a local Swift): the Node server (`npm start`'s entry), workerd on the bundle, and Deno with
 * network-only permissions, one after the other. Prints throughput and p50/p99 per runtime.
 *
 *   node --import tsx test/scaleout/edge_bench.ts [seconds=10] [clients=4]
 *
 * Per request: 50% listing (GET /v1/learnwares), 30% statistical search (POST /v1/search), 20% a
 * package download. Needs PostgreSQL and python3-swift (as the tests do); beside the tests
 * because it starts their throwaway PostgreSQL and Swift (bench/ may not import test/).
 */
import { pgDatabase } from "../_postgres.ts";
import { s3Env } from "../_swift.ts";
import { removeScratch, scratch } from "../_util.ts";
import { ADMIN, api, fixture, runChecks, uploadForm } from "../integration/_server.ts";
import { spawnEntry } from "../integration/_spawn.ts";
import { bridgeTo, startDenoEdge, startWorkerd } from "./_edge.ts";

const seconds = Number(process.argv[2] ?? 10);
const clients = Number(process.argv[3] ?? 4);

async function run(label: string, url: string, ids: string[]): Promise<void> {
  const stat = fixture(0).stat;
  // Warm-up: the first search loads the index, the first request of an isolate builds the app.
  await api(url, "POST", "/v1/search", { json: { stat } });
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; Date.now() < end; i++) {
        const k = (c * 7 + i) % 10;
        const t = performance.now();
        let status: number;
        if (k < 5) status = (await api(url, "GET", "/v1/learnwares?limit=20")).status;
        else if (k < 8) status = (await api(url, "POST", "/v1/search", { json: { stat } })).status;
        else {
          const r = await fetch(`${url}/v1/learnwares/${ids[i % ids.length]}/download`);
          await r.arrayBuffer();
          status = r.status;
        }
        lat.push(performance.now() - t);
        if (status >= 400) errors++;
        n++;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(1);
  console.log(JSON.stringify({ runtime: label, requests: n, errors, rps: (n / seconds).toFixed(1), p50ms: q(0.5), p99ms: q(0.99) }));
}

const db = await pgDatabase("edgebench");
const s3 = await s3Env("edgebench");
const dir = scratch("lw-edgebench-");
const node = await spawnEntry("node", { LW_DB_URL: db, ...s3, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "true", LW_DATA_DIR: dir, LW_RATE_SEARCH: "0" }, 120_000);
const { bridge, url } = await bridgeTo(db);
try {
  for (let i = 0; i < 6; i++) {
    const f = fixture(i % 3, ` b${i}`);
    const r = await api(node.url, "POST", "/v1/learnwares", { token: ADMIN, body: uploadForm(f.semantic, f.zip) });
    if (r.status !== 201) throw new Error(`seed upload: ${r.status}`);
  }
  await runChecks(node.url);
  const ids = (await api(node.url, "GET", "/v1/learnwares?status=usable&limit=100")).data.items.map((x: { id: string }) => x.id) as string[];
  console.error(`${ids.length} usable learnwares; ${seconds} s × ${clients} clients per runtime`);
  await run("node (npm start entry)", node.url, ids);
  const env = { LW_DB_URL: url, ...s3, LW_RATE_SEARCH: "0" };
  const w = await startWorkerd(env);
  try {
    console.error(`workerd bundle: ${(w.bundleBytes / 1024).toFixed(0)} KiB`);
    await run("workerd (bundle, connection per request)", w.url, ids);
  } finally {
    await w.stop();
  }
  const d = await startDenoEdge(env);
  try {
    await run("deno (--allow-net --allow-env)", d.url, ids);
  } finally {
    await d.stop();
  }
} finally {
  await node.kill();
  bridge.close();
  removeScratch(dir);
}
process.exit(0);
