/** The inspection threads' task (`packageInspect.ts`, a piscina pool): parses one package. */
import "../../wasm/nativeCrc32.ts"; // zip checks with Node's native CRC-32
import { LearnwareError } from "../../core/errors.ts";
import type { PackageLimits } from "../../core/package/types.ts";
import { inspectPackage } from "./inspect.ts";
import type { Reply } from "./packageInspect.ts";

export default function inspect(m: { bytes: Uint8Array; semantic: unknown; limits: PackageLimits }): Reply {
  try {
    return { ok: true, inspected: inspectPackage(m.bytes, m.semantic, m.limits) };
  } catch (err) {
    const e = err as Error;
    return {
      ok: false,
      error:
        err instanceof LearnwareError
          ? { name: e.name, code: err.code, message: err.message, details: err.details }
          : { name: e?.name ?? "Error", message: e?.message ?? String(err) },
    };
  }
}
