/**
 * Node `--import` preload: installs the wasm SIMD kernel backend before any test or program
 * module runs, so a suite can be run a second time under wasm unchanged:
 *
 * ```sh
 * node --import tsx --import ./wasm/preload.ts --test test/conformance/*.test.ts
 * ```
 *
 * `LW_KERNEL_BACKEND` picks: `auto` (default: wasm SIMD, reference fallback), `wasm` (fail
 * loudly instead of falling back), `parallel` (the shared-memory backend on every core; its
 * helper threads are unref'd, so they never keep a process alive) or `reference`.
 */
import { installWasmBackend, createWasmBackend } from "./mod.ts";
import { createParallelWasmBackend } from "./parallel.ts";
import { setKernelBackend } from "../core/kernel/backend.ts";

const choice = process.env.LW_KERNEL_BACKEND ?? "auto";
if (choice === "wasm") {
  setKernelBackend(await createWasmBackend());
} else if (choice === "parallel") {
  setKernelBackend(await createParallelWasmBackend());
} else if (choice !== "reference") {
  await installWasmBackend();
}
