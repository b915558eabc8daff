/**
 * Extracts checked zip entries in memory: locates each entry's data through its local
 * header (rejecting overlapping entries, the trick of non-recursive zip bombs), then
 * inflates it in small chunks so that an entry lying about its size is stopped just past
 * the declared size, and verifies the size and CRC-32.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { zipSync } from "fflate";
 * import { readZipDirectory } from "./zipEntries.ts";
 * import { checkZipEntries } from "./zipSafety.ts";
 * import { extractZipEntries } from "./zipExtract.ts";
 * const zip = zipSync({ "a.txt": new TextEncoder().encode("hi") });
 * const dir = readZipDirectory(zip);
 * const files = extractZipEntries(zip, checkZipEntries(dir.entries), dir.centralDirectoryOffset);
 * assert.equal(new TextDecoder().decode(files.get("a.txt")), "hi");
 * ```
 */
import { Inflate } from "fflate";
import { LearnwareError } from "../errors.ts";
import { crc32 } from "./crc32.ts";
import { decodeZipName } from "./zipEntries.ts";
import { type CheckedZipEntry, showName } from "./zipSafety.ts";

const SIG_LOCAL = 0x04034b50;
/** Compressed bytes fed to the inflater at a time: bounds the overshoot of a lying entry (≈1032× this). */
const CHUNK = 64 * 1024;

/**
 * Extracts `entries` (from `checkZipEntries`) into a map from normalised path to bytes. A
 * running count of the bytes really inflated stops at `maxTotal`, whatever the central
 * directory declared.
 */
export function extractZipEntries(
  bytes: Uint8Array,
  entries: readonly CheckedZipEntry[],
  centralDirectoryOffset: number,
  maxTotal = Infinity,
): Map<string, Uint8Array> {
  const located = entries.map((e) => ({ ...e, ...locate(bytes, e, centralDirectoryOffset) }));
  const byOffset = [...located].sort((a, b) => a.entry.localHeaderOffset - b.entry.localHeaderOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const cur = byOffset[i]!;
    if (cur.entry.localHeaderOffset < prev.dataEnd) {
      throw new LearnwareError(
        "PACKAGE_UNSAFE",
        `Entries '${showName(prev.entry.name)}' and '${showName(cur.entry.name)}' overlap in the zip (a zip bomb trick)`,
        { entry: cur.entry.name },
      );
    }
  }
  const files = new Map<string, Uint8Array>();
  let total = 0;
  for (const e of located) {
    const out = extractOne(bytes.subarray(e.dataStart, e.dataEnd), e);
    total += out.byteLength;
    if (total > maxTotal) {
      throw new LearnwareError(
        "PACKAGE_TOO_LARGE",
        `Package inflates to more than the limit of ${maxTotal} bytes (reached at entry '${showName(e.entry.name)}')`,
        {
          entry: e.entry.name,
          limit: "maxTotalUncompressed",
          max: maxTotal,
        },
      );
    }
    files.set(e.path, out);
  }
  return files;
}

function locate(bytes: Uint8Array, { entry }: CheckedZipEntry, cdOffset: number): { dataStart: number; dataEnd: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  const shown = `Entry '${showName(entry.name)}'`;
  if (at + 30 > cdOffset || view.getUint32(at, true) !== SIG_LOCAL) {
    throw invalid(`${shown} is corrupt: its local header is missing`, entry.name);
  }
  const nameLen = view.getUint16(at + 26, true);
  const extraLen = view.getUint16(at + 28, true);
  const dataStart = at + 30 + nameLen + extraLen;
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > cdOffset) throw invalid(`${shown} is corrupt: its data runs past the end of the entries`, entry.name);
  // Tools that read local headers would see another name: refuse the ambiguity.
  const localName = decodeZipName(bytes.subarray(at + 30, at + 30 + nameLen), entry.flags);
  if (localName !== entry.name) {
    throw new LearnwareError("PACKAGE_UNSAFE", `${shown} has a different name ('${showName(localName)}') in its local header`, {
      entry: entry.name,
    });
  }
  return { dataStart, dataEnd };
}

class Overflow extends Error {}

function extractOne(data: Uint8Array, { entry }: CheckedZipEntry): Uint8Array {
  const shown = `Entry '${showName(entry.name)}'`;
  const size = entry.uncompressedSize;
  let out: Uint8Array;
  if (entry.method === 0) {
    out = data.subarray(0); // a view: the package bytes are not copied (nothing writes to them)
  } else {
    out = new Uint8Array(size);
    let pos = 0;
    const inflater = new Inflate((chunk: Uint8Array) => {
      if (pos + chunk.length > size) throw new Overflow();
      out.set(chunk, pos);
      pos += chunk.length;
    });
    try {
      if (data.length === 0) inflater.push(data, true);
      for (let i = 0; i < data.length; i += CHUNK) {
        inflater.push(data.subarray(i, i + CHUNK), i + CHUNK >= data.length);
      }
    } catch (e) {
      if (e instanceof Overflow) {
        throw new LearnwareError("PACKAGE_UNSAFE", `${shown} inflates to more than its declared ${size} bytes`, { entry: entry.name });
      }
      throw invalid(`${shown} is corrupt: ${e instanceof Error ? e.message : String(e)}`, entry.name);
    }
    if (pos !== size) throw invalid(`${shown} inflates to ${pos} bytes, not the declared ${size}`, entry.name);
  }
  const crc = crc32(out);
  if (crc !== entry.crc32) {
    throw invalid(`${shown} is corrupt: CRC-32 ${hex(crc)} does not match the declared ${hex(entry.crc32)}`, entry.name);
  }
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function invalid(message: string, entry: string): LearnwareError {
  return new LearnwareError("PACKAGE_INVALID", message, { entry });
}
