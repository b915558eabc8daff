/**
 * k-means and spec generation under the wasm backend give the same bits as under the
 * TypeScript reference: the squared distances agree bit for bit, and k-means only compares
 * and sums them in a fixed order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setKernelBackend } from "../core/kernel/backend.ts";
import { referenceBackend } from "../core/kernel/reference.ts";
import { kmeans } from "../core/kmeans/kmeans.ts";
import { matrix } from "../core/matrix.ts";
import { createRng } from "../core/random.ts";
import { createWasmBackend } from "./mod.ts";
import { createParallelWasmBackend } from "./parallel.ts";

/** `LW_TEST_WASM_BUILD=relaxed|plain` picks the build under test (default: the runtime's choice; wasm/relaxed.test.ts runs the other). */
const build = process.env.LW_TEST_WASM_BUILD === "relaxed" ? { relaxed: true } : process.env.LW_TEST_WASM_BUILD === "plain" ? { relaxed: false } : {};

function data(n: number, d: number, seed: number) {
  const rng = createRng(seed),
    X = matrix(n, d);
  for (let i = 0; i < n; i++) {
    const c = i % 7;
    for (let j = 0; j < d; j++) X.data[i * d + j] = 3 * ((c * 31 + j * 7) % 5) + rng.normal();
  }
  return X;
}

test("k-means: wasm (one and two threads) and the reference give the same bits", async () => {
  const backends = [await createWasmBackend(build), await createParallelWasmBackend({ threads: 2, minWork: 1, ...build })];
  try {
    for (const [n, d, k] of [
      [3000, 4, 30],
      [2500, 40, 60],
    ] as const) {
      const X = data(n, d, n + d);
      const prev = setKernelBackend(referenceBackend);
      const ref = kmeans(X, k, { seed: 3 });
      for (const be of backends) {
        setKernelBackend(be);
        const r = kmeans(X, k, { seed: 3 });
        assert.equal(r.iterations, ref.iterations, `${be.name} ${n}x${d}: iterations`);
        assert.deepEqual(Array.from(r.labels), Array.from(ref.labels), `${be.name} ${n}x${d}: labels`);
        assert.ok(
          r.centers.data.every((v, i) => Object.is(v, ref.centers.data[i])),
          `${be.name} ${n}x${d}: centres`,
        );
        assert.ok(Object.is(r.inertia, ref.inertia), `${be.name} ${n}x${d}: inertia`);
      }
      setKernelBackend(prev);
    }
  } finally {
    setKernelBackend(referenceBackend);
    for (const be of backends) (be as { close?: () => void }).close?.();
  }
});
