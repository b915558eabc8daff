/**
 * The statistical-specification abstraction (after the Python package's
 * `BaseStatSpecification` and its registry of spec types): every spec type — table, text,
 * image RKMEs, and any registered later — is a `StatSpecKind` that knows its `type` name,
 * loads and writes its Python-compatible JSON, measures distances, and tells the checks and
 * the search what it describes. Product code (server, runner, CLI, page) asks this registry
 * instead of matching type names as strings.
 *
 * The built-in kinds are registered by `statSpecs.ts` (import that module, not this one, to
 * get them).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { registerStatSpec, statSpecKind, type StatSpecKind } from "./statSpec.ts";
 * const kind: StatSpecKind = {
 *   type: "ExampleSpec", dataType: "Table",
 *   fromJSON: () => { throw new TypeError("example"); }, parse: () => { throw new TypeError("example"); },
 *   dist: () => 0, innerProduct: () => 0,
 *   dimension: () => null, embedding: () => null, compatible: () => true,
 * };
 * registerStatSpec(kind);
 * assert.equal(statSpecKind("ExampleSpec"), kind);
 * ```
 */
import type { KernelMeanEmbedding } from "../kernel/mmd.ts";

/** The kind of data a spec summarises (the semantic spec's `Data.Values`). */
export type StatDataType = "Table" | "Text" | "Image";

/** What every statistical specification offers (the Python `BaseStatSpecification`). */
export interface StatSpecification {
  /** The registered type name, as the Python package writes it in the stat file. */
  readonly type: string;
  /** Number of rows the spec summarises. */
  readonly numPoints: number;
  /**
   * MMD² to another spec of the same kind (0 for an identical spec). Each kind takes its own
   * class here (hence `never`); generic code calls the kind's `dist(a, b)`.
   */
  dist(other: never): number;
  /** Kernel inner product with another spec of the same kind (generic code: the kind's `innerProduct`). */
  innerProduct(other: never): number;
  /** The stat-file object. */
  toJSON(): unknown;
  /** The stat-file text (as the Python package writes it where the kind is one of its own). */
  stringify(): string;
}

/** One registered spec type: how to load it and what the checks and the search need to know. */
export interface StatSpecKind<S extends StatSpecification = StatSpecification> {
  readonly type: string;
  /** The semantic `Data.Values` this kind describes. */
  readonly dataType: StatDataType;
  /** Loads a parsed stat file; a malformed one throws `LearnwareError("SPEC_INVALID")`. */
  fromJSON(obj: unknown): S;
  /** Loads stat-file text (Python's `NaN` tokens accepted). */
  parse(text: string): S;
  /** MMD² between two specs of this kind. */
  dist(a: S, b: S): number;
  /** Kernel inner product of two specs of this kind. */
  innerProduct(a: S, b: S): number;
  /** The model input dimension the spec implies (a table spec's columns), or null when it implies none. */
  dimension(spec: S): number | null;
  /**
   * The table RKME the statistical search ranks, for kinds searched in an RBF space (table;
   * text over its sentence embeddings); null for kinds with their own kernel (image).
   */
  embedding(spec: S): (KernelMeanEmbedding & { readonly z: { rows: number; cols: number } }) | null;
  /** Whether a market spec may be compared with the user's (text: languages; image: kernel). */
  compatible(user: S, market: S): boolean;
  /** Kinds without an RBF `embedding`: the search score of a distance (image: `1 − exp(−d/0.00005)`). */
  distToScore?(dist: number): number;
}

const kinds = new Map<string, StatSpecKind>();

/** Registers a spec type (a later registration of the same name replaces the earlier one). */
export function registerStatSpec<S extends StatSpecification>(kind: StatSpecKind<S>): void {
  kinds.set(kind.type, kind as unknown as StatSpecKind);
}

/** The kind registered under `type`, or undefined. */
export function statSpecKind(type: unknown): StatSpecKind | undefined {
  return typeof type === "string" ? kinds.get(type) : undefined;
}

/** Every registered kind, in registration order. */
export function statSpecKinds(): StatSpecKind[] {
  return [...kinds.values()];
}

/** A package's stat-spec entry (`learnware.yaml`'s `class_name`, file name and parsed JSON). */
export interface StatSpecEntry {
  className: string;
  fileName: string;
  json: unknown;
}

/**
 * The kind of a package entry: its `class_name` when registered, else the file's own `type`
 * (Python's `parse_specification_type` reads the class names), else undefined.
 */
export function kindOfEntry(entry: { className?: string; json?: unknown }): StatSpecKind | undefined {
  return statSpecKind(entry.className) ?? statSpecKind(typeOfJson(entry.json));
}

/** The `type` field of a stat-file object, if it has one. */
export function typeOfJson(json: unknown): string | undefined {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return undefined;
  const t = (json as Record<string, unknown>).type;
  return typeof t === "string" ? t : undefined;
}

/** The first entry of `entries` whose kind describes `dataType` (or any registered kind when omitted). */
export function findStatSpec<E extends { className?: string; json?: unknown }>(
  entries: readonly E[],
  dataType?: StatDataType,
): { entry: E; kind: StatSpecKind } | undefined {
  for (const entry of entries) {
    const kind = kindOfEntry(entry);
    if (kind && (dataType === undefined || kind.dataType === dataType)) return { entry, kind };
  }
  return undefined;
}
