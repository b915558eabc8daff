/**
 * Pre-warmed sandboxed workers, per environment: each is a worker process already started
 * inside its sandbox, interpreter up and the common imports done (the shim's `warm` op),
 * waiting for its `load` frame. A cold load (sandbox + interpreter + imports + model, a few
 * hundred ms to a second) becomes a hand-over plus the model's own load.
 *
 * Isolation is the cold path's: a warm worker is launched with the same sandbox, limits and
 * mounts, except that its `/learnware` is a fresh, empty staging folder of its own. On
 * `take`, the runner fills that folder with one learnware's files (hard links where the file
 * system allows, else copies; the mount is read-only inside) and the worker then loads it, so
 * it never sees any other learnware; the folder is removed when the worker exits. A worker is
 * used for one learnware only and the pool starts a replacement in the background.
 *
 * @example
 * ```ts ignore
 * const warm = new WarmPool({ dir: "/var/lib/lw/warm", perEnvironment: 1, imports: ["numpy"] });
 * const got = await warm.take("venv-abc", (staging) => spec(staging));   // null: none ready yet
 * ```
 */
import { randomUUID } from "node:crypto";
import { copyFile, link, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { WorkerProcess, type ExitInfo, type WorkerSpec } from "../worker/workerProcess.ts";

export interface WarmPoolOptions {
  /** Parent folder of the staging folders (one per warm worker, removed when it exits). */
  dir: string;
  /** Ready workers kept per environment (0 turns the pool off). */
  perEnvironment: number;
  /** Modules the shim imports while warming (missing ones are skipped). */
  imports: readonly string[];
  /** Milliseconds a warm-up may take before the worker is discarded. Default 60 000. */
  warmTimeoutMs?: number;
}

/** A warm worker handed over by `take`: `staging` is its `/learnware`, to be filled before `load`. */
export interface WarmWorker {
  worker: WorkerProcess;
  staging: string;
}

interface Slot {
  ready: Promise<WarmWorker | null>;
}

export interface WarmPoolMetrics {
  taken: number;
  misses: number;
  started: number;
  failed: number;
  ready: number;
}

export class WarmPool {
  readonly options: WarmPoolOptions;
  #slots = new Map<string, Slot[]>();
  #m = { taken: 0, misses: 0, started: 0, failed: 0 };
  #closed = false;
  #live = new Set<WorkerProcess>();

  constructor(options: WarmPoolOptions) {
    if (!Number.isInteger(options.perEnvironment) || options.perEnvironment < 0) {
      throw new RangeError(`perEnvironment must be a non-negative integer, got ${options.perEnvironment}`);
    }
    this.options = options;
  }

  /**
   * A ready worker for environment `key` (its spec built by `launch(staging)`), or null when
   * none is ready yet; either way the pool then keeps `perEnvironment` warming for `key`.
   */
  async take(key: string, launch: (staging: string) => WorkerSpec): Promise<WarmWorker | null> {
    if (this.#closed || this.options.perEnvironment === 0) return null;
    const slots = this.#slots.get(key) ?? [];
    this.#slots.set(key, slots);
    let got: WarmWorker | null = null;
    // the oldest slot first; a slot still warming is waited for only if it is the only hope
    while (slots.length > 0 && got === null) {
      const slot = slots.shift()!;
      const w = await slot.ready;
      if (w?.worker.alive) got = w;
      else if (w) w.worker.kill("closed");
    }
    this.#fill(key, launch);
    if (got) {
      this.#m.taken++;
      this.#live.delete(got.worker);
      park(got.worker, true);
    } else this.#m.misses++;
    return got;
  }

  /** Starts warming for `key` without taking (e.g. at start-up for known environments). */
  prime(key: string, launch: (staging: string) => WorkerSpec): void {
    if (this.#closed || this.options.perEnvironment === 0) return;
    if (!this.#slots.has(key)) this.#slots.set(key, []);
    this.#fill(key, launch);
  }

  metrics(): WarmPoolMetrics {
    let ready = 0;
    for (const s of this.#slots.values()) ready += s.length;
    return { ...this.#m, ready };
  }

  /** Kills every waiting worker (their staging folders go with them). */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#slots.values()].flat();
    this.#slots.clear();
    const ws = await Promise.all(all.map((s) => s.ready));
    await Promise.all(ws.map((w) => (w ? w.worker.close(500) : undefined)));
    for (const w of this.#live) w.kill("closed");
  }

  /** Consecutive failed warm-ups per environment: after 3 the pool stops warming it (loads launch as before). */
  #failures = new Map<string, number>();

  #fill(key: string, launch: (staging: string) => WorkerSpec): void {
    if ((this.#failures.get(key) ?? 0) >= 3) return;
    const slots = this.#slots.get(key)!;
    while (slots.length < this.options.perEnvironment)
      slots.push({
        ready: this.#start(launch).then((w) => {
          this.#failures.set(key, w ? 0 : (this.#failures.get(key) ?? 0) + 1);
          return w;
        }),
      });
  }

  async #start(launch: (staging: string) => WorkerSpec): Promise<WarmWorker | null> {
    const staging = join(this.options.dir, `warm-${randomUUID()}`);
    this.#m.started++;
    let worker: WorkerProcess | null = null;
    try {
      await mkdir(staging, { recursive: true, mode: 0o755 });
      const spec = launch(staging);
      const cleanup = spec.cleanup;
      worker = new WorkerProcess({
        ...spec,
        cleanup: async (info: ExitInfo) => {
          await rm(staging, { recursive: true, force: true });
          return cleanup ? cleanup(info) : undefined;
        },
      });
      this.#live.add(worker);
      await worker.call("warm", { modules: [...this.options.imports] }, { timeoutMs: this.options.warmTimeoutMs ?? 60_000 });
      if (this.#closed) {
        worker.kill("closed");
        return null;
      }
      park(worker, false); // a waiting worker does not keep the runner's process alive
      return { worker, staging };
    } catch {
      this.#m.failed++;
      if (worker) {
        this.#live.delete(worker);
        worker.kill("closed");
      } else await rm(staging, { recursive: true, force: true });
      return null;
    }
  }
}

/** Unrefs (`ref = false`) or refs a worker's process and pipes: a parked worker holds no event-loop reference. */
function park(w: WorkerProcess, ref: boolean): void {
  const c = w.child as { ref(): void; unref(): void; stdio: readonly unknown[] };
  if (ref) c.ref();
  else c.unref();
  for (const s of c.stdio) {
    const stream = s as { ref?: () => void; unref?: () => void } | null;
    if (ref) stream?.ref?.();
    else stream?.unref?.();
  }
}

/**
 * Fills `dst` (an existing, empty folder) with the tree at `src`: hard links where possible
 * (same file system; the sandbox mounts it read-only), copies otherwise.
 */
export async function populate(src: string, dst: string): Promise<void> {
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = join(src, e.name),
      d = join(dst, e.name);
    if (e.isDirectory()) {
      await mkdir(d, { mode: 0o755 });
      await populate(s, d);
    } else if (e.isFile()) {
      try {
        await link(s, d);
      } catch {
        await copyFile(s, d);
      }
    }
    // symlinks and special files are skipped: materialized packages contain neither
  }
}
