/**
 * An HTTP client of the market API for the `lw` server commands: the server from `--server`
 * or `LW_SERVER`, the token from `--token` or `LW_TOKEN`, and every failure (unreachable
 * server, API error envelope, bad URL) as a one-line `CliError` naming the problem.
 * Requests go through the typed client (`client/client.ts`): `call(operationId, …)` is typed
 * by the contract; `request` serves the few raw exchanges (bytes, event streams).
 */
import { ApiError, type CallInit, LwClient } from "../client/client.ts";
import type { ResultOf } from "../client/contract.ts";
import { type OperationId, routeOf } from "../client/routes.ts";
import { readErrorResponse } from "../core/errorEnvelope.ts";
import { resolveServer, resolveToken } from "./config.ts";
import { CliError } from "./errors.ts";

export interface ServerOptions {
  server?: string | undefined;
  token?: string | undefined;
}

/** The parseArgs options every server command accepts. */
export const serverArgs = {
  server: { type: "string" },
  token: { type: "string" },
} as const;

export interface RequestInit2 {
  json?: unknown;
  body?: BodyInit | Uint8Array;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
  /** Statuses to return instead of throwing (e.g. 204). */
  accept?: number[];
}

export class MarketClient {
  readonly base: string;
  readonly token: string | undefined;
  /** The typed client of the contract, bound to the same server and token. */
  readonly api: LwClient;

  constructor(opts: ServerOptions, env: Record<string, string | undefined> = process.env) {
    const server = resolveServer(opts.server, env);
    if (!server) throw new CliError("No server: pass --server URL, set LW_SERVER (e.g. http://127.0.0.1:8787) or run lw login");
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new CliError(`--server must be an http(s) URL, got "${server}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`--server must be an http(s) URL, got "${server}"`);
    this.base = url.href.replace(/\/+$/, "");
    const token = resolveToken(opts.token, this.base, env);
    this.token = token ? token.trim() : undefined;
    this.api = new LwClient({ baseUrl: this.base, token: this.token });
  }

  url(path: string, query: RequestInit2["query"] = {}): string {
    const u = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") u.searchParams.set(k, String(v));
    return u.href;
  }

  /** Sends a request; non-2xx answers become a CliError built from the API's error envelope. */
  request(method: string, path: string, init: RequestInit2 = {}): Promise<Response> {
    return this.#mapErrors(method, path, () => this.api.request(method, path, init));
  }

  /** Calls contract operation `id` (body and answer typed by the contract); errors as `request`'s. */
  call<Id extends OperationId>(id: Id, init: CallInit<Id> = {}): Promise<ResultOf<Id>> {
    const route = routeOf(id)!;
    return this.#mapErrors(route.method.toUpperCase(), this.api.path(id, init.params), () => this.api.call(id, init));
  }

  async #mapErrors<T>(method: string, path: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      if (e instanceof ApiError) {
        // A body that is not the envelope (a proxy's page) is named by its status alone.
        const known = e.code !== "UPSTREAM_ERROR";
        throw cliErrorOf(e.status, known ? e.code : `HTTP_${e.status}`, known ? e.message : "request failed", e.details, method, path);
      }
      if ((e as Error).name === "AbortError") throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`Cannot reach the server at ${this.base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, 1);
    }
  }

  requireToken(what: string): void {
    if (!this.token) throw new CliError(`${what} needs a token: pass --token, set LW_TOKEN or run lw login`);
  }
}

/** An API error answer: the one-line message plus the HTTP status and error code. */
export class ApiCliError extends CliError {
  readonly status: number;
  readonly code: string;
  constructor(message: string, status: number, code: string) {
    super(message, 1); // the server refused: a failure (1), not a usage error (2)
    this.status = status;
    this.code = code;
  }
}

/** One line from the API's `{ error: { code, message, details } }` envelope. */
export async function apiError(res: Response, method: string, path: string): Promise<ApiCliError> {
  const e = await readErrorResponse(res);
  const known = e.code !== "UPSTREAM_ERROR";
  return cliErrorOf(res.status, known ? e.code : `HTTP_${res.status}`, known ? e.message : res.statusText || "request failed", e.details, method, path);
}

function cliErrorOf(status: number, code: string, message: string, details: unknown, method: string, path: string): ApiCliError {
  const field =
    details !== null && typeof details === "object" && (details as { field?: unknown }).field !== undefined
      ? ` (field ${String((details as { field: unknown }).field)})`
      : "";
  const hint = status === 401 ? "; pass --token, set LW_TOKEN or run lw login" : "";
  return new ApiCliError(`${method} ${path} failed: ${status} ${code}: ${message}${field}${hint}`, status, code);
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Parses one server-sent-events stream into `{ id, event, data }` records. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<{ id: string | null; event: string; data: string }> {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>).getReader();
  let buf = "";
  let id: string | null = null,
    event = "message",
    data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
      if (line === "") {
        if (data.length > 0) yield { id, event, data: data.join("\n") };
        id = null;
        event = "message";
        data = [];
      } else if (line.startsWith(":")) continue;
      else {
        const c = line.indexOf(":");
        const k = c < 0 ? line : line.slice(0, c);
        const v = c < 0 ? "" : line.slice(c + 1).replace(/^ /, "");
        if (k === "data") data.push(v);
        else if (k === "event") event = v;
        else if (k === "id") id = v;
      }
    }
  }
}
