/**
 * The market's learnware resource: upload (multipart, streamed to disk), list with
 * filters, get, update (a new version), delete, versions, check log, package download
 * (by number, tag/alias or a short-lived signed link).
 */
import { z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { hasScope, hmacHex, isAdmin, type Principal, safeEqual } from "../auth/tokens.ts";
import type { StagedBlob } from "../blobs/store.ts";
import type { App, AppEnv, Ctx } from "../context.ts";
import { jobs } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { readJsonBody } from "../http/body.ts";
import { MultipartReader } from "../http/multipart.ts";
import { defineRoute } from "../http/route.ts";
import {
  findModel,
  getModel,
  listModels,
  modelDetailView,
  modelListView,
  listVersions,
  type ModelRow,
  modelView,
  resolveVersion,
  tagsOf,
  type VersionRow,
  versionView,
} from "../services/catalog.ts";
import { holdsCheckLease, jobView } from "../services/jobs.ts";
import { assertSemantic, deleteModel, submitLearnware, updateLearnware } from "../services/market.ts";
import { Paging } from "./models.ts";

const IdParams = z.object({ id: z.string().min(1) });
const VersionParams = z.object({ id: z.string().min(1), ref: z.string().min(1) });

function parseSemantic(text: string, field = "semantic"): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LearnwareError("BAD_REQUEST", `Field '${field}' is not valid JSON: ${(err as Error).message}`, { field });
  }
}

/** Reads `semantic` (JSON text) and `package` (file) from a streamed multipart body. */
export async function readSubmission(
  ctx: Ctx,
  req: Request,
  opts: { requirePackage: boolean; requireSemantic: boolean },
): Promise<{ semantic: unknown; staged: StagedBlob | undefined }> {
  const mp = MultipartReader.fromRequest(req);
  let semantic: unknown;
  let staged: StagedBlob | undefined;
  try {
    for (let part = await mp.next(); part; part = await mp.next()) {
      if (part.name === "semantic" || part.name === "semantic_specification") {
        semantic = parseSemantic(await part.text(ctx.config.maxJsonBytes), part.name);
        assertSemantic(semantic); // the semantic checker runs at once
      } else if (part.name === "package" || part.name === "learnware_file") {
        if (part.filename === undefined) throw new LearnwareError("BAD_REQUEST", `Part '${part.name}' must be a file`, { field: "package" });
        if (staged) throw new LearnwareError("BAD_REQUEST", "Only one package per request", { field: "package" });
        staged = await ctx.blobs.stage(part.stream(), { maxBytes: ctx.config.maxPackageBytes });
        if (staged.size === 0) throw new LearnwareError("BAD_REQUEST", "The package file is empty", { field: "package" });
      }
    }
    if (opts.requireSemantic && semantic === undefined)
      throw new LearnwareError("BAD_REQUEST", "Missing form field 'semantic' (JSON semantic specification)", { field: "semantic" });
    if (opts.requirePackage && staged === undefined)
      throw new LearnwareError("BAD_REQUEST", "Missing file part 'package' (the learnware zip)", { field: "package" });
  } catch (err) {
    await mp.cancel();
    if (staged) await ctx.blobs.discard(staged);
    throw err;
  }
  return { semantic, staged };
}

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

export async function packageResponse(ctx: Ctx, m: ModelRow, v: VersionRow, head = false): Promise<Response> {
  if (v.packageSha256 === null) throw new LearnwareError("NOT_FOUND", `Version ${v.number} of '${m.id}' has no package`);
  const stream = head ? null : await ctx.blobs.open(v.packageSha256);
  if (!head && stream === null) throw new LearnwareError("NOT_FOUND", `Package blob of '${m.id}' v${v.number} is missing`);
  return new Response(stream, {
    headers: {
      "content-type": "application/zip",
      "content-length": String(v.packageSize ?? 0),
      "content-disposition": `attachment; filename="learnware-${m.id}-v${v.number}.zip"`,
      "x-checksum-sha256": v.packageSha256,
      etag: `"${v.packageSha256}"`,
    },
  });
}

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
        await modelListView(
          ctx.db.db,
          await listModels(
            ctx.db.db,
            { kind: "learnware", owner: query.owner, q: query.q, status: query.status, semantic, sort: query.sort },
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

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/learnwares/{id}/versions", tags: ["market"], summary: "List a learnware's versions", auth: "read", params: IdParams },
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
      path: "/v1/learnwares/{id}/versions/{ref}",
      tags: ["market"],
      summary: "Get a version (number, tag or `latest`) with its semantic and stat specs",
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
