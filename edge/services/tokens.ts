/**
 * Tokens as the domain sees them: create (the secret is returned once, only its sha256 is
 * stored), list, revoke. The HTTP routes (`routes/tokens.ts`), the Beimingwu login
 * (`routes/compat.ts`), the server's start-up and the offline admin command (`admin.ts`) all
 * call these, so `lw tokens create` and `admin.ts create-token` make the same token.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import { isAdmin, newTokenSecret, type Principal, randomId, type Scope, sha256Hex } from "../auth/tokens.ts";
import type { Database } from "../db/client.ts";
import { tokens } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { type Writer, writeChange } from "./write.ts";

export type TokenRow = typeof tokens.$inferSelect;

export function tokenView(t: TokenRow) {
  return {
    id: t.id,
    owner: t.owner,
    email: t.email,
    name: t.name,
    scopes: t.scopes,
    createdAt: new Date(t.createdAt).toISOString(),
    expiresAt: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
    revokedAt: t.revokedAt === null ? null : new Date(t.revokedAt).toISOString(),
  };
}

/** Creates a token; the secret is returned once and only its hash is stored. Session tokens (with a parent) log no event. */
export async function createToken(
  w: Writer,
  now: number,
  args: {
    owner: string;
    scopes: Scope[];
    email?: string | null;
    name?: string;
    expiresAt?: number | null;
    parentId?: string | null;
    secret?: string;
    actor?: string;
  },
): Promise<{ row: TokenRow; secret: string }> {
  const secret = args.secret ?? newTokenSecret();
  const row: TokenRow = {
    id: "tok_" + randomId(9),
    hash: await sha256Hex(secret),
    owner: args.owner,
    email: args.email ?? null,
    name: args.name ?? "",
    scopes: args.scopes,
    parentId: args.parentId ?? null,
    createdAt: now,
    expiresAt: args.expiresAt ?? null,
    revokedAt: null,
    lastUsedAt: null,
  };
  await writeChange(w, now, async (tx, emit) => {
    await tx.insert(tokens).values(row);
    if (row.parentId === null)
      await emit({ type: "token.created", actor: args.actor ?? null, data: { tokenId: row.id, owner: row.owner, scopes: row.scopes } });
  });
  return { row, secret };
}

/** Personal tokens (not login sessions), newest first: all of them for an admin, else the caller's own. */
export async function listTokens(db: Database, principal: Principal): Promise<TokenRow[]> {
  const where = isAdmin(principal) ? isNull(tokens.parentId) : and(eq(tokens.owner, principal.owner), isNull(tokens.parentId));
  return db.db.select().from(tokens).where(where).orderBy(desc(tokens.createdAt));
}

/** Revokes token `id` (admins any, others their own); a personal token's revocation is logged. */
export async function revokeToken(w: Writer, now: number, id: string, by: { owner: string; admin: boolean }): Promise<void> {
  const [row] = await w.db.db.select().from(tokens).where(eq(tokens.id, id));
  if (!row) throw new LearnwareError("NOT_FOUND", `Token '${id}' not found`, { field: "id" });
  if (!by.admin && row.owner !== by.owner) throw new LearnwareError("FORBIDDEN", "Token belongs to another owner");
  await writeChange(w, now, async (tx, emit) => {
    await tx.update(tokens).set({ revokedAt: now }).where(eq(tokens.id, id));
    if (row.parentId === null) await emit({ type: "token.revoked", actor: by.owner, data: { tokenId: id } });
  });
}
