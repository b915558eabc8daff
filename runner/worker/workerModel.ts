/**
 * The model contract over a worker process, shared by every backend (Python in a venv,
 * conda or docker; JS and ONNX in a Node worker): they differ only in how the worker is
 * launched. The worker is started lazily and restarted (with the model loaded again) on
 * the next call after a crash, a timeout or a memory kill. `sandboxedWorker` turns a
 * command into the spec of a sandboxed worker process.
 */
import { LearnwareError } from "../../core/errors.ts";
import type { AipodMethod, CallOptions, ModelHandle } from "../contract.ts";
import type { Tensor } from "../tensor.ts";
import type { Mount, Sandbox, SandboxLimits } from "../sandbox/sandbox.ts";
import type { ArgsOf, ReplyOf, WorkerOp } from "./ops.ts";
import { WorkerProcess, type WorkerSpec } from "./workerProcess.ts";
import type { BackendName } from "../backends/backend.ts";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** Folder of the worker shim (`worker.py` and the `learnware` stand-in package). */
export const PYTHON_SHIM_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "python");

/**
 * The repository's Python package folder (`python/`, holding `lwpy`): mounted read-only into
 * Python workers (path in `LW_PYTHON_PKG`) so model code can subclass `lwpy.vessl.RunnerBase`
 * or `lwpy.aipod.AIModelBase` without installing anything in its environment.
 */
export const PYTHON_PKG_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "python");

/** A request to load the learnware, paths as the worker sees them (`root`, `module_path` … for Python; `kind`, `path` … for Node). */
export type LoadRequest = Record<string, unknown>;

/** Environment for untrusted code: no secrets from the daemon's environment. */
export function workerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "C.UTF-8",
    HOME: "/tmp",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    OPENBLAS_NUM_THREADS: "1",
    OMP_NUM_THREADS: "1",
    MKL_NUM_THREADS: "1",
    ...extra,
  };
}

/** Where a sandboxed worker's files are: the shim, the learnware and its environment. */
export interface SandboxedWorkerRequest {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Working directory inside the sandbox. */
  cwd?: string;
  mounts: Mount[];
  limits: SandboxLimits;
  /** Host device nodes bound into the sandbox (GPU instances). */
  devices?: string[];
}

/** A backend's limits for one instance: the sandbox's defaults, the backend's own, the instance's memory. */
export function instanceLimits(sandbox: Sandbox, overrides: Partial<SandboxLimits> | undefined, memoryLimitBytes: number | undefined): SandboxLimits {
  const limits: SandboxLimits = { ...sandbox.defaults, ...overrides };
  if (memoryLimitBytes !== undefined) limits.memoryBytes = memoryLimitBytes;
  return limits;
}

/** The spec of a worker process that runs `req` inside `sandbox`, with the runner's watchdog on its memory. */
export function sandboxedWorker(sandbox: Sandbox, req: SandboxedWorkerRequest): WorkerSpec {
  const cmd = sandbox.wrap(
    {
      command: req.command,
      args: req.args,
      env: req.env,
      mounts: req.mounts,
      ...(req.cwd ? { cwd: req.cwd } : {}),
      ...(req.devices ? { devices: req.devices } : {}),
    },
    req.limits,
  );
  return {
    name: req.name,
    command: cmd.command,
    args: cmd.args,
    env: cmd.env,
    // Unsandboxed, the payload's paths are host paths: run it from its own folder.
    cwd: sandbox.mode === "none" ? (req.cwd ?? "/") : "/",
    memoryLimitBytes: req.limits.memoryBytes,
    sandboxInfoFd: cmd.infoFd,
    cleanup: () => cmd.release(),
  };
}

export interface WorkerHandleOptions {
  backend: BackendName;
  /** Builds the spec of a fresh worker process (called on start and on every restart). */
  launch: () => WorkerSpec;
  load: LoadRequest;
  loadTimeoutMs?: number;
  callTimeoutMs?: number;
  /**
   * A pre-warmed worker for the first start (see `../pool/warmPool.ts`), or null to launch one;
   * restarts always launch.
   */
  warm?: () => Promise<WorkerProcess | null>;
  /** Tells how the first start went (a warm hand-over or a launch), for logs and benchmarks. */
  onStart?: (info: { warm: boolean; ms: number }) => void;
}

