/** Who may read what of the catalogue (writes: `assertCanWrite` in `market.ts`). */
import { hasScope, isAdmin, type Principal } from "../auth/tokens.ts";
import type { Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";
import type { ModelRow, VersionRow } from "./catalog.ts";
import { holdsCheckLease } from "./jobs.ts";

/**
 * Pending / invalid versions are readable by their owner and admins, and by a runner token
 * only while it holds the lease of the version's check job.
 */
export async function assertCanReadVersion(ctx: Ctx, p: Principal | null, m: ModelRow, v: VersionRow): Promise<void> {
  if (v.checkStatus === 1) return;
  if (p !== null && (isAdmin(p) || p.owner === m.owner)) return;
  if (p !== null && hasScope(p, "runner") && (await holdsCheckLease(ctx.db.db, p.tokenId, m.id, v.number, ctx.now()))) return;
  throw new LearnwareError(
    p === null ? "UNAUTHENTICATED" : "FORBIDDEN",
    `Version ${v.number} of '${m.id}' is not usable yet; only its owner, admins and the runner checking it may read it`,
  );
}
