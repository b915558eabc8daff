/** Bounded body readers (size limits enforced while reading, not after). */
import { LearnwareError } from "../errors.ts";
import { assertFiniteJson } from "../services/validate.ts";

/** Reads at most `limit` bytes of a request body; throws PAYLOAD_TOO_LARGE beyond. */
export async function readBodyBytes(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    throw new LearnwareError("PAYLOAD_TOO_LARGE", `Body of ${declared} bytes exceeds the limit of ${limit} bytes`, { limit });
  }
  if (req.body === null) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new LearnwareError("PAYLOAD_TOO_LARGE", `Body exceeds the limit of ${limit} bytes`, { limit });
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** Parses a JSON body (bounded); a missing or malformed body is a 400 naming `body`. */
export async function readJsonBody(req: Request, limit: number): Promise<unknown> {
  const ct = req.headers.get("content-type") ?? "";
  if (ct !== "" && !/json/i.test(ct)) {
    throw new LearnwareError("UNSUPPORTED_MEDIA_TYPE", `Expected an application/json body, got '${ct}'`, { field: "body" });
  }
  const bytes = await readBodyBytes(req, limit);
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") throw new LearnwareError("BAD_REQUEST", "A JSON body is required", { field: "body" });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LearnwareError("BAD_REQUEST", `Malformed JSON body: ${(err as Error).message}`, { field: "body" });
  }
  assertFiniteJson(value);
  return value;
}
