/**
 * The typed client of the market server, derived from the contract (`./routes.ts` and
 * `./contract.ts`; only types of the latter, so a page bundle carries no schemas):
 * `call(operationId, {params, query, json | body})` builds the path from the operation
 * (the JSON body typed by the operation's request schema, `./requests.ts`),
 * sends the caller's token and resolves with the answer typed by the operation's schema
 * (`null` for a 204). Every error answer becomes an `ApiError` (a `LearnwareError` with the
 * HTTP status) read from the one envelope. Web-standard `fetch` only: the runner, the CLI,
 * the page and the tests share it.
 *
 * @example
 * ```ts ignore
 * import { LwClient } from "./client.ts";
 * const client = new LwClient({ baseUrl: "http://127.0.0.1:8787", token: "lw_…" });
 * const me = await client.call("whoami");            // { owner, scopes, tokenId? }
 * const lw = await client.call("getLearnware", { params: { id: "00000001" } });
 * ```
 */
import { readErrorResponse } from "../core/errorEnvelope.ts";
import { LearnwareError } from "../core/errors.ts";
import type { ResultOf } from "./contract.ts";
import type { BodyOf } from "./requests.ts";
import { type OperationId, routeOf } from "./routes.ts";

/** An error answer of an API: its code, message and details, and the HTTP status. */
export class ApiError extends LearnwareError {
  readonly status: number;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(code, message, details);
    this.name = "ApiError";
    this.status = status;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface CallInit<Id extends OperationId = OperationId> {
  /** Values of the path's `{placeholders}`. */
  params?: Record<string, string | number>;
  query?: Query;
  /** A JSON body (sets `content-type`), typed by the operation's request schema (`./requests.ts`). */
  json?: BodyOf<Id>;
  /** Any other body (multipart form, bytes). */
  body?: BodyInit | Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses returned as they are instead of thrown (e.g. `[404]`). */
  accept?: number[];
}

export interface ClientOptions {
  /** The server's origin (`http://host:port`); `""` for same-origin requests from a page. */
  baseUrl: string;
  /** A bearer token, or a function read on every request (the page's token changes). */
  token?: string | (() => string | undefined) | undefined;
  fetch?: typeof fetch;
}

/** A path template (`/v1/models/{id}`) with its `{placeholders}` filled in, each encoded. */
export function fillPath(template: string, params: Record<string, string | number>, what: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new TypeError(`${what} needs the path parameter '${name}'`);
    return encodeURIComponent(String(v));
  });
}

export class LwClient {
  readonly baseUrl: string;
  #token: ClientOptions["token"];
  #fetch: typeof fetch;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The bearer token sent with requests, if any. */
  get token(): string | undefined {
    const t = typeof this.#token === "function" ? this.#token() : this.#token;
    return t ? t.trim() : undefined;
  }

  /** The URL of `path` with the defined, non-empty query values. */
  url(path: string, query: Query = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
    const s = q.toString();
    return `${this.baseUrl}${path}${s ? (path.includes("?") ? "&" : "?") + s : ""}`;
  }

  /** Sends a request; an error answer (not in `accept`) throws `ApiError`. Network failures reject as `fetch` does. */
  async request(method: string, path: string, init: Omit<CallInit, "params"> = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const token = this.token;
    if (token && headers.authorization === undefined) headers.authorization = `Bearer ${token}`;
    let body = init.body as BodyInit | undefined;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    const res = await this.#fetch(this.url(path, init.query), {
      method: method.toUpperCase(),
      headers,
      ...(body !== undefined ? { body, duplex: "half" } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    } as RequestInit);
    if (res.ok || init.accept?.includes(res.status)) return res;
    const e = await readErrorResponse(res);
    throw new ApiError(res.status, e.code, e.message, e.details);
  }

  /** The path of operation `id` with `params` filled in (each encoded). */
  path(id: OperationId, params: Record<string, string | number> = {}): string {
    const found = routeOf(id);
    if (!found) throw new TypeError(`Unknown operation ${id}`);
    return fillPath(found.path, params, `Operation ${id}`);
  }

  /** Calls operation `id`; resolves with its JSON answer (`null` for 204), typed by the contract. */
  async call<Id extends OperationId>(id: Id, init: CallInit<Id> = {}): Promise<ResultOf<Id>> {
    const found = routeOf(id)!;
    const res = await this.request(found.method, this.path(id, init.params), init);
    if (res.status === 204) return null as ResultOf<Id>;
    return (await res.json()) as ResultOf<Id>;
  }

  /** Calls an operation whose answer is bytes (a package, an artifact). */
  async bytes<Id extends OperationId>(id: Id, init: CallInit<Id> = {}): Promise<Uint8Array> {
    const found = routeOf(id)!;
    const res = await this.request(found.method, this.path(id, init.params), init);
    return new Uint8Array(await res.arrayBuffer());
  }
}
