/**
 * Where the runner gets learnware packages: the market server's API, or a local map
 * (tests, embedded use). Both resolve `(learnware id, version)` to the package zip; the
 * server is asked with the caller's token (the runner has no rights of its own there).
 */
import { LearnwareError } from "../../core/errors.ts";

export type PackageSource = (model: string, version: string, token?: string | null) => Promise<Uint8Array>;

/** Packages from the server: `GET /v1/learnwares/{id}/versions/{n}/package` with the caller's token. */
export function serverPackageSource(serverUrl: string): PackageSource {
  return async (model, version, token) => {
    const url = `${serverUrl}/v1/learnwares/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/package`;
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (res.status === 404) throw new LearnwareError("NOT_FOUND", `Learnware ${model} version ${version} not found on ${serverUrl}`);
    if (res.status === 401 || res.status === 403)
      throw new LearnwareError(res.status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN", `The market refused package ${model} version ${version} to this caller`);
    if (!res.ok) throw new LearnwareError("UPSTREAM_ERROR", `Fetching ${url} failed: HTTP ${res.status} ${await res.text().catch(() => "")}`.trim());
    return new Uint8Array(await res.arrayBuffer());
  };
}

/** Packages from memory, keyed `model@version`. */
export function mapPackageSource(packages: Map<string, Uint8Array>): PackageSource {
  return async (model, version) => {
    const p = packages.get(`${model}@${version}`);
    if (!p) throw new LearnwareError("NOT_FOUND", `Learnware ${model} version ${version} is not known to this runner`);
    return p;
  };
}
