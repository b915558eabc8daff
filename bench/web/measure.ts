/**
 * Measures the time to build an RKME in the browser for a 10k×20 CSV (K=100, seed 0, the
 * defaults of the page and the CLI): the real page in Debian's Chromium against the real
 * server, five runs after one warm-up; the worker's own clock (`performance.now()` around
 * `RKMETableSpecification.generate`) and the wall time from the click. For comparison the
 * same generation in Node with the TypeScript reference and with the wasm kernels.
 *
 *   node --import tsx bench/web/measure.ts [--runs 5]
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setKernelBackend } from "../../core/kernel/backend.ts";
import { referenceBackend } from "../../core/kernel/reference.ts";
import { createRng } from "../../core/random.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { parseCsvTable, selectColumns } from "../../web/src/csv.ts";
import { installWasmBackend } from "../../wasm/mod.ts";
import { launch, startE2eServer } from "../../test/e2e/_browser.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);
const n = 10_000,
  d = 20;
const rng = createRng(11);
const lines = [Array.from({ length: d }, (_, j) => `x${j}`).join(",")];
for (let i = 0; i < n; i++) lines.push(Array.from({ length: d }, (_, j) => ((i % 4) * ((j % 3) - 1) + rng.normal()).toFixed(5)).join(","));
const csv = lines.join("\n") + "\n";
const dir = await mkdtemp(join(tmpdir(), "lw-measure-"));
const path = join(dir, "10k x 20.csv");
await writeFile(path, csv);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const server = await startE2eServer();
const b = await launch(server.url);
const worker: number[] = [],
  wall: number[] = [];
let status = "";
try {
  const p = b.page;
  await p.goto("/");
  await p.setInputFiles("#csv-input", path);
  await p.waitForFunction(() => /10,000 rows/.test(document.querySelector("#preview-summary")?.textContent ?? ""));
  for (let r = 0; r <= runs; r++) {
    await p.evaluate(() => document.querySelector("#gen-status")?.removeAttribute("data-ms"));
    await p.click("#generate");
    await p.waitForSelector("#gen-status[data-ms]", { timeout: 120_000 });
    status = (await p.textContent("#gen-status")) ?? "";
    if (r === 0) continue; // warm-up: wasm compile, JIT
    worker.push(Number(await p.getAttribute("#gen-status", "data-ms")));
    wall.push(Number(await p.getAttribute("#gen-status", "data-wall-ms")));
  }
} finally {
  await b.close();
  await server.close();
}

const X = selectColumns(
  parseCsvTable(csv, "x.csv", csv.length),
  Array.from({ length: d }, (_, j) => j),
);
const node = async (label: string) => {
  const ts: number[] = [];
  for (let r = 0; r <= Math.min(runs, 3); r++) {
    const t0 = performance.now();
    RKMETableSpecification.generate(X, { K: 100, seed: 0 });
    if (r > 0) ts.push(performance.now() - t0);
  }
  return `${label}: median ${Math.round(median(ts))} ms`;
};
setKernelBackend(referenceBackend);
const ref = await node("Node, TypeScript reference");
const wasm = await installWasmBackend();
const nodeWasm = await node(`Node, ${wasm.name}`);
await rm(dir, { recursive: true, force: true });
console.log(`10k×20 CSV (${(csv.length / 1048576).toFixed(1)} MiB), K=100, seed 0, ${runs} runs after a warm-up`);
console.log(
  `Chromium page, in the worker: median ${Math.round(median(worker))} ms (min ${Math.round(Math.min(...worker))}, max ${Math.round(Math.max(...worker))})`,
);
console.log(`Chromium page, click to spec: median ${Math.round(median(wall))} ms`);
console.log(`last status: ${status}`);
console.log(ref);
console.log(nodeWasm);
