/**
 * Generation of 1M×50 (f64) in a fresh process, reporting the peak resident set size:
 * `node --import tsx bench/rss1m.ts [--backend=wasm|parallel|reference] [--rows=N]`.
 * Prints one JSON line `{ rows, cols, seconds, maxRssMiB, backend }`. Run by run.ts.
 */
import { resourceUsage } from "node:process";
import { setKernelBackend } from "../core/kernel/backend.ts";
import { generateRkme } from "../core/spec/generateRkme.ts";
import { createWasmBackend } from "../wasm/mod.ts";
import { createParallelWasmBackend } from "../wasm/parallel.ts";
import { gaussianMixture } from "./_lib.ts";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const rows = Number(args.get("rows") ?? 1_000_000),
  cols = 50;
const kind = args.get("backend") ?? "wasm";
const backend = kind === "parallel" ? await createParallelWasmBackend() : kind === "wasm" ? await createWasmBackend() : null;
if (backend) setKernelBackend(backend);
const X = gaussianMixture(rows, cols, 4242);
const t = performance.now();
const spec = generateRkme(X, { K: 100, steps: 3, seed: 7 });
const seconds = (performance.now() - t) / 1000;
if (backend && "close" in backend) (backend as { close(): void }).close();
process.stdout.write(
  JSON.stringify({
    rows,
    cols,
    K: spec.z.rows,
    seconds,
    backend: backend?.name ?? "reference",
    maxRssMiB: Math.round(resourceUsage().maxRSS / 1024),
  }) + "\n",
);
