/**
 * `docker`: Python learnwares in a container per instance, from a per-environment image
 * built locally on top of the base image (`runner/docker/build-base-image.sh`). The
 * learnware folder is mounted read-only, the container has no network (`--network none`),
 * a read-only root, a small /tmp, memory/CPU/pids limits, no capabilities, and runs as
 * `nobody`. The worker inside speaks the same framed protocol over `docker run -i`.
 *
 * Env images are keyed by a hash of `requirements.txt` (+ base image): with a wheelhouse
 * or an index configured the requirements are installed by `docker build`; otherwise the
 * base image is tagged as the env image and the requirements are checked inside it.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { LearnwareError } from "../../core/errors.ts";
import type { LearnwareDir } from "../learnwareDir.ts";
import { envKey, withEnvLock } from "../env/envCache.ts";
import { WorkerProcess, type ExitInfo, type WorkerSpec } from "../worker/workerProcess.ts";
import { formatRequirementReport, type Availability, type Backend, type LoadOptions, type RequirementReport } from "./backend.ts";
import { PYTHON_PKG_DIR, PYTHON_SHIM_DIR, WorkerModelHandle } from "../worker/workerModel.ts";
import { environmentRequirements, pipFailure } from "../env/requirements.ts";
import { run } from "./pythonVenv.ts";
import { dockerGpuArgs } from "../gpu.ts";

export interface DockerBackendOptions {
  /** Where env reports are cached. */
  envDir: string;
  docker?: string;
  baseImage?: string;
  cpus?: string;
  pidsLimit?: number;
  /** Default memory limit per container (bytes), when the load gives none. */
  memoryLimitBytes?: number;
  pipIndexUrl?: string;
  wheelhouse?: string;
  callTimeoutMs?: number;
  loadTimeoutMs?: number;
}

interface EnvInfo {
  image: string;
  report: RequirementReport[];
  installed: boolean;
}

/** What one worker container is started with. */
export interface DockerRunOptions {
  container: string;
  image: string;
  /** The learnware folder (mounted read-only at /learnware), or null. */
  root: string | null;
  memoryBytes: number;
  cpus: string;
  pidsLimit: number;
  /** GPU devices of the instance (`--gpus device=<uuid>`); none: no GPU. */
  gpuDevices?: string[];
}

/** The `docker run` arguments of a worker container (no network, read-only root, limits, its GPUs). */
export function dockerRunArgs(o: DockerRunOptions): string[] {
  return [
    "run",
    "-i",
    "--name",
    o.container,
    "--network",
    "none",
    "--memory",
    String(o.memoryBytes),
    "--memory-swap",
    String(o.memoryBytes),
    "--cpus",
    o.cpus,
    "--pids-limit",
    String(o.pidsLimit),
    "--user",
    "65534:65534",
    "--read-only",
    "--tmpfs",
    "/tmp:rw,nosuid,nodev,size=64m",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "-e",
    "HOME=/tmp",
    "-v",
    `${PYTHON_SHIM_DIR}:/opt/lw:ro`,
    "-v",
    `${PYTHON_PKG_DIR}:/opt/lw-pkg:ro`,
    "-e",
    "LW_PYTHON_PKG=/opt/lw-pkg",
    ...(o.root ? ["-v", `${o.root}:/learnware:ro`, "-w", "/learnware"] : []),
    ...dockerGpuArgs(o.gpuDevices),
    o.image,
    "python3",
    "-u",
    "/opt/lw/worker.py",
  ];
}

export class DockerBackend implements Backend {
  readonly name = "docker" as const;
  readonly docker: string;
  readonly baseImage: string;
  #opts: DockerBackendOptions;

  constructor(opts: DockerBackendOptions) {
    this.#opts = opts;
    this.docker = opts.docker ?? process.env.LW_DOCKER ?? "docker";
    this.baseImage = opts.baseImage ?? process.env.LW_DOCKER_BASE_IMAGE ?? "lw-base:bookworm";
  }

