/**
 * The registry (ModelBox parity) over HTTP: models per namespace (a default one too),
 * addressed by id, `namespace/name` or `namespace/name@tag|:version` (URL-encoded in a path
 * segment), immutable auto-numbered versions with label/name/description, framework,
 * metadata and unique tags (moved atomically), and metadata updates. The domain lives in
 * `services/registry.ts`; these handlers parse, authorise and shape answers.
 */
import { z } from "@hono/zod-openapi";
import { NameSchema, NamespaceSchema, REQUESTS, TagSchema } from "../../client/requests.ts";
import type { App, Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";
import { defineRoute } from "../http/route.ts";
import { listPage, modelView, tagsOf, versionView } from "../services/catalog.ts";
import { deleteModel } from "../services/market.ts";
import { findNamespace, namespaceView } from "../services/namespaces.ts";
import {
  createModel,
  createVersion,
  DEFAULT_NAMESPACE,
  findVersion,
  modelDetail,
  tagVersion,
  patchMetadata,
  putNamespace,
  registryWrite,
  removeTag,
  resolveAddress,
  resolveModel,
  writableModel,
} from "../services/registry.ts";
import { versionRoutes } from "./versions.ts";

export const Paging = { limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0) };
const ModelRef = z.string().min(1).max(400).describe("A model id, `namespace/name` (URL-encoded) or a name in the default namespace");
const IdParams = z.object({ id: ModelRef });
const VersionParams = z.object({ id: ModelRef, ref: z.string().min(1).max(200) });

type ModelBodyT = z.infer<typeof REQUESTS.createModel>;

