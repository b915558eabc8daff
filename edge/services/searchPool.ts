/**
 * Where the server's heavy search work runs, and how much of it is admitted at once.
 *
 * `SearchExecutor` runs `SearchTask`s: `createPiscinaExecutor` (`searchPoolNode.ts`, Node only)
 * on a pool of worker threads (each with the wasm kernels), so the event loop only routes
 * requests and merges results; `inProcessExecutor` on the calling thread (Deno, edge runtimes,
 * or `LW_SEARCH_THREADS=0`). This file imports nothing of Node's: edge runtimes bundle it.
 *
 * `AdmissionGate` bounds concurrent heavy searches and their queue: past the queue a search
 * fails at once with `BUSY` (503 + `Retry-After`) instead of piling up; authenticated
 * searches are served before anonymous ones (`low` priority), and anonymous ones have a
 * smaller share of the queue.
 */
import { LearnwareError } from "../../core/errors.ts";
import { runSearchTask, type SearchTask, type TaskResult } from "./searchTasks.ts";

export interface SearchExecutor {
  /** Threads that run tasks at once (1 for the in-process executor). */
  readonly threads: number;
  readonly kind: "workers" | "in-process";
  run<T extends SearchTask>(task: T): Promise<TaskResult<T>>;
  close(): Promise<void>;
}

/** Runs every task on the calling thread (blocking it for the task's duration). */
export function inProcessExecutor(): SearchExecutor {
  return {
    threads: 1,
    kind: "in-process",
    run: async (task) => runSearchTask(task),
    close: async () => {},
  };
}

export interface AdmissionOptions {
  /** Heavy searches running at once. */
  concurrency: number;
  /** Searches waiting beyond those; more get `BUSY`. */
  queue: number;
  /** Of the queue, at most this many anonymous searches (default half of it, at least 1). */
  anonymousQueue?: number;
}

interface Waiter {
  resolve(release: () => void): void;
}

/**
 * A counting semaphore with two FIFO queues (authenticated first) and bounded waiting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AdmissionGate } from "./searchPool.ts";
 * const gate = new AdmissionGate({ concurrency: 2, queue: 8 });
 * const release = await gate.enter("high");
 * assert.equal(gate.active, 1);
 * release();
 * assert.equal(gate.active, 0);
 * ```
 */
export class AdmissionGate {
  readonly options: Required<AdmissionOptions>;
  #active = 0;
  #high: Waiter[] = [];
  #low: Waiter[] = [];
  /** Exponential moving average of a search's duration (ms), for `Retry-After`. */
  #avgMs = 500;

  constructor(options: AdmissionOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError(`Search concurrency must be at least 1, got ${options.concurrency}`);
    this.options = { anonymousQueue: Math.max(1, Math.floor(options.queue / 2)), ...options };
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#high.length + this.#low.length;
  }

  /** Seconds a refused client should wait: the queue ahead of it, drained at the measured pace. */
  retryAfterSeconds(): number {
    const waves = (this.queued + this.#active) / this.options.concurrency;
    return Math.max(1, Math.ceil((waves * this.#avgMs) / 1000));
  }

  /** Waits for a slot (FIFO per priority, high first); throws `BUSY` when the queue is full. */
  async enter(priority: "high" | "low"): Promise<() => void> {
    const { concurrency, queue, anonymousQueue } = this.options;
    if (this.#active < concurrency && this.queued === 0) return this.#grant();
    if (this.queued >= queue || (priority === "low" && this.#low.length >= anonymousQueue)) {
      const retry = this.retryAfterSeconds();
      throw new LearnwareError("BUSY", `The server is busy with other searches (${this.#active} running, ${this.queued} waiting); retry in ${retry} s`, {
        retryAfterSeconds: retry,
      });
    }
    return new Promise((resolve) => (priority === "high" ? this.#high : this.#low).push({ resolve }));
  }

  /** Runs `fn` inside a slot. */
  async run<T>(priority: "high" | "low", fn: () => Promise<T>): Promise<T> {
    const release = await this.enter(priority);
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.#avgMs = 0.8 * this.#avgMs + 0.2 * (performance.now() - t0);
      release();
    }
  }

  #grant(): () => void {
    this.#active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#active--;
      const next = this.#high.shift() ?? this.#low.shift();
      if (next) next.resolve(this.#grant());
    };
  }
}
