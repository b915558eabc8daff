/**
 * Reads a zip's central directory without decompressing anything: names, declared sizes,
 * methods and the Unix file type from the external attributes (which fflate does not
 * expose). The browser upload form uses it for client-side checks; `readLearnwarePackage`
 * runs its safety checks on this listing before it inflates a single byte.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { zipSync } from "fflate";
 * import { inspectZipEntries } from "./zipEntries.ts";
 * const zip = zipSync({ "a.txt": new TextEncoder().encode("hi"), "d/": {} });
 * const [a, d] = inspectZipEntries(zip);
 * assert.equal(a!.name, "a.txt");
 * assert.equal(a!.uncompressedSize, 2);
 * assert.ok(!a!.isDir);
 * assert.ok(d!.isDir);
 * ```
 */
import { LearnwareError } from "../errors.ts";

/** One central-directory entry. */
export interface ZipEntryInfo {
  /** Position in the central directory. */
  index: number;
  /** The stored name, decoded (UTF-8, or CP437 when it is not valid UTF-8). Not normalised. */
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  /** Compression method: 0 stored, 8 deflate; anything else is unsupported. */
  method: number;
  /** The declared CRC-32 of the uncompressed data. */
  crc32: number;
  /** General-purpose bit flags. */
  flags: number;
  /** Bit 0 of the flags: the entry is encrypted. */
  encrypted: boolean;
  /** Unix permission and type bits (`external attributes >>> 16`); 0 when absent. */
  unixMode: number;
  /** A folder: the name ends in `/`, or the Unix or DOS attributes say so. */
  isDir: boolean;
  /** The Unix file type is a symbolic link (mode `0o120000`). */
  isSymlink: boolean;
  /** Offset of the entry's local header from the start of the zip. */
  localHeaderOffset: number;
}

