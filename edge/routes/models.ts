/**
 * The registry (ModelBox parity): models per namespace, immutable auto-numbered versions
 * with framework, metadata and unique tags (moved atomically), and metadata updates.
 */
import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { Principal } from "../auth/tokens.ts";
import type { App, Ctx } from "../context.ts";
import type { Tx } from "../db/client.ts";
import { models, namespaces, tags, versions } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { defineRoute } from "../http/route.ts";
import {
  getModel,
  insertModel,
  insertVersion,
  listModels,
  listVersions,
  modelDetailView,
  modelListView,
  modelView,
  resolveVersion,
  tagsOf,
  versionView,
} from "../services/catalog.ts";
import { appendEvent } from "../services/events.ts";
import { assertCanWrite, deleteModel, MARKET_NAMESPACE } from "../services/market.ts";
import { assertCanWriteNamespace, ensureNamespace, findNamespace, namespaceView } from "../services/namespaces.ts";
import { isAdmin } from "../auth/tokens.ts";

export const NameSchema = z.string().min(1).max(200);
const Namespace = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "Use letters, digits, '.', '_' or '-' (max 64)");
const Tag = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/, "A tag starts with a letter (letters, digits, '.', '_', '-'; max 64), so it never reads as a version number")
  .refine((t) => t.toLowerCase() !== "latest", { message: "'latest' is reserved (it always means the newest version)" });
/** Metadata is shown with every listing: 64 KiB of JSON at most (merged patches included). */
export const MAX_METADATA_CHARS = 64 * 1024;
const Metadata = z
  .record(z.unknown())
  .refine((m) => JSON.stringify(m).length <= MAX_METADATA_CHARS, { message: `Metadata must be at most ${MAX_METADATA_CHARS} characters of JSON` });
export const Paging = { limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0) };
const IdParams = z.object({ id: z.string().min(1) });
const VersionParams = z.object({ id: z.string().min(1), ref: z.string().min(1) });

/** Points `tag` at `version` (insert or move) in the caller's transaction. */
export async function moveTag(tx: Tx, modelId: string, tag: string, version: number, at: number): Promise<number | null> {
  const [old] = await tx
    .select()
    .from(tags)
    .where(and(eq(tags.modelId, modelId), eq(tags.tag, tag)));
  await tx
    .insert(tags)
    .values({ modelId, tag, version, updatedAt: at })
    .onConflictDoUpdate({ target: [tags.modelId, tags.tag], set: { version, updatedAt: at } });
  return old?.version ?? null;
}

function mergeMetadata(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  const size = JSON.stringify(out).length;
  if (size > MAX_METADATA_CHARS) {
    throw new LearnwareError("PAYLOAD_TOO_LARGE", `Merged metadata would be ${size} characters of JSON, more than the limit of ${MAX_METADATA_CHARS}`, {
      field: "body.metadata",
      limit: MAX_METADATA_CHARS,
    });
  }
  return out;
}

async function writable(ctx: Ctx, id: string, p: Principal | null) {
  const m = await getModel(ctx.db.db, id);
  assertCanWrite(p, m);
  return m;
}

