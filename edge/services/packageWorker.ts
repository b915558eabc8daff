/** The inspection threads' task (`packageInspect.ts`, a piscina pool): parses one package. */
import "../../wasm/nativeCrc32.ts"; // zip checks with Node's native CRC-32
import { LearnwareError } from "../../core/errors.ts";
import { precheckAndInspect, type Reply, readView, type Task } from "./packageInspect.ts";

export default async function inspect(m: Task): Promise<Reply> {
  try {
    const bytes = "bytes" in m ? m.bytes : await readView(m.file);
    return { ok: true, inspected: precheckAndInspect(bytes, m.semantic, m.limits) };
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
