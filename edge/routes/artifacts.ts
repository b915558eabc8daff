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
import { assertStorageQuota } from "../services/quota.ts";

/** Windows device names, which no file may be called on Windows (with or without an extension). */
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * An artifact path: relative, `/`-separated, no `.`/`..`/empty segments, no backslash, no
 * control characters (NUL included), no Windows device names and no segment ending in a dot
 * or a space, so it names the same file on every system a client may download it to.
 */
export function artifactPathProblem(p: string): string | null {
  // deno-lint-ignore no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(p)) return "must not contain control characters (such as NUL)";
  if (p.includes("\\")) return "must use '/' as the separator, not '\\'";
  if (p.startsWith("/")) return "must be relative";
  if (/^[A-Za-z]:/.test(p)) return "must not start with a drive letter";
  for (const seg of p.split("/")) {
    if (seg === "" || seg === "." || seg === "..") return "must not have '.', '..' or empty segments";
    if (DEVICE.test(seg)) return `must not use the Windows device name '${seg}'`;
    if (/[. ]$/.test(seg)) return `segment '${seg}' must not end in a dot or a space`;
  }
  return null;
}

const ArtifactPath = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((p, ctx) => {
    const problem = artifactPathProblem(p);
    if (problem) ctx.addIssue({ code: "custom", message: `Artifact path ${problem}` });
  });

/** Schemes a tracked artifact may point at (never `javascript:`, `data:`, `blob:` …). */
export const TRACKED_SCHEMES = [
  "http",
  "https",
  "s3",
  "gs",
  "gcs",
  "az",
  "abfs",
  "abfss",
  "wasbs",
  "file",
  "hdfs",
  "ftp",
  "sftp",
  "oci",
  "dbfs",
  "mlflow-artifacts",
  "runs",
  "models",
];

const TrackedUri = z
  .string()
  .max(4096)
  .url()
  .superRefine((u, ctx) => {
    const scheme = u.slice(0, Math.max(0, u.indexOf(":"))).toLowerCase();
    if (!TRACKED_SCHEMES.includes(scheme))
      ctx.addIssue({ code: "custom", message: `URI scheme '${scheme}:' is not allowed; use one of ${TRACKED_SCHEMES.join(", ")}` });
  });

const MIME_BY_EXT: Record<string, string> = {
  json: "application/json",
  txt: "text/plain",
  csv: "text/csv",
  onnx: "application/onnx",
  zip: "application/zip",
  png: "image/png",
  jpg: "image/jpeg",
  yaml: "application/yaml",
  yml: "application/yaml",
  pkl: "application/octet-stream",
  pt: "application/octet-stream",
  npy: "application/octet-stream",
  html: "text/html",
  md: "text/markdown",
};

function guessMime(path: string, header: string | undefined): string {
  if (header && header !== "application/octet-stream" && !header.startsWith("multipart/")) return header.split(";")[0]!.trim();
  const ext = path.split(".").pop()?.toLowerCase() ?? "";
  return MIME_BY_EXT[ext] ?? header ?? "application/octet-stream";
}

