/**
 * Runner configuration from environment variables, with documented defaults.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `LW_RUNNER_PORT` | 8790 | model service port (`LW_PORT` is the server's) |
 * | `LW_RUNNER_HOST` | 127.0.0.1 | model service bind address |
 * | `LW_DATA_DIR` (or `LW_DATA`) | `./.lw-data` | data folder shared with the server; the runner uses `<dir>/runner` (packages, envs, instances) |
 * | `LW_POOL_SIZE` | 0 | most loaded model instances (0: no count bound, the pool is sized by `LW_POOL_MEMORY`) |
 * | `LW_POOL_MEMORY` | 2g | most resident memory of loaded instances (`512m`, `2g`, bytes) |
 * | `LW_WARM_WORKERS` | 1 | pre-warmed sandboxed Python workers kept per environment (python-venv; 0: off) |
 * | `LW_WARM_IMPORTS` | numpy,learnware.model | modules a pre-warmed worker imports before its learnware arrives (e.g. add sklearn,torch) |
 * | `LW_INSTANCE_MEMORY` | 1g | memory limit per worker process / container |
 * | `LW_WORKERS` | 1 | check jobs run concurrently |
 * | `LW_BATCH_MAX` | 64 | most rows in one micro-batch |
 * | `LW_BATCH_WAIT_MS` | 2 | longest wait to fill a micro-batch |
 * | `LW_CALL_TIMEOUT_MS` | 60000 | per-call timeout (predict, fit) |
 * | `LW_LOAD_TIMEOUT_MS` | 30000 | time a learnware may take to load (after its environment is ready) |
 * | `LW_SANDBOX` | bwrap | `bwrap` (bubblewrap, the default; the runner refuses uploaded code when it cannot start) or `none` (no sandbox: a single trusted user only) |
 * | `LW_SANDBOX_PIDS`, `LW_SANDBOX_TMP`, `LW_SANDBOX_CPU_SECONDS`, `LW_SANDBOX_VM_SLACK` | 64, 64m, 3600, 2g | per-sandbox processes, `/tmp` and file size, CPU seconds per worker, address space beyond the memory limit |
 * | `LW_SANDBOX_UID_BASE` | 200000 | first of the uids given to sandboxes (runner as root) |
 * | `LW_BWRAP` | /usr/bin/bwrap | the bubblewrap executable |
 * | `LW_PYTHON_BACKEND` | python-venv | backend for Python learnwares: python-venv, conda, docker |
 * | `LW_PYTHON` | /usr/bin/python3 | base interpreter for venvs |
 * | `LW_PIP_INDEX_URL`, `LW_PIP_WHEELHOUSE` | unset | where requirements are installed from (else only checked) |
 * | `LW_DOCKER`, `LW_DOCKER_BASE_IMAGE`, `LW_DOCKER_CPUS`, `LW_DOCKER_PIDS` | docker, lw-base:bookworm, 1, 64 | docker backend |
 * | `LW_CONDA` | conda | conda executable |
 * | `LW_SERVER_URL`, `LW_TOKEN` (or `LW_TOKEN_FILE`) | unset | the market server and a `runner`-scoped token (job loop); an admin token is refused |
 * | `LW_RUNNER_NAME` | `runner-<host>-<pid>` | name used in job leases |
 * | `LW_LEASE_SECONDS`, `LW_POLL_MS` | 60, 2000 | job lease length, idle poll interval |
 * | `LW_RUNNER_GPUS` | unset (no GPUs) | the GPUs this runner offers: a comma list of device UUIDs, or `auto` (`nvidia-smi --query-gpu=uuid,name,memory.total --format=csv,noheader` on PATH; missing: none) |
 * | `LW_RUNNER_LABELS` | unset | comma list of labels this runner carries (e.g. `cuda12,a100`); a job whose learnware needs a label it lacks is never leased by it |
 * | `AIPOD_LISTEN_PORT`, `AIPOD_MODEL_POOL_SIZE` | unset | AIPOD's names for `LW_RUNNER_PORT` and `LW_POOL_SIZE` (the `LW_` setting wins when both are set) |
 * | `AIPOD_DATA_PATH` | `<data>/runner/instances` | the model instances' data folders (`<path>/<model>/<version>/`) |
 * | `AIPOD_RPC_MAX_WORKERS` | unlimited | most model-service requests handled at once (more wait their turn) |
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

import { RESOURCE_LABEL } from "../core/package/learnwareYaml.ts";
import { detectGpus, type GpuDevice } from "./gpu.ts";
import type { SandboxLimits, SandboxMode } from "./sandbox/sandbox.ts";

export type PythonBackendName = "python-venv" | "conda" | "docker";

export interface RunnerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Where instances keep their data folders (AIPOD_DATA_PATH; default `<dataDir>/instances`). */
  instancesDir: string;
  /** Most model-service requests handled at once (AIPOD_RPC_MAX_WORKERS; 0 = no limit). */
  maxConcurrentRequests: number;
  /** Most loaded instances (`Infinity`: bounded by memory only). */
  poolSize: number;
  /** Pre-warmed Python workers per environment (0: off). */
  warmWorkers: number;
  /** Modules they import while waiting. */
  warmImports: string[];
  poolMemoryBytes: number;
  instanceMemoryBytes: number;
  workers: number;
  batchMax: number;
  batchWaitMs: number;
  callTimeoutMs: number;
  loadTimeoutMs: number;
  sandbox: SandboxMode;
  sandboxLimits: Omit<SandboxLimits, "memoryBytes">;
  sandboxUidBase: number;
  bwrap: string;
  pythonBackend: PythonBackendName;
  python: string;
  pipIndexUrl?: string;
  wheelhouse?: string;
  docker: string;
  dockerBaseImage: string;
  dockerCpus: string;
  dockerPids: number;
  conda: string;
  serverUrl?: string;
  token?: string;
  runnerName: string;
  leaseSeconds: number;
  pollMs: number;
  /** The GPUs this runner offers (`LW_RUNNER_GPUS`); empty: a CPU runner. */
  gpus: GpuDevice[];
  /** Why `auto` found none (no nvidia-smi), for the start-up log. */
  gpuNote?: string;
  /** The labels it carries (`LW_RUNNER_LABELS`). */
  labels: string[];
}

