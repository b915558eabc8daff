/**
 * The model service (AIPOD parity): many model instances keyed by learnware and version,
 * each with a data folder and stored parameters (`initialize`), background training with
 * readable progress (`train`, `trainStatus`), a log, and `predict` through an LRU pool of
 * loaded instances with micro-batching of concurrent calls. Transport-free: the HTTP app
 * (`app.ts`) and tests drive it directly.
 */
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LearnwareError, toErrorPayload } from "../../core/errors.ts";
import type { AipodMethod, ModelHandle } from "../contract.ts";
import { LruPool, type PoolMetrics } from "../pool/lruPool.ts";
import { MicroBatcher, type BatchStats } from "../pool/microBatcher.ts";
import type { Runtime } from "../runtime.ts";
import type { Tensor } from "../tensor.ts";
import type { PackageSource } from "./packageSource.ts";
import { currentToken, sourceAuthorizer, type Authorizer } from "./auth.ts";
import { sha256Hex } from "../learnwareDir.ts";
import { decodeFrame, encodeFrame } from "../protocol.ts";

/**
 * Settings that belong to the runner's configuration alone: a caller who could choose the
 * backend, the limits or the sandbox could turn the sandbox off (400 when sent).
 */
export const RESERVED_INSTANCE_KEYS = [
  "backend",
  "memoryLimitBytes",
  "timeoutMs",
  "sandbox",
  "limits",
  "cpus",
  "pids",
  "network",
  "privileged",
  "env",
] as const;

export interface InstanceConfig {
  /** Disable micro-batching for models that are not row-independent. */
  batching?: boolean;
  /** Anything else the caller wants kept with the instance. */
  [key: string]: unknown;
}

export interface TrainOptions {
  method?: "fit" | "finetune";
  X?: Tensor;
  y?: Tensor;
  /** A frame file `{X, y}` inside the instance's data folder. */
  dataFile?: string;
}

export interface TrainState {
  status: "idle" | "running" | "succeeded" | "failed";
  progress: number;
  method?: string;
  samples?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: { code: string; message: string };
}

interface Instance {
  model: string;
  version: string;
  /** The market version whose package runs: the instance version itself, `packageVersion`, or (a free-form AIPOD version) `latest`. */
  packageRef: string;
  /** The instance version names no market version (an AIPOD instance such as `exp-a`). */
  freeForm: boolean;
  /** A caller initialized it (an AIPOD model's `initialize` is replayed at load only then). */
  initializedByCaller: boolean;
  dataPath: string;
  config: InstanceConfig;
  createdAt: string;
  train: TrainState;
  log: string[];
}

interface Loaded {
  digest: string;
  handle: ModelHandle;
  batcher: MicroBatcher;
  /** An AIPOD model's answer to the `initialize` replayed at load. */
  initialized?: unknown;
}

/** Keys of `initialize` that configure the service, not the model (never part of AIPOD's `model_info`). */
const SERVICE_KEYS = ["batching", "packageVersion"];

/** An AIPOD model's `model_info`: what `initialize` was given, without the service's own keys. */
function modelInfo(config: InstanceConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !SERVICE_KEYS.includes(k)));
}

export interface ServiceOptions {
  runtime: Runtime;
  source: PackageSource;
  /** Instances' data folders live under `<dataDir>/instances`, or under `instancesDir` when given. */
  dataDir: string;
  instancesDir?: string;
  poolSize: number;
  poolMemoryBytes: number;
  batchMax: number;
  batchWaitMs: number;
  /** Who may run what (default: whatever `source` holds, for embedded use). */
  authorize?: Authorizer;
}

const SAFE = /^[A-Za-z0-9._-]{1,128}$/;
const LOG_LINES = 1000;

/**
 * The input must match the model's `input_shape` before the model sees it, the same on
 * every backend: one 400 `INPUT_SHAPE` naming both ("X has 3 columns; the model takes 8").
 */
