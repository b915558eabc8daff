/**
 * Who may run what on the model service. The runner holds no rights of its own here:
 * every request's bearer token is forwarded to the market server, which decides as it
 * does for a download (a `read` token or public reads: USABLE versions; the owner or an
 * admin: pending and invalid ones too) and names the package's sha256. Loaded instances
 * are keyed by that digest, so an id that came to mean another package never reaches an
 * instance loaded for the old one.
 *
 * The caller travels with the request in `callerContext` (AsyncLocalStorage), so the
 * service, its pool and served mixtures see the same token without threading it through
 * every call.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { LwClient } from "../../client/client.ts";
import { LearnwareError } from "../../core/errors.ts";
import type { PackageSource } from "./packageSource.ts";

export interface Caller {
  /** The bearer token the request carried, or null (anonymous). */
  token: string | null;
}

export const callerContext = new AsyncLocalStorage<Caller>();

/** The token of the request being served (null outside a request or when anonymous). */
export function currentToken(): string | null {
  return callerContext.getStore()?.token ?? null;
}

/** Resolves whether the caller may run `model@version`; returns the package's sha256 (hex). */
export type Authorizer = (token: string | null, model: string, version: string) => Promise<string>;

const CACHE_MS = 5_000;

/** Asks the market server (`HEAD …/versions/{n}/package` with the caller's token), caching answers for a few seconds. */
export function serverAuthorizer(serverUrl: string, fetchImpl: typeof fetch = fetch): Authorizer {
  const cache = new Map<string, { digest: string; until: number }>();
  const api = new LwClient({ baseUrl: serverUrl });
  return async (token, model, version) => {
    const key = `${token === null ? "-" : createHash("sha256").update(token).digest("hex")}|${model}|${version}`;
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.digest;
    const url = serverUrl + api.path("getPackage", { id: model, ref: version });
    let res: Response;
    try {
      res = await fetchImpl(url, { method: "HEAD", headers: token ? { authorization: `Bearer ${token}` } : {} });
    } catch (e) {
      throw new LearnwareError("UPSTREAM_ERROR", `The market server at ${serverUrl} cannot be reached: ${(e as Error).message}`);
    }
    if (res.status === 401) throw new LearnwareError("UNAUTHENTICATED", `Learnware ${model} version ${version} needs a token the market accepts`);
    if (res.status === 403)
      throw new LearnwareError(
        "FORBIDDEN",
        `This token may not run learnware ${model} version ${version} (not usable yet: only its owner and admins may run it)`,
      );
    if (res.status === 404) throw new LearnwareError("NOT_FOUND", `Learnware ${model} version ${version} not found`);
    if (!res.ok) throw new LearnwareError("UPSTREAM_ERROR", `The market server answered HTTP ${res.status} for ${model} version ${version}`);
    const digest = (res.headers.get("x-checksum-sha256") ?? res.headers.get("etag")?.replace(/"/g, "") ?? "").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new LearnwareError("UPSTREAM_ERROR", `The market server named no package digest for ${model} version ${version}`);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { digest, until: Date.now() + CACHE_MS });
    return digest;
  };
}

/**
 * For a runner embedded with its own packages (tests, `lw reuse` on local files): every
 * caller may run what the source holds; the digest is the package's.
 */
export function sourceAuthorizer(source: PackageSource): Authorizer {
  const digests = new WeakMap<Uint8Array, string>();
  return async (token, model, version) => {
    const zip = await source(model, version, token);
    let d = digests.get(zip);
    if (d === undefined) digests.set(zip, (d = createHash("sha256").update(zip).digest("hex")));
    return d;
  };
}