/** Parses `512m`, `2g`, `1.5GiB`, `1048576` into bytes. */
export function parseBytes(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(v);
  if (!m) throw new RangeError(`Cannot parse '${v}' as a byte size (use e.g. 512m or 2g)`);
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g" | "t"];
  return Math.round(Number(m[1]) * mult);
}

function int(env: Record<string, string | undefined>, key: string, dflt: number): number {
  const v = env[key];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${key} must be a non-negative number, got '${v}'`);
  return n;
}

/** `LW_RUNNER_LABELS=cuda12, a100` → `["a100", "cuda12"]` (each a runner label, as learnware.yaml writes them). */
export function runnerLabels(v: string | undefined): string[] {
  const labels = (v ?? "")
    .split(",")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  for (const l of labels)
    if (!RESOURCE_LABEL.test(l)) throw new RangeError(`LW_RUNNER_LABELS holds '${l}', which is not a label (letters, digits and . _ + : -)`);
  return [...new Set(labels)].sort();
}

export function loadConfig(env: Record<string, string | undefined> = process.env): RunnerConfig {
  const backend = (env.LW_PYTHON_BACKEND ?? "python-venv") as PythonBackendName;
  if (!["python-venv", "conda", "docker"].includes(backend)) {
    throw new RangeError(`LW_PYTHON_BACKEND must be python-venv, conda or docker, got '${backend}'`);
  }
  const sandbox = (env.LW_SANDBOX || "bwrap") as SandboxMode;
  if (!["bwrap", "none"].includes(sandbox)) throw new RangeError(`LW_SANDBOX must be bwrap or none, got '${sandbox}'`);
  const cfg: RunnerConfig = {
    port: int(env, "LW_RUNNER_PORT", int(env, "AIPOD_LISTEN_PORT", 8790)),
    host: env.LW_RUNNER_HOST ?? "127.0.0.1",
    dataDir: join(resolve(env.LW_DATA_DIR || env.LW_DATA || ".lw-data"), "runner"),
    instancesDir: env.AIPOD_DATA_PATH ? resolve(env.AIPOD_DATA_PATH) : join(resolve(env.LW_DATA_DIR || env.LW_DATA || ".lw-data"), "runner", "instances"),
    maxConcurrentRequests: int(env, "AIPOD_RPC_MAX_WORKERS", 0),
    poolSize: int(env, "LW_POOL_SIZE", int(env, "AIPOD_MODEL_POOL_SIZE", 0)) || Number.POSITIVE_INFINITY,
    warmWorkers: Math.max(0, int(env, "LW_WARM_WORKERS", 1)),
    warmImports: (env.LW_WARM_IMPORTS ?? "numpy,learnware.model")
      .split(",")
      .map((m) => m.trim())
      .filter((m) => m !== ""),
    poolMemoryBytes: parseBytes(env.LW_POOL_MEMORY ?? "2g"),
    instanceMemoryBytes: parseBytes(env.LW_INSTANCE_MEMORY ?? "1g"),
    workers: Math.max(1, int(env, "LW_WORKERS", 1)),
    batchMax: Math.max(1, int(env, "LW_BATCH_MAX", 64)),
    batchWaitMs: int(env, "LW_BATCH_WAIT_MS", 2),
    callTimeoutMs: int(env, "LW_CALL_TIMEOUT_MS", 60_000),
    loadTimeoutMs: int(env, "LW_LOAD_TIMEOUT_MS", 30_000),
    sandbox,
    sandboxLimits: {
      processes: Math.max(8, int(env, "LW_SANDBOX_PIDS", 64)),
      tmpBytes: parseBytes(env.LW_SANDBOX_TMP ?? "64m"),
      cpuSeconds: Math.max(1, int(env, "LW_SANDBOX_CPU_SECONDS", 3600)),
      addressSlackBytes: parseBytes(env.LW_SANDBOX_VM_SLACK ?? "2g"),
      openFiles: 1024,
    },
    sandboxUidBase: int(env, "LW_SANDBOX_UID_BASE", 200_000),
    bwrap: env.LW_BWRAP || "/usr/bin/bwrap",
    pythonBackend: backend,
    python: env.LW_PYTHON ?? "/usr/bin/python3",
    docker: env.LW_DOCKER ?? "docker",
    dockerBaseImage: env.LW_DOCKER_BASE_IMAGE ?? "lw-base:bookworm",
    dockerCpus: env.LW_DOCKER_CPUS ?? "1",
    dockerPids: int(env, "LW_DOCKER_PIDS", 64),
    conda: env.LW_CONDA ?? "conda",
    runnerName: env.LW_RUNNER_NAME ?? `runner-${hostname()}-${process.pid}`,
    leaseSeconds: int(env, "LW_LEASE_SECONDS", 60),
    pollMs: int(env, "LW_POLL_MS", 2000),
    gpus: [],
    labels: runnerLabels(env.LW_RUNNER_LABELS),
  };
  const gpus = detectGpus(env.LW_RUNNER_GPUS, { path: env.PATH });
  cfg.gpus = gpus.devices;
  if (gpus.note) cfg.gpuNote = gpus.note;
  if (env.LW_PIP_INDEX_URL) cfg.pipIndexUrl = env.LW_PIP_INDEX_URL;
  if (env.LW_PIP_WHEELHOUSE) cfg.wheelhouse = env.LW_PIP_WHEELHOUSE;
  // LW_SERVER is the one server setting (as for `lw`); LW_SERVER_URL is still read (deprecated).
  const serverUrl = env.LW_SERVER || env.LW_SERVER_URL;
  if (serverUrl) cfg.serverUrl = serverUrl.replace(/\/+$/, "");
  if (env.LW_TOKEN) cfg.token = env.LW_TOKEN;
  else if (env.LW_TOKEN_FILE) cfg.token = readFileSync(env.LW_TOKEN_FILE, "utf8").trim();
  return cfg;
}
