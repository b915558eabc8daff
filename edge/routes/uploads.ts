/**
 * Resumable chunked uploads: create a session, append chunks at the received offset
 * (each with its sha256), ask for the offset after a dropped connection, and finish
 * with the whole file's sha256 — which creates the learnware (or a new version).
 *
 * tus-like rules: a chunk at another offset than the received size is a 409; one writer per
 * session (a second concurrent PUT or finish is a 409, never a torn write); `finish` is
 * idempotent (a simultaneous or repeated finish gets the first one's answer, kept on the
 * session row until it expires); a session whose partial file is lost answers 410 and is
 * closed; expired sessions answer 410 and are swept periodically; per-owner caps on open
 * sessions (429) and the bytes they hold (413).
 */
import { z } from "@hono/zod-openapi";
import { REQUESTS } from "../../client/requests.ts";
import { eq } from "drizzle-orm";
import { randomId, sha256Hex } from "../auth/tokens.ts";
import type { App, Ctx } from "../context.ts";
import { uploads } from "../db/schema.ts";
import { LearnwareError, renderError } from "../errors.ts";
import { readBodyBytes } from "../http/body.ts";
import { defineRoute } from "../http/route.ts";
import type { Principal } from "../auth/tokens.ts";
import { modelView, versionView } from "../services/catalog.ts";
import { assertSemantic, submitLearnware, updateLearnware } from "../services/market.ts";
import { assertUploadCaps, closeSession, getSession, partialSizeOr410, type SessionRow, withSessionLock } from "../services/uploads.ts";

/** Finishes under way, so a second simultaneous finish gets the same answer. */
const finishing = new WeakMap<Ctx, Map<string, Promise<FinishAnswer>>>();

