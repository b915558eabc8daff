import { test } from "node:test";
import assert from "node:assert/strict";
import { zipSync } from "fflate";
import { LearnwareError } from "../errors.ts";
import { rawZip } from "./_zipFixture.ts";
import { crc32 } from "./crc32.ts";
import { decodeZipName, inspectZipEntries, readZipDirectory } from "./zipEntries.ts";

const enc = new TextEncoder();

test("crc32 matches the standard check value and continues a running checksum", () => {
  assert.equal(crc32(enc.encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(enc.encode("56789"), crc32(enc.encode("1234"))), 0xcbf43926);
  // the sliced loop agrees with the bitwise definition at every length and alignment
  const data = new Uint8Array(300).map((_, i) => (i * 151 + 7) & 0xff);
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= data.length; end += 13) {
      let c = -1;
      for (const b of data.subarray(start, end)) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      assert.equal(crc32(data.subarray(start, end)), ~c >>> 0, `bytes ${start}..${end}`);
    }
  }
});

test("lists names, sizes, methods, folders and symlinks from the central directory", () => {
  const zip = zipSync({
    dir: {},
    "dir/a.txt": enc.encode("hello hello hello hello"),
    "raw.bin": [new Uint8Array([1, 2, 3]), { level: 0 }],
    link: [enc.encode("a.txt"), { attrs: (0o120777 << 16) >>> 0 }],
  });
  const list = inspectZipEntries(zip);
  assert.deepEqual(
    list.map((e) => e.name),
    ["dir/", "dir/a.txt", "raw.bin", "link"],
  );
  const [dir, a, raw, link] = list;
  assert.equal(dir!.isDir, true);
  assert.equal(a!.isDir, false);
  assert.equal(a!.method, 8);
  assert.equal(a!.uncompressedSize, 23);
  assert.equal(a!.crc32, crc32(enc.encode("hello hello hello hello")));
  assert.equal(raw!.method, 0);
  assert.equal(raw!.compressedSize, 3);
  assert.equal(link!.isSymlink, true);
  assert.equal(a!.isSymlink, false);
  assert.equal(a!.encrypted, false);
});

test("reads zip64 extra fields and the zip64 end record", () => {
  const zip = rawZip(
    [
      { name: "a.txt", data: "abc", zip64: true },
      { name: "b.txt", data: "de" },
    ],
    { zip64Eocd: true },
  );
  const dir = readZipDirectory(zip);
  assert.deepEqual(
    dir.entries.map((e) => [e.name, e.uncompressedSize]),
    [
      ["a.txt", 3],
      ["b.txt", 2],
    ],
  );
  assert.equal(dir.entries[1]!.localHeaderOffset > 0, true);
});

test("decodes UTF-8 names and falls back to CP437", () => {
  assert.equal(decodeZipName(enc.encode("café.py"), 0x800), "café.py");
  assert.equal(decodeZipName(new Uint8Array([0x63, 0x61, 0x66, 0x82]), 0), "café");
  assert.throws(() => decodeZipName(new Uint8Array([0x82]), 0x800), LearnwareError);
});

test("rejects non-zips, spanned archives and too many entries", () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof LearnwareError);
      return `${e.code}: ${e.message}`;
    }
    return "no error";
  };
  assert.match(
    code(() => inspectZipEntries(enc.encode("PK not really"))),
    /^PACKAGE_INVALID: Package is not a zip archive/,
  );
  assert.match(
    code(() => inspectZipEntries(rawZip([{ name: "a" }], { patchEocd: (v) => v.setUint16(10, 2, true) }))),
    /multi-disk/,
  );
  assert.match(
    code(() => inspectZipEntries(rawZip([{ name: "a" }], { patchEocd: (v) => v.setUint32(16, 5000, true) }))),
    /PACKAGE_INVALID: .*central directory/,
  );
  assert.match(
    code(() => readZipDirectory(rawZip([{ name: "a" }, { name: "b" }]), 1)),
    /^PACKAGE_TOO_LARGE: Package has 2 entries/,
  );
});