type ArtifactRow = typeof artifacts.$inferSelect;
const view = (a: ArtifactRow) => ({
  path: a.path,
  size: a.size,
  sha256: a.sha256,
  mime: a.mime,
  storage: a.storage,
  uri: a.uri,
  version: a.version,
  createdAt: new Date(a.createdAt).toISOString(),
});

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
        throw new LearnwareError("CHECKSUM_MISMATCH", `Artifact sha256 is ${staged.sha256}, the client declared ${expected}`, {
          field: "x-checksum-sha256",
          actual: staged.sha256,
        });
      }
      try {
        await assertStorageQuota(ctx, m.owner, staged.size);
      } catch (err) {
        await ctx.blobs.discard(staged);
        throw err;
      }
      const mime = guessMime(query.path, c.req.header("content-type"));
      const at = ctx.now();
      const row = await ctx.db.write(async (tx) => {
        const [dup] = await tx
          .select()
          .from(artifacts)
          .where(and(eq(artifacts.modelId, m.id), eq(artifacts.version, v.number), eq(artifacts.path, query.path)));
        if (dup) {
          await ctx.blobs.discard(staged);
          throw new LearnwareError("CONFLICT", `Version ${v.number} already has an artifact at '${query.path}'`, { field: "path" });
        }
        await ctx.blobs.commit(staged);
        const [row] = await tx
          .insert(artifacts)
          .values({
            modelId: m.id,
            version: v.number,
            path: query.path,
            size: staged.size,
            sha256: staged.sha256,
            mime,
            storage: "stored",
            uri: null,
            createdAt: at,
          })
          .returning();
        await appendEvent(tx, at, {
          type: "artifact.added",
          namespace: m.namespace,
          modelId: m.id,
          version: v.number,
          actor: principal!.owner,
          data: { path: query.path, sha256: staged.sha256, size: staged.size },
        });
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
        uri: TrackedUri,
        mime: z.string().max(200).optional(),
        size: z.number().int().min(0).optional(),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .optional(),
      }),
      responses: { 201: { description: "Tracked" } },
    },
    async (c, { params, body, principal }) => {
      const m = await getModel(ctx.db.db, params.id);
      assertCanWrite(principal, m);
      const at = ctx.now();
      const row = await ctx.db.write(async (tx) => {
        const v = await resolveVersion(tx, m, params.ref);
        const [dup] = await tx
          .select()
          .from(artifacts)
          .where(and(eq(artifacts.modelId, m.id), eq(artifacts.version, v.number), eq(artifacts.path, body.path)));
        if (dup) throw new LearnwareError("CONFLICT", `Version ${v.number} already has an artifact at '${body.path}'`, { field: "path" });
        const [row] = await tx
          .insert(artifacts)
          .values({
            modelId: m.id,
            version: v.number,
            path: body.path,
            size: body.size ?? null,
            sha256: body.sha256 ?? null,
            mime: body.mime ?? guessMime(body.path, undefined),
            storage: "tracked",
            uri: body.uri,
            createdAt: at,
          })
          .returning();
        await appendEvent(tx, at, {
          type: "artifact.added",
          namespace: m.namespace,
          modelId: m.id,
          version: v.number,
          actor: principal!.owner,
          data: { path: body.path, uri: body.uri },
        });
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
      method: "get",
      path: "/v1/models/{id}/versions/{ref}/artifacts",
      tags: ["registry"],
      summary: "List artifacts with size, sha256 and mime",
      auth: "read",
      params: P,
    },
    async (c, { params }) => {
      const m = await getModel(ctx.db.db, params.id);
      const v = await resolveVersion(ctx.db.db, m, params.ref);
      const rows = await ctx.db.db
        .select()
        .from(artifacts)
        .where(and(eq(artifacts.modelId, m.id), eq(artifacts.version, v.number)))
        .orderBy(asc(artifacts.path));
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
      const [a] = await ctx.db.db
        .select()
        .from(artifacts)
        .where(and(eq(artifacts.modelId, m.id), eq(artifacts.version, v.number), eq(artifacts.path, query.path)));
      if (!a) throw new LearnwareError("NOT_FOUND", `No artifact '${query.path}' in version ${v.number}`, { field: "path" });
      if (a.storage === "tracked") {
        // Rows from before the allow-list may hold any URI: only web URLs are followed.
        if (!/^https?:/i.test(a.uri ?? "")) return c.json({ path: a.path, storage: "tracked", uri: a.uri });
        return c.redirect(a.uri!, 302);
      }
      const stream = await ctx.blobs.open(a.sha256!);
      if (!stream) throw new LearnwareError("NOT_FOUND", `Artifact blob ${a.sha256} is missing`);
      // Always a download, never a page of this origin (an uploaded .html or .svg would run here).
      const name = a.path.split("/").pop()!;
      const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
      return new Response(stream, {
        headers: {
          "content-type": a.mime,
          "content-length": String(a.size),
          "content-disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
          "x-checksum-sha256": a.sha256!,
        },
      });
    },
  );
}
