/**
 * Package inspection on the server: the zip limits are checked from the central directory
 * first, on the event loop (no byte is inflated; a 1.1 MB zip declaring 1,000 MiB is refused
 * here), then the package is parsed — in a worker thread from `LW_ZIP_WORKER_MIN_BYTES` on, so
 * that inflating a large package never stalls other requests. Inflation itself counts the bytes
 * it produces and stops at the limit, whatever the central directory claimed.
 */
import { Worker } from "node:worker_threads";
import { LearnwareError } from "../../core/errors.ts";
import type { PackageLimits } from "../../core/package/types.ts";
import { readZipDirectory } from "../../core/package/zipEntries.ts";
import { checkZipLimits } from "../../core/package/zipLimits.ts";
import type { ServerConfig } from "../config.ts";
import { type Inspected, inspectPackage } from "./inspect.ts";

/** The core's package limits from the server configuration. */
export function packageLimits(config: ServerConfig): PackageLimits {
  return {
    maxEntries: config.zipMaxEntries,
    maxTotalUncompressed: config.zipMaxUncompressedBytes,
    maxEntryUncompressed: config.zipMaxUncompressedBytes,
    maxCompressionRatio: config.zipMaxRatio,
  };
}

const VARIABLE: Record<keyof PackageLimits, string> = {
  maxEntries: "LW_ZIP_MAX_ENTRIES",
  maxTotalUncompressed: "LW_ZIP_MAX_UNCOMPRESSED_BYTES",
  maxEntryUncompressed: "LW_ZIP_MAX_UNCOMPRESSED_BYTES",
  maxCompressionRatio: "LW_ZIP_MAX_RATIO",
};

/** Refuses a package over the limits from its central directory alone (413 naming the limit). */
export function precheckZip(bytes: Uint8Array, config: ServerConfig): void {
  const limits = packageLimits(config);
  let dir;
  try {
    dir = readZipDirectory(bytes, limits.maxEntries);
  } catch (err) {
    if (err instanceof LearnwareError && err.code === "PACKAGE_TOO_LARGE") {
      throw new LearnwareError("PACKAGE_TOO_LARGE", `${err.message} (${VARIABLE.maxEntries})`, {
        field: "package",
        limit: "maxEntries",
        variable: VARIABLE.maxEntries,
        max: limits.maxEntries,
      });
    }
    throw err;
  }
  const r = checkZipLimits(dir.entries, bytes.byteLength, limits);
  if (!r.ok) {
    throw new LearnwareError("PACKAGE_TOO_LARGE", `${r.message} (${VARIABLE[r.limit]})`, {
      field: "package",
      limit: r.limit,
      variable: VARIABLE[r.limit],
      value: r.value,
      max: r.max,
      declaredUncompressedBytes: r.totals.uncompressed,
      entries: r.totals.entries,
    });
  }
}

/** `inspectPackage` behind the zip precheck, large packages in a worker thread. */
export async function inspectPackageBytes(bytes: Uint8Array, semantic: unknown, config: ServerConfig): Promise<Inspected> {
  precheckZip(bytes, config);
  const limits = packageLimits(config);
  if (bytes.byteLength < config.zipWorkerMinBytes || typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") {
    return inspectPackage(bytes, semantic, limits);
  }
  // At most WORKERS packages inflate at once (each holds its bytes); the others queue.
  while (running >= WORKERS) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await inWorker(bytes, semantic, limits);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Concurrent inflation workers (the machine's cores are shared with the event loop and search). */
const WORKERS = 2;
let running = 0;
const waiting: (() => void)[] = [];

type Reply = { ok: true; inspected: Inspected } | { ok: false; error: { name: string; code?: string; message: string; details?: unknown } };

function inWorker(bytes: Uint8Array, semantic: unknown, limits: PackageLimits): Promise<Inspected> {
  // tsx's loader is registered inside the worker (a `--import` in execArgv is not honoured there).
  const url = new URL("./packageWorker.ts", import.meta.url).href;
  const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
  return new Promise<Inspected>((resolve, reject) => {
    const worker = new Worker(boot, { eval: true });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      f();
    };
    worker.once("message", (m: Reply | "ready") => {
      if (m !== "ready") return;
      worker.once("message", (r: Reply) =>
        settle(() => {
          if (r.ok) return resolve(r.inspected);
          const e = r.error;
          if (e.code !== undefined) return reject(new LearnwareError(e.code, e.message, e.details));
          if (e.name === "RangeError") return reject(new RangeError(e.message));
          if (e.name === "TypeError") return reject(new TypeError(e.message));
          return reject(new Error(e.message));
        }),
      );
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      worker.postMessage({ bytes, semantic, limits }, whole ? [bytes.buffer as ArrayBuffer] : []);
    });
    worker.once("error", (err) => settle(() => reject(err)));
    worker.once("exit", (code) => settle(() => reject(new Error(`package worker exited with code ${code}`))));
  });
}