export function checkInputShape(inputShape: readonly number[], X: Tensor): void {
  if (X.shape.length < 2) throw new LearnwareError("INPUT_SHAPE", `X must be a 2-D array of rows (got shape [${X.shape.join(", ")}])`, { field: "X" });
  if (X.data.some((v) => !Number.isFinite(v))) throw new LearnwareError("INPUT_TYPE", "X holds a value that is not a finite number", { field: "X" });
  if (inputShape.length === 0) return;
  const sample = X.shape.slice(1);
  if (sample.length === 1 && inputShape.length === 1 && sample[0] !== inputShape[0]) {
    throw new LearnwareError("INPUT_SHAPE", `X has ${sample[0]} columns; the model takes ${inputShape[0]}`, { field: "X", got: sample, expected: inputShape });
  }
  if (sample.length !== inputShape.length || sample.some((d, i) => d !== inputShape[i])) {
    throw new LearnwareError("INPUT_SHAPE", `X's rows have shape (${sample.join(", ")}); the model takes (${inputShape.join(", ")})`, {
      field: "X",
      got: sample,
      expected: inputShape,
    });
  }
}

export class ModelService {
  #opts: ServiceOptions;
  #instances = new Map<string, Instance>();
  readonly pool: LruPool<Loaded>;
  #batchTotals: BatchStats = { calls: 0, batches: 0, batchedRequests: 0, maxBatchRows: 0 };
  #predicts = 0;
  #authorize: Authorizer;

