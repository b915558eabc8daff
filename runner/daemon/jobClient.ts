/**
 * The runner's side of the server job API (CONTRACTS.md): lease, heartbeat, complete,
 * and the version/package downloads a check needs — the typed client (`client/client.ts`)
 * bound to the runner's token, with every failure a `LearnwareError` naming the step.
 */
import { ApiError, LwClient } from "../../client/client.ts";
import type { Job as JobView, Version } from "../../client/contract.ts";
import { LearnwareError } from "../../core/errors.ts";
import type { z } from "zod";

/** A leased job, as the contract's `leaseJob` answers it. */
export type Job = z.infer<typeof JobView>;

/** A version as the contract's `getLearnwareVersion` answers it (the runner reads `semantic` and `statSpecs`). */
export type VersionInfo = z.infer<typeof Version>;

/**
 * What a runner offers (sent at registration and with every lease): GPU devices, labels and
 * backends decide which jobs it may lease; its sandbox kind, CPUs, memory and the GPUs' model
 * and memory are reported to the market's runner list.
 */
export interface Capabilities {
  gpus: number;
  labels: string[];
  backends: string[];
  sandbox?: "bwrap" | "docker" | "none";
  cpus?: number;
  memoryBytes?: number;
  gpuDevices?: { uuid: string; name?: string; memoryMiB?: number }[];
}

export class JobClient {
  readonly serverUrl: string;
  readonly runner: string;
  #api: LwClient;

  constructor(serverUrl: string, token: string, runner: string) {
    this.serverUrl = serverUrl.replace(/\/+$/, "");
    this.runner = runner;
    this.#api = new LwClient({ baseUrl: this.serverUrl, token });
  }

  /** Runs one call; an error answer becomes `LearnwareError(code, "<what> failed: …", {status})` (409 is always CONFLICT: a lost lease). */
  async #step<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const code = e.status === 409 ? "CONFLICT" : e.code === "UPSTREAM_ERROR" && e.status === 404 ? "NOT_FOUND" : e.code;
      throw new LearnwareError(code, `${what} failed: ${e.message}`, { status: e.status });
    }
  }

  /** Leases the next job this runner can run (its `capabilities`: GPUs, labels, backends), or null when there is none. */
  async lease(kinds: string[], leaseSeconds: number, capabilities?: Capabilities): Promise<Job | null> {
    const json = { runner: this.runner, kinds, leaseSeconds, ...(capabilities ? { capabilities } : {}) };
    const r = await this.#step("Lease", () => this.#api.call("leaseJob", { json }));
    return r === null ? null : r.job;
  }

  /** Registers this runner and what it offers (the market lists it at `GET /v1/runners`). */
  async register(capabilities: Capabilities): Promise<void> {
    await this.#step("Register", () => this.#api.call("registerRunner", { json: { runner: this.runner, capabilities } }));
  }

  /** Extends the lease; throws `CONFLICT` when it was lost. */
  async heartbeat(id: string, leaseSeconds: number): Promise<string> {
    const r = await this.#step("Heartbeat", () => this.#api.call("heartbeatJob", { params: { id }, json: { runner: this.runner, leaseSeconds } }));
    return r.leaseUntil;
  }

  async complete(id: string, status: "usable" | "invalid" | "error", log: string, details?: Record<string, unknown>): Promise<void> {
    await this.#step("Complete", () =>
      this.#api.call("completeJob", { params: { id }, json: { runner: this.runner, status, log, ...(details ? { details } : {}) } }),
    );
  }

  async version(id: string, n: number | string): Promise<VersionInfo> {
    return this.#step(`Version ${id}/${n}`, () => this.#api.call("getLearnwareVersion", { params: { id, ref: n } }));
  }

  async package(id: string, n: number | string): Promise<Uint8Array> {
    return this.#step(`Package ${id}/${n}`, () => this.#api.bytes("getPackage", { params: { id, ref: n } }));
  }
}
