/**
 * The runtime: the sandbox and every backend built from one configuration, and the choice
 * of backend per learnware (ONNX → `onnx`, JS → `js`, Python → the configured Python
 * backend). Every backend runs learnwares in worker processes inside the sandbox (docker:
 * in containers); the runtime never loads a learnware's code into its own process.
 *
 * @example
 * ```ts ignore
 * import { Runtime } from "./runtime.ts";
 * import { loadConfig } from "./config.ts";
 * const rt = new Runtime(loadConfig());
 * const handle = await rt.load(await rt.materialize(zipBytes));
 * ```
 */
import { join } from "node:path";
import { LearnwareError } from "../core/errors.ts";
import type { ModelHandle } from "./contract.ts";
import type { Backend, BackendName, LoadOptions } from "./backends/backend.ts";
import { CondaBackend } from "./backends/conda.ts";
import { DockerBackend } from "./backends/docker.ts";
import { NodeBackend } from "./backends/node.ts";
import { VenvBackend } from "./backends/pythonVenv.ts";
import { createSandbox, type Sandbox } from "./sandbox/sandbox.ts";
import { WarmPool } from "./pool/warmPool.ts";
import type { RunnerConfig } from "./config.ts";
import { materializePackage, type LearnwareDir } from "./learnwareDir.ts";
import { GpuAllocator } from "./gpu.ts";

export class Runtime {
  readonly config: RunnerConfig;
  readonly backends: Record<BackendName, Backend>;
  readonly sandbox: Sandbox;
  /** Pre-warmed Python workers (null when `LW_WARM_WORKERS=0`). */
  readonly warm: WarmPool | null;
  /** The runner's GPUs (`LW_RUNNER_GPUS`): each instance of a GPU learnware gets the least loaded. */
  readonly gpus: GpuAllocator;

  /** Stops the pre-warmed workers (loaded instances belong to their owners). */
  async close(): Promise<void> {
    await this.warm?.close();
  }

  constructor(config: RunnerConfig) {
    this.config = config;
    const envDir = join(config.dataDir, "envs");
    const pip = { ...(config.pipIndexUrl ? { pipIndexUrl: config.pipIndexUrl } : {}), ...(config.wheelhouse ? { wheelhouse: config.wheelhouse } : {}) };
    const sandbox = createSandbox({
      mode: config.sandbox,
      bwrap: config.bwrap,
      uidBase: config.sandboxUidBase,
      limits: { ...config.sandboxLimits, memoryBytes: config.instanceMemoryBytes },
    });
    this.sandbox = sandbox;
    this.gpus = new GpuAllocator((config.gpus ?? []).map((g) => g.uuid));
    // pre-warmed sandboxed interpreters per venv (the cold load's interpreter start and imports, done ahead)
    this.warm =
      config.warmWorkers > 0 ? new WarmPool({ dir: join(config.dataDir, "warm"), perEnvironment: config.warmWorkers, imports: config.warmImports }) : null;
    const timeouts = { callTimeoutMs: config.callTimeoutMs, loadTimeoutMs: config.loadTimeoutMs };
    const node = { sandbox, workDir: join(config.dataDir, "node"), ...timeouts };
    this.backends = {
      onnx: new NodeBackend("onnx", node),
      js: new NodeBackend("js", node),
      "python-venv": new VenvBackend({ sandbox, envDir, python: config.python, ...timeouts, ...pip, ...(this.warm ? { warm: this.warm } : {}) }),
      conda: new CondaBackend({ sandbox, envDir, conda: config.conda, ...timeouts }),
      docker: new DockerBackend({
        envDir,
        docker: config.docker,
        baseImage: config.dockerBaseImage,
        cpus: config.dockerCpus,
        pidsLimit: config.dockerPids,
        memoryLimitBytes: config.instanceMemoryBytes,
        ...timeouts,
        ...pip,
      }),
    };
  }

  /**
   * Whether this runtime may run uploaded code, and if not, why (one line). Docker runs
   * Python learnwares in its own sandbox; JS and ONNX learnwares always need the sandbox.
   */
  async safety(): Promise<{ ok: boolean; reason?: string }> {
    if (this.#safety && Date.now() - this.#safety.at < 10_000) return this.#safety.result;
    const result = await this.#probeSafety();
    this.#safety = { at: Date.now(), result };
    return result;
  }

  #safety: { at: number; result: { ok: boolean; reason?: string } } | null = null;

  async #probeSafety(): Promise<{ ok: boolean; reason?: string }> {
    const sb = await this.sandbox.check();
    if (!sb.ok) return { ok: false, reason: `no sandbox can start: ${sb.reason}` };
    if (this.config.pythonBackend === "docker") {
      const d = await this.backends.docker.available();
      if (!d.ok) return { ok: false, reason: `the docker backend is configured but unavailable: ${d.reason}` };
    }
    return { ok: true };
  }

  /** Unpacks a package zip under the runner's data folder. */
  materialize(zip: Uint8Array): Promise<LearnwareDir> {
    return materializePackage(zip, join(this.config.dataDir, "packages"));
  }

  /** The backend that runs this learnware. */
  backendFor(lw: LearnwareDir, prefer?: BackendName): Backend {
    const kind = lw.pkg.model.kind;
    if (kind === "onnx") return this.backends.onnx;
    if (kind === "js") return this.backends.js;
    if (prefer === "python-venv" || prefer === "conda" || prefer === "docker") return this.backends[prefer];
    return this.backends[this.config.pythonBackend];
  }

  /** Loads a learnware with its backend; refuses (`SANDBOX_UNAVAILABLE`) where no sandbox can start. */
  async load(lw: LearnwareDir, opts: LoadOptions & { backend?: BackendName } = {}): Promise<ModelHandle> {
    const { backend, ...rest } = opts;
    const b = this.backendFor(lw, backend);
    if (b.name !== "docker") {
      const sb = await this.sandbox.check();
      if (!sb.ok) throw new LearnwareError("SANDBOX_UNAVAILABLE", `The runner refuses to run uploaded code: ${sb.reason}`);
    }
    const o: LoadOptions = { memoryLimitBytes: this.config.instanceMemoryBytes, timeoutMs: this.config.callTimeoutMs, ...rest };
    // A GPU learnware's instance holds its devices until it is disposed (evicted or closed).
    const need = lw.pkg.resources?.gpu ?? 0;
    if (need === 0 || o.gpuDevices !== undefined) return b.load(lw, o);
    const devices = this.gpus.acquire(need);
    let handle: ModelHandle;
    try {
      handle = await b.load(lw, { ...o, gpuDevices: devices });
    } catch (e) {
      this.gpus.release(devices);
      throw e;
    }
    const dispose = handle.dispose.bind(handle);
    let released = false;
    handle.dispose = async () => {
      try {
        await dispose();
      } finally {
        if (!released) this.gpus.release(devices);
        released = true;
      }
    };
    return handle;
  }
}
