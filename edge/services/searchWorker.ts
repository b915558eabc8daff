/**
 * A search worker thread (piscina, `searchPool.ts`): the wasm SIMD kernels on this thread
 * (one thread each: the pool is the parallelism), then one `SearchTask` per call. Errors come
 * back as values (`{ taskError }`) and are rebuilt by code on the server's thread.
 */
import { setKernelBackend } from "../../core/kernel/backend.ts";
import { createWasmBackend, wasmSimdSupported } from "../../wasm/mod.ts";
import { relaxedOption } from "../../wasm/nodeRelaxed.ts";
import { runSearchTaskCaught, type SearchTask } from "./searchTasks.ts";

// LW_KERNEL_BACKEND=reference keeps the TypeScript reference here too (the server's choice).
// Installed on the first task: no top-level await, which tsx's loader rejects in worker threads.
let ready: Promise<void> | null = null;
async function install(): Promise<void> {
  if (process.env.LW_KERNEL_BACKEND !== "reference" && wasmSimdSupported()) setKernelBackend(await createWasmBackend(relaxedOption()));
}

export default async function searchTask(task: SearchTask): Promise<unknown> {
  await (ready ??= install());
  return runSearchTaskCaught(task);
}
