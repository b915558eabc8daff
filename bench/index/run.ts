/**
 * Index benchmark: synthetic clustered markets of 10k, 100k (and with `--1m` 1M) table specs
 * (K = 100, d = 20, γ = 0.1), measuring index build time and size, search latency (p50 /
 * p99 over 200 user specs, end to end: index candidates → fetch → exact re-rank + greedy
 * mixture), recall@1 / recall@5 of the indexed search against exact search, memory, and at
 * 10k the speed-up over the exact linear scan. Writes `bench/results/index-<n>.json` and
 * `bench/results/index.md`.
 *
 *   node --import tsx bench/index/run.ts [--sizes=10000,100000] [--1m] [--users=200]
 *        [--features=256] [--topN=100] [--workers=2] [--rebuild] [--report]
 *
 * Storage: the build writes every spec to a record file (`results/tmp/index-specs-<n>-*.bin`,
 * 8.8 KB per spec, `market.ts`); the index path's fetch reads the candidates' records from it
 * by position. Built markets (sketches, self inner products) and the ground truth are cached
 * in `results/tmp/` (`--rebuild` redoes them). Ground truth: exact MMD² from the user to
 * every learnware of the user's task(s) and to the 2 000 nearest by a full sketch scan; at
 * 10k the benchmark checks this equals the full linear scan's top 5 (the JSON's `gt_check`).
 */
import { Worker } from "node:worker_threads";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installWasmBackend } from "../../wasm/mod.ts";
import { getKernelBackend } from "../../core/kernel/backend.ts";
import type { WasmKernelBackend } from "../../wasm/mod.ts";
import { RkmeIndex } from "../../core/index/rkmeIndex.ts";
import { indexedSearch } from "../../core/index/indexedSearch.ts";
import { searchStatistical } from "../../core/search/statSearch.ts";
import type { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { D, GAMMA, idOf, marketShape, numberOf, openSpecFile, RECORD_BYTES, taskOf, userSpec, userTasks, type MarketShape } from "./market.ts";

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k!, v ?? "true"];
  }),
);
const sizes = (args.get("sizes") ?? "10000,100000").split(",").map(Number);
if (args.has("1m")) sizes.push(1_000_000);
const USERS = Number(args.get("users") ?? 200);
const FEATURES = Number(args.get("features") ?? 256);
const TOPN = Number(args.get("topN") ?? 100);
const WORKERS = Number(args.get("workers") ?? 2);
const resultsDir = join(import.meta.dirname, "..", "results");
mkdirSync(resultsDir, { recursive: true });

const backend = await installWasmBackend();
const wasm = getKernelBackend() as Partial<WasmKernelBackend>;
const log = (m: string) => console.error(`[index ${new Date().toISOString().slice(11, 19)}] ${m}`);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/** Sketches and self inner products of learnwares [0, n), built on `WORKERS` threads. */
type Built = { sketches: Float32Array; selfIp: Float64Array; wallMs: number; cpu: { genMs: number; selfMs: number; sketchMs: number } };

/**
 * `buildEntries`, cached in `results/tmp/` (the sketches of a market are a pure function of
 * its shape and D; a 1M market takes minutes to build). The cached timings are the build's.
 */
async function cachedEntries(shape: MarketShape, features: number): Promise<Built & { cached: boolean }> {
  const base = join(resultsDir, "tmp", `index-market-${shape.n}-s${shape.seed}-D${features}`);
  const specFile = specFileOf(shape);
  const specsOk = existsSync(specFile) && statSync(specFile).size === shape.n * RECORD_BYTES;
  if (!args.has("rebuild") && specsOk && existsSync(`${base}.json`) && existsSync(`${base}.bin`)) {
    const meta = JSON.parse(readFileSync(`${base}.json`, "utf8")) as Omit<Built, "sketches" | "selfIp">;
    const bytes = readFileSync(`${base}.bin`);
    const sk = shape.n * features * 4;
    if (bytes.length === sk + shape.n * 8) {
      const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      return { ...meta, sketches: new Float32Array(buf, 0, shape.n * features), selfIp: new Float64Array(buf, sk, shape.n), cached: true };
    }
  }
  const built = await buildEntries(shape, features);
  mkdirSync(join(resultsDir, "tmp"), { recursive: true });
  writeFileSync(
    `${base}.bin`,
    Buffer.concat([
      Buffer.from(built.sketches.buffer, built.sketches.byteOffset, built.sketches.byteLength),
      Buffer.from(built.selfIp.buffer, built.selfIp.byteOffset, built.selfIp.byteLength),
    ]),
  );
  writeFileSync(`${base}.json`, JSON.stringify({ wallMs: built.wallMs, cpu: built.cpu }));
  return { ...built, cached: false };
}