interface FinishAnswer {
  status: number;
  body: unknown;
  sha256: string;
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
      body: REQUESTS.createUpload,
      responses: { 201: { description: "Created" } },
    },
    async (c, { body, principal }) => {
      if (body.size !== undefined && body.size > ctx.config.maxPackageBytes) {
        throw new LearnwareError("PAYLOAD_TOO_LARGE", `Declared size ${body.size} exceeds the limit of ${ctx.config.maxPackageBytes} bytes`, {
          field: "size",
          limit: ctx.config.maxPackageBytes,
        });
      }
      await assertUploadCaps(ctx, principal!.owner, { sessions: 1, bytes: body.size ?? 0 });
      const id = "up_" + randomId(12);
      const at = ctx.now();
      const ttl = ctx.config.uploadSessionSeconds * 1000;
      // The row first, then the file: the sweeper never takes a new session's file for an orphan.
      await ctx.db.write((tx) =>
        tx.insert(uploads).values({ id, owner: principal!.owner, size: body.size ?? null, received: 0, createdAt: at, expiresAt: at + ttl }),
      );
      await ctx.blobs.partialCreate(id);
      return c.json({ id, offset: 0, size: body.size ?? null, expiresAt: new Date(at + ttl).toISOString(), maxChunkBytes: ctx.config.maxChunkBytes }, 201);
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/uploads/{id}", tags: ["uploads"], summary: "The received offset (resume from here)", auth: "write", params: IdP },
    async (c, { params, principal }) => {
      const s = await getSession(ctx, params.id, principal);
      if (s.state === "finished") {
        const r = s.result as FinishAnswer | null;
        return c.json({
          id: s.id,
          offset: s.received,
          size: s.size,
          state: s.state,
          finished: r ? { status: r.status } : null,
          expiresAt: new Date(s.expiresAt).toISOString(),
        });
      }
      const offset = await partialSizeOr410(ctx, s);
      return c.json({ id: s.id, offset, size: s.size, state: s.state, expiresAt: new Date(s.expiresAt).toISOString() });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "put",
      path: "/v1/uploads/{id}",
      tags: ["uploads"],
      summary: "Append a chunk at `offset` with its sha256 (409 if the offset is not the received size or another request is writing)",
      auth: "write",
      params: IdP,
      query: z.object({ offset: z.coerce.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits") }),
      rawBody: { contentType: "application/octet-stream", schema: z.string().openapi({ format: "binary" }) },
    },
    async (c, { params, query, principal }) => {
      const s = await getSession(ctx, params.id, principal);
      if (s.state !== "open") throw new LearnwareError("NOT_FOUND", `Upload session '${s.id}' is finished; it takes no more chunks`, { field: "id" });
      return withSessionLock(ctx, s.id, async () => {
        const received = await partialSizeOr410(ctx, s);
        if (query.offset !== received) {
          throw new LearnwareError("OFFSET_MISMATCH", `Chunk offset ${query.offset} does not match the received size ${received}`, {
            field: "offset",
            received,
          });
        }
        const bytes = await readBodyBytes(c.req.raw, ctx.config.maxChunkBytes);
        const actual = await sha256Hex(bytes);
        if (actual !== query.sha256) {
          throw new LearnwareError("CHECKSUM_MISMATCH", `Chunk sha256 is ${actual}, the client declared ${query.sha256}`, { field: "sha256", actual });
        }
        const limit = s.size ?? ctx.config.maxPackageBytes;
        const end = query.offset + bytes.byteLength;
        if (end > limit) {
          throw new LearnwareError("PAYLOAD_TOO_LARGE", `Chunk ends at ${end}, past the ${s.size !== null ? "declared size" : "limit"} ${limit}`, {
            field: "offset",
            limit,
          });
        }
        if (s.size === null) await assertUploadCaps(ctx, s.owner, { sessions: 0, bytes: end, except: s.id });
        const offset = await ctx.blobs.partialAppend(s.id, query.offset, bytes);
        await ctx.db.write((tx) => tx.update(uploads).set({ received: offset }).where(eq(uploads.id, s.id)));
        return c.json({ id: s.id, offset });
      });
    },
  );

  const finish = async (
    s: SessionRow,
    principal: Principal | null,
    body: { sha256: string; semantic?: Record<string, unknown> | undefined; learnwareId?: string | undefined },
  ): Promise<FinishAnswer> => {
    const answer = (status: number, json: unknown): FinishAnswer => ({ status, body: json, sha256: body.sha256 });
    return withSessionLock(ctx, s.id, async () => {
      const size = await partialSizeOr410(ctx, s);
      if (s.size !== null && size !== s.size) {
        throw new LearnwareError("CONFLICT", `Received ${size} of the declared ${s.size} bytes`, { field: "size", offset: size });
      }
      // From here on the partial file is consumed: whatever happens, the answer is kept.
      let result: FinishAnswer;
      try {
        const staged = await ctx.blobs.partialStage(s.id);
        if (staged.sha256 !== body.sha256) {
          await ctx.blobs.discard(staged);
          throw new LearnwareError("CHECKSUM_MISMATCH", `File sha256 is ${staged.sha256}, the client declared ${body.sha256}; the session is discarded`, {
            field: "sha256",
            actual: staged.sha256,
          });
        }
        if (body.learnwareId !== undefined) {
          const r = await updateLearnware(ctx, {
            id: body.learnwareId,
            principal,
            staged,
            ...(body.semantic !== undefined ? { semantic: body.semantic } : {}),
          });
          result = answer(201, { learnware: modelView(r.model, { status: 0 }), version: versionView(r.version), jobId: r.jobId });
        } else {
          const r = await submitLearnware(ctx, { owner: principal!.owner, semantic: body.semantic, staged });
          result = answer(201, { learnware: modelView(r.model, { status: 0 }), version: versionView(r.version), jobId: r.jobId });
        }
      } catch (err) {
        const [status, json] = renderError(err);
        if (status >= 500) ctx.log(`upload finish ${s.id} failed: ${(err as Error)?.stack ?? String(err)}`);
        result = answer(status, json);
      }
      await ctx.db.write((tx) => tx.update(uploads).set({ state: "finished", result, received: size }).where(eq(uploads.id, s.id)));
      return result;
    });
  };

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/uploads/{id}/finish",
      tags: ["uploads"],
      summary: "Finish with the whole file's sha256 and the semantic spec → a learnware (or a new version of `learnwareId`); idempotent",
      auth: "write",
      params: IdP,
      body: REQUESTS.finishUpload,
      responses: { 201: { description: "Created" } },
    },
    async (c, { params, body, principal }) => {
      const s = await getSession(ctx, params.id, principal);
      const reply = (a: FinishAnswer) => {
        if (a.sha256 !== body.sha256) {
          throw new LearnwareError("CONFLICT", `Upload session '${s.id}' was already finished with sha256 ${a.sha256}`, { field: "sha256" });
        }
        return c.json(a.body as object, a.status as 201);
      };
      if (s.state === "finished" && s.result) return reply(s.result as FinishAnswer);
      let map = finishing.get(ctx);
      if (!map) finishing.set(ctx, (map = new Map()));
      const running = map.get(s.id);
      if (running) return reply(await running);
      if (body.learnwareId === undefined && body.semantic === undefined)
        throw new LearnwareError("BAD_REQUEST", "A semantic spec is required for a new learnware", { field: "body.semantic" });
      if (body.semantic !== undefined) assertSemantic(body.semantic);
      const p = finish(s, principal, body);
      map.set(s.id, p);
      try {
        return reply(await p);
      } finally {
        map.delete(s.id);
      }
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "delete", path: "/v1/uploads/{id}", tags: ["uploads"], summary: "Abandon an upload", auth: "write", params: IdP },
    async (c, { params, principal }) => {
      const s = await getSession(ctx, params.id, principal);
      await withSessionLock(ctx, s.id, () => closeSession(ctx, s.id));
      return c.json({ id: s.id, deleted: true });
    },
  );
}
