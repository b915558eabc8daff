/**
 * The market API from the page: same-origin `fetch`, the token from the Upload form, and the
 * server's error envelope `{ error: { code, message, details } }` turned into an `ApiError`
 * whose message a person can read.
 */
const TOKEN_KEY = "lw-token";

export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}
export function setToken(t: string): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t.trim());
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** A readable one-line description of any error, naming the field the server blamed. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    const field = e.details && typeof e.details === "object" && "field" in e.details ? ` (field: ${String((e.details as { field: unknown }).field)})` : "";
    const hint = e.status === 401 ? " — enter a token on the Upload page." : e.status === 403 ? " — this token may not do that." : "";
    return `${e.message}${field} [${e.status} ${e.code}]${hint}`;
  }
  if (e instanceof TypeError && /fetch/i.test(e.message)) return "Cannot reach the server — is it still running?";
  return e instanceof Error ? e.message : String(e);
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.json);
  }
  const init: RequestInit = { method: opts.method ?? (body !== undefined ? "POST" : "GET"), headers };
  if (body !== undefined) init.body = body;
  if (opts.signal) init.signal = opts.signal;
  const res = await fetch(path, init);
  if (!res.ok) {
    let code = "HTTP_" + res.status,
      message = `${res.status} ${res.statusText}`,
      details: unknown;
    try {
      const data = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
      if (data.error) {
        code = data.error.code ?? code;
        message = data.error.message ?? message;
        details = data.error.details;
      }
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, code, message, details);
  }
  return res;
}

export async function api<T = any>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(path, opts);
  return (await res.json()) as T;
}

/** Query string from defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? "?" + s : "";
}

export interface LearnwareView {
  id: string;
  name: string;
  owner: string;
  description: string | null;
  semantic: Record<string, { Type?: string; Values?: unknown; Dimension?: number; Description?: Record<string, string> }> | null;
  latestVersion: number;
  status?: "usable" | "pending" | "invalid";
  checkStatus?: number;
  tags?: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export interface VersionView {
  number: number;
  packageSha256: string | null;
  packageSize: number | null;
  framework: string | null;
  statSpecs: { className: string; fileName: string; json: unknown }[];
  status: "usable" | "pending" | "invalid";
  checkStatus: number;
  tags: string[];
  createdBy: string;
  createdAt: string;
  metadata: Record<string, unknown>;
}

export interface SearchResponse {
  single: { items: { id: string; score: number; dist: number | null; learnware: LearnwareView | null; columnMap?: number[] }[]; total: number };
  multiple: { ids: string[]; weights: number[]; score: number; dist: number; learnwares: (LearnwareView | null)[] } | null;
  /** Which search answered: semantic only, the exact scan, the index's candidates, or the heterogeneous search. */
  path?: "semantic" | "exact" | "approximate" | "hetero";
  tookMs: number;
}

export type SemanticOptions = Record<string, { key: string; type: string; values: string[]; multiple: boolean }>;

let optionsCache: Promise<SemanticOptions> | null = null;
export function semanticOptions(): Promise<SemanticOptions> {
  optionsCache ??= api<{ options: SemanticOptions }>("/v1/semantic-options")
    .then((r) => r.options)
    .catch((e) => {
      optionsCache = null;
      throw e;
    });
  return optionsCache;
}

/** The values of a semantic key as a list. */
export function semanticValues(lw: { semantic: LearnwareView["semantic"] } | null | undefined, key: string): string[] {
  const v = lw?.semantic?.[key]?.Values;
  if (typeof v === "string") return v ? [v] : [];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}
