/**
 * Where the runner gets learnware packages: the market server's API, or a local map
 * (tests, embedded use). Both resolve `(learnware id, version)` to the package zip; the
 * server is asked with the caller's token (the runner has no rights of its own there).
 */
import { ApiError, LwClient } from "../../client/client.ts";
import { LearnwareError } from "../../core/errors.ts";

export type PackageSource = (model: string, version: string, token?: string | null) => Promise<Uint8Array>;

/** Packages from the server (the contract's `getPackage`) with the caller's token. */
export function serverPackageSource(serverUrl: string): PackageSource {
  return async (model, version, token) => {
    const api = new LwClient({ baseUrl: serverUrl, token: token ?? undefined });
    try {
      return await api.bytes("getPackage", { params: { id: model, ref: version } });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 404) throw new LearnwareError("NOT_FOUND", `Learnware ${model} version ${version} not found on ${serverUrl}`);
      if (e.status === 401 || e.status === 403)
        throw new LearnwareError(e.status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN", `The market refused package ${model} version ${version} to this caller`);
      throw new LearnwareError(
        "UPSTREAM_ERROR",
        `Fetching package ${model} version ${version} from ${serverUrl} failed: HTTP ${e.status} ${e.code}: ${e.message}`,
      );
    }
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
