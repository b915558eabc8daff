/** The multipart body of a learnware upload or update (`semantic` JSON and the `package` zip), streamed to a staged blob. */
import type { StagedBlob } from "../blobs/store.ts";
import type { Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";
import { assertSemantic } from "../services/market.ts";
import { MultipartReader } from "./multipart.ts";

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