export function modelRoutes(app: App, ctx: Ctx): void {
  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/namespaces/{namespace}/models",
      tags: ["registry"],
      summary: "Create a model in a namespace",
      auth: "write",
      params: z.object({ namespace: Namespace }),
      body: z.object({
        name: NameSchema,
        task: z.string().max(200).optional(),
        description: z.string().max(10_000).optional(),
        metadata: Metadata.optional(),
        semantic: z.record(z.unknown()).optional(),
      }),
      responses: { 201: { description: "Created" } },
    },
    async (c, { params, body, principal }) => {
      const at = ctx.now();
      if (params.namespace === MARKET_NAMESPACE && !isAdmin(principal)) {
        throw new LearnwareError("FORBIDDEN", `Namespace '${MARKET_NAMESPACE}' holds the market's learnwares; upload them through /v1/learnwares`, {
          field: "namespace",
        });
      }
      const model = await ctx.db.write(async (tx) => {
        assertCanWriteNamespace(principal, await ensureNamespace(tx, params.namespace, principal!.owner, at));
        const m = await insertModel(
          tx,
          {
            kind: "model",
            namespace: params.namespace,
            owner: principal!.owner,
            name: body.name,
            task: body.task ?? null,
            description: body.description ?? null,
            semantic: body.semantic ?? null,
            metadata: body.metadata ?? {},
          },
          at,
        );
        await appendEvent(tx, at, {
          type: "model.created",
          namespace: m.namespace,
          modelId: m.id,
          actor: principal!.owner,
          data: { kind: "model", name: m.name },
        });
        return m;
      });
      ctx.hub.notify();
      return c.json(modelView(model, { tags: {} }), 201);
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/namespaces/{namespace}/models",
      tags: ["registry"],
      summary: "List the models of a namespace",
      auth: "read",
      params: z.object({ namespace: Namespace }),
      query: z.object({ ...Paging, owner: z.string().optional(), q: z.string().optional() }),
    },
    async (c, { params, query }) => {
      return c.json(
        await modelListView(
          ctx.db.db,
          await listModels(ctx.db.db, { namespace: params.namespace, owner: query.owner, q: query.q }, query.limit, query.offset),
          query.limit,
          query.offset,
        ),
      );
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/namespaces/{namespace}",
      tags: ["registry"],
      summary: "A namespace's owner and members",
      auth: "read",
      params: z.object({ namespace: Namespace }),
    },
    async (c, { params }) => {
      const ns = await findNamespace(ctx.db.db, params.namespace);
      if (!ns) throw new LearnwareError("NOT_FOUND", `Namespace '${params.namespace}' has no owner yet`, { field: "namespace" });
      return c.json(namespaceView(ns));
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "put",
      path: "/v1/namespaces/{namespace}",
      tags: ["registry"],
      summary: "Claim a namespace (or, as an admin, name its owner); its owner or an admin sets the members",
      auth: "write",
      params: z.object({ namespace: Namespace }),
      body: z.object({ owner: z.string().min(1).max(200).optional(), members: z.array(z.string().min(1).max(200)).max(1000).optional() }),
    },
    async (c, { params, body, principal }) => {
      const at = ctx.now();
      if (params.namespace === MARKET_NAMESPACE && !isAdmin(principal))
        throw new LearnwareError("FORBIDDEN", `Namespace '${MARKET_NAMESPACE}' is reserved`, { field: "namespace" });
      if (body.owner !== undefined && body.owner !== principal!.owner && !isAdmin(principal)) {
        throw new LearnwareError("FORBIDDEN", "Only an admin may name another user as a namespace's owner", { field: "body.owner" });
      }
      const ns = await ctx.db.write(async (tx) => {
        const ns = await ensureNamespace(tx, params.namespace, body.owner ?? principal!.owner, at);
        if (!isAdmin(principal) && ns.owner !== principal!.owner) {
          throw new LearnwareError("FORBIDDEN", `Namespace '${ns.name}' belongs to '${ns.owner}'`, { field: "namespace" });
        }
        const next = { owner: body.owner ?? ns.owner, members: body.members ? [...new Set(body.members)] : ns.members };
        await tx.update(namespaces).set(next).where(eq(namespaces.name, ns.name));
        return { ...ns, ...next };
      });
      return c.json(namespaceView(ns));
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/models",
      tags: ["registry"],
      summary: "List models across namespaces",
      auth: "read",
      query: z.object({
        ...Paging,
        namespace: z.string().optional(),
        owner: z.string().optional(),
        kind: z.enum(["learnware", "model"]).optional(),
        q: z.string().optional(),
      }),
    },
    async (c, { query }) => {
      return c.json(
        await modelListView(
          ctx.db.db,
          await listModels(
            ctx.db.db,
            { namespace: query.namespace, owner: query.owner, q: query.q, ...(query.kind ? { kind: query.kind } : {}) },
            query.limit,
            query.offset,
          ),
          query.limit,
          query.offset,
        ),
      );
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/models/{id}", tags: ["registry"], summary: "Get a model with its tags", auth: "read", params: IdParams },
    async (c, { params }) => {
      return c.json(await modelDetailView(ctx.db.db, params.id));
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "delete", path: "/v1/models/{id}", tags: ["registry"], summary: "Delete a model and all its versions", auth: "write", params: IdParams },
    async (c, { params, principal }) => {
      await deleteModel(ctx, params.id, principal);
      return c.json({ id: params.id, deleted: true });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/models/{id}/versions",
      tags: ["registry"],
      summary: "Create a version (immutable, auto-numbered) with framework, metadata and unique tags",
      auth: "write",
      params: IdParams,
      body: z.object({ framework: z.string().max(100).optional(), metadata: Metadata.optional(), tags: z.array(Tag).max(32).optional() }),
      responses: { 201: { description: "Created" } },
    },
    async (c, { params, body, principal }) => {
      const m = await writable(ctx, params.id, principal);
      const at = ctx.now();
      const v = await ctx.db.write(async (tx) => {
        const v = await insertVersion(
          tx,
          m.id,
          {
            framework: body.framework ?? null,
            metadata: body.metadata ?? {},
            semantic: m.semantic,
            checkStatus: m.kind === "model" ? 1 : 0,
            createdBy: principal!.owner,
          },
          at,
        );
        await appendEvent(tx, at, {
          type: "version.created",
          namespace: m.namespace,
          modelId: m.id,
          version: v.number,
          actor: principal!.owner,
          data: { framework: v.framework },
        });
        for (const tag of new Set(body.tags ?? [])) {
          const from = await moveTag(tx, m.id, tag, v.number, at);
          await appendEvent(tx, at, {
            type: "tag.moved",
            namespace: m.namespace,
            modelId: m.id,
            version: v.number,
            actor: principal!.owner,
            data: { tag, from, to: v.number },
          });
        }
        return v;
      });
      ctx.hub.notify();
      return c.json(versionView(v, await tagsOf(ctx.db.db, m.id)), 201);
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/models/{id}/versions", tags: ["registry"], summary: "List a model's versions", auth: "read", params: IdParams },
    async (c, { params }) => {
      const m = await getModel(ctx.db.db, params.id);
      const t = await tagsOf(ctx.db.db, m.id);
      return c.json({ items: (await listVersions(ctx.db.db, m.id)).map((v) => versionView(v, t)) });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/models/{id}/versions/{ref}",
      tags: ["registry"],
      summary: "Get a version by number, tag or `latest`",
      auth: "read",
      params: VersionParams,
    },
    async (c, { params }) => {
      const m = await getModel(ctx.db.db, params.id);
      const v = await resolveVersion(ctx.db.db, m, params.ref);
      return c.json(versionView(v, await tagsOf(ctx.db.db, m.id)));
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/models/{id}/tags", tags: ["registry"], summary: "A model's tags (tag → version)", auth: "read", params: IdParams },
    async (c, { params }) => {
      const m = await getModel(ctx.db.db, params.id);
      return c.json({ tags: await tagsOf(ctx.db.db, m.id) });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "put",
      path: "/v1/models/{id}/tags/{tag}",
      tags: ["registry"],
      summary: "Point a unique tag (alias) at a version; moves it atomically",
      auth: "write",
      params: z.object({ id: z.string().min(1), tag: Tag }),
      body: z.object({ version: z.number().int().positive() }),
    },
    async (c, { params, body, principal }) => {
      const m = await writable(ctx, params.id, principal);
      const at = ctx.now();
      const from = await ctx.db.write(async (tx) => {
        const [v] = await tx
          .select()
          .from(versions)
          .where(and(eq(versions.modelId, m.id), eq(versions.number, body.version)));
        if (!v) throw new LearnwareError("NOT_FOUND", `Model '${m.id}' has no version ${body.version}`, { field: "version" });
        const from = await moveTag(tx, m.id, params.tag, body.version, at);
        await appendEvent(tx, at, {
          type: "tag.moved",
          namespace: m.namespace,
          modelId: m.id,
          version: body.version,
          actor: principal!.owner,
          data: { tag: params.tag, from, to: body.version },
        });
        return from;
      });
      ctx.hub.notify();
      return c.json({ tag: params.tag, version: body.version, previous: from });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "delete",
      path: "/v1/models/{id}/tags/{tag}",
      tags: ["registry"],
      summary: "Remove a tag",
      auth: "write",
      params: z.object({ id: z.string().min(1), tag: Tag }),
    },
    async (c, { params, principal }) => {
      const m = await writable(ctx, params.id, principal);
      const at = ctx.now();
      await ctx.db.write(async (tx) => {
        const [old] = await tx
          .select()
          .from(tags)
          .where(and(eq(tags.modelId, m.id), eq(tags.tag, params.tag)));
        if (!old) throw new LearnwareError("NOT_FOUND", `Model '${m.id}' has no tag '${params.tag}'`, { field: "tag" });
        await tx.delete(tags).where(and(eq(tags.modelId, m.id), eq(tags.tag, params.tag)));
        await appendEvent(tx, at, {
          type: "tag.moved",
          namespace: m.namespace,
          modelId: m.id,
          actor: principal!.owner,
          data: { tag: params.tag, from: old.version, to: null },
        });
      });
      ctx.hub.notify();
      return c.json({ tag: params.tag, deleted: true });
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/models/{id}/metadata", tags: ["registry"], summary: "A model's metadata", auth: "read", params: IdParams },
    async (c, { params }) => c.json({ metadata: (await getModel(ctx.db.db, params.id)).metadata }),
  );

  defineRoute(
    app,
    ctx,
    {
      method: "patch",
      path: "/v1/models/{id}/metadata",
      tags: ["registry"],
      summary: "Merge metadata into a model (a null value removes the key)",
      auth: "write",
      params: IdParams,
      body: z.object({ metadata: Metadata }),
    },
    async (c, { params, body, principal }) => {
      await writable(ctx, params.id, principal);
      const at = ctx.now();
      const metadata = await ctx.db.write(async (tx) => {
        const m = await getModel(tx, params.id);
        const metadata = mergeMetadata(m.metadata, body.metadata);
        await tx.update(models).set({ metadata, updatedAt: at }).where(eq(models.id, m.id));
        await appendEvent(tx, at, {
          type: "metadata.updated",
          namespace: m.namespace,
          modelId: m.id,
          actor: principal!.owner,
          data: { keys: Object.keys(body.metadata) },
        });
        return metadata;
      });
      ctx.hub.notify();
      return c.json({ metadata });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/models/{id}/versions/{ref}/metadata",
      tags: ["registry"],
      summary: "A version's metadata",
      auth: "read",
      params: VersionParams,
    },
    async (c, { params }) => {
      const m = await getModel(ctx.db.db, params.id);
      return c.json({ metadata: (await resolveVersion(ctx.db.db, m, params.ref)).metadata });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "patch",
      path: "/v1/models/{id}/versions/{ref}/metadata",
      tags: ["registry"],
      summary: "Merge metadata into a version (annotations; the package and specs stay immutable)",
      auth: "write",
      params: VersionParams,
      body: z.object({ metadata: Metadata }),
    },
    async (c, { params, body, principal }) => {
      const m = await writable(ctx, params.id, principal);
      const at = ctx.now();
      const metadata = await ctx.db.write(async (tx) => {
        const v = await resolveVersion(tx, m, params.ref);
        const metadata = mergeMetadata(v.metadata, body.metadata);
        await tx.update(versions).set({ metadata }).where(eq(versions.id, v.id));
        await appendEvent(tx, at, {
          type: "metadata.updated",
          namespace: m.namespace,
          modelId: m.id,
          version: v.number,
          actor: principal!.owner,
          data: { keys: Object.keys(body.metadata) },
        });
        return metadata;
      });
      ctx.hub.notify();
      return c.json({ metadata });
    },
  );
}
