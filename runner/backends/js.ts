/**
 * `js`: a learnware written as an ES module, run in a piscina worker thread (one small
 * pool per loaded learnware, so its state stays in one thread). The module exports runner
 * hooks (`runner = { loadModel, preprocessData, predict, postprocessData, saveModel, fit }`
 * with `input_shape` / `output_shape` exports) or a model factory (`default`,
 * `createModel(kwargs)` or the class named by `model.class_name`). A call that exceeds
 * its timeout terminates the thread; the next call reloads the module.
 *
 * Worker threads share the daemon's process: this isolates the event loop and the heap
 * (`resourceLimits`), not the file system. Run untrusted code with the docker backend.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { LearnwareError } from "../../core/errors.ts";
import type { CallOptions, ModelHandle } from "../contract.ts";
import type { LearnwareDir } from "../learnwareDir.ts";
import { fromTyped, type Tensor } from "../tensor.ts";
import type { Availability, Backend, LoadOptions } from "./backend.ts";

const WORKER = join(fileURLToPath(import.meta.url), "..", "jsWorker.mjs");
let generation = 0;

interface Task {
  op: string;
  modulePath: string;
  kwargs: Record<string, unknown>;
  className?: string;
  generation: number;
  /** Artifact name (path under `artifacts/`) → absolute path, for `loadModel(props, artifacts)`. */
  artifacts?: Record<string, string>;
  X?: { shape: number[]; data: Float64Array | Float32Array };
  y?: { shape: number[]; data: Float64Array | Float32Array };
}

export class JsModelHandle implements ModelHandle {
  readonly backend = "js" as const;
  readonly acceptsBatch = true;
  input_shape: number[] = [];
  output_shape: number[] = [];
  canFit = false;
  canFinetune = false;
  #pool: Piscina;
  #base: Omit<Task, "op">;
  #timeoutMs: number;
  #heap = 0;

  constructor(pool: Piscina, base: Omit<Task, "op">, timeoutMs: number) {
    this.#pool = pool;
    this.#base = base;
    this.#timeoutMs = timeoutMs;
  }

  async run(op: string, extra: Partial<Task> = {}, opts?: CallOptions): Promise<any> {
    const ms = opts?.timeoutMs ?? this.#timeoutMs;
    try {
      return await this.#pool.run({ ...this.#base, ...extra, op }, { signal: AbortSignal.timeout(ms) });
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.name === "AbortError" || err.name === "TimeoutError") {
        throw new LearnwareError("TIMEOUT", `JS learnware exceeded its time limit (${ms} ms) during ${op}; its thread was terminated`);
      }
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY") throw new LearnwareError("MEMORY_LIMIT", `JS learnware exceeded its heap limit during ${op}`);
      throw new LearnwareError(op === "load" ? "LOAD_FAILED" : "MODEL_ERROR", `${err.name}: ${err.message}`, { stack: err.stack });
    }
  }

  async init(): Promise<void> {
    // Starting a thread and importing the module is not the model's call: give it room.
    const info = await this.run("load", {}, { timeoutMs: Math.max(this.#timeoutMs, 60_000) });
    this.input_shape = info.input_shape;
    this.output_shape = info.output_shape;
    this.canFit = info.canFit;
    this.canFinetune = info.canFinetune;
    this.#heap = info.memory;
  }

  async predict(X: Tensor, opts?: CallOptions): Promise<Tensor> {
    const r = (await this.run("predict", { X: { shape: X.shape, data: X.data } }, opts)) as { shape: number[]; data: Float64Array };
    return fromTyped(r.data, r.shape);
  }

  async predictDetailed(X: Tensor, opts?: CallOptions): Promise<{ y: Tensor; outputType: string }> {
    return { y: await this.predict(X, opts), outputType: "tensor" };
  }

  async fit(X: Tensor, y: Tensor, opts?: CallOptions): Promise<void> {
    await this.run("fit", { X: { shape: X.shape, data: X.data }, y: { shape: y.shape, data: y.data } }, opts);
  }

  async finetune(X: Tensor, y: Tensor, opts?: CallOptions): Promise<void> {
    await this.run("finetune", { X: { shape: X.shape, data: X.data }, y: { shape: y.shape, data: y.data } }, opts);
  }

  /** The runner hooks' `saveModel` props (or the load props). */
  save(): Promise<unknown> {
    return this.run("save");
  }

  memoryBytes(): number {
    return this.#heap + 8 * 1024 * 1024;
  }

  async dispose(): Promise<void> {
    await this.#pool.destroy();
  }
}

export class JsBackend implements Backend {
  readonly name = "js" as const;
  #threads: number;
  #timeoutMs: number;

  constructor(opts: { threads?: number; callTimeoutMs?: number } = {}) {
    this.#threads = opts.threads ?? 1;
    this.#timeoutMs = opts.callTimeoutMs ?? 60_000;
  }

  async available(): Promise<Availability> {
    return { ok: true };
  }

  async load(lw: LearnwareDir, opts: LoadOptions = {}): Promise<JsModelHandle> {
    const model = lw.pkg.model;
    if (model.kind !== "js") throw new TypeError(`js backend cannot run a ${model.kind} learnware`);
    const heapMb = opts.memoryLimitBytes ? Math.max(32, Math.floor(opts.memoryLimitBytes / 1048576)) : undefined;
    const pool = new Piscina({
      filename: WORKER,
      minThreads: 1,
      maxThreads: this.#threads,
      idleTimeout: Infinity,
      ...(heapMb ? { resourceLimits: { maxOldGenerationSizeMb: heapMb } } : {}),
    });
    const base: Omit<Task, "op"> = { modulePath: join(lw.root, model.modulePath), kwargs: model.kwargs, generation: ++generation };
    if (model.className !== undefined) base.className = model.className;
    const artifacts: Record<string, string> = {};
    for (const path of lw.pkg.files.keys()) if (path.startsWith("artifacts/")) artifacts[path.slice("artifacts/".length)] = join(lw.root, path);
    base.artifacts = artifacts;
    const h = new JsModelHandle(pool, base, opts.timeoutMs ?? this.#timeoutMs);
    try {
      await h.init();
    } catch (e) {
      await pool.destroy();
      throw e;
    }
    return h;
  }
}
