/**
 * Blob downloads as HTTP answers: a version's package (zip bytes with its sha256 as checksum and
 * ETag; headers only for HEAD) and stored artifacts. With `LW_DOWNLOAD_REDIRECT=1` on a store
 * that can presign (S3), a GET answers 302 to a presigned URL of the blob instead, valid for
 * `LW_SIGNED_LINK_SECONDS`, so the bytes flow from the store, not through the server.
 */
import type { Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";
import type { ModelRow, VersionRow } from "../services/catalog.ts";

/** `attachment; filename=…` with an ASCII fallback and the UTF-8 name. */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The blob `sha256` as a download: streamed, or a redirect to the store (see above). */
export async function blobResponse(
  ctx: Ctx,
  sha256: string,
  meta: { contentType: string; size: number; filename: string; etag?: boolean; head?: boolean; missing: string },
): Promise<Response> {
  const disposition = attachment(meta.filename);
  const headers: Record<string, string> = {
    "content-type": meta.contentType,
    "content-disposition": disposition,
    "x-checksum-sha256": sha256,
    ...(meta.etag ? { etag: `"${sha256}"` } : {}),
  };
  if (!meta.head && ctx.config.downloadRedirect && ctx.blobs.presign) {
    const url = await ctx.blobs.presign(sha256, ctx.config.signedLinkSeconds, { contentType: meta.contentType, disposition });
    return new Response(null, { status: 302, headers: { location: url, "x-checksum-sha256": sha256, "cache-control": "no-store" } });
  }
  const stream = meta.head ? null : await ctx.blobs.open(sha256);
  if (!meta.head && stream === null) throw new LearnwareError("NOT_FOUND", meta.missing);
  return new Response(stream, { headers: { ...headers, "content-length": String(meta.size) } });
}

export function packageResponse(ctx: Ctx, m: ModelRow, v: VersionRow, head = false): Promise<Response> {
  if (v.packageSha256 === null) throw new LearnwareError("NOT_FOUND", `Version ${v.number} of '${m.id}' has no package`);
  return blobResponse(ctx, v.packageSha256, {
    contentType: "application/zip",
    size: v.packageSize ?? 0,
    filename: `learnware-${m.id}-v${v.number}.zip`,
    etag: true,
    head,
    missing: `Package blob of '${m.id}' v${v.number} is missing`,
  });
}
