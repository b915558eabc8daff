/**
 * The types of a learnware package: the parsed result of `readLearnwarePackage` and the
 * safety limits applied to the zip before anything is decompressed.
 */

/** How a learnware's model is run. */
export type ModelKind = "python" | "onnx" | "js";

/** The `model` section of `learnware.yaml`, with defaults applied. */
export interface PackageModel {
  /** `python` (a class in a Python module), `onnx` (an ONNX file) or `js` (a JS module). */
  kind: ModelKind;
  /** The class to instantiate (Python: default `Model`; JS: optional, else the default export). */
  className?: string;
  /** The module, relative to the package root (Python default `__init__.py`; ONNX: the model file). */
  modulePath: string;
  /** Constructor arguments; for ONNX models also `input_shape` / `output_shape` when declared. */
  kwargs: Record<string, unknown>;
  /** The ONNX model file, relative to the package root (ONNX only). */
  file?: string;
}

/**
 * What a learnware needs of the runner that checks and serves it (`resources` in
 * `learnware.yaml`): `gpu` devices per instance (0: a CPU learnware) and `labels` the runner
 * must carry (e.g. `cuda12`). Jobs for the learnware are leased only by runners that have them.
 */
export interface PackageResources {
  /** GPU devices per instance, 0..8 (default 0). */
  gpu: number;
  /** Runner labels required, sorted and distinct (default none). */
  labels: string[];
}

/** One entry of `stat_specifications`, with its stat file parsed. */
export interface PackageStatSpec {
  className: string;
  modulePath: string;
  /** The stat file, relative to the package root. */
  fileName: string;
  kwargs: Record<string, unknown>;
  /** The parsed stat file (JSON). */
  json: unknown;
}

/** The environment file of a Python learnware (`environment.yaml` wins over `requirements.txt`). */
export type PackageEnvironment = { kind: "pip"; text: string } | { kind: "conda"; text: string } | null;

/** A parsed, checked learnware package. */
export interface LearnwarePackage {
  name?: string;
  model: PackageModel;
  statSpecs: PackageStatSpec[];
  /** What the learnware needs of its runner (`resources` in learnware.yaml; default none). */
  resources: PackageResources;
  environment: PackageEnvironment;
  /** Every regular file, keyed by its path relative to the package root. */
  files: Map<string, Uint8Array>;
  /** `""`, or the top-level folder prefix (with its trailing `/`) that was stripped. */
  root: string;
  /** The raw parsed `learnware.yaml`. */
  yaml: unknown;
}

/** Limits checked on the zip's central directory before anything is decompressed. */
export interface PackageLimits {
  /** Most entries (files and folders) in the zip. Default 10 000. */
  maxEntries?: number;
  /** Most bytes of all entries together once decompressed. Default 1 GiB. */
  maxTotalUncompressed?: number;
  /** Most bytes of one entry once decompressed. Default 512 MiB. */
  maxEntryUncompressed?: number;
  /** Highest uncompressed / compressed ratio of an entry over 1 MiB. Default 200. */
  maxCompressionRatio?: number;
}

/** The default `PackageLimits`. */
export const DEFAULT_PACKAGE_LIMITS: Readonly<Required<PackageLimits>> = Object.freeze({
  maxEntries: 10_000,
  maxTotalUncompressed: 1024 * 1024 * 1024,
  maxEntryUncompressed: 512 * 1024 * 1024,
  maxCompressionRatio: 200,
});

/**
 * Entries smaller than this are never flagged by the compression ratio: small repetitive
 * files (JSON, padding) legitimately compress by more than 200×, and they cannot hurt.
 */
export const RATIO_CHECK_MIN_BYTES = 1024 * 1024;

/** Fills in the defaults and rejects nonsensical limits (misuse: `RangeError`). */
export function resolveLimits(limits: PackageLimits | undefined): Required<PackageLimits> {
  const out = { ...DEFAULT_PACKAGE_LIMITS };
  if (limits === undefined) return out;
  for (const key of Object.keys(DEFAULT_PACKAGE_LIMITS) as (keyof PackageLimits)[]) {
    const v = limits[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v > 0) || Number.isNaN(v)) {
      throw new RangeError(`Package limit ${key} must be a positive number, got ${String(v)}`);
    }
    out[key] = v;
  }
  return out;
}
