/** A version's package as an HTTP answer (zip bytes with its sha256 as checksum and ETag; headers only for HEAD). */
import type { Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";
import type { ModelRow, VersionRow } from "../services/catalog.ts";

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
