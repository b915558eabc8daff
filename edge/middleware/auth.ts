/**
 * Resolves `Authorization: Bearer <token>` to a principal (or null). A present but
 * unknown, expired or revoked token is a 401 at once, so a typo never silently reads as
 * anonymous. Tokens are compared by their sha256; the header is never logged.
 */
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { sha256Hex, type Principal, type Scope } from "../auth/tokens.ts";
import type { AppEnv, Ctx } from "../context.ts";
import { tokens } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { checkRate, clientAddress } from "./rateLimit.ts";

export async function principalForToken(ctx: Ctx, token: string): Promise<Principal | null> {
  const hash = await sha256Hex(token);
  const [row] = await ctx.db.db.select().from(tokens).where(eq(tokens.hash, hash));
  if (!row) return null;
  if (row.revokedAt !== null) return null;
  if (row.expiresAt !== null && row.expiresAt <= ctx.now()) return null;
  if (row.parentId !== null) {
    // Session tokens (compat login) die with their personal token.
    const [parent] = await ctx.db.db.select().from(tokens).where(eq(tokens.id, row.parentId));
    if (!parent || parent.revokedAt !== null || (parent.expiresAt !== null && parent.expiresAt <= ctx.now())) return null;
  }
  return { tokenId: row.id, owner: row.owner, scopes: row.scopes as Scope[] };
}

export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export function authMiddleware(ctx: Ctx): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    c.set("principal", null);
    if (header !== undefined && header !== "") {
      // An address that keeps failing is refused before its next guess is even looked at.
      const addr = `a:${clientAddress(c)}`;
      checkRate(ctx, "auth", addr, false);
      const token = bearerOf(header);
      if (token === null) {
        checkRate(ctx, "auth", addr);
        throw new LearnwareError("UNAUTHENTICATED", "Authorization header must be 'Bearer <token>'", { field: "authorization" });
      }
      const p = await principalForToken(ctx, token);
      if (p === null) {
        checkRate(ctx, "auth", addr);
        throw new LearnwareError("UNAUTHENTICATED", "The bearer token is unknown, expired or revoked", { field: "authorization" });
      }
      c.set("principal", p);
    }
    await next();
  };
}