  get #instancesDir(): string {
    return this.#opts.instancesDir ?? join(this.#opts.dataDir, "instances");
  }

  constructor(opts: ServiceOptions) {
    this.#opts = opts;
    this.#authorize = opts.authorize ?? sourceAuthorizer(opts.source);
    this.pool = new LruPool<Loaded>({
      maxEntries: opts.poolSize,
      maxBytes: opts.poolMemoryBytes,
      sizeOf: (l) => l.handle.memoryBytes(),
      dispose: async (l) => {
        for (const k of Object.keys(this.#batchTotals) as (keyof BatchStats)[]) {
          this.#batchTotals[k] = k === "maxBatchRows" ? Math.max(this.#batchTotals[k], l.batcher.stats[k]) : this.#batchTotals[k] + l.batcher.stats[k];
        }
        await l.handle.dispose();
      },
      onEvict: (key, reason) => {
        const inst = this.#instances.get(key.replace(/#[0-9a-f]{64}$/, ""));
        if (inst) this.#log(inst, `evicted from the pool (${reason})`);
      },
    });
  }

  static key(model: string, version: string): string {
    return `${model}@${version}`;
  }

  #check(model: string, version: string): void {
    if (!SAFE.test(model) || !SAFE.test(version)) {
      throw new LearnwareError("BAD_REQUEST", `Model '${model}' and version '${version}' must be 1–128 characters of letters, digits, '.', '_' or '-'`);
    }
  }

  #log(inst: Instance, line: string): void {
    const l = `${new Date().toISOString()} ${line}`;
    inst.log.push(l);
    if (inst.log.length > LOG_LINES) inst.log.splice(0, inst.log.length - LOG_LINES);
    void appendFile(join(inst.dataPath, "log.txt"), `${l}\n`).catch(() => {});
  }

  /** Creates the instance's data folder and stores its parameters (idempotent; updates config). */
  async initialize(
    model: string,
    version: string,
    config: InstanceConfig = {},
    restore = false,
  ): Promise<{ model: string; version: string; dataPath: string; config: InstanceConfig }> {
    this.#check(model, version);
    if (config === null || typeof config !== "object" || Array.isArray(config))
      throw new LearnwareError("BAD_REQUEST", "initialize takes a JSON object of instance parameters");
    const reserved = RESERVED_INSTANCE_KEYS.filter((k) => k in config);
    if (reserved.length > 0) {
      throw new LearnwareError(
        "BAD_REQUEST",
        `${reserved.map((k) => `'${k}'`).join(", ")} cannot be set by a caller: the backend, limits and sandbox come from the runner's configuration`,
        { fields: reserved },
      );
    }
    const pv = config.packageVersion;
    if (pv !== undefined && !(typeof pv === "string" && SAFE.test(pv)) && !(typeof pv === "number" && Number.isInteger(pv) && pv > 0))
      throw new LearnwareError("BAD_REQUEST", "packageVersion must be a market version number, tag or 'latest'", { field: "packageVersion" });
    const pkg = await this.#packageOf(model, version, config);
    const key = ModelService.key(model, version);
    const dataPath = join(this.#instancesDir, model, version);
    await mkdir(dataPath, { recursive: true });
    let inst = this.#instances.get(key);
    if (!inst) {
      inst = {
        model,
        version,
        packageRef: pkg.ref,
        freeForm: pkg.freeForm,
        initializedByCaller: !restore,
        dataPath,
        config,
        createdAt: new Date().toISOString(),
        train: { status: "idle", progress: 0 },
        log: [],
      };
      this.#instances.set(key, inst);
    } else {
      inst.config = config;
      inst.packageRef = pkg.ref;
      inst.freeForm = pkg.freeForm;
      inst.initializedByCaller ||= !restore;
      await this.#dropLoaded(inst); // reload with the new parameters
    }
    // AIPOD: initialize starts the version afresh (its training history too); a restore keeps it.
    if (!restore) await rm(join(dataPath, "aipod-train"), { recursive: true, force: true });
    await this.#writeInstance(inst);
    this.#log(inst, `initialized with ${JSON.stringify(config)}`);
    return { model, version, dataPath, config };
  }

  async #writeInstance(i: Instance): Promise<void> {
    const { model, version, packageRef, freeForm, initializedByCaller, config, createdAt } = i;
    await writeFile(
      join(i.dataPath, "instance.json"),
      JSON.stringify({ model, version, packageRef, freeForm, initializedByCaller, config, createdAt }, null, 2),
    );
  }

  /** Throws unless the current caller may run `model@version`; returns the package's sha256. */
  authorize(model: string, version: string): Promise<string> {
    this.#check(model, version);
    return this.#authorize(currentToken(), model, version);
  }

  /**
   * The package an instance runs, checked against the caller's rights: `packageVersion` when
   * given, else the instance version itself; a version the market does not know (AIPOD's
   * free-form `exp-a`) runs the model's latest version.
   */
  async #packageOf(model: string, version: string, config: InstanceConfig): Promise<{ ref: string; digest: string; freeForm: boolean }> {
    const token = currentToken();
    if (config.packageVersion !== undefined) {
      const ref = String(config.packageVersion);
      return { ref, digest: await this.#authorize(token, model, ref), freeForm: true };
    }
    try {
      return { ref: version, digest: await this.#authorize(token, model, version), freeForm: false };
    } catch (e) {
      if (!(e instanceof LearnwareError && e.code === "NOT_FOUND") || /^\d+$/.test(version) || version === "latest") throw e;
      try {
        return { ref: "latest", digest: await this.#authorize(token, model, "latest"), freeForm: true };
      } catch {
        throw e;
      }
    }
  }

  async #dropLoaded(inst: Instance): Promise<void> {
    const prefix = `${ModelService.key(inst.model, inst.version)}#`;
    for (const k of this.pool.metrics().keys) if (k.startsWith(prefix)) await this.pool.delete(k);
  }

  /** The instance, after the caller was allowed to run it; `digest` is its package's sha256. */
  async #instance(model: string, version: string): Promise<{ inst: Instance; digest: string }> {
    this.#check(model, version);
    const known = this.#instances.get(ModelService.key(model, version));
    const digest = known ? (await this.#packageOf(model, version, known.config)).digest : undefined;
    let inst = known;
    if (!inst) {
      // Instances survive restarts through their instance.json; otherwise initialize with defaults.
      const file = join(this.#instancesDir, model, version, "instance.json");
      const restored = existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as { config?: InstanceConfig; initializedByCaller?: boolean }) : null;
      const stored = restored?.config ?? {};
      const config = Object.fromEntries(Object.entries(stored).filter(([k]) => !(RESERVED_INSTANCE_KEYS as readonly string[]).includes(k)));
      await this.initialize(model, version, config, true);
      inst = this.#instances.get(ModelService.key(model, version))!;
      inst.initializedByCaller = restored?.initializedByCaller ?? restored !== null;
      await this.#writeInstance(inst);
    }
    return { inst, digest: digest ?? (await this.#packageOf(model, version, inst.config)).digest };
  }

  async #use<R>({ inst, digest }: { inst: Instance; digest: string }, fn: (l: Loaded) => Promise<R>): Promise<R> {
    const key = `${ModelService.key(inst.model, inst.version)}#${digest}`;
    const token = currentToken();
    return this.pool.use(
      key,
      async () => {
        const t0 = Date.now();
        const zip = await this.#opts.source(inst.model, inst.packageRef, token);
        if (sha256Hex(zip) !== digest)
          throw new LearnwareError("CONFLICT", `The package of ${inst.model} version ${inst.packageRef} changed while it was being loaded; try again`);
        const lw = await this.#opts.runtime.materialize(zip);
        const handle = await this.#opts.runtime.load(lw, { log: (l) => this.#log(inst, l) });
        if (inst.freeForm && !handle.isAipod && inst.config.packageVersion === undefined) {
          await handle.dispose();
          throw new LearnwareError(
            "NOT_FOUND",
            `Learnware ${inst.model} has no version '${inst.version}' (free-form versions name instances of AIPOD models only)`,
          );
        }
        let initialized: unknown;
        const steps = await (async () => {
          if (!handle.isAipod) return this.#replayTraining(inst, handle);
          if (!inst.initializedByCaller) return 0; // AIPOD: model_info exists only after initialize
          initialized = await handle.aipod!("initialize", inst.version, modelInfo(inst.config));
          return this.#replayAipod(inst, handle);
        })().catch(async (e) => {
          await handle.dispose();
          throw e;
        });
        const batching = inst.config.batching !== false && handle.acceptsBatch;
        const batcher = new MicroBatcher((X) => handle.predict(X), {
          maxBatch: batching ? this.#opts.batchMax : 1,
          maxWaitMs: batching ? this.#opts.batchWaitMs : 0,
        });
        this.#log(
          inst,
          `loaded with backend ${handle.backend} in ${Date.now() - t0} ms${steps > 0 ? ` (trained state restored: ${steps} training step(s) replayed)` : ""}`,
        );
        return { digest, handle, batcher, initialized };
      },
      fn,
    );
  }

  /**
   * A trained instance keeps its state across pool evictions and restarts without knowing
   * how its model serialises: every successful training step is stored in the instance's
   * `training/` folder (method, X, y as a frame) and replayed, in order, whenever the model
   * is loaded again. Returns the number of steps replayed.
   */
  async #replayTraining(inst: Instance, handle: ModelHandle): Promise<number> {
    const dir = join(inst.dataPath, "training");
    if (!existsSync(dir)) return 0;
    const files = (await readdir(dir)).filter((f) => /^\d{6}\.frame$/.test(f)).sort();
    for (const f of files) {
      const step = decodeFrame(new Uint8Array(await readFile(join(dir, f)))) as { method: "fit" | "finetune"; X: Tensor; y: Tensor };
      const opts = { timeoutMs: 24 * 3600_000 };
      await (step.method === "fit" ? handle.fit(step.X, step.y, opts) : handle.finetune(step.X, step.y, opts));
    }
    return files.length;
  }

  /** Stores a successful training step for `#replayTraining` (a fit starts the history over). */
  async #recordTraining(inst: Instance, method: "fit" | "finetune", X: Tensor, y: Tensor): Promise<void> {
    const dir = join(inst.dataPath, "training");
    if (method === "fit") await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const n = (await readdir(dir)).filter((f) => /^\d{6}\.frame$/.test(f)).length;
    const file = join(dir, `${String(n + 1).padStart(6, "0")}.frame`);
    await writeFile(`${file}.tmp`, encodeFrame({ method, X, y }));
    await rename(`${file}.tmp`, file);
  }

  /** Replays an AIPOD instance's successful `train` calls (kwargs and binary data), in order. */
  async #replayAipod(inst: Instance, handle: ModelHandle): Promise<number> {
    const dir = join(inst.dataPath, "aipod-train");
    if (!existsSync(dir)) return 0;
    const files = (await readdir(dir)).filter((f) => /^\d{6}\.frame$/.test(f)).sort();
    for (const f of files) {
      const step = decodeFrame(new Uint8Array(await readFile(join(dir, f)))) as { kwargs: Record<string, unknown>; binary: Uint8Array | null };
      await handle.aipod!("train", inst.version, step.kwargs, step.binary, { timeoutMs: 24 * 3600_000 });
    }
    return files.length;
  }

  /**
   * AIPOD's four methods on an instance told apart by a free-form version: `initialize`
   * (its kwargs become `model_info`; the version starts afresh), `train` and `predict` with
   * any kwargs plus raw `binary_data`, and `log` (the model's own records). A model that is
   * not an AIPOD model answers 400 naming what it takes instead.
   */
  async aipod(model: string, version: string, method: AipodMethod, kwargs: Record<string, unknown>, binaryData: Uint8Array | null = null): Promise<unknown> {
    if (method === "initialize") {
      await this.initialize(model, version, kwargs);
      const access = await this.#instance(model, version);
      return this.#use(access, async (l) => {
        if (!l.handle.isAipod) return { model, version, config: kwargs };
        return l.initialized;
      });
    }
    const access = await this.#instance(model, version);
    if (method === "predict") this.#predicts++;
    return this.#use(access, async (l) => {
      if (!l.handle.isAipod || !l.handle.aipod) {
        const takes = method === "predict" ? "{X: rows}" : method === "train" ? "{X, y}" : "no arguments (GET …/log)";
        throw new LearnwareError("BAD_REQUEST", `${model} version ${version} is not an AIPOD model (${l.handle.backend} backend): ${method} takes ${takes}`);
      }
      const out = await l.handle.aipod(method, version, kwargs, binaryData, method === "train" ? { timeoutMs: 24 * 3600_000 } : undefined);
      if (method === "train") {
        const dir = join(access.inst.dataPath, "aipod-train");
        await mkdir(dir, { recursive: true });
        const n = (await readdir(dir)).filter((f) => /^\d{6}\.frame$/.test(f)).length;
        const file = join(dir, `${String(n + 1).padStart(6, "0")}.frame`);
        await writeFile(`${file}.tmp`, encodeFrame({ kwargs, binary: binaryData }));
        await rename(`${file}.tmp`, file);
        this.#log(access.inst, `AIPOD train(${Object.keys(kwargs).join(", ")}) succeeded`);
      }
      return out;
    });
  }

  async predict(model: string, version: string, X: Tensor): Promise<Tensor> {
    const access = await this.#instance(model, version);
    this.#predicts++;
    return this.#use(access, (l) => {
      checkInputShape(l.handle.input_shape, X);
      return l.batcher.submit(X);
    });
  }

  /** A text learnware's predict on a list of strings (not batched with other calls). */
  async predictTexts(model: string, version: string, texts: string[]): Promise<Tensor> {
    const access = await this.#instance(model, version);
    this.#predicts++;
    return this.#use(access, async (l) => {
      if (!l.handle.predictTexts)
        throw new LearnwareError("NOT_SUPPORTED", `${model} version ${version} runs on the ${l.handle.backend} backend, which cannot pass texts to a model`);
      return (await l.handle.predictTexts(texts)).y;
    });
  }

  /**
   * Runs a runner learnware (a Python VESSL-style `RunnerBase` class) on any JSON value:
   * `preprocess_data → predict → postprocess_data`, the last one's output is the answer.
   */
  async invoke(model: string, version: string, data: unknown): Promise<unknown> {
    const access = await this.#instance(model, version);
    this.#predicts++;
    return this.#use(access, async (l) => {
      if (!l.handle.invoke)
        throw new LearnwareError(
          "NOT_SUPPORTED",
          `${model} version ${version} runs on the ${l.handle.backend} backend, which takes arrays through predict, not JSON`,
        );
      return l.handle.invoke(data);
    });
  }

  /** Starts training in the background; poll `trainStatus` (or `log`). */
  async train(model: string, version: string, options: TrainOptions): Promise<TrainState> {
    const access = await this.#instance(model, version);
    const inst = access.inst;
    if (inst.train.status === "running") throw new LearnwareError("CONFLICT", `Instance ${model}@${version} is already training`);
    let { X, y } = options;
    if (options.dataFile !== undefined) {
      if (options.dataFile.includes("..") || options.dataFile.startsWith("/"))
        throw new LearnwareError("BAD_REQUEST", `dataFile '${options.dataFile}' must be a path inside the instance folder`);
      const frame = decodeFrame(new Uint8Array(await readFile(join(inst.dataPath, options.dataFile)))) as { X: Tensor; y: Tensor };
      ({ X, y } = frame);
    }
    if (!X || !y) throw new LearnwareError("BAD_REQUEST", "train needs X and y (or a dataFile holding them)");
    inst.train = { status: "running", progress: 0, startedAt: new Date().toISOString(), samples: X.shape[0] ?? 0 };
    this.#log(inst, `training started on ${X.shape[0]} samples`);
    const Xt = X,
      yt = y;
    void this.#use(access, async (l) => {
      const method = options.method ?? (l.handle.canFinetune ? "finetune" : "fit");
      inst.train.method = method;
      inst.train.progress = 0.1;
      await (method === "fit" ? l.handle.fit(Xt, yt, { timeoutMs: 24 * 3600_000 }) : l.handle.finetune(Xt, yt, { timeoutMs: 24 * 3600_000 }));
      await this.#recordTraining(inst, method, Xt, yt);
    }).then(
      () => {
        inst.train = { ...inst.train, status: "succeeded", progress: 1, finishedAt: new Date().toISOString() };
        this.#log(inst, `training succeeded (${inst.train.method})`);
      },
      (e) => {
        const p = toErrorPayload(e);
        inst.train = { ...inst.train, status: "failed", finishedAt: new Date().toISOString(), error: { code: p.code, message: p.message } };
        this.#log(inst, `training failed: ${p.code}: ${p.message}`);
      },
    );
    return { ...inst.train };
  }

  async trainStatus(model: string, version: string): Promise<TrainState> {
    return { ...(await this.#instance(model, version)).inst.train };
  }

  async log(model: string, version: string): Promise<{ lines: string[]; train: TrainState }> {
    const { inst } = await this.#instance(model, version);
    return { lines: [...inst.log], train: { ...inst.train } };
  }

  metrics(): { pool: PoolMetrics; batching: BatchStats; predicts: number; instances: number } {
    const batching = { ...this.#batchTotals };
    for (const key of this.pool.metrics().keys) {
      const s = this.pool.peek(key)?.batcher.stats;
      if (!s) continue;
      batching.calls += s.calls;
      batching.batches += s.batches;
      batching.batchedRequests += s.batchedRequests;
      batching.maxBatchRows = Math.max(batching.maxBatchRows, s.maxBatchRows);
    }
    return { pool: this.pool.metrics(), batching, predicts: this.#predicts, instances: this.#instances.size };
  }

  async close(): Promise<void> {
    await this.pool.clear();
  }
}
