/**
 * Interprets a parsed `learnware.yaml` the way the Python market does: the `model` section
 * is merged over `{class_name: "Model", kwargs: {}}` with `module_path` defaulting to
 * `__init__.py`; `stat_specifications` replaces the default single `RKMETableSpecification`
 * in `stat_spec.json`. TS-native learnwares add `model.kind`: `onnx` (`file`, optional
 * `input_shape` / `output_shape`) or `js` (`module_path`, optional `class_name`).
 * Referenced files must exist in the package; stat files must be JSON. An optional `resources`
 * mapping declares what the learnware needs of its runner: `gpu` (devices per instance, an
 * integer 0..8) and `labels` (runner labels such as `cuda12`: letters, digits, `.`, `_`, `-`,
 * `+`, `:`; at most 16).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { interpretLearnwareYaml } from "./learnwareYaml.ts";
 * const files = new Map([["__init__.py", new Uint8Array()], ["stat_spec.json", new TextEncoder().encode("{}")]]);
 * const cfg = interpretLearnwareYaml({ model: { class_name: "MyModel" } }, files);
 * assert.equal(cfg.model.kind, "python");
 * assert.equal(cfg.model.modulePath, "__init__.py");
 * assert.equal(cfg.statSpecs[0]!.className, "RKMETableSpecification");
 * ```
 */
import { LearnwareError } from "../errors.ts";
import type { PackageModel, PackageResources, PackageStatSpec } from "./types.ts";
import { normaliseZipPath, showName } from "./zipSafety.ts";

/** The interpreted configuration. */
export interface LearnwareConfig {
  name?: string;
  model: PackageModel;
  statSpecs: PackageStatSpec[];
  resources: PackageResources;
}

/** The most GPU devices a learnware may ask for per instance. */
export const MAX_GPUS_PER_INSTANCE = 8;
/** The most runner labels a learnware may require. */
export const MAX_RESOURCE_LABELS = 16;
/** A runner label: what `resources.labels` and a runner's `LW_RUNNER_LABELS` hold. */
export const RESOURCE_LABEL = /^[A-Za-z0-9][A-Za-z0-9._+:-]{0,62}$/;

/** The Python package's defaults (`learnware.config` / `get_learnware_from_dirpath`). */
export const DEFAULT_MODEL_CLASS = "Model";
export const DEFAULT_MODULE_FILE = "__init__.py";
export const DEFAULT_STAT_SPECIFICATIONS = Object.freeze([
  Object.freeze({ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat_spec.json", kwargs: {} }),
]);

/** Interprets `doc` against the package's files (paths relative to the package root). */
export function interpretLearnwareYaml(doc: unknown, files: ReadonlyMap<string, Uint8Array>): LearnwareConfig {
  if (!isMapping(doc)) throw invalid("learnware.yaml must be a mapping (it is empty or a scalar or list)");
  const out: LearnwareConfig = {
    model: interpretModel(doc["model"], files),
    statSpecs: interpretStatSpecs(doc["stat_specifications"], files),
    resources: interpretResources(doc["resources"]),
  };
  const name = doc["name"];
  if (name !== undefined && name !== null) {
    if (typeof name !== "string" && typeof name !== "number") throw invalid("learnware.yaml 'name' must be a string");
    out.name = String(name);
  }
  return out;
}

function interpretModel(raw: unknown, files: ReadonlyMap<string, Uint8Array>): PackageModel {
  if (raw === undefined || raw === null) raw = {};
  if (!isMapping(raw)) throw invalid("learnware.yaml 'model' must be a mapping");
  const kind = raw["kind"] ?? "python";
  const kwargs = mapping(raw["kwargs"], "model.kwargs");
  const className = optionalString(raw["class_name"], "model.class_name");
  if (kind === "python") {
    const modulePath = existing(raw["module_path"] ?? DEFAULT_MODULE_FILE, "model.module_path", "Model module", files);
    return { kind, className: className ?? DEFAULT_MODEL_CLASS, modulePath, kwargs };
  }
  if (kind === "onnx") {
    const file = existing(raw["file"] ?? raw["module_path"] ?? "model.onnx", "model.file", "ONNX model file", files);
    for (const key of ["input_shape", "output_shape"] as const) {
      const shape = raw[key];
      if (shape === undefined || shape === null) continue;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) > 0)) {
        throw invalid(`learnware.yaml 'model.${key}' must be a list of positive integers`);
      }
      kwargs[key] = [...shape];
    }
    const model: PackageModel = { kind, modulePath: file, kwargs, file };
    if (className !== undefined) model.className = className;
    return model;
  }
  if (kind === "js") {
    const modulePath = existing(raw["module_path"] ?? "model.js", "model.module_path", "Model module", files);
    const model: PackageModel = { kind, modulePath, kwargs };
    if (className !== undefined) model.className = className;
    return model;
  }
  throw invalid(`learnware.yaml 'model.kind' '${showName(String(kind))}' is not supported (use python, onnx or js)`);
}

