import { test } from "node:test";
import assert from "node:assert/strict";
import { LearnwareError } from "../errors.ts";
import { checkZipEntries, normaliseZipPath } from "./zipSafety.ts";
import type { ZipEntryInfo } from "./zipEntries.ts";

function entry(name: string, over: Partial<ZipEntryInfo> = {}): ZipEntryInfo {
  return {
    index: 0,
    name,
    compressedSize: 10,
    uncompressedSize: 10,
    method: 8,
    crc32: 0,
    flags: 0,
    encrypted: false,
    unixMode: 0o100644,
    isDir: name.endsWith("/"),
    isSymlink: false,
    localHeaderOffset: 0,
    ...over,
  };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof LearnwareError, String(e));
    return e.code;
  }
  return "ok";
}

test("normaliseZipPath keeps ordinary paths and tidies harmless oddities", () => {
  assert.equal(normaliseZipPath("a/b/c.txt"), "a/b/c.txt");
  assert.equal(normaliseZipPath("./a//b/./c.txt"), "a/b/c.txt");
  assert.equal(normaliseZipPath("a\\b.txt"), "a/b.txt");
  assert.equal(normaliseZipPath("dir/"), "dir");
  assert.equal(normaliseZipPath("...txt"), "...txt");
  assert.equal(normaliseZipPath("cafe\u0301"), "caf\u00e9");
});

test("normaliseZipPath rejects escapes, absolute and drive paths, control characters", () => {
  for (const bad of ["../x", "a/../../x", "a/..", "..\\x", "/x", "\\x", "//server/share", "C:\\x", "c:x", "a\u0000b", "a\nb"]) {
    assert.equal(
      code(() => normaliseZipPath(bad)),
      "PACKAGE_UNSAFE",
      bad,
    );
  }
});

test("checkZipEntries returns regular files with normalised paths and skips folders", () => {
  const out = checkZipEntries([entry("pkg/"), entry("pkg/a.txt"), entry("pkg\\b.txt", { unixMode: 0 })]);
  assert.deepEqual(
    out.map((c) => c.path),
    ["pkg/a.txt", "pkg/b.txt"],
  );
});

test("checkZipEntries applies each rule", () => {
  assert.equal(
    code(() => checkZipEntries([entry("a", { isSymlink: true, unixMode: 0o120777 })])),
    "PACKAGE_UNSAFE",
  );
  assert.equal(
    code(() => checkZipEntries([entry("a"), entry("./a")])),
    "PACKAGE_UNSAFE",
  );
  assert.equal(
    code(() => checkZipEntries([entry("a"), entry("a/", { uncompressedSize: 0 })])),
    "PACKAGE_UNSAFE",
  );
  assert.equal(
    code(() => checkZipEntries([entry("a"), entry("b")], { maxEntries: 1 })),
    "PACKAGE_TOO_LARGE",
  );
  assert.equal(
    code(() => checkZipEntries([entry("a", { uncompressedSize: 11 })], { maxEntryUncompressed: 10 })),
    "PACKAGE_TOO_LARGE",
  );
  assert.equal(
    code(() => checkZipEntries([entry("a"), entry("b")], { maxTotalUncompressed: 15 })),
    "PACKAGE_TOO_LARGE",
  );
  const bomb = entry("z", { compressedSize: 10_000, uncompressedSize: 10_000 * 201 });
  assert.equal(
    code(() => checkZipEntries([bomb])),
    "PACKAGE_UNSAFE",
  );
  assert.equal(
    code(() => checkZipEntries([bomb], { maxCompressionRatio: 202 })),
    "ok",
  );
  // small entries are never flagged by their ratio
  assert.equal(
    code(() => checkZipEntries([entry("s", { compressedSize: 2, uncompressedSize: 100_000 })])),
    "ok",
  );
  assert.equal(
    code(() => checkZipEntries([entry("e", { encrypted: true })])),
    "PACKAGE_INVALID",
  );
  assert.equal(
    code(() => checkZipEntries([entry("m", { method: 12 })])),
    "PACKAGE_INVALID",
  );
  assert.throws(() => checkZipEntries([], { maxEntries: -1 }), RangeError);
});
