/**
 * The runner's GPUs: which it has (`LW_RUNNER_GPUS` = a comma list of device UUIDs, or `auto`
 * = ask `nvidia-smi` on PATH; a missing binary means no GPUs), and which device each loaded
 * instance of a GPU learnware gets — the least loaded, given back when the instance is
 * disposed. A sandboxed Python worker sees its devices through `CUDA_VISIBLE_DEVICES`; a
 * docker container gets `--gpus device=<uuid>`.
 *
 * @example
 * ```ts ignore
 * const gpus = new GpuAllocator(["GPU-a", "GPU-b"]);
 * const d1 = gpus.acquire(1); // ["GPU-a"]
 * const d2 = gpus.acquire(1); // ["GPU-b"] (the least loaded)
 * gpus.release(d1);
 * ```
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { LearnwareError } from "../core/errors.ts";
import type { Backend } from "./backends/backend.ts";

/** One GPU as `nvidia-smi` describes it (a configured UUID has no name or memory). */
export interface GpuDevice {
  uuid: string;
  name?: string;
  memoryMiB?: number;
}

/** The query the runner runs with `LW_RUNNER_GPUS=auto`. */
export const NVIDIA_SMI_ARGS = ["--query-gpu=uuid,name,memory.total", "--format=csv,noheader"] as const;

/** Parses `GPU-8f3c…, NVIDIA A100-SXM4-40GB, 40960 MiB` lines (blank lines skipped). */
export function parseNvidiaSmi(out: string): GpuDevice[] {
  const devices: GpuDevice[] = [];
  for (const line of out.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const parts = line.split(",").map((p) => p.trim());
    const uuid = parts[0] ?? "";
    if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(uuid)) throw new RangeError(`nvidia-smi printed a line without a device UUID: '${line.slice(0, 120)}'`);
    const d: GpuDevice = { uuid };
    const name = parts.slice(1, -1).join(", ");
    if (name !== "") d.name = name;
    const mem = /^(\d+(?:\.\d+)?)\s*MiB$/i.exec(parts.at(-1) ?? "");
    if (parts.length >= 3 && mem) d.memoryMiB = Number(mem[1]);
    devices.push(d);
  }
  return devices;
}

/**
 * The runner's GPUs from its setting: unset or `""` → none; `auto` → `nvidia-smi` (looked up on
 * PATH; missing or failing → none, with the reason in `note`); else a comma list of UUIDs.
 */
export function detectGpus(setting: string | undefined, opts: { nvidiaSmi?: string; path?: string | undefined } = {}): { devices: GpuDevice[]; note?: string } {
  const nvidiaSmi = opts.nvidiaSmi ?? "nvidia-smi";
  const s = (setting ?? "").trim();
  if (s === "" || s === "none") return { devices: [] };
  if (s !== "auto") {
    const uuids = s
      .split(",")
      .map((u) => u.trim())
      .filter((u) => u !== "");
    for (const u of uuids) if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(u)) throw new RangeError(`LW_RUNNER_GPUS holds '${u}', which is not a device UUID`);
    return { devices: [...new Set(uuids)].map((uuid) => ({ uuid })) };
  }
  // Looked up on the given PATH (the runner's environment), else the process's.
  const env = opts.path !== undefined ? { ...process.env, PATH: opts.path } : process.env;
  const r = spawnSync(nvidiaSmi, [...NVIDIA_SMI_ARGS], { encoding: "utf8", timeout: 20_000, env });
  if (r.error) return { devices: [], note: `${nvidiaSmi} not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): no GPUs` };
  if (r.status !== 0) return { devices: [], note: `${nvidiaSmi} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n")[0]}: no GPUs` };
  try {
    return { devices: parseNvidiaSmi(r.stdout) };
  } catch (e) {
    return { devices: [], note: `${(e as Error).message}: no GPUs` };
  }
}

/** Hands each instance the least loaded devices (ties: the order given); pure bookkeeping. */
export class GpuAllocator {
  readonly devices: readonly string[];
  #load = new Map<string, number>();

  constructor(devices: readonly string[]) {
    this.devices = [...devices];
    for (const d of devices) this.#load.set(d, 0);
  }

  /** `n` distinct devices, the least loaded first; `GPU_UNAVAILABLE` when the runner has fewer. */
  acquire(n: number): string[] {
    if (n <= 0) return [];
    if (n > this.devices.length) {
      throw new LearnwareError("GPU_UNAVAILABLE", `The learnware needs ${n} GPU device(s); this runner has ${this.devices.length} (LW_RUNNER_GPUS)`, {
        needed: n,
        available: this.devices.length,
      });
    }
    const picked = [...this.devices]
      .map((d, i) => ({ d, i, load: this.#load.get(d)! }))
      .sort((a, b) => a.load - b.load || a.i - b.i)
      .slice(0, n)
      .map((x) => x.d);
    for (const d of picked) this.#load.set(d, this.#load.get(d)! + 1);
    return picked;
  }

  /** Gives devices back (once per acquire). */
  release(devices: readonly string[]): void {
    for (const d of devices) {
      const n = this.#load.get(d);
      if (n !== undefined && n > 0) this.#load.set(d, n - 1);
    }
  }

  /** Instances per device now. */
  loads(): Record<string, number> {
    return Object.fromEntries(this.#load);
  }
}

/**
 * The NVIDIA device nodes a sandboxed GPU worker needs in its /dev (`nvidiactl`, `nvidia-uvm`,
 * `nvidia-uvm-tools`, `nvidia-modeset`, `nvidia<N>`): every one present is bound and
 * `CUDA_VISIBLE_DEVICES` picks the instance's devices. None for a CPU instance.
 */
export function gpuDeviceNodes(devices: readonly string[] | undefined, devDir = "/dev"): string[] {
  if (!devices || devices.length === 0) return [];
  let names: string[];
  try {
    names = readdirSync(devDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^nvidia(\d+|ctl|-uvm|-uvm-tools|-modeset)$/.test(n))
    .sort()
    .map((n) => join(devDir, n));
}

/** The environment a sandboxed worker gets for its devices (none: nothing added). */
export function cudaEnv(devices: readonly string[] | undefined): Record<string, string> {
  return devices && devices.length > 0 ? { CUDA_VISIBLE_DEVICES: devices.join(",") } : {};
}

/** `docker run` arguments for the devices: `--gpus device=<uuid>` (several: `"device=a,b"`, docker's CSV form). */
export function dockerGpuArgs(devices: readonly string[] | undefined): string[] {
  if (!devices || devices.length === 0) return [];
  return ["--gpus", devices.length === 1 ? `device=${devices[0]}` : `"device=${devices.join(",")}"`];
}

/** A backend whose every load gets these devices (a check job's instance). */
export function withGpuDevices(backend: Backend, devices: readonly string[]): Backend {
  if (devices.length === 0) return backend;
  return {
    name: backend.name,
    available: () => backend.available(),
    load: (lw, opts = {}) => backend.load(lw, { ...opts, gpuDevices: [...devices] }),
  };
}
