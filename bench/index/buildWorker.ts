/**
 * Build worker of the index benchmark: regenerates learnwares [start, end) of a synthetic
 * market, writes them to the spec file and returns their sketches and exact self inner
 * products (wasm backend), so the two cores build a large index in parallel.
 */
import { parentPort, workerData } from "node:worker_threads";
import { installWasmBackend } from "../../wasm/mod.ts";
import { getKernelBackend } from "../../core/kernel/backend.ts";
import type { WasmKernelBackend } from "../../wasm/mod.ts";
import { createFeatureMap } from "../../core/index/featureMap.ts";
import { sketchSpec } from "../../core/index/sketch.ts";
import { closeSync, openSync, writeSync } from "node:fs";
import { marketSpec, type MarketShape, D, GAMMA, RECORD_BYTES, writeSpecRecord } from "./market.ts";

/** `specFile`: the spec file (sized by the parent) this worker writes its records into. */
interface Job {
  shape: MarketShape;
  start: number;
  end: number;
  features: number;
  mapSeed: number;
  specFile: string;
}

await installWasmBackend();
const be = getKernelBackend() as Partial<WasmKernelBackend>;
const { shape, start, end, features, mapSeed, specFile } = workerData as Job;
const fd = openSync(specFile, "r+");
const map = createFeatureMap({ dim: D, gamma: GAMMA, features, seed: mapSeed });
const n = end - start;
const sketches = new Float32Array(n * features);
const selfIp = new Float64Array(n);
let sketchMs = 0,
  selfMs = 0,
  genMs = 0;
const batch = 256;
for (let b = start; b < end; b += batch) {
  const e = Math.min(end, b + batch);
  let t = performance.now();
  const specs = [];
  for (let i = b; i < e; i++) specs.push(marketSpec(shape, i));
  const records = new Uint8Array((e - b) * RECORD_BYTES);
  specs.forEach((s, j) => writeSpecRecord(s, records.subarray(j * RECORD_BYTES, (j + 1) * RECORD_BYTES)));
  writeSync(fd, records, 0, records.length, b * RECORD_BYTES);
  genMs += performance.now() - t;
  t = performance.now();
  const selfs = be.rbfSelfSumsMany ? be.rbfSelfSumsMany(specs) : Float64Array.from(specs, (s) => s.innerProduct(s));
  selfIp.set(selfs, b - start);
  selfMs += performance.now() - t;
  t = performance.now();
  specs.forEach((s, j) => sketchSpec(s, map, sketches.subarray((b - start + j) * features, (b - start + j + 1) * features)));
  sketchMs += performance.now() - t;
  if (((b - start) / batch) % 200 === 0) parentPort!.postMessage({ progress: b - start });
}
closeSync(fd);
parentPort!.postMessage({ done: true, sketches, selfIp, genMs, selfMs, sketchMs }, [sketches.buffer, selfIp.buffer]);
