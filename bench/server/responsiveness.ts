/**
 * Does the server stay responsive while it searches? A catalogue of N learnwares (√N tasks,
 * K points in d dimensions, written straight into a libSQL file), the real server started as
 * a child process (`edge/entry/node.ts`, what `npm start` runs), then for `--seconds`:
 * `--clients` clients each sending exact stat searches back to back (the default search, which
 * is the exact scan), while a prober GETs `/healthz` every 20 ms. Reports `/healthz` p50/p99/max,
 * search latency and throughput, and 503s — once with the search worker pool (the default) and
 * once with `LW_SEARCH_THREADS=0` (search on the event loop, as before) for comparison. Every
 * search answer is checked: `path: "exact"`, ranked over the whole market.
 *
 *   npm run bench:server -- [--market 10000] [--clients 4] [--seconds 20] [--K 20] [--d 10] [--userK 50] [--threads N] [--only pool|inline]
 *
 * Measured after the server's start-up warm-up (which sketches a bulk-filled catalogue once).
 * "idle /healthz" is the same probe for 3 s before the clients start: the machine's own noise
 * floor (on a shared machine, other processes' load shows there too).
 *
 * Writes bench/results/responsiveness.json and .md (responsiveness-<N>.* for other sizes).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { clusteredMarket, tableSemantic } from "../../core/demo/clustered.ts";
import { loadConfig } from "../../edge/config.ts";
import { startServer } from "../../edge/server.ts";
import { insertModel, insertVersion } from "../../edge/services/catalog.ts";
import { appendEvent } from "../../edge/services/events.ts";
import { MARKET_NAMESPACE } from "../../edge/services/market.ts";
import { inProcessExecutor } from "../../edge/services/searchPool.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const N = arg("market", 10_000),
  CLIENTS = arg("clients", 4),
  SECONDS = arg("seconds", 20);
const K = arg("K", 20),
  D = arg("d", 10),
  USER_K = arg("userK", 50);
const root = fileURLToPath(new URL("../../", import.meta.url));
const ADMIN = "lw_bench_admin_token";

const tasks = Math.max(10, Math.round(Math.sqrt(N)));
const market = clusteredMarket({ seed: 16, tasks, dim: D, centreScale: 4, shiftScale: 0.4, numPoints: 500 });
const rng = market.rng;
const stat = market.stat;
const semantic = tableSemantic("bench", "responsiveness benchmark", D);

const dir = await mkdtemp(join(tmpdir(), "lw-resp-"));
const log = (m: string) => process.stderr.write(`[responsiveness] ${m}\n`);
let t0 = performance.now();
{
  const filler = await startServer(loadConfig({ LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false" }), { searchExecutor: inProcessExecutor() });
  for (let i0 = 0; i0 < N; i0 += 1000) {
    await filler.ctx.db.write(async (tx) => {
      for (let i = i0; i < Math.min(N, i0 + 1000); i++) {
        const m = await insertModel(tx, { kind: "learnware", namespace: MARKET_NAMESPACE, owner: "bench", name: `lw ${i}`, semantic }, 0);
        const json = stat(i % tasks, K, 0.5 + rng.next());
        await insertVersion(
          tx,
          m.id,
          { statSpecs: [{ className: "RKMETableSpecification", fileName: "stat.json", json }], semantic, checkStatus: 1, createdBy: "bench" },
          0,
        );
        await appendEvent(tx, 0, { type: "model.created", namespace: MARKET_NAMESPACE, modelId: m.id, actor: "bench" });
      }
    });
  }
  filler.close();
}
log(`catalogue of ${N} learnwares (K=${K}, d=${D}) written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const users = Array.from({ length: 16 }, (_, u) => stat(u % tasks, USER_K, 0.8));

async function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  // BENCH_SERVER_FLAGS: extra node flags for the server (e.g. --trace-gc); its output then goes to BENCH_SERVER_LOG.
  const extra = (process.env.BENCH_SERVER_FLAGS ?? "").split(" ").filter((f) => f !== "");
  const child = spawn(process.execPath, [...extra, "--import", "tsx", "--import", "./bench/server/_loopDelay.mjs", "edge/entry/node.ts"], {
    cwd: root,
    env: { ...process.env, LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false", LW_PORT: String(port), LW_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b) => (out += String(b)));
  child.stderr!.on("data", (b) => (out += String(b)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, base, output: () => out };
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not start: ${out}`);
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

interface RunResult {
  config: string;
  /** /healthz with no search running (this machine's own noise floor). */
  idle_healthz: { p50_ms: number; p99_ms: number; max_ms: number };
  healthz: { n: number; p50_ms: number; p99_ms: number; max_ms: number };
  search: { completed: number; per_s: number; p50_ms: number; p99_ms: number; busy_503: number; other_errors: number };
  first_search_ms: number;
  /** The server's event-loop delay over the measured window (perf_hooks histogram in the server). */
  loop_delay: { p50_ms: number; p99_ms: number; max_ms: number } | null;
}

