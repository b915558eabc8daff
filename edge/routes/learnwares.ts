/**
 * The market's learnware resource: upload (multipart, streamed to disk), list with
 * filters, get, update (a new version), delete, versions, check log, package download
 * (by number, tag/alias or a short-lived signed link).
 */
import { z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { hmacHex, type Principal, safeEqual } from "../auth/tokens.ts";
import type { StagedBlob } from "../blobs/store.ts";
import type { App, AppEnv, Ctx } from "../context.ts";
import { jobs } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { readJsonBody } from "../http/body.ts";
import { defineRoute } from "../http/route.ts";
import { findModel, getModel, listPage, modelDetailView, modelView, resolveVersion, versionView } from "../services/catalog.ts";
import { jobView } from "../services/jobs.ts";
import { assertCanReadVersion } from "../services/access.ts";
import { packageResponse } from "../http/packageResponse.ts";
import { readSubmission } from "../http/submission.ts";
import { deleteModel, submitLearnware, updateLearnware } from "../services/market.ts";
import { Paging } from "./models.ts";
import { versionRoutes } from "./versions.ts";

const IdParams = z.object({ id: z.string().min(1) });
const VersionParams = z.object({ id: z.string().min(1), ref: z.string().min(1) });

/**
 * A link's signature covers the package's sha256 as well as the id and the version number, so
 * a link can only ever serve the bytes it was made for: never another object that came to hold
 * the id (ids are not reused either, see `nextModelId`).
 */
async function linkSignature(ctx: Ctx, id: string, n: number, exp: number, sha: string): Promise<string> {
  return hmacHex(await ctx.linkSecret(), `v2:${id}:${n}:${exp}:${sha}`);
}

const ListQuery = z.object({
  ...Paging,
  data: z.string().optional(),
  task: z.string().optional(),
  library: z.string().optional(),
  scenario: z.string().optional(),
  license: z.string().optional(),
  licence: z.string().optional(),
  status: z.enum(["pending", "usable", "invalid"]).optional(),
  owner: z.string().optional(),
  q: z.string().max(200).optional(),
  sort: z.enum(["newest", "oldest", "name", "updated"]).optional().openapi({ description: "List order (default newest first)" }),
});

export function learnwareRoutes(app: App, ctx: Ctx): void {
  const submissionDoc = z.object({
    semantic: z.string().openapi({ description: "The semantic specification, as JSON text" }),
    package: z.string().openapi({ format: "binary", description: "The learnware zip" }),
  });

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/learnwares",
      tags: ["market"],
      summary: "Upload a learnware (multipart: `semantic` JSON + `package` zip, streamed to disk)",
      description:
        "The semantic checker runs at once (422 naming the key); the package and its stat specs are checked; a check job is queued and the version is pending until a runner completes it.",
      auth: "write",
      rawBody: { contentType: "multipart/form-data", schema: submissionDoc },
      responses: { 201: { description: "Created (status pending)" } },
    },
    async (c, { principal }) => {
      const { semantic, staged } = await readSubmission(ctx, c.req.raw, { requirePackage: true, requireSemantic: true });
      const r = await submitLearnware(ctx, { owner: principal!.owner, semantic, staged: staged! });
      return c.json({ learnware: modelView(r.model, { status: 0 }), version: versionView(r.version), jobId: r.jobId }, 201);
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/learnwares",
      tags: ["market"],
      summary: "List learnwares with filters (data, task, library, scenario, license, status, owner, q) and pagination",
      auth: "read",
      query: ListQuery,
    },
    async (c, { query }) => {
      const semantic: Record<string, string> = {};
      if (query.data) semantic.Data = query.data;
      if (query.task) semantic.Task = query.task;
      if (query.library) semantic.Library = query.library;
      if (query.scenario) semantic.Scenario = query.scenario;
      const lic = query.license ?? query.licence;
      if (lic) semantic.License = lic;
      return c.json(
        await listPage(
          ctx.db.db,
          { kind: "learnware", owner: query.owner, q: query.q, status: query.status, semantic, sort: query.sort },
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
      path: "/v1/learnwares/{id}",
      tags: ["market"],
      summary: "Get a learnware (its latest version's status and its tags)",
      auth: "read",
      params: IdParams,
    },
    async (c, { params }) => {
      return c.json(await modelDetailView(ctx.db.db, params.id));
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "patch",
      path: "/v1/learnwares/{id}",
      tags: ["market"],
      summary: "Update: a new semantic spec and/or package → a new version, status back to pending",
      description: "JSON `{ semantic }`, or multipart with `semantic` and/or `package`.",
      auth: "write",
      params: IdParams,
      rawBody: { contentType: "multipart/form-data", schema: submissionDoc.partial() },
    },
    async (c, { params, principal }) => {
      const ct = c.req.header("content-type") ?? "";
      let semantic: unknown;
      let staged: StagedBlob | undefined;
      if (/^multipart\//i.test(ct)) {
        ({ semantic, staged } = await readSubmission(ctx, c.req.raw, { requirePackage: false, requireSemantic: false }));
      } else {
        const body = (await readJsonBody(c.req.raw, ctx.config.maxJsonBytes)) as { semantic?: unknown };
        if (body === null || typeof body !== "object" || body.semantic === undefined) {
          throw new LearnwareError("BAD_REQUEST", "Body must be { semantic: {...} }", { field: "semantic" });
        }
        semantic = body.semantic;
      }
      const r = await updateLearnware(ctx, {
        id: params.id,
        principal,
        ...(semantic !== undefined ? { semantic } : {}),
        ...(staged !== undefined ? { staged } : {}),
      });
      return c.json({ learnware: modelView(r.model, { status: 0 }), version: versionView(r.version), jobId: r.jobId });
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "delete", path: "/v1/learnwares/{id}", tags: ["market"], summary: "Delete a learnware (owner or admin)", auth: "write", params: IdParams },
    async (c, { params, principal }) => {
      await deleteModel(ctx, params.id, principal);
      return c.json({ id: params.id, deleted: true });
    },
  );

  versionRoutes(app, ctx, {
    prefix: "/v1/learnwares",
    tags: ["market"],
    noun: "learnware",
    refSummary: "Get a version (number, tag or `latest`) with its semantic and stat specs",
    idParams: IdParams,
    versionParams: VersionParams,
    model: getModel,
    version: resolveVersion,
  });

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/learnwares/{id}/versions/{ref}/check",
      tags: ["market"],
      summary: "The version's check status, log and jobs",
      auth: "read",
      params: VersionParams,
    },
    async (c, { params }) => {
      const m = await getModel(ctx.db.db, params.id);
      const v = await resolveVersion(ctx.db.db, m, params.ref);
      const js = await ctx.db.db
        .select()
        .from(jobs)
        .where(and(eq(jobs.modelId, m.id), eq(jobs.version, v.number)))
        .orderBy(asc(jobs.createdAt));
      return c.json({
        learnwareId: m.id,
        version: v.number,
        checkStatus: v.checkStatus,
        status: versionView(v).status,
        log: v.checkLog,
        jobs: js.map(jobView),
      });
    },
  );

  const download = async (c: Context<AppEnv>, id: string, ref: string, principal: Principal | null) => {
    const m = await getModel(ctx.db.db, id);
    const v = await resolveVersion(ctx.db.db, m, ref);
    await assertCanReadVersion(ctx, principal, m, v);
    return packageResponse(ctx, m, v, c.req.method === "HEAD");
  };

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/learnwares/{id}/versions/{ref}/package",
      tags: ["market"],
      summary: "Download a version's package zip (by number, tag/alias or `latest`)",
      auth: "read",
      params: VersionParams,
      responses: { 200: { description: "The zip", content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } } } },
    },
    (c, { params, principal }) => download(c, params.id, params.ref, principal),
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/learnwares/{id}/download",
      tags: ["market"],
      summary: "Download the latest version's package (or `?version=` number or alias)",
      auth: "read",
      params: IdParams,
      query: z.object({ version: z.string().optional() }),
    },
    (c, { params, query, principal }) => download(c, params.id, query.version ?? "latest", principal),
  );

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/learnwares/{id}/versions/{ref}/link",
      tags: ["market"],
      summary: "Create a short-lived signed download link",
      auth: "read",
      params: VersionParams,
      rawBody: {
        contentType: "application/json",
        schema: z.object({ expiresInSeconds: z.number().int().min(1).max(86400).optional() }),
        description: "Optional",
      },
    },
    async (c, { params, principal }) => {
      const m = await getModel(ctx.db.db, params.id);
      const v = await resolveVersion(ctx.db.db, m, params.ref);
      await assertCanReadVersion(ctx, principal, m, v);
      let secs = ctx.config.signedLinkSeconds;
      const raw =
        c.req.header("content-length") && c.req.header("content-length") !== "0"
          ? ((await readJsonBody(c.req.raw, 4096)) as { expiresInSeconds?: number })
          : {};
      if (raw && typeof raw.expiresInSeconds === "number") secs = Math.min(Math.max(1, Math.floor(raw.expiresInSeconds)), 86400);
      if (v.packageSha256 === null) throw new LearnwareError("NOT_FOUND", `Version ${v.number} of '${m.id}' has no package`, { field: "ref" });
      const exp = Math.floor(ctx.now() / 1000) + secs;
      const sig = await linkSignature(ctx, m.id, v.number, exp, v.packageSha256);
      const url = `/v1/links/${encodeURIComponent(m.id)}/${v.number}?exp=${exp}&sha256=${v.packageSha256}&sig=${sig}`;
      return c.json({ url, expiresAt: new Date(exp * 1000).toISOString(), version: v.number });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/links/{id}/{n}",
      tags: ["market"],
      summary: "Download through a signed link (no token needed until it expires)",
      auth: "public",
      params: z.object({ id: z.string(), n: z.coerce.number().int().positive() }),
      query: z.object({ exp: z.coerce.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/), sig: z.string().regex(/^[0-9a-f]{64}$/) }),
    },
    async (_c, { params, query }) => {
      if (query.exp * 1000 < ctx.now()) throw new LearnwareError("GONE", "The download link has expired", { field: "exp" });
      const expected = await linkSignature(ctx, params.id, params.n, query.exp, query.sha256);
      if (!safeEqual(expected, query.sig)) throw new LearnwareError("FORBIDDEN", "The download link signature is invalid", { field: "sig" });
      const m = await findModel(ctx.db.db, params.id);
      const v = m ? await resolveVersion(ctx.db.db, m, params.n).catch(() => undefined) : undefined;
      // The link names the bytes: a deleted (or otherwise changed) object is gone for the link.
      if (!m || !v || v.packageSha256 !== query.sha256) {
        throw new LearnwareError("GONE", `The package this link was made for (sha256 ${query.sha256}) is no longer in the market`, { field: "sha256" });
      }
      return packageResponse(ctx, m, v);
    },
  );
}
