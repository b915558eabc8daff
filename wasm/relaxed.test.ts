/**
 * Both builds of the kernels pass the same suites: this run tests the build the runtime picks
 * (relaxed SIMD where it validates, else the plain one); this file runs the kernel, parallel,
 * k-means and f32 suites again in a child Node with the other build forced
 * (`LW_TEST_WASM_BUILD`), adding `--experimental-wasm-relaxed-simd` where the runtime needs the
 * flag for relaxed SIMD (Node 20). Also: the runtime choice follows the feature probe.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createWasmBackend, wasmRelaxedSimdSupported } from "./mod.ts";
import { createParallelWasmBackend, parallelSupported } from "./parallel.ts";

const suites = ["kernels.test.ts", "parallel.test.ts", "kmeans.test.ts", "f32.test.ts"].map((f) => fileURLToPath(new URL(f, import.meta.url)));

test("the default build follows the relaxed-SIMD probe, one and many threads alike", async () => {
  const one = await createWasmBackend();
  assert.equal(one.relaxed, wasmRelaxedSimdSupported());
  if (parallelSupported()) {
    const many = await createParallelWasmBackend({ threads: 2 });
    assert.equal(many.relaxed, one.relaxed);
    many.close();
  }
  const plain = await createWasmBackend({ relaxed: false });
  assert.equal(plain.relaxed, false);
  if (!wasmRelaxedSimdSupported()) await assert.rejects(createWasmBackend({ relaxed: true }), /relaxed SIMD is not supported/);
});

test("the other build passes the kernel suites in a child process", () => {
  const other = wasmRelaxedSimdSupported() ? "plain" : "relaxed";
  const flags = other === "relaxed" ? ["--experimental-wasm-relaxed-simd"] : [];
  const env: NodeJS.ProcessEnv = { ...process.env, LW_TEST_WASM_BUILD: other };
  delete env.NODE_TEST_CONTEXT; // a child test run of its own, not a subtest of this one
  const r = spawnSync(process.execPath, [...flags, "--import", "tsx", "--test", "--test-reporter=tap", ...suites], {
    env,
    encoding: "utf8",
    timeout: 300_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const pass = Number(/^# pass (\d+)/m.exec(out)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)/m.exec(out)?.[1] ?? -1);
  assert.equal(r.status, 0, `the ${other} build failed:\n${out.slice(-4000)}`);
  assert.equal(fail, 0, out.slice(-4000));
  assert.ok(pass >= 20, `only ${pass} tests passed:\n${out.slice(-2000)}`);
});
