import { test } from "node:test";
import assert from "node:assert/strict";
import { checkZipLimits, zipTotals } from "./zipLimits.ts";
import type { ZipEntryInfo } from "./zipEntries.ts";

const MiB = 1024 * 1024;

function entry(name: string, compressedSize: number, uncompressedSize: number): ZipEntryInfo {
  return {
    index: 0,
    name,
    compressedSize,
    uncompressedSize,
    method: 8,
    crc32: 0,
    flags: 0,
    encrypted: false,
    unixMode: 0o100644,
    isDir: false,
    isSymlink: false,
    localHeaderOffset: 0,
  };
}

test("a bomb of many entries just at the per-entry floor is refused by the archive's ratio", () => {
  // 1,000 × 1 MiB of zeros deflate to ~1 KB each: a 1.1 MB zip declaring 1,000 MiB.
  const entries = Array.from({ length: 1000 }, (_, i) => entry(`z/${i}`, 1030, MiB));
  const r = checkZipLimits(entries, 1_100_000, { maxCompressionRatio: 100 });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.limit, "maxCompressionRatio");
    assert.equal(r.max, 100);
    assert.ok(r.value > 900);
    assert.match(r.message, /1048576000 bytes uncompressed, a ratio of \d+:1, more than the limit of 100:1/);
  }
});

test("entry count and total declared size are checked before the ratio", () => {
  const many = Array.from({ length: 11 }, (_, i) => entry(`f${i}`, 10, 10));
  const a = checkZipLimits(many, 1000, { maxEntries: 10 });
  assert.ok(!a.ok && a.limit === "maxEntries" && a.value === 11);
  const big = [entry("a", 600 * MiB, 600 * MiB), entry("b", 600 * MiB, 600 * MiB)];
  const b = checkZipLimits(big, 1200 * MiB, { maxTotalUncompressed: 1024 * MiB });
  assert.ok(!b.ok && b.limit === "maxTotalUncompressed");
});

test("small repetitive archives and ordinary packages pass", () => {
  assert.ok(checkZipLimits([entry("a.json", 100, 900 * 1024)], 300).ok, "under 1 MiB the ratio is not looked at");
  assert.ok(checkZipLimits([entry("model.onnx", 5 * MiB, 6 * MiB), entry("stat.json", 20_000, 100_000)], 5.1 * MiB).ok);
  assert.deepEqual(zipTotals([entry("a", 1, 2), entry("b", 3, 4)], 10), { entries: 2, uncompressed: 6, compressed: 4, archiveBytes: 10, ratio: 0.6 });
});

test("one entry of exactly 1 MiB over the ratio is flagged (the per-entry check's floor is exclusive)", () => {
  const r = checkZipLimits([entry("zeros.bin", 1000, MiB)], 1_000_000, { maxCompressionRatio: 100 });
  assert.ok(!r.ok && r.limit === "maxCompressionRatio" && /zeros\.bin/.test(r.message));
});
