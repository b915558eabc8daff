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
import { PYTHON_SHIM_DIR, PythonModelHandle, workerEnv } from "./pythonModel.ts";
import { run } from "./pythonVenv.ts";

export interface CondaBackendOptions {
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
    if (r.error || r.status !== 0) return { ok: false, reason: `conda is not installed here ('${this.conda} --version' failed); use the python-venv or docker backend` };
    return { ok: true };
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

  async load(lw: LearnwareDir, opts: LoadOptions = {}): Promise<PythonModelHandle> {
    const model = lw.pkg.model;
    if (model.kind !== "python") throw new TypeError(`conda backend cannot run a ${model.kind} learnware`);
    const avail = await this.available();
    if (!avail.ok) throw new LearnwareError("BACKEND_UNAVAILABLE", avail.reason!);
    const env = lw.pkg.environment;
    // A pip-only learnware gets a conda env with python and its requirements under pip.
    const text = env?.kind === "conda"
      ? env.text
      : `dependencies:\n  - python=3.11\n  - numpy\n  - pip\n  - pip:\n${(env?.text ?? "").split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith("#")).map((l) => `    - ${l.trim()}`).join("\n")}\n`;
    const prefix = await this.prepare(text, opts.log);
    const handle = new PythonModelHandle({
      backend: "conda",
      launch: () => ({
        name: `conda:${lw.digest.slice(0, 12)}`,
        command: this.conda,
        args: ["run", "-p", prefix, "--no-capture-output", "python", "-u", join(PYTHON_SHIM_DIR, "worker.py")],
        env: workerEnv({ PATH: process.env.PATH ?? "/usr/bin:/bin" }),
        cwd: lw.root,
        ...(opts.memoryLimitBytes !== undefined ? { memoryLimitBytes: opts.memoryLimitBytes } : {}),
      }),
      load: { root: lw.root, module_path: model.modulePath, class_name: model.className ?? "Model", kwargs: model.kwargs },
      loadTimeoutMs: this.#opts.loadTimeoutMs ?? 300_000,
      ...((opts.timeoutMs ?? this.#opts.callTimeoutMs) !== undefined ? { callTimeoutMs: (opts.timeoutMs ?? this.#opts.callTimeoutMs)! } : {}),
    });
    await handle.start();
    return handle;
  }
}
