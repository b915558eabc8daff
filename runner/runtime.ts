/**
 * The runtime: every backend built from one configuration, and the choice of backend per
 * learnware (ONNX → `onnx`, JS → `js`, Python → the configured Python backend).
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
import type { ModelHandle } from "./contract.ts";
import type { Backend, BackendName, LoadOptions } from "./backends/backend.ts";
import { CondaBackend } from "./backends/conda.ts";
import { DockerBackend } from "./backends/docker.ts";
import { JsBackend } from "./backends/js.ts";
import { OnnxBackend } from "./backends/onnx.ts";
import { VenvBackend } from "./backends/pythonVenv.ts";
import type { RunnerConfig } from "./config.ts";
import { materializePackage, type LearnwareDir } from "./learnwareDir.ts";

export class Runtime {
  readonly config: RunnerConfig;
  readonly backends: Record<BackendName, Backend>;

  constructor(config: RunnerConfig) {
    this.config = config;
    const envDir = join(config.dataDir, "envs");
    const pip = { ...(config.pipIndexUrl ? { pipIndexUrl: config.pipIndexUrl } : {}), ...(config.wheelhouse ? { wheelhouse: config.wheelhouse } : {}) };
    this.backends = {
      onnx: new OnnxBackend(),
      js: new JsBackend({ threads: config.jsThreads, callTimeoutMs: config.callTimeoutMs }),
      "python-venv": new VenvBackend({ envDir, python: config.python, callTimeoutMs: config.callTimeoutMs, ...pip }),
      conda: new CondaBackend({ envDir, conda: config.conda, callTimeoutMs: config.callTimeoutMs }),
      docker: new DockerBackend({
        envDir, docker: config.docker, baseImage: config.dockerBaseImage, cpus: config.dockerCpus, pidsLimit: config.dockerPids,
        memoryLimitBytes: config.instanceMemoryBytes, callTimeoutMs: config.callTimeoutMs, ...pip,
      }),
    };
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

  load(lw: LearnwareDir, opts: LoadOptions & { backend?: BackendName } = {}): Promise<ModelHandle> {
    const { backend, ...rest } = opts;
    const o: LoadOptions = { memoryLimitBytes: this.config.instanceMemoryBytes, timeoutMs: this.config.callTimeoutMs, ...rest };
    return this.backendFor(lw, backend).load(lw, o);
  }
}
