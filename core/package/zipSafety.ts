/**
 * Safety checks on a zip listing, run before anything is decompressed: entry names that
 * escape the package folder, symbolic links and special files, duplicates, encryption,
 * unsupported methods, declared sizes over the limits and zip-bomb compression ratios.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { zipSync } from "fflate";
 * import { inspectZipEntries } from "./zipEntries.ts";
 * import { checkZipEntries, normaliseZipPath } from "./zipSafety.ts";
 * const zip = zipSync({ "pkg/a.txt": new TextEncoder().encode("hi") });
 * const [a] = checkZipEntries(inspectZipEntries(zip));
 * assert.equal(a!.path, "pkg/a.txt");
 * assert.equal(normaliseZipPath("./x\\y.txt"), "x/y.txt");
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { type PackageLimits, RATIO_CHECK_MIN_BYTES, resolveLimits } from "./types.ts";
import type { ZipEntryInfo } from "./zipEntries.ts";

/** A regular file entry that passed the checks, with its normalised path. */
export interface CheckedZipEntry {
  entry: ZipEntryInfo;
  /** The normalised path: `/`-separated, no `.` or empty segments, NFC. */
  path: string;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** Shows a name in a message with control characters escaped. */
export function showName(name: string): string {
  return JSON.stringify(name).slice(1, -1);
}

/**
 * Normalises a path inside a package: backslashes become `/` (old Windows zippers write
 * them, and `..\x` must not slip past), `.` and empty segments drop, and the result is NFC.
 * Throws `PACKAGE_UNSAFE` for absolute paths, drive letters, `..` segments and control
 * characters (NUL included). `shown` names the path in messages (default `Entry '<name>'`).
 */
export function normaliseZipPath(name: string, shown = `Entry '${showName(name)}'`): string {
  // deno-lint-ignore no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) throw unsafe(`${shown} has a control character (such as NUL) in its name`, name);
  const s = name.replaceAll("\\", "/");
  if (s.startsWith("/")) throw unsafe(`${shown} is an absolute path`, name);
  if (/^[A-Za-z]:/.test(s)) throw unsafe(`${shown} is a Windows drive path`, name);
  const parts: string[] = [];
  for (const seg of s.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") throw unsafe(`${shown} escapes the package folder`, name);
    parts.push(seg);
  }
  return parts.join("/").normalize("NFC");
}

/**
 * Checks every entry of a listing and returns the regular files with their normalised paths
 * (folders are checked, then left out). Throws `PACKAGE_UNSAFE`, `PACKAGE_TOO_LARGE` or
 * `PACKAGE_INVALID` (encrypted entries, unsupported methods) naming the first bad entry.
 */
export function checkZipEntries(entries: readonly ZipEntryInfo[], limits?: PackageLimits): CheckedZipEntry[] {
  const lim = resolveLimits(limits);
  if (entries.length > lim.maxEntries) {
    throw new LearnwareError("PACKAGE_TOO_LARGE", `Package has ${entries.length} entries, more than the limit of ${lim.maxEntries}`, {
      entries: entries.length,
      limit: lim.maxEntries,
    });
  }
  const files = new Map<string, string>(); // normalised path → raw name
  const dirs = new Map<string, string>();
  const out: CheckedZipEntry[] = [];
  let total = 0;
  for (const entry of entries) {
    const shown = `Entry '${showName(entry.name)}'`;
    const path = normaliseZipPath(entry.name);
    if (entry.isSymlink) throw unsafe(`${shown} is a symbolic link`, entry.name);
    const type = entry.unixMode & S_IFMT;
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
      throw unsafe(`${shown} is a special file (mode 0o${entry.unixMode.toString(8)})`, entry.name);
    }
    if (entry.isDir) {
      if (files.has(path)) throw unsafe(`${shown} duplicates the file '${showName(files.get(path)!)}'`, entry.name);
      if (path !== "") dirs.set(path, entry.name);
      continue;
    }
    if (path === "") throw invalid(`${shown} has an empty name`, entry.name);
    if (entry.encrypted) throw invalid(`${shown} is encrypted, which is not supported`, entry.name);
    if (entry.method !== 0 && entry.method !== 8) {
      const known = METHOD_NAMES[entry.method];
      throw invalid(`${shown} uses compression method ${entry.method}${known ? ` (${known})` : ""}; only stored and deflate are supported`, entry.name);
    }
    const size = entry.uncompressedSize;
    if (size > lim.maxEntryUncompressed) {
      throw new LearnwareError("PACKAGE_TOO_LARGE", `${shown} declares ${size} bytes, more than the limit of ${lim.maxEntryUncompressed}`, {
        entry: entry.name,
        size,
        limit: lim.maxEntryUncompressed,
      });
    }
    total += size;
    if (total > lim.maxTotalUncompressed) {
      throw new LearnwareError(
        "PACKAGE_TOO_LARGE",
        `Package declares more than ${lim.maxTotalUncompressed} bytes uncompressed (reached at entry '${showName(entry.name)}')`,
        { entry: entry.name, limit: lim.maxTotalUncompressed },
      );
    }
    if (size > RATIO_CHECK_MIN_BYTES && size > entry.compressedSize * lim.maxCompressionRatio) {
      const ratio = entry.compressedSize === 0 ? "infinite" : `${Math.round(size / entry.compressedSize)}:1`;
      throw unsafe(`${shown} has a suspicious compression ratio (${ratio}, limit ${lim.maxCompressionRatio}:1): a zip bomb?`, entry.name);
    }
    if (entry.method === 0 && entry.compressedSize !== size) {
      throw invalid(`${shown} is stored but its sizes differ (${entry.compressedSize} and ${size})`, entry.name);
    }
    const twin = files.get(path) ?? dirs.get(path);
    if (twin !== undefined) throw unsafe(`${shown} duplicates '${showName(twin)}'`, entry.name);
    files.set(path, entry.name);
    out.push({ entry, path });
  }
  // A file used as a folder by another entry ("a" and "a/b") cannot be extracted.
  for (const { entry, path } of out) {
    for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) {
      const parent = files.get(path.slice(0, i));
      if (parent !== undefined) {
        throw unsafe(`Entry '${showName(entry.name)}' lies inside '${showName(parent)}', which is a file`, entry.name);
      }
    }
  }
  return out;
}

const METHOD_NAMES: Record<number, string> = {
  1: "shrink",
  6: "implode",
  9: "deflate64",
  12: "bzip2",
  14: "LZMA",
  93: "zstd",
  95: "xz",
  98: "PPMd",
  99: "AES encryption",
};

function unsafe(message: string, entry?: string): LearnwareError {
  return new LearnwareError("PACKAGE_UNSAFE", message, entry === undefined ? undefined : { entry });
}

function invalid(message: string, entry: string): LearnwareError {
  return new LearnwareError("PACKAGE_INVALID", message, { entry });
}
