/**
 * The Node server's search threads: a piscina pool behind the `SearchExecutor` interface
 * (`searchPool.ts`). Node only (worker threads, file paths), so `createApp()` never imports it:
 * the Node entry passes the executor in, and edge runtimes search on their own thread.
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { LearnwareError } from "../../core/errors.ts";
import type { SearchExecutor } from "./searchPool.ts";
import { type SearchTask, type TaskResult, unwrapTaskResult } from "./searchTasks.ts";

/** A piscina pool of `threads` search workers (started at once, so no search pays a start-up). */
export async function createPiscinaExecutor(threads = Math.max(1, Math.min(8, availableParallelism())), taskTimeoutMs = 120_000): Promise<SearchExecutor> {
  const { Piscina } = await import("piscina");
  const pool = new Piscina({
    // A path, not a URL: the worker then loads through the same TypeScript loader as this thread.
    filename: fileURLToPath(new URL("./searchWorker.ts", import.meta.url)),
    minThreads: threads,
    maxThreads: threads,
    // The queue is unbounded here: admission control (AdmissionGate) bounds the searches.
    idleTimeout: Infinity,
  });
  // A worker that fails outside a task (e.g. at load) must not take the server down; the
  // task that needed it is rejected and piscina starts another.
  pool.on("error", () => {});
  return {
    threads,
    kind: "workers",
    // A bound on every task: a worker that cannot start (or a runaway task) fails the search
    // instead of leaving it waiting forever.
    run: async <T extends SearchTask>(task: T) => {
      try {
        return unwrapTaskResult<TaskResult<T>>(await pool.run(task, { signal: AbortSignal.timeout(taskTimeoutMs) }));
      } catch (err) {
        if ((err as Error)?.name === "AbortError" || (err as Error)?.name === "TimeoutError") {
          throw new LearnwareError("UNAVAILABLE", `A search task did not finish within ${taskTimeoutMs} ms`);
        }
        throw err;
      }
    },
    close: () => pool.destroy(),
  };
}
