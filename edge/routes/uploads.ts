/**
 * Resumable chunked uploads: create a session, append chunks at the received offset
 * (each with its sha256), ask for the offset after a dropped connection, and finish
 * with the whole file's sha256 — which creates the learnware (or a new version).
 */
import { z } from "@hono/zod-openapi";
import { and, eq, lt } from "drizzle-orm";
import { randomId, sha256Hex } from "../auth/tokens.ts";
import type { App, Ctx } from "../context.ts";
import { uploads } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { readBodyBytes } from "../http/body.ts";
import { defineRoute } from "../http/route.ts";
import type { Principal } from "../auth/tokens.ts";
import { modelView, versionView } from "../services/catalog.ts";
import { assertSemantic, submitLearnware, updateLearnware } from "../services/market.ts";

const SESSION_MS = 24 * 3600 * 1000;

export async function getSession(ctx: Ctx, id: string, p: Principal | null) {
  const [s] = await ctx.db.db.select().from(uploads).where(eq(uploads.id, id));
  if (!s || s.expiresAt < ctx.now()) throw new LearnwareError("NOT_FOUND", `Upload session '${id}' not found or expired`, { field: "id" });
  if (p === null || (p.owner !== s.owner && !p.scopes.includes("admin"))) throw new LearnwareError("FORBIDDEN", "The upload session belongs to another owner");
  return s;
}

/** Removes expired sessions and their partial files. */
export async function sweepUploads(ctx: Ctx): Promise<number> {
  const old = await ctx.db.db.select().from(uploads).where(lt(uploads.expiresAt, ctx.now()));
  for (const s of old) {
    await ctx.blobs.partialRemove(s.id);
    await ctx.db.write((tx) => tx.delete(uploads).where(eq(uploads.id, s.id)));
  }
  // Partial files without a session row (crash between file creation and insert).
  const ids = new Set((await ctx.db.db.select({ id: uploads.id }).from(uploads)).map((r) => r.id));
  for (const f of await ctx.blobs.partialList()) if (!ids.has(f)) await ctx.blobs.partialRemove(f);
  return old.length;
}

export function uploadRoutes(app: App, ctx: Ctx): void {
  const IdP = z.object({ id: z.string().regex(/^up_[A-Za-z0-9_-]+$/, "Not an upload id") });

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/uploads",
      tags: ["uploads"],
      summary: "Start a resumable upload",
      auth: "write",
      body: z.object({ size: z.number().int().positive().optional() }),
      responses: { 201: { description: "Created" } },
    },
    async (c, { body, principal }) => {
      if (body.size !== undefined && body.size > ctx.config.maxPackageBytes) {
        throw new LearnwareError("PAYLOAD_TOO_LARGE", `Declared size ${body.size} exceeds the limit of ${ctx.config.maxPackageBytes} bytes`, { field: "size", limit: ctx.config.maxPackageBytes });
      }
      const id = "up_" + randomId(12);
      const at = ctx.now();
      await ctx.blobs.partialCreate(id);
      await ctx.db.write((tx) => tx.insert(uploads).values({ id, owner: principal!.owner, size: body.size ?? null, received: 0, createdAt: at, expiresAt: at + SESSION_MS }));
      return c.json({ id, offset: 0, size: body.size ?? null, expiresAt: new Date(at + SESSION_MS).toISOString(), maxChunkBytes: ctx.config.maxChunkBytes }, 201);
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/uploads/{id}", tags: ["uploads"], summary: "The received offset (resume from here)", auth: "write", params: IdP },
    async (c, { params, principal }) => {
      const s = await getSession(ctx, params.id, principal);
      const offset = (await ctx.blobs.partialSize(s.id)) ?? 0;
      return c.json({ id: s.id, offset, size: s.size, expiresAt: new Date(s.expiresAt).toISOString() });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "put",
      path: "/v1/uploads/{id}",
      tags: ["uploads"],
      summary: "Append a chunk at `offset` with its sha256 (409 if the offset is not the received size)",
      auth: "write",
      params: IdP,
      query: z.object({ offset: z.coerce.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits") }),
      rawBody: { contentType: "application/octet-stream", schema: z.string().openapi({ format: "binary" }) },
    },
    async (c, { params, query, principal }) => {
      const s = await getSession(ctx, params.id, principal);
      const bytes = await readBodyBytes(c.req.raw, ctx.config.maxChunkBytes);
      const actual = await sha256Hex(bytes);
      if (actual !== query.sha256) {
        throw new LearnwareError("CHECKSUM_MISMATCH", `Chunk sha256 is ${actual}, the client declared ${query.sha256}`, { field: "sha256", actual });
      }
      const limit = s.size ?? ctx.config.maxPackageBytes;
      if (query.offset + bytes.byteLength > limit) {
        throw new LearnwareError("PAYLOAD_TOO_LARGE", `Chunk ends at ${query.offset + bytes.byteLength}, past the ${s.size !== null ? "declared size" : "limit"} ${limit}`, { field: "offset", limit });
      }
      const offset = await ctx.blobs.partialAppend(s.id, query.offset, bytes);
      return c.json({ id: s.id, offset });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/uploads/{id}/finish",
      tags: ["uploads"],
      summary: "Finish with the whole file's sha256 and the semantic spec → a learnware (or a new version of `learnwareId`)",
      auth: "write",
      params: IdP,
      body: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), semantic: z.record(z.unknown()).optional(), learnwareId: z.string().optional() }),
      responses: { 201: { description: "Created" } },
    },
    async (c, { params, body, principal }) => {
      const s = await getSession(ctx, params.id, principal);
      if (body.learnwareId === undefined && body.semantic === undefined) throw new LearnwareError("BAD_REQUEST", "A semantic spec is required for a new learnware", { field: "body.semantic" });
      if (body.semantic !== undefined) assertSemantic(body.semantic);
      const size = (await ctx.blobs.partialSize(s.id)) ?? 0;
      if (s.size !== null && size !== s.size) {
        throw new LearnwareError("CONFLICT", `Received ${size} of the declared ${s.size} bytes`, { field: "size", offset: size });
      }
      const staged = await ctx.blobs.partialStage(s.id);
      await ctx.db.write((tx) => tx.delete(uploads).where(and(eq(uploads.id, s.id))));
      if (staged.sha256 !== body.sha256) {
        await ctx.blobs.discard(staged);
        throw new LearnwareError("CHECKSUM_MISMATCH", `File sha256 is ${staged.sha256}, the client declared ${body.sha256}; the session is discarded`, { field: "sha256", actual: staged.sha256 });
      }
      if (body.learnwareId !== undefined) {
        const r = await updateLearnware(ctx, { id: body.learnwareId, principal, staged, ...(body.semantic !== undefined ? { semantic: body.semantic } : {}) });
        return c.json({ learnware: modelView(r.model, { status: 0 }), version: versionView(r.version), jobId: r.jobId }, 201);
      }
      const r = await submitLearnware(ctx, { owner: principal!.owner, semantic: body.semantic, staged });
      return c.json({ learnware: modelView(r.model, { status: 0 }), version: versionView(r.version), jobId: r.jobId }, 201);
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "delete", path: "/v1/uploads/{id}", tags: ["uploads"], summary: "Abandon an upload", auth: "write", params: IdP },
    async (c, { params, principal }) => {
      const s = await getSession(ctx, params.id, principal);
      await ctx.blobs.partialRemove(s.id);
      await ctx.db.write((tx) => tx.delete(uploads).where(eq(uploads.id, s.id)));
      return c.json({ id: s.id, deleted: true });
    },
  );
}
