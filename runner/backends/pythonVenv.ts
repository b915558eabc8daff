/**
 * `python-venv`: Python learnwares in a virtual environment made from Debian's python3
 * with `--system-site-packages` (so numpy, scikit-learn, torch from apt are visible).
 * `requirements.txt` (or an `environment.yaml`'s dependencies, see `../env/requirements.ts`)
 * is installed when a package index (`LW_PIP_INDEX_URL`) or a local wheelhouse
 * (`LW_PIP_WHEELHOUSE`) is configured: a requirement pip cannot satisfy from it fails the
 * load with `REQUIREMENT_UNSATISFIABLE` (the check: INVALID, with pip's reason), while an
 * unreachable index stays the runner's failure (`ENV_FAILED`: pending). Without either, the
 * requirements are checked against what is present and the report says which are missing. Venvs are cached by a
 * hash of the requirements and reused.
 *
 * The worker runs inside the sandbox (`../sandbox/sandbox.ts`): the learnware folder at
 * `/learnware`, the venv and the worker shim read-only, nothing else of the host's files,
 * no network, a clean environment, resource limits, a resident-memory watchdog and
 * per-call timeouts. Requirements are installed as wheels only (`--only-binary=:all:`),
 * so no package's build script runs outside the sandbox.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LearnwareError } from "../../core/errors.ts";
import type { LearnwareDir } from "../learnwareDir.ts";
import { envKey, withEnvLock } from "../env/envCache.ts";
import { environmentRequirements, pipFailure } from "../env/requirements.ts";
import { WorkerProcess } from "../worker/workerProcess.ts";
import { formatRequirementReport, type Availability, type Backend, type LoadOptions, type RequirementReport } from "./backend.ts";
import type { Mount, Sandbox, SandboxLimits } from "../sandbox/sandbox.ts";
import { PYTHON_PKG_DIR, PYTHON_SHIM_DIR, sandboxedWorker, WorkerModelHandle, workerEnv, instanceLimits } from "../worker/workerModel.ts";
import { cudaEnv, gpuDeviceNodes } from "../gpu.ts";
import { populate, type WarmPool } from "../pool/warmPool.ts";

export interface VenvBackendOptions {
  sandbox: Sandbox;
  limits?: Partial<SandboxLimits>;
  /** Base interpreter (default `LW_PYTHON` or `/usr/bin/python3`). */
  python?: string;
  /** Where venvs are kept (one folder per requirements hash). */
  envDir: string;
  pipIndexUrl?: string;
  wheelhouse?: string;
  callTimeoutMs?: number;
  loadTimeoutMs?: number;
  /** Pre-warmed sandboxed workers per venv (`../pool/warmPool.ts`); none: every load launches. */
  warm?: WarmPool;
}

/** Runs a command, collecting its output; rejects with the output tail on failure. */
export function run(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? (process.env as Record<string, string>), cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out = (out + d).slice(-20000)));
    child.stderr.on("data", (d) => (out = (out + d).slice(-20000)));
    const t = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", (e) => reject(new LearnwareError("ENV_FAILED", `Cannot run ${cmd}: ${e.message}`)));
    child.on("close", (code) => {
      if (t) clearTimeout(t);
      if (code === 0) resolve(out);
      else
        reject(
          new LearnwareError("ENV_FAILED", `${cmd} ${args.join(" ")} failed (exit ${code}):\n${out.trim().split("\n").slice(-15).join("\n")}`, { output: out }),
        );
    });
  });
}

export class VenvBackend implements Backend {
  readonly name = "python-venv" as const;
  readonly python: string;
  #opts: VenvBackendOptions;

  constructor(opts: VenvBackendOptions) {
    this.#opts = opts;
    this.python = opts.python ?? process.env.LW_PYTHON ?? "/usr/bin/python3";
  }

  async available(): Promise<Availability> {
    if (!existsSync(this.python)) return { ok: false, reason: `Python interpreter ${this.python} not found (install python3)` };
    return this.#opts.sandbox.check();
  }

  /** The spec of a sandboxed worker in the venv `dir`, with `root` (if any) at `/learnware`. */
  #worker(name: string, dir: string, root: string | null, memoryLimitBytes?: number, gpuDevices?: string[]) {
    const sandbox = this.#opts.sandbox;
    const shim: Mount = { src: PYTHON_SHIM_DIR, dest: "/opt/lw/python" };
    const pkg: Mount = { src: PYTHON_PKG_DIR, dest: "/opt/lw/pkg" };
    const mounts: Mount[] = [{ src: dir }, shim, pkg];
    const lw: Mount | null = root === null ? null : { src: root, dest: "/learnware" };
    if (lw) mounts.push(lw);
    const limits = instanceLimits(sandbox, this.#opts.limits, memoryLimitBytes);
    return sandboxedWorker(sandbox, {
      name,
      command: join(dir, "bin", "python"),
      args: ["-u", join(sandbox.inside(shim), "worker.py")],
      env: workerEnv({ VIRTUAL_ENV: dir, LW_PYTHON_PKG: sandbox.inside(pkg), ...cudaEnv(gpuDevices) }),
      devices: gpuDeviceNodes(gpuDevices),
      ...(lw ? { cwd: sandbox.inside(lw) } : {}),
      mounts,
      limits,
    });
  }

