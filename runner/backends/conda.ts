/**
 * `conda`: Python learnwares with an `environment.yaml`, as the Python market runs them:
 * `conda env create -f environment.yaml -p <prefix>` once per environment hash, then the
 * worker through `conda run -p <prefix> --no-capture-output python worker.py`. Written
 * against the real CLI; where `conda` is absent `available()` says so and loads fail with
 * `BACKEND_UNAVAILABLE` (tests skip with that message).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LearnwareError } from "../../core/errors.ts";
import type { LearnwareDir } from "../learnwareDir.ts";
import { envKey, withEnvLock } from "../env/envCache.ts";
import type { Availability, Backend, LoadOptions } from "./backend.ts";
import type { Mount, Sandbox, SandboxLimits } from "../sandbox/sandbox.ts";
import { PYTHON_PKG_DIR, PYTHON_SHIM_DIR, sandboxedWorker, WorkerModelHandle, workerEnv, instanceLimits } from "../worker/workerModel.ts";
import { run } from "./pythonVenv.ts";
import { cudaEnv, gpuDeviceNodes } from "../gpu.ts";

export interface CondaBackendOptions {
  sandbox: Sandbox;
  limits?: Partial<SandboxLimits>;
  envDir: string;
  conda?: string;
  callTimeoutMs?: number;
  loadTimeoutMs?: number;
}

export class CondaBackend implements Backend {
  readonly name = "conda" as const;
  readonly conda: string;
  #opts: CondaBackendOptions;

  constructor(opts: CondaBackendOptions) {
    this.#opts = opts;
    this.conda = opts.conda ?? process.env.LW_CONDA ?? "conda";
  }

  async available(): Promise<Availability> {
    const r = spawnSync(this.conda, ["--version"], { encoding: "utf8", timeout: 30_000 });
    if (r.error || r.status !== 0)
      return { ok: false, reason: `conda is not installed here ('${this.conda} --version' failed); use the python-venv or docker backend` };
    return this.#opts.sandbox.check();
  }

  /** Creates (or reuses) the prefix for an environment.yaml text. */
  async prepare(text: string, log: (l: string) => void = () => {}): Promise<string> {
    const prefix = join(this.#opts.envDir, `conda-${envKey("conda", text)}`);
    return withEnvLock(prefix, async () => {
      if (existsSync(join(prefix, "conda-meta"))) return prefix;
      await mkdir(this.#opts.envDir, { recursive: true });
      const file = `${prefix}.environment.yaml`;
      await writeFile(file, text);
      log(`conda env create -f environment.yaml -p ${prefix}`);
      log(await run(this.conda, ["env", "create", "--quiet", "-f", file, "-p", prefix], { timeoutMs: 60 * 60_000 }));
      return prefix;
    });
  }

  async load(lw: LearnwareDir, opts: LoadOptions = {}): Promise<WorkerModelHandle> {
    const model = lw.pkg.model;
    if (model.kind !== "python") throw new TypeError(`conda backend cannot run a ${model.kind} learnware`);
    const avail = await this.available();
    if (!avail.ok) throw new LearnwareError("BACKEND_UNAVAILABLE", avail.reason!);
    const env = lw.pkg.environment;
    // A pip-only learnware gets a conda env with python and its requirements under pip.
    const text =
      env?.kind === "conda"
        ? env.text
        : `dependencies:\n  - python=3.11\n  - numpy\n  - pip\n  - pip:\n${(env?.text ?? "")
            .split(/\r?\n/)
            .filter((l) => l.trim() && !l.trim().startsWith("#"))
            .map((l) => `    - ${l.trim()}`)
            .join("\n")}\n`;
    const prefix = await this.prepare(text, opts.log);
    // The env's own interpreter runs in the sandbox (`conda run` would need conda's whole
    // installation inside it); the prefix is mounted read-only where conda made it.
    const sandbox = this.#opts.sandbox;
    const shim: Mount = { src: PYTHON_SHIM_DIR, dest: "/opt/lw/python" };
    const pkg: Mount = { src: PYTHON_PKG_DIR, dest: "/opt/lw/pkg" };
    const root: Mount = { src: lw.root, dest: "/learnware" };
    const limits = instanceLimits(sandbox, this.#opts.limits, opts.memoryLimitBytes);
    const handle = new WorkerModelHandle({
      backend: "conda",
      launch: () =>
        sandboxedWorker(sandbox, {
          name: `conda:${lw.digest.slice(0, 12)}`,
          command: join(prefix, "bin", "python"),
          args: ["-u", join(sandbox.inside(shim), "worker.py")],
          env: workerEnv({
            PATH: `${join(prefix, "bin")}:/usr/bin:/bin`,
            CONDA_PREFIX: prefix,
            LW_PYTHON_PKG: sandbox.inside(pkg),
            ...cudaEnv(opts.gpuDevices),
          }),
          cwd: sandbox.inside(root),
          mounts: [{ src: prefix }, shim, pkg, root],
          devices: gpuDeviceNodes(opts.gpuDevices),
          limits,
        }),
      load: { root: sandbox.inside(root), module_path: model.modulePath, class_name: model.className ?? "Model", kwargs: model.kwargs },
      loadTimeoutMs: this.#opts.loadTimeoutMs ?? 30_000,
      ...((opts.timeoutMs ?? this.#opts.callTimeoutMs) !== undefined ? { callTimeoutMs: (opts.timeoutMs ?? this.#opts.callTimeoutMs)! } : {}),
    });
    await handle.start();
    return handle;
  }
}
