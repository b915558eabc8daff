/**
 * Package inspection on the server: the zip limits are checked from the central directory
 * first (no byte is inflated; a 1.1 MB zip declaring 1,000 MiB is refused there), then the
 * package is parsed — in a worker thread from `LW_ZIP_WORKER_MIN_BYTES` on, so that reading
 * and inflating a large package never stalls other requests. A package staged in a local file
 * is read by that thread itself: its bytes never pass through the event loop. Inflation itself
 * counts the bytes it produces and stops at the limit, whatever the central directory claimed.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { LearnwareError } from "../../core/errors.ts";
import type { PackageLimits } from "../../core/package/types.ts";
import { readZipDirectory } from "../../core/package/zipEntries.ts";
import { checkZipLimits } from "../../core/package/zipLimits.ts";
import type { StagedPackage } from "../blobs/store.ts";
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
export function precheckZip(bytes: Uint8Array, limits: PackageLimits): void {
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

/** The zip precheck, then `inspectPackage`: the inspection threads' whole task. */
export function precheckAndInspect(bytes: Uint8Array, semantic: unknown, limits: PackageLimits): Inspected {
  precheckZip(bytes, limits);
  return inspectPackage(bytes, semantic, limits);
}

/** Inspects a staged package (its file or bytes), large packages on the inspection threads. */
export async function inspectStagedPackage(pkg: StagedPackage, semantic: unknown, config: ServerConfig): Promise<Inspected> {
  const limits = packageLimits(config);
  const size = "bytes" in pkg ? pkg.bytes.byteLength : pkg.size;
  if (size < config.zipWorkerMinBytes || typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") {
    return precheckAndInspect("bytes" in pkg ? pkg.bytes : await readView(pkg.file), semantic, limits);
  }
  // Bytes that own their whole buffer move to the thread instead of being copied.
  const owned = "bytes" in pkg && pkg.bytes.byteOffset === 0 && pkg.bytes.byteLength === pkg.bytes.buffer.byteLength && pkg.bytes.buffer instanceof ArrayBuffer;
  const task: Task = { ...pkg, semantic, limits };
  const r = (await (await inspectionPool()).run(task, { transferList: owned ? [pkg.bytes.buffer as ArrayBuffer] : [] })) as Reply;
  if (r.ok) return r.inspected;
  const e = r.error;
  if (e.code !== undefined) throw new LearnwareError(e.code, e.message, e.details);
  if (e.name === "RangeError") throw new RangeError(e.message);
  if (e.name === "TypeError") throw new TypeError(e.message);
  throw new Error(e.message);
}

/** A file's bytes as a plain Uint8Array view (no copy of the Buffer). */
export async function readView(file: string): Promise<Uint8Array> {
  const b = await readFile(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The inspection threads: a piscina pool of at most 2 (the machine's cores are shared with the
 * event loop and search; further packages queue, each holding its bytes), started on first use
 * and kept warm for a minute, so an upload does not pay a thread's start-up. Idle threads do
 * not keep the process alive.
 */
let pool: Promise<import("piscina").Piscina> | null = null;
function inspectionPool(): Promise<import("piscina").Piscina> {
  pool ??= import("piscina").then(({ Piscina }) => {
    const p = new Piscina({
      // A path, not a URL: the worker loads through the same TypeScript loader as this thread.
      filename: fileURLToPath(new URL("./packageWorker.ts", import.meta.url)),
      minThreads: 0,
      maxThreads: 2,
      idleTimeout: 60_000,
    });
    p.on("error", () => {});
    return p;
  });
  return pool;
}

/** One package for the inspection threads: its bytes, or the local file they read themselves. */
export type Task = StagedPackage & { semantic: unknown; limits: PackageLimits };

export type Reply = { ok: true; inspected: Inspected } | { ok: false; error: { name: string; code?: string; message: string; details?: unknown } };
