/**
 * An HTTP client of the market API for the `lw` server commands: the server from `--server`
 * or `LW_SERVER`, the token from `--token` or `LW_TOKEN`, and every failure (unreachable
 * server, API error envelope, bad URL) as a one-line `CliError` naming the problem.
 */
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
  }

  url(path: string, query: RequestInit2["query"] = {}): string {
    const u = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") u.searchParams.set(k, String(v));
    return u.href;
  }

  /** Sends a request; non-2xx answers become a CliError built from the API's error envelope. */
  async request(method: string, path: string, init: RequestInit2 = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.token) headers["authorization"] = `Bearer ${this.token}`;
    let body = init.body as BodyInit | undefined;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    let res: Response;
    try {
      res = await fetch(this.url(path, init.query), {
        method,
        headers,
        ...(body !== undefined ? { body, duplex: "half" } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      } as RequestInit);
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`Cannot reach the server at ${this.base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, 1);
    }
    if (res.ok || init.accept?.includes(res.status)) return res;
    throw await apiError(res, method, path);
  }

  async json<T = any>(method: string, path: string, init: RequestInit2 = {}): Promise<T> {
    const res = await this.request(method, path, init);
    if (res.status === 204) return null as T;
    return (await res.json()) as T;
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
  let code = `HTTP_${res.status}`,
    message = res.statusText || "request failed",
    field = "";
  try {
    const data = (await res.json()) as { error?: { code?: string; message?: string; details?: { field?: unknown } } };
    if (data.error) {
      code = data.error.code ?? code;
      message = data.error.message ?? message;
      if (data.error.details && typeof data.error.details === "object" && data.error.details.field !== undefined)
        field = ` (field ${String(data.error.details.field)})`;
    }
  } catch {
    /* not JSON */
  }
  const hint = res.status === 401 ? "; pass --token, set LW_TOKEN or run lw login" : "";
  return new ApiCliError(`${method} ${path} failed: ${res.status} ${code}: ${message}${field}${hint}`, res.status, code);
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