async function run(config: string, env: Record<string, string>): Promise<RunResult> {
  const { child, base, output } = await startChild(env);
  let result: Omit<RunResult, "loop_delay"> | undefined;
  try {
    const search = async (user: unknown) => {
      const res = await fetch(`${base}/v1/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ stat: user, limit: 5 }),
      });
      const body = (await res.json()) as { path?: string; ranked?: number };
      if (res.status === 200 && (body.path !== "exact" || body.ranked !== N)) throw new Error(`not the exact answer: ${JSON.stringify(body).slice(0, 300)}`);
      return res.status;
    };
    t0 = performance.now();
    const firstStatus = await search(users[0]);
    if (firstStatus !== 200) throw new Error(`first search failed: ${firstStatus}`);
    const firstMs = performance.now() - t0;
    // The start-up warm-up (this bulk-filled catalogue has no sketch rows yet: every version is
    // sketched once and its row written) has finished before anything is measured.
    while (!/search index ready/.test(output())) {
      if (performance.now() - t0 > 300_000) throw new Error("the search index warm-up did not finish");
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`${config}: warm-up done after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    log(`${config}: first search (packs the catalogue's specs) ${firstMs.toFixed(0)} ms; measuring ${SECONDS} s with ${CLIENTS} clients`);
    const probe = async (until: number, into: number[]) => {
      while (performance.now() < until) {
        const t = performance.now();
        const res = await fetch(`${base}/healthz`);
        await res.arrayBuffer();
        into.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const idle: number[] = [];
    await probe(performance.now() + 3000, idle);
    // Every search thread has run a search (its kernels installed) before the clock starts.
    await Promise.all(users.slice(0, 4).map(search));
    const end = performance.now() + SECONDS * 1000;
    const lat: number[] = [];
    let busy = 0,
      errors = 0;
    const client = async (c: number) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        const status = await search(users[(c * 7 + i) % users.length]);
        if (status === 200) lat.push(performance.now() - t);
        else if (status === 503) {
          busy++;
          await new Promise((r) => setTimeout(r, 100));
        } else errors++;
      }
    };
    const health: number[] = [];
    child.kill("SIGUSR2");
    const started = performance.now();
    await Promise.all([probe(end, health), ...Array.from({ length: CLIENTS }, (_, c) => client(c))]);
    const wall = (performance.now() - started) / 1000;
    result = {
      config,
      idle_healthz: { p50_ms: r1(pct(idle, 0.5)), p99_ms: r1(pct(idle, 0.99)), max_ms: r1(Math.max(...idle)) },
      healthz: { n: health.length, p50_ms: r1(pct(health, 0.5)), p99_ms: r1(pct(health, 0.99)), max_ms: r1(Math.max(...health)) },
      search: {
        completed: lat.length,
        per_s: Math.round((lat.length / wall) * 100) / 100,
        p50_ms: r1(pct(lat, 0.5)),
        p99_ms: r1(pct(lat, 0.99)),
        busy_503: busy,
        other_errors: errors,
      },
      first_search_ms: Math.round(firstMs),
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
  if (process.env.BENCH_SERVER_LOG) writeFileSync(process.env.BENCH_SERVER_LOG, output());
  const line = /LOOP_DELAY (\{.*\})/.exec(output());
  return { ...result, loop_delay: line ? JSON.parse(line[1]!) : null };
}

const results: RunResult[] = [];
const THREADS = arg("threads", 0);
if (only !== "inline")
  results.push(
    await run(
      THREADS > 0 ? `worker pool, LW_SEARCH_THREADS=${THREADS}` : "worker pool (default: cores − 1 search threads)",
      THREADS > 0 ? { LW_SEARCH_THREADS: String(THREADS) } : {},
    ),
  );
// One search thread per core, for comparison (what the default was first).
if (only === undefined && THREADS === 0 && cpus().length >= 2)
  results.push(await run(`worker pool, LW_SEARCH_THREADS=${cpus().length} (one per core)`, { LW_SEARCH_THREADS: String(cpus().length) }));
if (only !== "pool") results.push(await run("LW_SEARCH_THREADS=0 (search on the event loop, kernels on every core)", { LW_SEARCH_THREADS: "0" }));
await rm(dir, { recursive: true, force: true });

const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? "?", node: process.version, loadavg_before: loadavg().map((x) => r1(x)) };
const out = { market: N, tasks, K, d: D, userK: USER_K, clients: CLIENTS, seconds: SECONDS, machine, results, target: "healthz p99 <= 20 ms (worker pool)" };
const pool = results[0]?.config.startsWith("worker pool") ? results[0] : undefined;
const met = pool ? pool.healthz.p99_ms <= 20 : null;
const md = [
  `# Server responsiveness under exact searches`,
  ``,
  `\`npm run bench:server -- --market ${N} --clients ${CLIENTS} --seconds ${SECONDS}\` — ${N} learnwares (K=${K}, d=${D}, ${tasks} tasks), user specs K=${USER_K}; ${CLIENTS} clients send the default (exact) search back to back for ${SECONDS} s while \`/healthz\` is probed every 20 ms. Machine: ${machine.cpus}× ${machine.model}, Node ${machine.node}, load average before ${machine.loadavg_before.join(" / ")}.`,
  ``,
  `| configuration | /healthz p50 | p99 | max | idle /healthz p99 | server event-loop delay p99 / max | searches/s | search p50 | p99 | 503s | first search |`,
  `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
  ...results.map(
    (r) =>
      `| ${r.config} | ${r.healthz.p50_ms} ms | ${r.healthz.p99_ms} ms | ${r.healthz.max_ms} ms | ${r.idle_healthz.p99_ms} ms | ${r.loop_delay ? `${r.loop_delay.p99_ms} / ${r.loop_delay.max_ms} ms` : "?"} | ${r.search.per_s} | ${r.search.p50_ms} ms | ${r.search.p99_ms} ms | ${r.search.busy_503} | ${r.first_search_ms} ms |`,
  ),
  ``,
  `Target: /healthz p99 ≤ 20 ms with the worker pool — ${met === null ? "not run" : met ? "met" : "not met"}. Every answer was checked to be the exact one (\`path: "exact"\`, ranked over all ${N} specs).`,
  ``,
].join("\n");
const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));
const stem = N === 10_000 ? "responsiveness" : `responsiveness-${N}`;
writeFileSync(join(resultsDir, `${stem}.json`), JSON.stringify(out, null, 2) + "\n");
writeFileSync(join(resultsDir, `${stem}.md`), md);
process.stdout.write(md);