/** The market's spec file (the benchmark's storage; records by learnware number). */
function specFileOf(shape: MarketShape): string {
  return join(resultsDir, "tmp", `index-specs-${shape.n}-s${shape.seed}.bin`);
}

async function buildEntries(shape: MarketShape, features: number): Promise<Built> {
  const t0 = performance.now();
  mkdirSync(join(resultsDir, "tmp"), { recursive: true });
  const specFile = specFileOf(shape);
  closeSync(openSync(specFile, "w"));
  truncateSync(specFile, shape.n * RECORD_BYTES);
  const n = shape.n;
  const parts = Array.from({ length: WORKERS }, (_, w) => [Math.floor((n * w) / WORKERS), Math.floor((n * (w + 1)) / WORKERS)] as const);
  const sketches = new Float32Array(n * features),
    selfIp = new Float64Array(n);
  const cpu = { genMs: 0, selfMs: 0, sketchMs: 0 };
  await Promise.all(
    parts.map(
      ([start, end]) =>
        new Promise<void>((resolve, reject) => {
          // tsx's loader is registered inside the worker (a `--import` in execArgv is not honoured there).
          const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(new URL("./buildWorker.ts", import.meta.url).href)}); })`;
          const w = new Worker(boot, { eval: true, workerData: { shape, start, end, features, mapSeed: 0, specFile } });
          w.on(
            "message",
            (m: { progress?: number; done?: boolean; sketches: Float32Array; selfIp: Float64Array; genMs: number; selfMs: number; sketchMs: number }) => {
              if (m.progress !== undefined) {
                if (start === 0 && m.progress > 0) log(`  built ${m.progress * WORKERS} / ${n}`);
                return;
              }
              sketches.set(m.sketches, start * features);
              selfIp.set(m.selfIp, start);
              cpu.genMs += m.genMs;
              cpu.selfMs += m.selfMs;
              cpu.sketchMs += m.sketchMs;
              void w.terminate();
              resolve();
            },
          );
          w.on("error", reject);
        }),
    ),
  );
  return { sketches, selfIp, wallMs: performance.now() - t0, cpu };
}

function fillIndex(index: RkmeIndex, n: number, sketches: Float32Array, selfIp: Float64Array, features: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    index.addEntry({ id: idOf(i), dim: D, gamma: GAMMA, sketch: sketches.subarray(i * features, (i + 1) * features), selfInnerProduct: selfIp[i]! });
  }
  index.train();
  return performance.now() - t0;
}

/** Exact MMD² of `user` to learnwares `nums` (wasm batch when available). */
function exactDists(
  read: (nums: readonly number[]) => RKMETableSpecification[],
  user: RKMETableSpecification,
  nums: readonly number[],
  selfIp: Float64Array,
  cache?: RKMETableSpecification[],
): Float64Array {
  const specs = cache ? nums.map((i) => cache[i]!) : read(nums);
  const uu = user.innerProduct(user);
  const cross = wasm.rbfWeightedSumsMany ? wasm.rbfWeightedSumsMany(specs, user) : Float64Array.from(specs, (s) => s.innerProduct(user));
  return Float64Array.from(nums, (i, j) => selfIp[i]! - 2 * cross[j]! + uu);
}

function topIds(nums: readonly number[], d: Float64Array, k: number): number[] {
  return [...nums.keys()]
    .sort((a, b) => d[a]! - d[b]! || nums[a]! - nums[b]!)
    .slice(0, k)
    .map((j) => nums[j]!);
}

interface SizeResult {
  [k: string]: unknown;
}

async function runSize(n: number): Promise<SizeResult> {
  const shape = marketShape(n);
  log(`n=${n}: building sketches (${WORKERS} workers, D=${FEATURES})`);
  const rssBefore = process.memoryUsage().rss;
  const built = await cachedEntries(shape, FEATURES);
  const index = new RkmeIndex({ features: FEATURES, autoTrain: false });
  const insertMs = fillIndex(index, n, built.sketches, built.selfIp, FEATURES);
  const selfIp = built.selfIp;
  const serialized = index.serialize();
  const stats = index.stats();
  log(
    `n=${n}: build wall ${(built.wallMs / 1000).toFixed(1)} s + insert/train ${(insertMs / 1000).toFixed(1)} s; ${stats.map((s) => `${s.size} specs, ivf ${s.ivfLists}`).join()}`,
  );

  // Cache the specs in memory only for small markets (the exact scan needs them all).
  const read = openSpecFile(specFileOf(shape));
  const cache = n <= 20000 ? read(Array.from({ length: n }, (_, i) => i)) : undefined;
  const members: number[][] = Array.from({ length: shape.tasks }, () => []);
  for (let i = 0; i < n; i++) members[taskOf(shape, i)]!.push(i);
  const users = Array.from({ length: USERS }, (_, u) => userSpec(shape, 1_000_000 + u));
  // The index path's fetch reads the candidates' records from the spec file (never the in-memory cache).
  const fetchSpecs = (ids: readonly string[]) => read(ids.map(numberOf));

  // Ground truth (task members ∪ 2 000 nearest by a full sketch scan), exact MMD².
  log(`n=${n}: ground truth for ${USERS} users`);
  const gtPath = join(resultsDir, "tmp", `index-gt-${n}-s${shape.seed}-D${FEATURES}-u${USERS}.json`);
  let gt: number[][] = [];
  let gtMs: number;
  if (!args.has("rebuild") && existsSync(gtPath)) {
    ({ gt, gtMs } = JSON.parse(readFileSync(gtPath, "utf8")) as { gt: number[][]; gtMs: number });
  } else {
    const tGt = performance.now();
    users.forEach((user, u) => {
      const pool = new Set<number>(userTasks(shape, 1_000_000 + u).flatMap((t) => members[t]!));
      for (const c of index.search(user, { topN: 2000, probeFraction: 1 })) pool.add(numberOf(c.id));
      const nums = [...pool];
      gt.push(topIds(nums, exactDists(read, user, nums, selfIp, cache), 5));
      if (u % 20 === 19) log(`  ground truth ${u + 1} / ${USERS}`);
    });
    gtMs = performance.now() - tGt;
    writeFileSync(gtPath, JSON.stringify({ gt, gtMs }));
  }
  let gtCheck: { users: number; top5_equal: number } | null = null;
  if (cache) {
    const checkUsers = Math.min(USERS, Number(args.get("gtCheck") ?? 40));
    log(`n=${n}: checking the ground truth against the full linear scan on ${checkUsers} users`);
    const all = Array.from({ length: n }, (_, i) => i);
    let eq = 0;
    for (let u = 0; u < checkUsers; u++) {
      const full = topIds(all, exactDists(read, users[u]!, all, selfIp, cache), 5);
      if (full.join() === gt[u]!.join()) eq++;
    }
    gtCheck = { users: checkUsers, top5_equal: eq };
  }

  // Recall of the candidate sets (the exact re-rank's top k = ground truth's top k iff these are in it).
  const recallAt = (topN: number, probeLists?: number) => {
    let r1 = 0,
      r5 = 0;
    const times: number[] = [];
    users.forEach((user, u) => {
      const t = performance.now();
      const c = new Set(index.search(user, { topN, ...(probeLists !== undefined ? { probeLists } : {}) }).map((x) => numberOf(x.id)));
      times.push(performance.now() - t);
      if (c.has(gt[u]![0]!)) r1++;
      r5 += gt[u]!.filter((i) => c.has(i)).length / 5;
    });
    return { topN, recall1: r1 / USERS, recall5: r5 / USERS, index_stage_p50_ms: pct(times, 0.5) };
  };
  const sweep = [25, 50, 100, 200].map((t) => recallAt(t));
  const ivf = index.stats()[0]!.ivfLists !== null;
  const fullScan = ivf ? recallAt(TOPN, Number.MAX_SAFE_INTEGER) : null;
  const probeSweep = ivf ? [1, 2, 4, 8, 16, 32].map((p) => ({ probeLists: p, ...recallAt(TOPN, p) })) : null;
  if (probeSweep) log(`n=${n}: recall vs probed lists ${JSON.stringify(probeSweep)}`);

  // End-to-end indexed search latency (greedy mixture, max 5).
  log(`n=${n}: timing indexed search (topN ${TOPN})`);
  const lat: number[] = [],
    fetchMs: number[] = [],
    stage: number[] = [];
  let top1Agree = 0,
    mixtures = 0;
  const timedFetch = (ids: readonly string[]) => {
    const t = performance.now();
    const r = fetchSpecs(ids);
    fetchMs.push(performance.now() - t);
    return r;
  };
  await indexedSearch(users[0]!, index, fetchSpecs, { topN: TOPN }); // warm-up
  for (let u = 0; u < USERS; u++) {
    const t = performance.now();
    const r = await indexedSearch(users[u]!, index, timedFetch, { topN: TOPN, maxSearchNum: 5, method: "greedy" });
    lat.push(performance.now() - t);
    if (r.path !== "index") throw new Error(`Expected the index path, got ${r.path}`);
    if (r.single[0]?.id === idOf(gt[u]![0]!)) top1Agree++;
    if (r.multiple) mixtures++;
  }
  for (let u = 0; u < USERS; u++) {
    const t = performance.now();
    index.search(users[u]!, { topN: TOPN });
    stage.push(performance.now() - t);
  }
  const noFetch = lat.map((l, i) => l - fetchMs[i]!);

  // Exact linear scan (specs in memory, self inner products precomputed) on a few users.
  let exact: { p50_ms: number; users: number } | null = null;
  if (cache) {
    const market = cache.map((spec, i) => ({ id: idOf(i), spec }));
    const selfMap = new Map(market.map((m, i) => [m.id, selfIp[i]!]));
    const times: number[] = [];
    const k = Number(args.get("exactUsers") ?? 5);
    for (let u = 0; u < k; u++) {
      const t = performance.now();
      searchStatistical(users[u]!, market, { maxSearchNum: 5, method: "greedy", selfInnerProducts: selfMap });
      times.push(performance.now() - t);
    }
    exact = { p50_ms: pct(times, 0.5), users: k };
  }
  const mem = process.memoryUsage();
  const main = recallAt(TOPN);
  const res: SizeResult = {
    n,
    tasks: shape.tasks,
    users: USERS,
    features: FEATURES,
    topN: TOPN,
    backend: backend.name,
    build: {
      wall_s: built.wallMs / 1000,
      workers: WORKERS,
      cpu_s: { spec_generation: built.cpu.genMs / 1000, self_inner_products: built.cpu.selfMs / 1000, sketches: built.cpu.sketchMs / 1000 },
      insert_and_train_s: insertMs / 1000,
      index_build_s_excluding_generation: (built.cpu.selfMs + built.cpu.sketchMs) / 1000 / WORKERS + insertMs / 1000,
    },
    size: {
      index_bytes: stats.reduce((s, b) => s + b.bytes, 0),
      serialized_bytes: serialized.length,
      bytes_per_spec: serialized.length / n,
      ivf_lists: stats[0]!.ivfLists,
    },
    latency_ms: {
      p50: pct(lat, 0.5),
      p99: pct(lat, 0.99),
      mean: lat.reduce((a, b) => a + b, 0) / lat.length,
      excluding_fetch: { p50: pct(noFetch, 0.5), p99: pct(noFetch, 0.99) },
      fetch: { p50: pct(fetchMs, 0.5), p99: pct(fetchMs, 0.99) },
      index_stage: { p50: pct(stage, 0.5), p99: pct(stage, 0.99) },
    },
    recall: { recall1: main.recall1, recall5: main.recall5, top1_single_agrees: top1Agree / USERS, with_mixture: mixtures / USERS },
    recall_vs_topN: sweep,
    recall_full_scan_no_ivf: fullScan,
    recall_vs_probe_lists: probeSweep,
    exact_linear_scan: exact,
    speedup_vs_exact: exact ? exact.p50_ms / pct(lat, 0.5) : null,
    ground_truth: { seconds: gtMs / 1000, check: gtCheck },
    memory_mb: {
      rss: mem.rss / 2 ** 20,
      rss_growth: (mem.rss - rssBefore) / 2 ** 20,
      heap_used: mem.heapUsed / 2 ** 20,
      array_buffers: mem.arrayBuffers / 2 ** 20,
    },
    load_average: (await import("node:os")).loadavg(),
  };
  log(JSON.stringify(res));
  writeFileSync(join(resultsDir, `index-${n}${FEATURES !== 256 ? `-D${FEATURES}` : ""}.json`), JSON.stringify(res, null, 2) + "\n");
  return res;
}

// `--report`: only rewrite index.md from the JSON results.
if (!args.has("report")) for (const n of sizes) await runSize(n);
writeMarkdown();

function writeMarkdown(): void {
  const files = readdirSync(resultsDir).filter((f) => /^index-\d+(-D\d+)?\.json$/.test(f));
  const rows = files
    .map((f) => JSON.parse(readFileSync(join(resultsDir, f), "utf8")) as Record<string, any>)
    .sort((a, b) => a.n - b.n || a.features - b.features);
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    "# RKME index benchmark",
    "",
    "Synthetic clustered markets (K = 100, d = 20, γ = 0.1, √n tasks), 200 user specs, greedy mixture (max 5).",
    "Latency is end to end (index candidates → fetch by id → exact re-rank + mixture); the fetch reads the",
    "candidates' records from the spec file. Recall is on ids against the exact search. Build = specs generated,",
    "written, sketched (2 workers) + inserted and the inverted file trained.",
    "",
    "| n | D | topN | build (s, wall) | index MB | process RSS MB | p50 ms | p99 ms | p50 excl. fetch | index stage p50 | recall@1 | recall@5 | exact scan p50 | speed-up |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.n} | ${r.features} | ${r.topN} | ${f(r.build.wall_s + r.build.insert_and_train_s)} | ${f(r.size.serialized_bytes / 2 ** 20)} | ${f(r.memory_mb.rss, 0)} | ${f(r.latency_ms.p50)} | ${f(r.latency_ms.p99)} | ${f(r.latency_ms.excluding_fetch.p50)} | ${f(r.latency_ms.index_stage.p50, 2)} | ${f(r.recall.recall1, 3)} | ${f(r.recall.recall5, 3)} | ${r.exact_linear_scan ? f(r.exact_linear_scan.p50_ms) : "–"} | ${r.speedup_vs_exact ? f(r.speedup_vs_exact) + "×" : "–"} |`,
    ),
    "",
    "Process RSS is the whole benchmark process at the end of a size (the market's sketches as built, the index, a",
    "serialized snapshot and the ground-truth state); the index itself is the `index MB` column.",
    "",
    "Recall against topN (candidates re-ranked exactly):",
    "",
    "| n | D | " + [25, 50, 100, 200].map((t) => `topN ${t} r@1 / r@5`).join(" | ") + " |",
    "|---:|---:|" + "---:|".repeat(4),
    ...rows.map((r) => `| ${r.n} | ${r.features} | ` + r.recall_vs_topN.map((s: any) => `${f(s.recall1, 3)} / ${f(s.recall5, 3)}`).join(" | ") + " |"),
    "",
    "Recall and index-stage latency against the inverted-file lists probed (topN 100; default 8):",
    "",
    "| n | D | lists | " + [1, 2, 4, 8, 16, 32].map((p) => `${p} probed: r@1 / r@5 / ms`).join(" | ") + " | full sketch scan |",
    "|---:|---:|---:|" + "---:|".repeat(7),
    ...rows
      .filter((r) => r.recall_vs_probe_lists)
      .map(
        (r) =>
          `| ${r.n} | ${r.features} | ${r.size.ivf_lists} | ` +
          r.recall_vs_probe_lists.map((s: any) => `${f(s.recall1, 3)} / ${f(s.recall5, 3)} / ${f(s.index_stage_p50_ms, 1)}`).join(" | ") +
          ` | ${f(r.recall_full_scan_no_ivf.recall1, 3)} / ${f(r.recall_full_scan_no_ivf.recall5, 3)} / ${f(r.recall_full_scan_no_ivf.index_stage_p50_ms, 1)} |`,
      ),
    "",
  ];
  writeFileSync(join(resultsDir, "index.md"), lines.join("\n"));
}
