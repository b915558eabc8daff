/**
 * Scale-out run: the same load mix against one replica on libSQL + disk and against two
 * replicas (two `npm start` server processes) on one PostgreSQL + one S3 bucket (a local Swift),
 * round-robin as a load balancer would. Prints throughput and p50/p99 per configuration.
 *
 *   node --import tsx test/scaleout/bench.ts [seconds=15] [clients=8]
 *
 * The mix per request: 50% listing (GET /v1/learnwares), 30% statistical search, 20% registry
 * writes (create a model). Needs PostgreSQL and python3-swift (as the tests do); it lives beside
 * the tests because it starts their throwaway PostgreSQL and Swift (bench/ may not import test/).
 */
import { pgDatabase } from "../_postgres.ts";
import { s3Env } from "../_swift.ts";
import { removeScratch, scratch } from "../_util.ts";
import { ADMIN, api, fixture, mintToken, runChecks, uploadForm } from "../integration/_server.ts";
import { type Child, spawnEntry } from "../integration/_spawn.ts";

const seconds = Number(process.argv[2] ?? 15);
const clients = Number(process.argv[3] ?? 8);

async function run(label: string, urls: string[]): Promise<Record<string, unknown>> {
  const tok = await mintToken(urls[0]!, "bench");
  for (let i = 0; i < 6; i++) {
    const f = fixture(i % 3, ` b${i}`);
    const r = await api(urls[i % urls.length]!, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, f.zip) });
    if (r.status !== 201) throw new Error(`seed upload: ${r.status}`);
  }
  await runChecks(urls[0]!);
  const stat = fixture(0).stat;
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; Date.now() < end; i++) {
        const url = urls[(c + i) % urls.length]!;
        const k = (c * 7 + i) % 10;
        const t = performance.now();
        const r =
          k < 5
            ? await api(url, "GET", "/v1/learnwares?limit=20")
            : k < 8
              ? await api(url, "POST", "/v1/search", { json: { stat } })
              : await api(url, "POST", "/v1/namespaces/bench/models", { token: tok, json: { name: `m${c}-${i}` } });
        lat.push(performance.now() - t);
        if (r.status >= 400) errors++;
        n++;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(1);
  const row = { config: label, requests: n, errors, rps: (n / seconds).toFixed(1), p50ms: q(0.5), p99ms: q(0.99) };
  console.log(JSON.stringify(row));
  return row;
}

const base = { LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false", LW_RATE_SEARCH: "0", LW_RATE_UPLOADS: "0" };
const dirs: string[] = [];
const children: Child[] = [];
try {
  const d1 = scratch("lw-bench-");
  dirs.push(d1);
  const one = await spawnEntry("node", { ...base, LW_DATA_DIR: d1 });
  children.push(one);
  await run("1 replica, libSQL + disk", [one.url]);
  await one.kill();

  const env = { ...base, LW_DB_URL: await pgDatabase("bench"), ...(await s3Env("bench")) };
  const [a, b] = await Promise.all(
    ["a", "b"].map((x) => {
      const d = scratch(`lw-bench-${x}-`);
      dirs.push(d);
      return spawnEntry("node", { ...env, LW_DATA_DIR: d });
    }),
  );
  children.push(a!, b!);
  await run("2 replicas, PostgreSQL + S3", [a!.url, b!.url]);
} finally {
  await Promise.all(children.map((c) => c.kill()));
  for (const d of dirs) removeScratch(d);
}