export function modelRoutes(app: App, ctx: Ctx): void {
  const create = async (namespace: string, body: ModelBodyT, principal: Parameters<typeof createModel>[1]) =>
    registryWrite(ctx, principal, (w) => createModel(w, principal, { ...body, namespace }));

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/namespaces/{namespace}/models",
      tags: ["registry"],
      summary: "Create a model in a namespace (names are unique per namespace: 409 on a duplicate)",
      auth: "write",
      params: z.object({ namespace: NamespaceSchema }),
      body: REQUESTS.createModel,
      responses: { 201: { description: "Created" } },
    },
    async (c, { params, body, principal }) => c.json(modelView(await create(params.namespace, body, principal!), { tags: {} }), 201),
  );

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/models",
      tags: ["registry"],
      summary: `Create a model in the default namespace ('${DEFAULT_NAMESPACE}') or the body's \`namespace\``,
      auth: "write",
      body: REQUESTS.createDefaultModel,
      responses: { 201: { description: "Created" } },
    },
    async (c, { body, principal }) => c.json(modelView(await create(body.namespace ?? DEFAULT_NAMESPACE, body, principal!), { tags: {} }), 201),
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
      params: z.object({ namespace: NamespaceSchema }),
      query: z.object({ ...Paging, owner: z.string().optional(), q: z.string().optional() }),
    },
    async (c, { params, query }) => {
      return c.json(await listPage(ctx.db.db, { namespace: params.namespace, owner: query.owner, q: query.q }, query.limit, query.offset));
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/namespaces/{namespace}/models/{name}",
      tags: ["registry"],
      summary: "A model by namespace and name",
      auth: "read",
      params: z.object({ namespace: NamespaceSchema, name: NameSchema }),
    },
    async (c, { params }) => c.json(await modelDetail(ctx.db.db, `${params.namespace}/${params.name}`)),
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
      params: z.object({ namespace: NamespaceSchema }),
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
      params: z.object({ namespace: NamespaceSchema }),
      body: REQUESTS.putNamespace,
    },
    async (c, { params, body, principal }) => {
      const ns = await registryWrite(ctx, principal, (w) => putNamespace(w, principal!, params.namespace, body));
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
        await listPage(
          ctx.db.db,
          { namespace: query.namespace, owner: query.owner, q: query.q, ...(query.kind ? { kind: query.kind } : {}) },
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
      path: "/v1/resolve/{ref}",
      tags: ["registry"],
      summary: "Resolve `namespace/name[@tag|:version]` (URL-encoded) to its model and version",
      auth: "read",
      params: z.object({ ref: z.string().min(1).max(600) }),
    },
    async (c, { params }) => {
      const { model, version } = await resolveAddress(ctx.db.db, params.ref);
      const t = await tagsOf(ctx.db.db, model.id);
      return c.json({ model: modelView(model, { tags: t }), version: versionView(version, t) });
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/models/{id}", tags: ["registry"], summary: "Get a model with its tags", auth: "read", params: IdParams },
    async (c, { params }) => c.json(await modelDetail(ctx.db.db, params.id)),
  );

  defineRoute(
    app,
    ctx,
    { method: "delete", path: "/v1/models/{id}", tags: ["registry"], summary: "Delete a model and all its versions", auth: "write", params: IdParams },
    async (c, { params, principal }) => {
      const m = await resolveModel(ctx.db.db, params.id);
      await deleteModel(ctx, m.id, principal);
      return c.json({ id: m.id, deleted: true });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/models/{id}/versions",
      tags: ["registry"],
      summary: "Create a version (immutable, auto-numbered) with label, name, description, framework, metadata, unique tags and tracked artifacts",
      auth: "write",
      params: IdParams,
      body: REQUESTS.createModelVersion,
      responses: { 201: { description: "Created" } },
    },
    async (c, { params, body, principal }) => {
      const m = await writableModel(ctx.db.db, params.id, principal);
      const v = await registryWrite(ctx, principal, (w) => createVersion(w, m, body));
      return c.json(versionView(v, await tagsOf(ctx.db.db, m.id)), 201);
    },
  );

  versionRoutes(app, ctx, {
    prefix: "/v1/models",
    tags: ["registry"],
    noun: "model",
    refSummary: "Get a version by number, tag, label or `latest`",
    idParams: IdParams,
    versionParams: VersionParams,
    model: resolveModel,
    version: (db, m, ref) => findVersion(db, m, ref),
  });

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/models/{id}/tags", tags: ["registry"], summary: "A model's tags (tag → version)", auth: "read", params: IdParams },
    async (c, { params }) => {
      const m = await resolveModel(ctx.db.db, params.id);
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
      params: z.object({ id: ModelRef, tag: TagSchema }),
      body: REQUESTS.moveTag,
    },
    async (c, { params, body, principal }) => {
      const m = await writableModel(ctx.db.db, params.id, principal);
      const from = await registryWrite(ctx, principal, (w) => tagVersion(w, m, params.tag, body.version));
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
      params: z.object({ id: ModelRef, tag: TagSchema }),
    },
    async (c, { params, principal }) => {
      const m = await writableModel(ctx.db.db, params.id, principal);
      await registryWrite(ctx, principal, (w) => removeTag(w, m, params.tag));
      return c.json({ tag: params.tag, deleted: true });
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/models/{id}/metadata", tags: ["registry"], summary: "A model's metadata", auth: "read", params: IdParams },
    async (c, { params }) => c.json({ metadata: (await resolveModel(ctx.db.db, params.id)).metadata }),
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
      body: REQUESTS.patchModelMetadata,
    },
    async (c, { params, body, principal }) => {
      const m = await writableModel(ctx.db.db, params.id, principal);
      return c.json({ metadata: await registryWrite(ctx, principal, (w) => patchMetadata(w, m, null, body.metadata)) });
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
      const m = await resolveModel(ctx.db.db, params.id);
      return c.json({ metadata: (await findVersion(ctx.db.db, m, params.ref)).metadata });
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
      body: REQUESTS.patchVersionMetadata,
    },
    async (c, { params, body, principal }) => {
      const m = await writableModel(ctx.db.db, params.id, principal);
      const metadata = await registryWrite(ctx, principal, async (w) => patchMetadata(w, m, await findVersion(w.tx, m, params.ref), body.metadata));
      return c.json({ metadata });
    },
  );
}
