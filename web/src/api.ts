/**
 * The market API from the page: same-origin `fetch`, the token from the Upload form, and the
 * server's error envelope `{ error: { code, message, details } }` turned into an `ApiError`
 * whose message a person can read. Requests go through the typed client (`client/client.ts`).
 */
import { ApiError, LwClient } from "../../client/client.ts";
import { semanticList } from "../../core/semantic/read.ts";

const TOKEN_KEY = "lw-token";

export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}
export function setToken(t: string): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t.trim());
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The error of an API answer (status, code, message, details): the typed client's. */
export { ApiError };

/** The typed client of the contract, same-origin, with the Upload form's token. */
export const client = new LwClient({ baseUrl: "", token: getToken });

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
  const method = opts.method ?? (opts.body !== undefined || opts.json !== undefined ? "POST" : "GET");
  const init: Parameters<LwClient["request"]>[2] = {};
  if (opts.json !== undefined) init.json = opts.json;
  if (opts.body !== undefined) init.body = opts.body;
  if (opts.headers) init.headers = opts.headers;
  if (opts.signal) init.signal = opts.signal;
  return client.request(method, path, init);
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
  /** "learnware" (a package, checked) or "model" (a registry model: versions, metrics, artifacts only). */
  kind?: "learnware" | "model";
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

/** The absolute fit of a result (core/search/fit.ts): embedding overlap 0…1 and its band. */
export interface FitView {
  overlap: number;
  band: "fits" | "fits partly" | "does not fit";
}

export interface SearchResponse {
  single: {
    items: { id: string; score: number; dist: number | null; learnware: LearnwareView | null; fit?: FitView | null; columnMap?: number[] }[];
    total: number;
  };
  multiple: {
    ids: string[];
    weights: number[];
    score: number;
    dist: number;
    learnwares: (LearnwareView | null)[];
    fit?: FitView | null;
    members?: { id: string; weight: number; contribution: number; overlap: number; negligible: boolean }[] | null;
  } | null;
  warnings?: { code: string; message: string }[];
  legend?: string;
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
  return semanticList(lw?.semantic, key);
}