/** The listing plus where the central directory starts (entry data must end before it). */
export interface ZipDirectory {
  entries: ZipEntryInfo[];
  centralDirectoryOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/**
 * Lists a zip's entries from its central directory.
 * Throws `PACKAGE_INVALID` when the bytes are not a readable zip.
 */
export function inspectZipEntries(bytes: Uint8Array): ZipEntryInfo[] {
  return readZipDirectory(bytes).entries;
}

/**
 * Reads the central directory. With `maxEntries`, a zip declaring more entries throws
 * `PACKAGE_TOO_LARGE` before any entry is parsed.
 */
export function readZipDirectory(bytes: Uint8Array, maxEntries = Infinity): ZipDirectory {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(bytes, view);
  let disk = view.getUint16(eocd + 4, true);
  let cdDisk = view.getUint16(eocd + 6, true);
  let entriesOnDisk = view.getUint16(eocd + 8, true);
  let total = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let cdEnd = eocd;

  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === SIG_ZIP64_LOCATOR) {
    if (view.getUint32(locator + 4, true) !== 0 || view.getUint32(locator + 16, true) !== 1) throw multiDisk();
    const at = readUint64(view, locator + 8);
    if (at + 56 > locator || view.getUint32(at, true) !== SIG_ZIP64_EOCD) {
      throw invalid("Package zip is corrupt: the zip64 end of central directory record is missing");
    }
    disk = view.getUint32(at + 16, true);
    cdDisk = view.getUint32(at + 20, true);
    entriesOnDisk = readUint64(view, at + 24);
    total = readUint64(view, at + 32);
    cdSize = readUint64(view, at + 40);
    cdOffset = readUint64(view, at + 48);
    cdEnd = at;
  } else if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw invalid("Package zip is corrupt: it needs a zip64 record but has none");
  }
  if (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== total) throw multiDisk();
  if (total > maxEntries) {
    throw new LearnwareError("PACKAGE_TOO_LARGE", `Package has ${total} entries, more than the limit of ${maxEntries}`, {
      entries: total,
      limit: maxEntries,
    });
  }
  if (cdOffset + cdSize > cdEnd || total * 46 > cdSize) {
    throw invalid("Package zip is corrupt: the central directory does not fit the file");
  }

  const entries: ZipEntryInfo[] = [];
  let p = cdOffset;
  for (let index = 0; index < total; index++) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== SIG_CENTRAL) {
      throw invalid(`Package zip is corrupt: central directory entry ${index} is malformed`);
    }
    const madeBy = view.getUint16(p + 4, true);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let uncompressedSize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let diskStart = view.getUint16(p + 34, true);
    const external = view.getUint32(p + 38, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdOffset + cdSize) throw invalid(`Package zip is corrupt: central directory entry ${index} overruns it`);
    const name = decodeZipName(bytes.subarray(p + 46, p + 46 + nameLen), flags);

    // Zip64 extended information: the 64-bit values replace the saturated 32-bit ones, in order.
    if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff || diskStart === 0xffff) {
      const z = findExtra(view, p + 46 + nameLen, extraLen, 0x0001);
      if (z === null) throw invalid(`Entry '${name}' is corrupt: its zip64 sizes are missing`);
      let at = z.at;
      const take = (size: 4 | 8): number => {
        if (at + size > z.end) throw invalid(`Entry '${name}' is corrupt: its zip64 extra field is too short`);
        const v = size === 8 ? readUint64(view, at) : view.getUint32(at, true);
        at += size;
        return v;
      };
      if (uncompressedSize === 0xffffffff) uncompressedSize = take(8);
      if (compressedSize === 0xffffffff) compressedSize = take(8);
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = take(8);
      if (diskStart === 0xffff) diskStart = take(4);
    }
    if (diskStart !== 0) throw multiDisk();

    const host = madeBy >>> 8;
    const unixMode = external >>> 16;
    const fileType = unixMode & S_IFMT;
    // DOS attribute 0x10 is the folder bit; trust it only from DOS/NTFS/VFAT hosts.
    const dosDir = (host === 0 || host === 10 || host === 14) && (external & 0x10) !== 0;
    entries.push({
      index,
      name,
      compressedSize,
      uncompressedSize,
      method,
      crc32: crc,
      flags,
      encrypted: (flags & 1) !== 0,
      unixMode,
      isDir: name.endsWith("/") || fileType === S_IFDIR || dosDir,
      isSymlink: fileType === S_IFLNK,
      localHeaderOffset,
    });
    p = end;
  }
  return { entries, centralDirectoryOffset: cdOffset };
}

function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView): number {
  if (bytes.length < 22) throw invalid("Package is not a zip archive: it is too short");
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (bytes[i] !== 0x50 || view.getUint32(i, true) !== SIG_EOCD) continue;
    if (i + 22 + view.getUint16(i + 20, true) <= bytes.length) return i;
  }
  throw invalid("Package is not a zip archive: no end of central directory record");
}

function findExtra(view: DataView, start: number, len: number, id: number): { at: number; end: number } | null {
  let p = start;
  while (p + 4 <= start + len) {
    const tag = view.getUint16(p, true);
    const size = view.getUint16(p + 2, true);
    if (p + 4 + size > start + len) return null;
    if (tag === id) return { at: p + 4, end: p + 4 + size };
    p += 4 + size;
  }
  return null;
}

/** A little-endian unsigned 64-bit integer; values past 2^53 lose precision but stay huge. */
function readUint64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const CP437_HIGH = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

/**
 * Decodes an entry name: UTF-8 when flag bit 11 says so or the bytes are valid UTF-8
 * (many tools write UTF-8 without the flag), else CP437 as the zip spec and Python do.
 */
export function decodeZipName(raw: Uint8Array, flags: number): string {
  try {
    return UTF8.decode(raw);
  } catch {
    if (flags & 0x800) throw invalid("Package zip is corrupt: an entry name flagged UTF-8 is not valid UTF-8");
    let s = "";
    for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!;
    return s;
  }
}

function invalid(message: string): LearnwareError {
  return new LearnwareError("PACKAGE_INVALID", message);
}

function multiDisk(): LearnwareError {
  return invalid("Package is a multi-disk (spanned) zip archive, which is not supported");
}
