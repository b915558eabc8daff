/**
 * Why generation runs k-means on max(1000, 20·K) rows: the MMD² of the generated spec to the
 * data against the number of rows k-means sees (the β solve and Z steps always use all rows).
 *
 * `node --import tsx bench/kmeansRows.ts` prints a markdown table of `βᵀKβ − 2βᵀC` (MMD² minus
 * the data's own term: lower is better, differences are differences of MMD²) and the time,
 * for Gaussian-mixture data (bench/_lib.ts) and two seeds, on the two-thread wasm backend.
 */
import { setKernelBackend } from "../core/kernel/backend.ts";
import type { Matrix } from "../core/matrix.ts";
import { generateRkme } from "../core/spec/generateRkme.ts";
import { createParallelWasmBackend } from "../wasm/parallel.ts";
import { gaussianMixture } from "./_lib.ts";

const backend = await createParallelWasmBackend();
setKernelBackend(backend);
const gamma = 0.1,
  K = 100;

function objective(z: Matrix, beta: Float64Array, X: Matrix): number {
  const C = new Float64Array(z.rows);
  backend.rbfRowSumsInto(C, z, X, new Float64Array(X.rows).fill(1 / X.rows), gamma);
  let lin = 0;
  for (let i = 0; i < z.rows; i++) lin += beta[i]! * C[i]!;
  return backend.rbfWeightedSum(z, beta, z, beta, gamma) - 2 * lin;
}

console.log("| data | k-means rows | βᵀKβ − 2βᵀC, seed 7 / 8 | time (ms), seed 7 / 8 |");
console.log("|---|---:|---:|---:|");
for (const [n, d] of [
  [100000, 5],
  [100000, 20],
  [100000, 50],
  [10000, 50],
] as const) {
  const X = gaussianMixture(n, d, n + d);
  for (const rows of [20000, 5000, 2000, 1000]) {
    if (rows > n) continue;
    const objs: string[] = [],
      times: string[] = [];
    for (const seed of [7, 8]) {
      const t0 = performance.now();
      const r = generateRkme(X, { K, gamma, seed, kmeansMaxRows: rows });
      times.push((performance.now() - t0).toFixed(0));
      objs.push(objective(r.z, r.beta, X).toFixed(5));
    }
    console.log(`| ${n / 1000}k×${d} | ${rows}${rows === Math.max(1000, 20 * K) ? " (default)" : ""} | ${objs.join(" / ")} | ${times.join(" / ")} |`);
  }
}
backend.close();
