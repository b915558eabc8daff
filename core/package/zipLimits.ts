/**
 * Whole-archive limits read from a zip's central directory before anything is inflated:
 * how many entries, how many bytes they declare once inflated, and the ratio of that to the
 * archive's size. Per-entry checks (`checkZipEntries`) let a bomb of many entries just under
 * the per-entry floor through (1,000 × 1 MiB of zeros is a 1.1 MB zip); the archive's ratio
 * does not. Pure and portable: the server runs it on every upload path, the runner can run it
 * before it unpacks.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { zipSync } from "fflate";
 * import { readZipDirectory } from "./zipEntries.ts";
 * import { checkZipLimits } from "./zipLimits.ts";
 * const files: Record<string, Uint8Array> = {};
 * for (let i = 0; i < 20; i++) files[`z${i}.bin`] = new Uint8Array(1024 * 1024);
 * const zip = zipSync(files);
 * const r = checkZipLimits(readZipDirectory(zip).entries, zip.byteLength, { maxCompressionRatio: 100 });
 * assert.equal(r.ok, false);
 * assert.equal(!r.ok && r.limit, "maxCompressionRatio");
 * ```
 */
import { type PackageLimits, RATIO_CHECK_MIN_BYTES, resolveLimits } from "./types.ts";
import type { ZipEntryInfo } from "./zipEntries.ts";

/** What the central directory declares. */
export interface ZipTotals {
  entries: number;
  uncompressed: number;
  compressed: number;
  archiveBytes: number;
  /** Declared uncompressed bytes / archive bytes. */
  ratio: number;
}

/** The outcome: `ok`, or the first limit exceeded with both numbers and a message naming them. */
export type ZipLimitResult =
  | { ok: true; totals: ZipTotals }
  | { ok: false; limit: keyof PackageLimits; value: number; max: number; message: string; totals: ZipTotals };

/** Sums a listing (declared sizes; nothing is inflated). */
export function zipTotals(entries: readonly ZipEntryInfo[], archiveBytes: number): ZipTotals {
  let uncompressed = 0;
  let compressed = 0;
  for (const e of entries) {
    uncompressed += e.uncompressedSize;
    compressed += e.compressedSize;
  }
  return { entries: entries.length, uncompressed, compressed, archiveBytes, ratio: archiveBytes > 0 ? uncompressed / archiveBytes : Infinity };
}

/**
 * Checks the whole archive against `limits` (defaults: `DEFAULT_PACKAGE_LIMITS`): entry count,
 * total declared uncompressed bytes, and the archive's compression ratio once it inflates to
 * more than 1 MiB (small archives of repetitive text legitimately compress well). Also flags
 * any single entry of 1 MiB or more over the ratio.
 */
export function checkZipLimits(entries: readonly ZipEntryInfo[], archiveBytes: number, limits?: PackageLimits): ZipLimitResult {
  const lim = resolveLimits(limits);
  const totals = zipTotals(entries, archiveBytes);
  const fail = (limit: keyof PackageLimits, value: number, max: number, message: string): ZipLimitResult => ({ ok: false, limit, value, max, message, totals });
  if (totals.entries > lim.maxEntries) {
    return fail("maxEntries", totals.entries, lim.maxEntries, `Package has ${totals.entries} entries, more than the limit of ${lim.maxEntries}`);
  }
  if (totals.uncompressed > lim.maxTotalUncompressed) {
    return fail(
      "maxTotalUncompressed",
      totals.uncompressed,
      lim.maxTotalUncompressed,
      `Package declares ${totals.uncompressed} bytes uncompressed, more than the limit of ${lim.maxTotalUncompressed}`,
    );
  }
  if (totals.uncompressed > RATIO_CHECK_MIN_BYTES && totals.ratio > lim.maxCompressionRatio) {
    return fail(
      "maxCompressionRatio",
      Math.round(totals.ratio),
      lim.maxCompressionRatio,
      `Package of ${archiveBytes} bytes declares ${totals.uncompressed} bytes uncompressed, a ratio of ${Math.round(totals.ratio)}:1, more than the limit of ${lim.maxCompressionRatio}:1 (a zip bomb?)`,
    );
  }
  for (const e of entries) {
    if (e.uncompressedSize >= RATIO_CHECK_MIN_BYTES && e.uncompressedSize > e.compressedSize * lim.maxCompressionRatio) {
      const ratio = e.compressedSize === 0 ? Infinity : Math.round(e.uncompressedSize / e.compressedSize);
      return fail(
        "maxCompressionRatio",
        ratio,
        lim.maxCompressionRatio,
        `Entry '${JSON.stringify(e.name).slice(1, -1)}' inflates ${e.compressedSize} bytes to ${e.uncompressedSize}, a ratio over the limit of ${lim.maxCompressionRatio}:1 (a zip bomb?)`,
      );
    }
  }
  return { ok: true, totals };
}