export class WorkerModelHandle implements ModelHandle {
  readonly backend: BackendName;
  input_shape: number[] = [];
  output_shape: number[] = [];
  readonly acceptsBatch = true;
  canFit = false;
  canFinetune = false;
  isAipod = false;
  /** How often the worker was (re)started. */
  starts = 0;
  /** The loaded class (`module.Class`). */
  className = "";
  #opts: WorkerHandleOptions;
  #worker: WorkerProcess | null = null;
  #starting: Promise<WorkerProcess> | null = null;
  #disposed = false;

  constructor(opts: WorkerHandleOptions) {
    this.backend = opts.backend;
    this.#opts = opts;
  }

  /** The current worker process, if one is running. */
  get worker(): WorkerProcess | null {
    return this.#worker;
  }

  /** Starts the worker and loads the model (also used for restarts). */
  async start(): Promise<WorkerProcess> {
    if (this.#disposed) throw new LearnwareError("WORKER_CLOSED", "Model instance was disposed");
    if (this.#worker?.alive) return this.#worker;
    this.#starting ??= (async () => {
      const t0 = performance.now();
      const warm = this.starts === 0 && this.#opts.warm ? await this.#opts.warm() : null;
      const w = warm ?? new WorkerProcess(this.#opts.launch());
      this.starts++;
      try {
        const info = await w.call("load", { ...this.#opts.load }, { timeoutMs: this.#opts.loadTimeoutMs ?? 30_000 });
        this.input_shape = info.input_shape ?? [];
        this.output_shape = info.output_shape ?? [];
        this.canFit = info.has_fit;
        this.canFinetune = info.has_finetune;
        this.isAipod = info.is_aipod === true;
        this.className = info.class;
        this.#opts.onStart?.({ warm: warm !== null, ms: performance.now() - t0 });
      } catch (e) {
        w.kill("closed");
        throw e;
      }
      this.#worker = w;
      return w;
    })().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #call<Op extends WorkerOp>(op: Op, args: ArgsOf<Op>, opts?: CallOptions): Promise<ReplyOf<Op>> {
    const w = await this.start();
    return w.call(op, args, { timeoutMs: opts?.timeoutMs ?? this.#opts.callTimeoutMs ?? 60_000 });
  }

  async predictDetailed(X: Tensor, opts?: CallOptions): Promise<{ y: Tensor; outputType: string }> {
    const r = await this.#call("predict", { X }, opts);
    return { y: r.y, outputType: r.outputType };
  }

  async predict(X: Tensor, opts?: CallOptions): Promise<Tensor> {
    return (await this.predictDetailed(X, opts)).y;
  }

  /** A text model's predict on a list of strings (Python: `model.predict(list_of_str)`, as the Python market's text check calls it). */
  async predictTexts(texts: string[], opts?: CallOptions): Promise<{ y: Tensor; outputType: string }> {
    const r = await this.#call("predict", { X: texts }, opts);
    return { y: r.y, outputType: r.outputType };
  }

  async fit(X: Tensor, y: Tensor, opts?: CallOptions): Promise<void> {
    await this.#call("fit", { X, y }, opts);
  }

  async finetune(X: Tensor, y: Tensor, opts?: CallOptions): Promise<void> {
    await this.#call("finetune", { X, y }, opts);
  }

  /** The model's saved props (JS runner hooks' `saveModel`; the load kwargs otherwise). */
  /**
   * Runs a VESSL-style runner on any JSON value: `preprocess_data → predict → postprocess_data`;
   * the answer is JSON (`NOT_SUPPORTED` for other models).
   */
  async invoke(data: unknown, opts?: CallOptions): Promise<unknown> {
    return (await this.#call("invoke", { data }, opts)).result;
  }

  /** An AIPOD model's method on the instance of `version` (raw bytes travel in the frame). */
  async aipod(method: AipodMethod, version: string, kwargs: Record<string, unknown>, binaryData?: Uint8Array | null, opts?: CallOptions): Promise<unknown> {
    return (await this.#call("aipod", { method, version, kwargs, binary_data: binaryData ?? null }, opts)).result;
  }

  async save(): Promise<unknown> {
    return (await this.#call("save", {})).props;
  }

  memoryBytes(): number {
    return this.#worker?.lastRss ?? 0;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.close();
  }
}
