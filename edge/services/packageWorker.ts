/** The worker thread of `packageInspect.ts`: parses one package and posts the result back. */
import { parentPort } from "node:worker_threads";
import { LearnwareError } from "../../core/errors.ts";
import type { PackageLimits } from "../../core/package/types.ts";
import { inspectPackage } from "./inspect.ts";

const port = parentPort!;
port.once("message", (m: { bytes: Uint8Array; semantic: unknown; limits: PackageLimits }) => {
  try {
    port.postMessage({ ok: true, inspected: inspectPackage(m.bytes, m.semantic, m.limits) });
  } catch (err) {
    const e = err as Error;
    port.postMessage({
      ok: false,
      error:
        err instanceof LearnwareError
          ? { name: e.name, code: err.code, message: err.message, details: err.details }
          : { name: e?.name ?? "Error", message: e?.message ?? String(err) },
    });
  }
});
port.postMessage("ready");
