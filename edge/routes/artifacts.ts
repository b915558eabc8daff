/**
 * Artifacts of a model or of a version: uploaded (streamed to the blob store, sha256
 * computed by the server and checked against the client's), or tracked by URI (any scheme
 * of the allow-list, or a plain absolute path, kept as a `file://` URI); listed with id,
 * parent, size, sha256, mime and ModelBox file type. The domain is `services/registryData.ts`.
 */
import { z } from "@hono/zod-openapi";
import { ArtifactPath, FileTypeSchema, REQUESTS, type TrackedArtifact } from "../../client/requests.ts";
import type { App, Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";
import { blobResponse } from "../http/packageResponse.ts";
import { defineRoute } from "../http/route.ts";
import { OWNER_SCOPES, refOf } from "./owners.ts";
import { registryWrite, resolveOwner } from "../services/registry.ts";
import { artifactView, findArtifact, guessMime, listArtifacts, stageArtifact, storeArtifact, type TrackedIn, trackArtifact } from "../services/registryData.ts";

const trackedBody = (a: z.infer<typeof TrackedArtifact>): TrackedIn => a;

export function artifactRoutes(app: App, ctx: Ctx): void {
  for (const { base: owner, what, P } of OWNER_SCOPES) {
    const base = `${owner}/artifacts`;
    defineRoute(
      app,
      ctx,
      {
        method: "put",
        path: base,
        tags: ["registry"],
        summary: `Upload an artifact of ${what} (streamed; the server computes sha256 and checks X-Checksum-Sha256 when given)`,
        auth: "write",
        params: P,
        query: z.object({ path: ArtifactPath, fileType: FileTypeSchema.optional() }),
        rawBody: { contentType: "application/octet-stream", schema: z.string().openapi({ format: "binary" }) },
        responses: { 201: { description: "Stored" } },
      },
      async (c, { params, query, principal }) => {
        const o = await resolveOwner(ctx.db.db, params.id, refOf(params), principal);
        const expected = c.req.header("x-checksum-sha256")?.toLowerCase();
        if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) {
          throw new LearnwareError("BAD_REQUEST", "X-Checksum-Sha256 must be 64 hex digits", { field: "x-checksum-sha256" });
        }
        if (c.req.raw.body === null) throw new LearnwareError("BAD_REQUEST", "The artifact body is empty", { field: "body" });
        const staged = await stageArtifact(ctx, o, c.req.raw.body, expected);
        const mime = guessMime(query.path, c.req.header("content-type"));
        const row = await registryWrite(ctx, principal, (w) => storeArtifact(ctx, w, o, { path: query.path, mime, fileType: query.fileType, staged }));
        return c.json(artifactView(row), 201);
      },
    );

    defineRoute(
      app,
      ctx,
      {
        method: "post",
        path: base,
        tags: ["registry"],
        summary: `Track an external artifact of ${what} by URI (a scheme of the allow-list) or absolute path`,
        auth: "write",
        params: P,
        body: REQUESTS.trackArtifact,
        responses: { 201: { description: "Tracked" } },
      },
      async (c, { params, body, principal }) => {
        const o = await resolveOwner(ctx.db.db, params.id, refOf(params), principal);
        const row = await registryWrite(ctx, principal, (w) => trackArtifact(w, o, trackedBody(body)));
        return c.json(artifactView(row), 201);
      },
    );

    defineRoute(
      app,
      ctx,
      {
        method: "get",
        path: base,
        tags: ["registry"],
        summary: `List the artifacts of ${what} with id, parent, size, sha256, mime and file type`,
        auth: "read",
        params: P,
      },
      async (c, { params }) => {
        const o = await resolveOwner(ctx.db.db, params.id, refOf(params), false);
        return c.json({ version: o.version === 0 ? null : o.version, items: (await listArtifacts(ctx.db.db, o)).map(artifactView) });
      },
    );

    defineRoute(
      app,
      ctx,
      {
        method: "get",
        path: `${base}/content`,
        tags: ["registry"],
        summary: `Download a stored artifact of ${what} (a tracked one redirects to its URI)`,
        auth: "read",
        params: P,
        query: z.object({ path: ArtifactPath }),
      },
      async (c, { params, query }) => {
        const a = await findArtifact(ctx.db.db, await resolveOwner(ctx.db.db, params.id, refOf(params), false), query.path);
        if (a.storage === "tracked") {
          // Only web URLs are followed; other schemes are answered with the URI itself.
          if (!/^https?:/i.test(a.uri ?? "")) return c.json({ path: a.path, storage: "tracked", uri: a.uri });
          return c.redirect(a.uri!, 302);
        }
        // Always a download, never a page of this origin (an uploaded .html or .svg would run here).
        return blobResponse(ctx, a.sha256!, {
          contentType: a.mime,
          size: a.size ?? 0,
          filename: a.path.split("/").pop()!,
          missing: `Artifact blob ${a.sha256} is missing`,
        });
      },
    );
  }
}
