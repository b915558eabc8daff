/**
 * The market API from the page: same-origin `fetch`, the token from the Upload form, and the
 * server's error envelope `{ error: { code, message, details } }` turned into an `ApiError`
 * whose message a person can read. Requests go through the typed client (`client/client.ts`).
 */
import { ApiError, LwClient, type Query } from "../../client/client.ts";
import type { ResultOf } from "../../client/contract.ts";
import type { BodyOf } from "../../client/requests.ts";
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

/** Query string from defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? "?" + s : "";
}

/** How the page reads a semantic spec (the contract keeps it as any JSON: registry models may carry anything). */
type SemanticView = Record<string, { Type?: string; Values?: unknown; Dimension?: number; Description?: Record<string, string> } | undefined> | null;

/** A learnware or model as the API answers it (`client/contract.ts`), its semantic spec read as the page reads it. */
export type LearnwareView = Omit<ResultOf<"getLearnware">, "semantic"> & { semantic: SemanticView };
export type VersionView = ResultOf<"getLearnwareVersion">;
export type SearchResponse = Omit<ResultOf<"search">, "single" | "multiple"> & {
  single: Omit<ResultOf<"search">["single"], "items"> & { items: (ResultOf<"search">["single"]["items"][number] & { learnware: LearnwareView | null })[] };
  multiple: (NonNullable<ResultOf<"search">["multiple"]> & { learnwares: (LearnwareView | null)[] }) | null;
};
/** The absolute fit of a result (core/search/fit.ts): embedding overlap 0…1 and its band. */
export type FitView = NonNullable<SearchResponse["single"]["items"][number]["fit"]>;
export type SemanticOptions = ResultOf<"semanticOptions">["options"];

/** Lists learnwares (or models: `kind`); the answer's models typed as the page reads them. */
export async function listModels(id: "listLearnwares" | "listModels", query: Query): Promise<{ items: LearnwareView[]; total: number }> {
  return (await client.call(id, { query })) as { items: LearnwareView[]; total: number };
}

/** One learnware or model, typed as the page reads it. */
export async function getModel(id: "getLearnware" | "getModel", modelId: string): Promise<LearnwareView> {
  return (await client.call(id, { params: { id: modelId } })) as LearnwareView;
}

/** Calls the market's search; the answer's learnwares typed as the page reads them. */
export async function search(json: BodyOf<"search">): Promise<SearchResponse> {
  return (await client.call("search", { json })) as SearchResponse;
}

let optionsCache: Promise<SemanticOptions> | null = null;
export function semanticOptions(): Promise<SemanticOptions> {
  optionsCache ??= client
    .call("semanticOptions")
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
