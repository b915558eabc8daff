/**
 * Artifacts of a version: uploaded (streamed to the blob store, sha256 computed by the
 * server and checked against the client's), or tracked by URI; listed with size, sha256
 * and mime type.
 */
import { z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { App, Ctx } from "../context.ts";
import { artifacts } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { defineRoute } from "../http/route.ts";
import { getModel, resolveVersion } from "../services/catalog.ts";
import { appendEvent } from "../services/events.ts";
import { assertCanWrite } from "../services/market.ts";

const ArtifactPath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.startsWith("/") && !p.split("/").some((s) => s === ".." || s === "." || s === ""), { message: "Must be a relative path without '.', '..' or empty segments" });

const MIME_BY_EXT: Record<string, string> = {
  json: "application/json", txt: "text/plain", csv: "text/csv", onnx: "application/onnx", zip: "application/zip",
  png: "image/png", jpg: "image/jpeg", yaml: "application/yaml", yml: "application/yaml", pkl: "application/octet-stream",
  pt: "application/octet-stream", npy: "application/octet-stream", html: "text/html", md: "text/markdown",
};

function guessMime(path: string, header: string | undefined): string {
  if (header && header !== "application/octet-stream" && !header.startsWith("multipart/")) return header.split(";")[0]!.trim();
  const ext = path.split(".").pop()?.toLowerCase() ?? "";
  return MIME_BY_EXT[ext] ?? header ?? "application/octet-stream";
}

type ArtifactRow = typeof artifacts.$inferSelect;
const view = (a: ArtifactRow) => ({ path: a.path, size: a.size, sha256: a.sha256, mime: a.mime, storage: a.storage, uri: a.uri, version: a.version, createdAt: new Date(a.createdAt).toISOString() });

