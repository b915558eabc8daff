/**
 * The runner's side of the server job API (CONTRACTS.md): lease, heartbeat, complete,
 * and the version/package downloads a check needs.
 */
import { LearnwareError } from "../../core/errors.ts";

export interface Job {
  id: string;
  kind: string;
  learnwareId: string;
  version: number;
  attempts: number;
  payload: Record<string, unknown> | null;
}

export interface VersionInfo {
  semantic: unknown;
  statSpecs?: unknown;
  checkStatus?: number;
  [key: string]: unknown;
}

export class JobClient {
  readonly serverUrl: string;
  readonly runner: string;
  #token: string;

  constructor(serverUrl: string, token: string, runner: string) {
    this.serverUrl = serverUrl.replace(/\/+$/, "");
    this.#token = token;
    this.runner = runner;
  }

  async #fetch(path: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (init.json !== undefined) headers["content-type"] = "application/json";
    return fetch(`${this.serverUrl}${path}`, {
      method: init.method ?? "GET",
      headers,
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
  }

  async #fail(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => "");
    let code = res.status === 404 ? "NOT_FOUND" : res.status === 409 ? "CONFLICT" : "UPSTREAM_ERROR";
    let message = `${what} failed: HTTP ${res.status} ${text.slice(0, 300)}`;
    try {
      const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      if (e?.code) code = res.status === 409 ? "CONFLICT" : e.code;
      if (e?.message) message = `${what} failed: ${e.message}`;
    } catch {
      /* not JSON */
    }
    throw new LearnwareError(code, message, { status: res.status });
  }

  /** Leases the next job, or null when there is none. */
  async lease(kinds: string[], leaseSeconds: number): Promise<Job | null> {
    const res = await this.#fetch("/v1/jobs/lease", { method: "POST", json: { runner: this.runner, kinds, leaseSeconds } });
    if (res.status === 204) return null;
    if (!res.ok) return this.#fail(res, "Lease");
    return ((await res.json()) as { job: Job }).job;
  }

  /** Extends the lease; throws `CONFLICT` when it was lost. */
  async heartbeat(id: string, leaseSeconds: number): Promise<string> {
    const res = await this.#fetch(`/v1/jobs/${encodeURIComponent(id)}/heartbeat`, { method: "POST", json: { runner: this.runner, leaseSeconds } });
    if (!res.ok) return this.#fail(res, "Heartbeat");
    return ((await res.json()) as { leaseUntil: string }).leaseUntil;
  }

  async complete(id: string, status: "usable" | "invalid" | "error", log: string, details?: Record<string, unknown>): Promise<void> {
    const res = await this.#fetch(`/v1/jobs/${encodeURIComponent(id)}/complete`, {
      method: "POST",
      json: { runner: this.runner, status, log, ...(details ? { details } : {}) },
    });
    if (!res.ok) await this.#fail(res, "Complete");
  }

  async version(id: string, n: number | string): Promise<VersionInfo> {
    const res = await this.#fetch(`/v1/learnwares/${encodeURIComponent(id)}/versions/${n}`);
    if (!res.ok) return this.#fail(res, `Version ${id}/${n}`);
    const body = (await res.json()) as VersionInfo & { version?: VersionInfo };
    return body.version ?? body;
  }

  async package(id: string, n: number | string): Promise<Uint8Array> {
    const res = await this.#fetch(`/v1/learnwares/${encodeURIComponent(id)}/versions/${n}/package`);
    if (!res.ok) return this.#fail(res, `Package ${id}/${n}`);
    return new Uint8Array(await res.arrayBuffer());
  }
}
