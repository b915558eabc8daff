/**
 * Where the runner gets learnware packages: the market server's API, or a local map
 * (tests, embedded use). Both resolve `(learnware id, version)` to the package zip.
 */
import { LearnwareError } from "../../core/errors.ts";

export type PackageSource = (model: string, version: string) => Promise<Uint8Array>;

/** Packages from the server: `GET /v1/learnwares/{id}/versions/{n}/package`. */
export function serverPackageSource(serverUrl: string, token?: string): PackageSource {
  return async (model, version) => {
    const url = `${serverUrl}/v1/learnwares/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/package`;
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (res.status === 404) throw new LearnwareError("NOT_FOUND", `Learnware ${model} version ${version} not found on ${serverUrl}`);
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
