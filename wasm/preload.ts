/**
 * Node `--import` preload: installs the wasm SIMD kernel backend before any test or program
 * module runs, so a suite can be run a second time under wasm unchanged:
 *
 * ```sh
 * node --import tsx --import ./wasm/preload.ts --test test/conformance/*.test.ts
 * ```
 *
 * `LW_KERNEL_BACKEND` picks: `auto` (default: the shared-memory backend on every core when
 * there are two or more and shared memory works, else wasm SIMD on one thread, else the
 * TypeScript reference), `wasm` (one thread; fail loudly instead of falling back),
 * `parallel` (the shared-memory backend, failing loudly where it cannot run) or `reference`.
 * The parallel backend's results are bit-identical to one thread's (`wasm/parallel.test.ts`);
 * its helper threads are unref'd, so they never keep a process alive. The relaxed-SIMD (FMA)
 * build loads where the engine has relaxed SIMD (Node 20: the flag is turned on here);
 * `LW_WASM_RELAXED=0` keeps the plain build.
 */
import { availableParallelism } from "node:os";
import { createWasmBackend } from "./mod.ts";
import { createParallelWasmBackend, installParallelWasmBackend } from "./parallel.ts";
import { setKernelBackend } from "../core/kernel/backend.ts";
import { enableRelaxedSimd, relaxedOption } from "./nodeRelaxed.ts";
import "./nativeCrc32.ts"; // zip checks with Node's native CRC-32

enableRelaxedSimd(); // the FMA build where the engine has relaxed SIMD (Node 20: behind a flag)
const choice = process.env.LW_KERNEL_BACKEND ?? "auto";
if (choice === "wasm") {
  setKernelBackend(await createWasmBackend(relaxedOption()));
} else if (choice === "parallel") {
  setKernelBackend(await createParallelWasmBackend(relaxedOption()));
} else if (choice !== "reference") {
  await installParallelWasmBackend({ threads: Math.min(8, availableParallelism()), ...relaxedOption() });
}
