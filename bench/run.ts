/**
 * The benchmark harness: `npm run bench` (= `node --import tsx bench/run.ts`).
 *
 *   --only=generation,search,kernels,rss,server,rotation,upload   workloads to run (default: all)
 *   --readme                            also put the report into README.md's performance section (between its bench markers)
 *   --server-market=N                   catalogue size of the responsiveness bench (default 10000)
 *   --runs=N                            timed runs per measurement (default 5, after a warm-up)
 *   --quick                             smaller sizes (a smoke run, not for quoting)
 *   --no-reference                      skip the plain TypeScript backend where it is slow
 *   --no-original                       skip the original (the Python package's algorithms as they are, once per case)
 *
 * Writes bench/results/<timestamp>.json, bench/results/latest.json and bench/results/latest.md
 * (median of the runs, min–max, ratio = numpy median / our median, machine description).
 * numpy runs in one long-lived python process and its runs alternate with ours, so both sides
 * see the same machine load.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { referenceBackend } from "../core/kernel/reference.ts";
import { createWasmBackend } from "../wasm/mod.ts";
import { enableRelaxedSimd } from "../wasm/nodeRelaxed.ts";
import { describeMachine, findPython, NumpyServer, resultsDir, type BenchContext, type ResultRow } from "./_lib.ts";
import { benchGeneration } from "./generation.ts";
import { benchKernels } from "./kernels.ts";
import { benchSearch } from "./search.ts";
import { benchRss } from "./rss.ts";
import { renderMarkdown, type BenchResult } from "./report.ts";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { extraBackends, type BenchBackend } from "./extraBackends.ts";

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k!, v ?? "true"] as const;
  }),
);
const only = new Set((args.get("only") ?? "generation,search,kernels,rss,server,rotation,upload").split(","));
const runs = Number(args.get("runs") ?? 5);
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got ${args.get("runs")}`);
const python = findPython();
const ctx: BenchContext = {
  runs,
  quick: args.has("quick"),
  python,
  numpy: new NumpyServer(python),
  original: !args.has("no-original"),
  log: (m) => process.stderr.write(`[bench] ${m}\n`),
};

const relaxed = enableRelaxedSimd(); // Node 20: turns V8's relaxed-SIMD flag on; both builds are measured
const wasm = await createWasmBackend({ relaxed: false });
const withRef = !args.has("no-reference");
const backends: BenchBackend[] = [
  ...(withRef ? [{ impl: "ts-reference", backend: referenceBackend, f64: true }] : []),
  { impl: "wasm-simd", backend: wasm, f64: true },
];
backends.push(...(await extraBackends(relaxed)));

const machine = await describeMachine(ctx);
ctx.log(`machine: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage.join(" ")}`);
const started = new Date();
const rows: ResultRow[] = [];
if (only.has("kernels")) rows.push(...(await benchKernels(ctx, backends)));
if (only.has("generation")) rows.push(...(await benchGeneration(ctx, backends, wasm)));
if (only.has("search"))
  rows.push(
    ...(await benchSearch(
      ctx,
      backends.filter((b) => b.f64),
    )),
  );
if (only.has("rss")) rows.push(...benchRss(ctx));
// The server and runner benches run as their own processes (a server child, sandboxed workers) and write their own results.
const sub: BenchResult["sub"] = {};
if (only.has("server")) {
  const market = Number(args.get("server-market") ?? (ctx.quick ? 2000 : 10000));
  sub.responsiveness = runChild(
    ctx,
    "server/responsiveness.ts",
    ["--market", String(market), "--only", "pool", "--seconds", ctx.quick ? "5" : "20"],
    market === 10000 ? "responsiveness" : `responsiveness-${market}`,
  );
}
if (only.has("rotation")) sub.rotation = runChild(ctx, "runner/rotation.ts", ctx.quick ? ["--rounds", "1"] : [], "rotation");
if (only.has("upload")) sub.upload = runChild(ctx, "server/upload.ts", ["--mb", ctx.quick ? "32" : "128", "--runs", String(ctx.quick ? 2 : runs)], "upload");
for (const b of backends) (b.backend as { close?: () => void }).close?.();
ctx.numpy.close();
const result = {
  started: started.toISOString(),
  seconds: (Date.now() - started.getTime()) / 1000,
  runs,
  quick: ctx.quick,
  machine: { ...machine, loadAverageAtEnd: (await import("node:os")).loadavg().map((x) => Math.round(x * 100) / 100) },
  rows,
  sub,
};
mkdirSync(resultsDir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, "-");
const json = JSON.stringify(result, null, 2);
writeFileSync(join(resultsDir, `${stamp}.json`), json);
writeFileSync(join(resultsDir, "latest.json"), json);
const md = renderMarkdown(result);
writeFileSync(join(resultsDir, "latest.md"), md);
process.stdout.write(md);
if (args.has("readme")) {
  const readme = join(resultsDir, "..", "..", "README.md");
  const text = readFileSync(readme, "utf8");
  const start = "<!-- bench:start (generated by `npm run bench -- --readme`) -->",
    end = "<!-- bench:end -->";
  const a = text.indexOf(start),
    b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${start} … ${end} section`);
  const body = md
    .replace(/^# Benchmark results\n/, "")
    .replace(/^(#+) /gm, "$1# ")
    .trim();
  writeFileSync(readme, `${text.slice(0, a + start.length)}\n\n${body}\n\n${text.slice(b)}`);
  ctx.log("README.md performance section regenerated");
}

/** Runs `bench/<script>` in its own Node process; its JSON and markdown results (bench/results/<stem>.*), or null if it failed. */
function runChild(c: BenchContext, script: string, argv: string[], stem: string): { json: unknown; md: string } | null {
  c.log(`${script} ${argv.join(" ")}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join("bench", script), ...argv], {
    stdio: ["ignore", "ignore", "inherit"],
    cwd: join(resultsDir, "..", ".."),
  });
  if (r.status !== 0) {
    c.log(`${script} failed (exit ${r.status})`);
    return null;
  }
  return { json: JSON.parse(readFileSync(join(resultsDir, `${stem}.json`), "utf8")), md: readFileSync(join(resultsDir, `${stem}.md`), "utf8") };
}