  async available(): Promise<Availability> {
    const v = spawnSync(this.docker, ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 10_000 });
    if (v.error) return { ok: false, reason: `docker CLI '${this.docker}' not found (${v.error.message})` };
    if (v.status !== 0) return { ok: false, reason: `docker engine not reachable: ${(v.stderr || v.stdout).trim().split("\n")[0]}` };
    if (!this.#imageExists(this.baseImage)) {
      return { ok: false, reason: `base image ${this.baseImage} is missing: run runner/docker/build-base-image.sh` };
    }
    return { ok: true };
  }

  #imageExists(image: string): boolean {
    return spawnSync(this.docker, ["image", "inspect", image], { stdio: "ignore", timeout: 10_000 }).status === 0;
  }

  /** Builds (or reuses) the env image for a requirements text. */
  async prepare(requirements: string, log: (l: string) => void = () => {}): Promise<EnvInfo> {
    const key = envKey("pip", requirements, this.baseImage);
    const image = `lw-env:${key}`;
    const reportFile = join(this.#opts.envDir, `docker-${key}.json`);
    return withEnvLock(join(this.#opts.envDir, `docker-${key}`), async () => {
      if (existsSync(reportFile) && this.#imageExists(image)) return JSON.parse(await readFile(reportFile, "utf8")) as EnvInfo;
      await mkdir(this.#opts.envDir, { recursive: true });
      const install = requirements.trim() !== "" && (this.#opts.wheelhouse !== undefined || this.#opts.pipIndexUrl !== undefined);
      if (install) {
        const ctx = await mkdtemp(join(tmpdir(), "lw-docker-ctx-"));
        try {
          await writeFile(join(ctx, "requirements.txt"), requirements);
          let source = `--index-url ${this.#opts.pipIndexUrl}`;
          let copy = "";
          if (this.#opts.wheelhouse) {
            await cp(this.#opts.wheelhouse, join(ctx, "wheels"), { recursive: true });
            copy = "COPY wheels /tmp/wheels\n";
            source = "--no-index --find-links /tmp/wheels";
          }
          await writeFile(
            join(ctx, "Dockerfile"),
            `FROM ${this.baseImage}\nUSER 0\nCOPY requirements.txt /opt/lw-env/requirements.txt\n${copy}RUN python3 -m pip install --no-cache-dir --break-system-packages --only-binary=:all: ${source} -r /opt/lw-env/requirements.txt && rm -rf /tmp/wheels\nUSER 65534:65534\nLABEL lw.env=${key}\n`,
          );
          log(`building env image ${image} from ${this.baseImage}`);
          try {
            log(await run(this.docker, ["build", "-q", "-t", image, ctx], { timeoutMs: 30 * 60_000 }));
          } catch (e) {
            const output = e instanceof LearnwareError ? (e.details as { output?: string } | undefined)?.output : undefined;
            throw output !== undefined && /pip install/.test(output) ? pipFailure(output) : e;
          }
        } finally {
          await rm(ctx, { recursive: true, force: true });
        }
      } else {
        // Nothing to install: the env image is the base image under the env's name.
        await run(this.docker, ["tag", this.baseImage, image]);
      }
      const w = new WorkerProcess(this.#spec(image, null, "requirements-check", undefined));
      try {
        const { report } = await w.call("requirements", { text: requirements }, { timeoutMs: 120_000 });
        const info: EnvInfo = { image, report, installed: install };
        await writeFile(reportFile, JSON.stringify(info));
        return info;
      } finally {
        await w.close();
      }
    });
  }

  #spec(image: string, root: string | null, name: string, memoryLimitBytes: number | undefined, gpuDevices?: string[]): WorkerSpec {
    const container = `lw-${randomBytes(6).toString("hex")}`;
    const args = dockerRunArgs({
      container,
      image,
      root,
      memoryBytes: memoryLimitBytes ?? this.#opts.memoryLimitBytes ?? 1024 * 1024 * 1024,
      cpus: this.#opts.cpus ?? "1",
      pidsLimit: this.#opts.pidsLimit ?? 64,
      ...(gpuDevices ? { gpuDevices } : {}),
    });
    const docker = this.docker;
    return {
      name: `docker:${name}`,
      command: docker,
      args,
      terminate: () => {
        spawnSync(docker, ["kill", container], { stdio: "ignore", timeout: 10_000 });
      },
      cleanup: (info: ExitInfo): ExitInfo => {
        const oom = spawnSync(docker, ["inspect", "-f", "{{.State.OOMKilled}}", container], { encoding: "utf8", timeout: 10_000 });
        spawnSync(docker, ["rm", "-f", container], { stdio: "ignore", timeout: 30_000 });
        if (oom.stdout?.trim() === "true" && info.reason !== "timeout") return { ...info, reason: "oom" };
        return info;
      },
    };
  }

  async load(lw: LearnwareDir, opts: LoadOptions = {}): Promise<WorkerModelHandle> {
    const model = lw.pkg.model;
    if (model.kind !== "python") throw new TypeError(`docker backend cannot run a ${model.kind} learnware`);
    const avail = await this.available();
    if (!avail.ok) throw new LearnwareError("BACKEND_UNAVAILABLE", `Docker backend unavailable: ${avail.reason}`);
    const log = opts.log ?? (() => {});
    const requirements = environmentRequirements(lw.pkg.environment);
    const env = await this.prepare(requirements, log);
    for (const l of formatRequirementReport(env.report, env.installed)) log(l);
    const handle = new WorkerModelHandle({
      backend: "docker",
      launch: () => this.#spec(env.image, lw.root, lw.digest.slice(0, 12), opts.memoryLimitBytes, opts.gpuDevices),
      load: { root: "/learnware", module_path: model.modulePath, class_name: model.className ?? "Model", kwargs: model.kwargs },
      loadTimeoutMs: this.#opts.loadTimeoutMs ?? 30_000,
      ...((opts.timeoutMs ?? this.#opts.callTimeoutMs) !== undefined ? { callTimeoutMs: (opts.timeoutMs ?? this.#opts.callTimeoutMs)! } : {}),
    });
    await handle.start();
    return handle;
  }
}