  /** Creates (or reuses) the venv for a requirements text; returns its folder and report. */
  async prepare(requirements: string, log: (l: string) => void = () => {}): Promise<{ dir: string; report: RequirementReport[]; installed: boolean }> {
    const key = envKey("pip", requirements, this.python);
    const dir = join(this.#opts.envDir, `venv-${key}`);
    const reportFile = join(dir, "lw-requirements-report.json");
    return withEnvLock(dir, async () => {
      if (existsSync(reportFile)) {
        return JSON.parse(await readFile(reportFile, "utf8")) as { dir: string; report: RequirementReport[]; installed: boolean };
      }
      await mkdir(this.#opts.envDir, { recursive: true });
      log(`creating venv ${dir} (${this.python} --system-site-packages)`);
      await run(this.python, ["-m", "venv", "--system-site-packages", "--without-pip", dir], { timeoutMs: 120_000 });
      let installed = false;
      if (requirements.trim() !== "" && (this.#opts.pipIndexUrl || this.#opts.wheelhouse)) {
        const reqFile = join(dir, "lw-requirements.txt");
        await writeFile(reqFile, requirements);
        const wheelhouse = this.#opts.wheelhouse;
        if (wheelhouse && !existsSync(wheelhouse))
          throw new LearnwareError("ENV_FAILED", `The wheelhouse ${wheelhouse} (LW_PIP_WHEELHOUSE) does not exist on this runner`);
        const source = wheelhouse ? ["--no-index", "--find-links", wheelhouse] : ["--index-url", this.#opts.pipIndexUrl!, "--retries", "1", "--timeout", "20"];
        log(`installing requirements from ${wheelhouse ?? this.#opts.pipIndexUrl}`);
        // The venv has no pip of its own; Debian's pip (system site packages) installs into it.
        try {
          log(
            await run(join(dir, "bin", "python"), ["-m", "pip", "install", "--disable-pip-version-check", "--only-binary=:all:", "-r", reqFile, ...source], {
              timeoutMs: 20 * 60_000,
            }),
          );
        } catch (e) {
          // A half-made venv must not be reused: the next attempt starts over.
          await rm(dir, { recursive: true, force: true });
          const output = e instanceof LearnwareError ? (e.details as { output?: string } | undefined)?.output : undefined;
          throw output !== undefined ? pipFailure(output) : e;
        }
        installed = true;
      }
      const w = new WorkerProcess(this.#worker("requirements-check", dir, null));
      try {
        const { report } = await w.call("requirements", { text: requirements }, { timeoutMs: 60_000 });
        const result = { dir, report, installed };
        await writeFile(reportFile, JSON.stringify(result));
        return result;
      } finally {
        await w.close();
      }
    });
  }

  async load(lw: LearnwareDir, opts: LoadOptions = {}): Promise<WorkerModelHandle> {
    const model = lw.pkg.model;
    if (model.kind !== "python") throw new TypeError(`python-venv backend cannot run a ${model.kind} learnware`);
    const log = opts.log ?? (() => {});
    const requirements = environmentRequirements(lw.pkg.environment);
    if (lw.pkg.environment?.kind === "conda")
      log(`environment.yaml found; its dependencies as pip requirements: ${requirements.split("\n").filter(Boolean).join(", ") || "(none)"}`);
    const env = await this.prepare(requirements, log);
    for (const l of formatRequirementReport(env.report, env.installed)) log(l);
    // A pre-warmed worker started without devices: a GPU instance always launches its own.
    const warmPool = opts.gpuDevices?.length ? undefined : this.#opts.warm;
    let root = this.#opts.sandbox.inside({ src: lw.root, dest: "/learnware" });
    const warm = warmPool
      ? async () => {
          // same sandbox and limits as a launch; its /learnware is its own staging folder, filled now
          const key = `${env.dir}\0${opts.memoryLimitBytes ?? ""}`;
          const got = await warmPool.take(key, (staging) => this.#worker(`python-venv:warm`, env.dir, staging, opts.memoryLimitBytes));
          if (!got) return null;
          try {
            await populate(lw.root, got.staging);
          } catch {
            got.worker.kill("closed");
            return null;
          }
          root = this.#opts.sandbox.inside({ src: got.staging, dest: "/learnware" });
          return got.worker;
        }
      : undefined;
    const load = {
      get root() {
        return root;
      },
      module_path: model.modulePath,
      class_name: model.className ?? "Model",
      kwargs: model.kwargs,
    };
    const handle = new WorkerModelHandle({
      backend: "python-venv",
      launch: () => {
        root = this.#opts.sandbox.inside({ src: lw.root, dest: "/learnware" });
        return this.#worker(`python-venv:${lw.digest.slice(0, 12)}`, env.dir, lw.root, opts.memoryLimitBytes, opts.gpuDevices);
      },
      ...(warm ? { warm } : {}),
      ...(opts.onStart ? { onStart: opts.onStart } : {}),
      load,
      ...(this.#opts.loadTimeoutMs !== undefined ? { loadTimeoutMs: this.#opts.loadTimeoutMs } : {}),
      ...((opts.timeoutMs ?? this.#opts.callTimeoutMs) !== undefined ? { callTimeoutMs: (opts.timeoutMs ?? this.#opts.callTimeoutMs)! } : {}),
    });
    await handle.start();
    return handle;
  }
}
