/**
 * One route tree for a model's versions, served under both resources: the market's
 * `/v1/learnwares/{id}/versions[/{ref}]` (ids only; a version is a number, tag or `latest`)
 * and the registry's `/v1/models/{id}/versions[/{ref}]` (ids or names; labels as well). The
 * resource says how to find the model and the version; listing and shaping are the same.
 */
import type { z } from "@hono/zod-openapi";
import type { App, Ctx } from "../context.ts";
import type { Db } from "../db/client.ts";
import { defineRoute } from "../http/route.ts";
import { type ModelRow, tagsOf, type VersionRow, versionsView, versionView } from "../services/catalog.ts";

export interface VersionTree {
  /** `/v1/learnwares` or `/v1/models`. */
  prefix: string;
  tags: string[];
  noun: string;
  /** Summary of `GET {prefix}/{id}/versions/{ref}`. */
  refSummary: string;
  idParams: z.ZodObject<{ id: z.ZodString }>;
  versionParams: z.ZodObject<{ id: z.ZodString; ref: z.ZodString }>;
  model: (db: Db, id: string) => Promise<ModelRow>;
  version: (db: Db, m: ModelRow, ref: string) => Promise<VersionRow>;
}

export function versionRoutes(app: App, ctx: Ctx, tree: VersionTree): void {
  defineRoute(
    app,
    ctx,
    { method: "get", path: `${tree.prefix}/{id}/versions`, tags: tree.tags, summary: `List a ${tree.noun}'s versions`, auth: "read", params: tree.idParams },
    async (c, { params }) => c.json(await versionsView(ctx.db.db, await tree.model(ctx.db.db, params.id))),
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: `${tree.prefix}/{id}/versions/{ref}`, tags: tree.tags, summary: tree.refSummary, auth: "read", params: tree.versionParams },
    async (c, { params }) => {
      const m = await tree.model(ctx.db.db, params.id);
      const v = await tree.version(ctx.db.db, m, params.ref);
      return c.json(versionView(v, await tagsOf(ctx.db.db, m.id)));
    },
  );
}