export function artifactRoutes(app: App, ctx: Ctx): void {
  const P = z.object({ id: z.string(), ref: z.string() });

  defineRoute(
    app,
    ctx,
    {
      method: "put",
      path: "/v1/models/{id}/versions/{ref}/artifacts",
      tags: ["registry"],
      summary: "Upload an artifact (streamed; the server computes sha256 and checks X-Checksum-Sha256 when given)",
      auth: "write",
      params: P,
      query: z.object({ path: ArtifactPath }),
      rawBody: { contentType: "application/octet-stream", schema: z.string().openapi({ format: "binary" }) },
      responses: { 201: { description: "Stored" } },
    },
    async (c, { params, query, principal }) => {
      const m = await getModel(ctx.db.db, params.id);
      assertCanWrite(principal, m);
      const v = await resolveVersion(ctx.db.db, m, params.ref);
      const expected = c.req.header("x-checksum-sha256")?.toLowerCase();
      if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) {
        throw new LearnwareError("BAD_REQUEST", "X-Checksum-Sha256 must be 64 hex digits", { field: "x-checksum-sha256" });
      }
      if (c.req.raw.body === null) throw new LearnwareError("BAD_REQUEST", "The artifact body is empty", { field: "body" });
      const staged = await ctx.blobs.stage(c.req.raw.body, { maxBytes: ctx.config.maxPackageBytes });
      if (expected !== undefined && expected !== staged.sha256) {
        await ctx.blobs.discard(staged);
        throw new LearnwareError("CHECKSUM_MISMATCH", `Artifact sha256 is ${staged.sha256}, the client declared ${expected}`, { field: "x-checksum-sha256", actual: staged.sha256 });
      }
      const mime = guessMime(query.path, c.req.header("content-type"));
      const at = ctx.now();
      const row = await ctx.db.write(async (tx) => {
        const [dup] = await tx.select().from(artifacts).where(and(eq(artifacts.modelId, m.id), eq(artifacts.version, v.number), eq(artifacts.path, query.path)));
        if (dup) {
          await ctx.blobs.discard(staged);
          throw new LearnwareError("CONFLICT", `Version ${v.number} already has an artifact at '${query.path}'`, { field: "path" });
        }
        await ctx.blobs.commit(staged);
        const [row] = await tx
          .insert(artifacts)
          .values({ modelId: m.id, version: v.number, path: query.path, size: staged.size, sha256: staged.sha256, mime, storage: "stored", uri: null, createdAt: at })
          .returning();
        await appendEvent(tx, at, { type: "artifact.added", namespace: m.namespace, modelId: m.id, version: v.number, actor: principal!.owner, data: { path: query.path, sha256: staged.sha256, size: staged.size } });
        return row!;
      });
      ctx.hub.notify();
      return c.json(view(row), 201);
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/models/{id}/versions/{ref}/artifacts",
      tags: ["registry"],
      summary: "Track an external artifact by URI",
      auth: "write",
      params: P,
      body: z.object({
        path: ArtifactPath,
        uri: z.string().url().max(4096),
        mime: z.string().max(200).optional(),
        size: z.number().int().min(0).optional(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
      }),
      responses: { 201: { description: "Tracked" } },
    },
    async (c, { params, body, principal }) => {
      const m = await getModel(ctx.db.db, params.id);
      assertCanWrite(principal, m);
      const at = ctx.now();
      const row = await ctx.db.write(async (tx) => {
        const v = await resolveVersion(tx, m, params.ref);
        const [dup] = await tx.select().from(artifacts).where(and(eq(artifacts.modelId, m.id), eq(artifacts.version, v.number), eq(artifacts.path, body.path)));
        if (dup) throw new LearnwareError("CONFLICT", `Version ${v.number} already has an artifact at '${body.path}'`, { field: "path" });
        const [row] = await tx
          .insert(artifacts)
          .values({ modelId: m.id, version: v.number, path: body.path, size: body.size ?? null, sha256: body.sha256 ?? null, mime: body.mime ?? guessMime(body.path, undefined), storage: "tracked", uri: body.uri, createdAt: at })
          .returning();
        await appendEvent(tx, at, { type: "artifact.added", namespace: m.namespace, modelId: m.id, version: v.number, actor: principal!.owner, data: { path: body.path, uri: body.uri } });
        return row!;
      });
      ctx.hub.notify();
      return c.json(view(row), 201);
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/models/{id}/versions/{ref}/artifacts", tags: ["registry"], summary: "List artifacts with size, sha256 and mime", auth: "read", params: P },
    async (c, { params }) => {
      const m = await getModel(ctx.db.db, params.id);
      const v = await resolveVersion(ctx.db.db, m, params.ref);
      const rows = await ctx.db.db.select().from(artifacts).where(and(eq(artifacts.modelId, m.id), eq(artifacts.version, v.number))).orderBy(asc(artifacts.path));
      return c.json({ version: v.number, items: rows.map(view) });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/models/{id}/versions/{ref}/artifacts/content",
      tags: ["registry"],
      summary: "Download a stored artifact (a tracked one redirects to its URI)",
      auth: "read",
      params: P,
      query: z.object({ path: ArtifactPath }),
    },
    async (c, { params, query }) => {
      const m = await getModel(ctx.db.db, params.id);
      const v = await resolveVersion(ctx.db.db, m, params.ref);
      const [a] = await ctx.db.db.select().from(artifacts).where(and(eq(artifacts.modelId, m.id), eq(artifacts.version, v.number), eq(artifacts.path, query.path)));
      if (!a) throw new LearnwareError("NOT_FOUND", `No artifact '${query.path}' in version ${v.number}`, { field: "path" });
      if (a.storage === "tracked") return c.redirect(a.uri!, 302);
      const stream = await ctx.blobs.open(a.sha256!);
      if (!stream) throw new LearnwareError("NOT_FOUND", `Artifact blob ${a.sha256} is missing`);
      return new Response(stream, { headers: { "content-type": a.mime, "content-length": String(a.size), "x-checksum-sha256": a.sha256! } });
    },
  );
}
