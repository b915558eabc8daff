/**
 * Builds a learnware package zip: `learnware.yaml` (serialised as YAML 1.1, so PyYAML reads
 * strings like `yes` back as strings) first, then the files in the order given. Timestamps
 * are fixed, so the same input gives the same bytes (and the same package digest).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { writeLearnwarePackage } from "./writePackage.ts";
 * import { inspectZipEntries } from "./zipEntries.ts";
 * const zip = writeLearnwarePackage({ yaml: { model: { kind: "js", module_path: "model.js" } }, files: { "model.js": "export default {}" } });
 * assert.equal(inspectZipEntries(zip).map((e) => e.name).join(), "learnware.yaml,model.js");
 * ```
 */
import { type Zippable, zipSync } from "fflate";
import { LEARNWARE_YAML } from "./readPackage.ts";
import { normaliseZipPath } from "./zipSafety.ts";
import { stringifyYaml } from "./yamlCodec.ts";

/** What `writeLearnwarePackage` needs: the yaml document and the files by package path. */
export interface LearnwarePackageInput {
  yaml: object;
  files: Record<string, Uint8Array | string>;
}

/** 1980-01-01 00:00, the earliest DOS timestamp: a fixed mtime keeps the output reproducible. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Unix regular file, rw-r--r--, in the high half of the external attributes. */
const FILE_ATTRS = (0o100644 << 16) >>> 0;

/**
 * Builds the zip. Paths are normalised (`\` → `/`); a path escaping the package throws
 * `PACKAGE_UNSAFE`, and `learnware.yaml` among `files` or a repeated path throws `TypeError`.
 */
export function writeLearnwarePackage(input: LearnwarePackageInput): Uint8Array {
  const enc = new TextEncoder();
  const zippable: Zippable = {};
  const opts = { mtime: FIXED_MTIME, attrs: FILE_ATTRS, os: 3 };
  zippable[LEARNWARE_YAML] = [enc.encode(stringifyYaml(input.yaml)), opts];
  for (const [name, content] of Object.entries(input.files)) {
    const path = normaliseZipPath(name);
    if (path === "") throw new TypeError(`Package file name '${name}' is empty`);
    if (path === LEARNWARE_YAML) throw new TypeError("Pass learnware.yaml as `yaml`, not among `files`");
    if (Object.hasOwn(zippable, path)) throw new TypeError(`Package file '${name}' is given twice`);
    zippable[path] = [typeof content === "string" ? enc.encode(content) : content, opts];
  }
  return zipSync(zippable, { level: 6 });
}