/** `resources: {gpu: 1, labels: [cuda12]}` → `{gpu: 1, labels: ["cuda12"]}`; absent → none. */
export function interpretResources(raw: unknown): PackageResources {
  if (raw === undefined || raw === null) return { gpu: 0, labels: [] };
  if (!isMapping(raw)) throw invalidField("learnware.yaml 'resources' must be a mapping (e.g. {gpu: 1, labels: [cuda12]})", "resources");
  for (const key of Object.keys(raw)) {
    if (key !== "gpu" && key !== "labels")
      throw invalidField(`learnware.yaml 'resources.${showName(key)}' is not known (use gpu and labels)`, `resources.${key}`);
  }
  const gpu = raw["gpu"] ?? 0;
  if (typeof gpu !== "number" || !Number.isInteger(gpu) || gpu < 0 || gpu > MAX_GPUS_PER_INSTANCE) {
    throw invalidField(`learnware.yaml 'resources.gpu' must be an integer from 0 to ${MAX_GPUS_PER_INSTANCE} (GPU devices per instance)`, "resources.gpu");
  }
  const rawLabels = raw["labels"] ?? [];
  if (!Array.isArray(rawLabels) || rawLabels.length > MAX_RESOURCE_LABELS) {
    throw invalidField(`learnware.yaml 'resources.labels' must be a list of at most ${MAX_RESOURCE_LABELS} runner labels`, "resources.labels");
  }
  for (const l of rawLabels) {
    if (typeof l !== "string" || !RESOURCE_LABEL.test(l)) {
      throw invalidField(
        `learnware.yaml 'resources.labels' holds '${showName(String(l))}', which is not a runner label (letters, digits and . _ + : -, at most 63)`,
        "resources.labels",
      );
    }
  }
  return { gpu, labels: [...new Set(rawLabels as string[])].sort() };
}

function interpretStatSpecs(raw: unknown, files: ReadonlyMap<string, Uint8Array>): PackageStatSpec[] {
  if (raw === undefined) raw = DEFAULT_STAT_SPECIFICATIONS;
  if (!Array.isArray(raw)) throw invalid("learnware.yaml 'stat_specifications' must be a list");
  return raw.map((item: unknown, i: number) => {
    const where = `stat_specifications[${i}]`;
    if (!isMapping(item)) throw invalid(`learnware.yaml '${where}' must be a mapping`);
    const className = optionalString(item["class_name"], `${where}.class_name`);
    if (className === undefined) throw invalid(`learnware.yaml '${where}' has no class_name`);
    if (item["file_name"] === undefined) throw invalid(`learnware.yaml '${where}' has no file_name`);
    const fileName = existing(item["file_name"], `${where}.file_name`, "Stat file", files);
    const modulePath = optionalString(item["module_path"], `${where}.module_path`) ?? "learnware.specification";
    const kwargs = mapping(item["kwargs"], `${where}.kwargs`);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(files.get(fileName)));
    } catch (e) {
      throw new LearnwareError("PACKAGE_INVALID", `Stat file '${showName(fileName)}' is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, {
        entry: fileName,
      });
    }
    return { className, modulePath, fileName, kwargs, json };
  });
}

/** Normalises a path named in the yaml and checks that the package holds it. */
function existing(raw: unknown, key: string, what: string, files: ReadonlyMap<string, Uint8Array>): string {
  if (typeof raw !== "string" || raw === "") throw invalid(`learnware.yaml '${key}' must be a non-empty string`);
  const path = normaliseZipPath(raw, `${what} '${showName(raw)}' in learnware.yaml '${key}'`);
  if (!files.has(path)) {
    throw new LearnwareError("PACKAGE_INVALID", `${what} '${showName(raw)}' named in learnware.yaml is missing from the package`, {
      entry: raw,
    });
  }
  return path;
}

function mapping(raw: unknown, key: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (!isMapping(raw)) throw invalid(`learnware.yaml '${key}' must be a mapping`);
  return { ...raw };
}

function optionalString(raw: unknown, key: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string" || raw === "") throw invalid(`learnware.yaml '${key}' must be a non-empty string`);
  return raw;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function invalid(message: string): LearnwareError {
  return new LearnwareError("PACKAGE_INVALID", message);
}

function invalidField(message: string, field: string): LearnwareError {
  return new LearnwareError("PACKAGE_INVALID", message, { entry: "learnware.yaml", field: `learnware.yaml:${field}` });
}
