/** Tokens: created by an admin (or the admin command), listed, revoked; `whoami`. */
import { z } from "@hono/zod-openapi";
import { REQUESTS } from "../../client/requests.ts";
import { isAdmin } from "../auth/tokens.ts";
import type { App, Ctx } from "../context.ts";
import { defineRoute } from "../http/route.ts";
import { createToken, listTokens, revokeToken, tokenView } from "../services/tokens.ts";

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
      body: REQUESTS.createToken,
      responses: { 201: { description: "Created" } },
    },
    async (c, { body, principal }) => {
      const at = ctx.now();
      const { row, secret } = await createToken(ctx, at, {
        owner: body.owner,
        scopes: body.scopes,
        email: body.email ?? null,
        ...(body.name !== undefined ? { name: body.name } : {}),
        expiresAt: body.expiresInSeconds ? at + body.expiresInSeconds * 1000 : null,
        actor: principal!.owner,
      });
      return c.json({ token: secret, ...tokenView(row) }, 201);
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/tokens", tags: ["auth"], summary: "List tokens (admin: all; others: their own)", auth: "token" },
    async (c, { principal }) => c.json({ items: (await listTokens(ctx.db, principal!)).map(tokenView) }),
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
      await revokeToken(ctx, ctx.now(), params.id, { owner: principal!.owner, admin: isAdmin(principal!) });
      return c.json({ id: params.id, revoked: true as const });
    },
  );

  defineRoute(app, ctx, { method: "get", path: "/v1/whoami", tags: ["auth"], summary: "The caller's owner and scopes", auth: "public" }, (c, { principal }) =>
    c.json(principal === null ? { owner: null, scopes: [] } : { owner: principal.owner, scopes: principal.scopes, tokenId: principal.tokenId }),
  );
}
