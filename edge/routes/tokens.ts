/** Tokens: created by an admin (or the admin command), listed, revoked; `whoami`. */
import { z } from "@hono/zod-openapi";
import { and, desc, eq, isNull } from "drizzle-orm";
import { isAdmin, newTokenSecret, randomId, SCOPES, sha256Hex, type Scope } from "../auth/tokens.ts";
import type { App, Ctx } from "../context.ts";
import type { Database } from "../db/client.ts";
import { tokens } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { defineRoute } from "../http/route.ts";
import { appendEvent } from "../services/events.ts";

type TokenRow = typeof tokens.$inferSelect;

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

/** Creates a token; the secret is returned once and only its hash is stored. */
export async function createToken(
  db: Database,
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
  await db.write(async (tx) => {
    await tx.insert(tokens).values(row);
    if (row.parentId === null) {
      await appendEvent(tx, now, { type: "token.created", actor: args.actor ?? null, data: { tokenId: row.id, owner: row.owner, scopes: row.scopes } });
    }
  });
  return { row, secret };
}

const ScopeSchema = z.enum(SCOPES as unknown as [Scope, ...Scope[]]);

export function tokenRoutes(app: App, ctx: Ctx): void {
  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/tokens",
      tags: ["auth"],
      summary: "Create a token (admin)",
      description: "The secret is in the response once; the server keeps only its sha256.",
      auth: "admin",
      body: z.object({
        owner: z.string().min(1).max(128),
        email: z.string().max(256).optional(),
        name: z.string().max(128).optional(),
        scopes: z.array(ScopeSchema).min(1),
        expiresInSeconds: z.number().int().positive().optional(),
      }),
      responses: { 201: { description: "Created" } },
    },
    async (c, { body, principal }) => {
      const at = ctx.now();
      const { row, secret } = await createToken(ctx.db, at, {
        owner: body.owner,
        scopes: body.scopes,
        email: body.email ?? null,
        ...(body.name !== undefined ? { name: body.name } : {}),
        expiresAt: body.expiresInSeconds ? at + body.expiresInSeconds * 1000 : null,
        actor: principal!.owner,
      });
      ctx.hub.notify();
      return c.json({ token: secret, ...tokenView(row) }, 201);
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/tokens", tags: ["auth"], summary: "List tokens (admin: all; others: their own)", auth: "token" },
    async (c, { principal }) => {
      if (principal === null) throw new LearnwareError("UNAUTHENTICATED", "A bearer token is required");
      const where = isAdmin(principal) ? isNull(tokens.parentId) : and(eq(tokens.owner, principal.owner), isNull(tokens.parentId));
      const rows = await ctx.db.db.select().from(tokens).where(where).orderBy(desc(tokens.createdAt));
      return c.json({ items: rows.map(tokenView) });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "delete",
      path: "/v1/tokens/{id}",
      tags: ["auth"],
      summary: "Revoke a token (admin or its owner)",
      auth: "token",
      params: z.object({ id: z.string().min(1) }),
    },
    async (c, { params, principal }) => {
      if (principal === null) throw new LearnwareError("UNAUTHENTICATED", "A bearer token is required");
      const [row] = await ctx.db.db.select().from(tokens).where(eq(tokens.id, params.id));
      if (!row) throw new LearnwareError("NOT_FOUND", `Token '${params.id}' not found`, { field: "id" });
      if (!isAdmin(principal) && row.owner !== principal.owner) throw new LearnwareError("FORBIDDEN", "Token belongs to another owner");
      const at = ctx.now();
      await ctx.db.write(async (tx) => {
        await tx.update(tokens).set({ revokedAt: at }).where(eq(tokens.id, params.id));
        await appendEvent(tx, at, { type: "token.revoked", actor: principal.owner, data: { tokenId: params.id } });
      });
      ctx.hub.notify();
      return c.json({ id: params.id, revoked: true });
    },
  );

  defineRoute(app, ctx, { method: "get", path: "/v1/whoami", tags: ["auth"], summary: "The caller's owner and scopes", auth: "public" }, (c, { principal }) =>
    c.json(principal === null ? { owner: null, scopes: [] } : { owner: principal.owner, scopes: principal.scopes, tokenId: principal.tokenId }),
  );
}
