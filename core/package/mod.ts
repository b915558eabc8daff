/**
 * Learnware packages: zips holding `learnware.yaml`, stat file(s), the model and its
 * environment file. Reading checks the zip for unsafe entries before decompressing.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { readLearnwarePackage, writeLearnwarePackage } from "./mod.ts";
 * const zip = writeLearnwarePackage({
 *   yaml: { model: { kind: "onnx", file: "model.onnx", input_shape: [4], output_shape: [3] }, stat_specifications: [] },
 *   files: { "model.onnx": new Uint8Array([8, 1]) },
 * });
 * assert.equal(readLearnwarePackage(zip).model.file, "model.onnx");
 * ```
 */
export { LEARNWARE_YAML, readLearnwarePackage } from "./readPackage.ts";
export { type LearnwarePackageInput, writeLearnwarePackage } from "./writePackage.ts";
export { inspectZipEntries, type ZipEntryInfo } from "./zipEntries.ts";
export { type CheckedZipEntry, checkZipEntries, normaliseZipPath } from "./zipSafety.ts";
export { checkZipLimits, type ZipLimitResult, type ZipTotals, zipTotals } from "./zipLimits.ts";
export { DEFAULT_MODEL_CLASS, DEFAULT_MODULE_FILE, DEFAULT_STAT_SPECIFICATIONS } from "./learnwareYaml.ts";
export {
  DEFAULT_PACKAGE_LIMITS,
  type LearnwarePackage,
  type ModelKind,
  type PackageEnvironment,
  type PackageLimits,
  type PackageModel,
  type PackageStatSpec,
} from "./types.ts";
