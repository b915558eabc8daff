/**
 * Reads a learnware package (a zip) in memory: safety checks on the central directory
 * first, then extraction, then `learnware.yaml` interpreted as the Python market does.
 * `learnware.yaml` may sit at the zip's root or inside a single top-level folder (the zip
 * of a folder); paths are then relative to that folder. macOS `__MACOSX/` entries are
 * checked like the others and then dropped.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { readLearnwarePackage } from "./readPackage.ts";
 * import { writeLearnwarePackage } from "./writePackage.ts";
 * const zip = writeLearnwarePackage({
 *   yaml: { model: { class_name: "MyModel", kwargs: {} } },
 *   files: { "__init__.py": "class MyModel: ...\n", "stat_spec.json": "{}", "requirements.txt": "numpy\n" },
 * });
 * const pkg = readLearnwarePackage(zip);
 * assert.ok(pkg.model.className === "MyModel" && pkg.environment?.kind === "pip");
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { interpretLearnwareYaml } from "./learnwareYaml.ts";
import { type LearnwarePackage, type PackageEnvironment, type PackageLimits, resolveLimits } from "./types.ts";
import { readZipDirectory } from "./zipEntries.ts";
import { extractZipEntries } from "./zipExtract.ts";
import { checkZipLimits } from "./zipLimits.ts";
import { checkZipEntries } from "./zipSafety.ts";
import { parseYaml } from "./yamlCodec.ts";

export type {
  LearnwarePackage,
  ModelKind,
  PackageEnvironment,
  PackageLimits,
  PackageModel,
  PackageStatSpec,
} from "./types.ts";

/** The configuration file of a learnware package. */
export const LEARNWARE_YAML = "learnware.yaml";
const MACOS_JUNK = "__MACOSX";

/**
 * Parses and checks a learnware package zip. Throws `LearnwareError` with code
 * `PACKAGE_INVALID` (not a zip, corrupt entries, missing or bad `learnware.yaml`, missing
 * model module or stat file, stat file not JSON), `PACKAGE_UNSAFE` (paths escaping the
 * package, symbolic links, duplicates, zip bombs) or `PACKAGE_TOO_LARGE` (over `limits`).
 */
export function readLearnwarePackage(bytes: Uint8Array, limits?: PackageLimits): LearnwarePackage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("readLearnwarePackage expects the zip as a Uint8Array");
  const lim = resolveLimits(limits);
  const dir = readZipDirectory(bytes, lim.maxEntries);
  const checked = checkZipEntries(dir.entries, lim).filter(({ path }) => path !== MACOS_JUNK && !path.startsWith(`${MACOS_JUNK}/`));
  const whole = checkZipLimits(dir.entries, bytes.byteLength, lim);
  if (!whole.ok) {
    throw new LearnwareError(whole.limit === "maxCompressionRatio" ? "PACKAGE_UNSAFE" : "PACKAGE_TOO_LARGE", whole.message, {
      limit: whole.limit,
      value: whole.value,
      max: whole.max,
    });
  }
  const all = extractZipEntries(bytes, checked, dir.centralDirectoryOffset, lim.maxTotalUncompressed);

  const root = findRoot(all);
  const files = new Map<string, Uint8Array>();
  for (const [path, data] of all) files.set(path.slice(root.length), data);

  const yamlText = decodeText(files.get(LEARNWARE_YAML)!, LEARNWARE_YAML);
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (e) {
    throw new LearnwareError("PACKAGE_INVALID", `learnware.yaml is not valid YAML: ${e instanceof Error ? e.message : String(e)}`, { entry: LEARNWARE_YAML });
  }
  const config = interpretLearnwareYaml(doc, files);
  const pkg: LearnwarePackage = {
    model: config.model,
    statSpecs: config.statSpecs,
    resources: config.resources,
    environment: findEnvironment(files),
    files,
    root,
    yaml: doc,
  };
  if (config.name !== undefined) pkg.name = config.name;
  return pkg;
}

/** `""` when learnware.yaml is at the root, else `"<folder>/"` when every file is in that one folder. */
function findRoot(files: ReadonlyMap<string, Uint8Array>): string {
  if (files.has(LEARNWARE_YAML)) return "";
  const tops = new Set<string>();
  let nested = true;
  for (const path of files.keys()) {
    const slash = path.indexOf("/");
    if (slash === -1) nested = false;
    tops.add(slash === -1 ? path : path.slice(0, slash));
  }
  const [top] = tops;
  if (nested && tops.size === 1 && top !== undefined && files.has(`${top}/${LEARNWARE_YAML}`)) return `${top}/`;
  throw new LearnwareError("PACKAGE_INVALID", "Package has no learnware.yaml at its root or inside a single top-level folder", { entry: LEARNWARE_YAML });
}

/** `environment.yaml` (conda) wins over `requirements.txt` (pip), as in the Python client. */
function findEnvironment(files: ReadonlyMap<string, Uint8Array>): PackageEnvironment {
  const conda = files.get("environment.yaml");
  if (conda !== undefined) return { kind: "conda", text: decodeText(conda, "environment.yaml") };
  const pip = files.get("requirements.txt");
  if (pip !== undefined) return { kind: "pip", text: decodeText(pip, "requirements.txt") };
  return null;
}

function decodeText(data: Uint8Array, name: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    throw new LearnwareError("PACKAGE_INVALID", `${name} is not UTF-8 text`, { entry: name });
  }
}
