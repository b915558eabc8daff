/**
 * The built-in statistical-spec kinds — table, text and image RKMEs — registered in the
 * stat-spec registry (`statSpec.ts`). Import this module wherever specs are loaded by type.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { loadStatSpec, TABLE_SPEC, TEXT_SPEC } from "./statSpecs.ts";
 * const spec = loadStatSpec({ className: TABLE_SPEC.type, json: { z: [[0, 1]], beta: [1], gamma: 0.1, num_points: 3 } });
 * assert.equal(spec.kind.dimension(spec.spec), 2);
 * assert.equal(spec.kind.type, "RKMETableSpecification");
 * assert.equal(TEXT_SPEC.dataType, "Text");
 * ```
 */
import { imageDistToScore, RKMEImageSpecification } from "../image/rkmeImageSpec.ts";
import { languagesCompatible, RKMETextSpecification } from "../text/rkmeTextSpec.ts";
import { LearnwareError } from "../errors.ts";
import { RKMETableSpecification } from "./rkmeTableSpec.ts";
import { kindOfEntry, registerStatSpec, type StatSpecification, type StatSpecKind } from "./statSpec.ts";

export * from "./statSpec.ts";

export const TABLE_SPEC: StatSpecKind<RKMETableSpecification> = {
  type: RKMETableSpecification.TYPE,
  dataType: "Table",
  fromJSON: (o) => RKMETableSpecification.fromJSON(o),
  parse: (t) => RKMETableSpecification.parse(t),
  dist: (a, b) => a.dist(b),
  innerProduct: (a, b) => a.innerProduct(b),
  dimension: (s) => s.dim,
  embedding: (s) => s,
  compatible: (u, m) => u.dim === m.dim,
};

export const TEXT_SPEC: StatSpecKind<RKMETextSpecification> = {
  type: RKMETextSpecification.TYPE,
  dataType: "Text",
  fromJSON: (o) => RKMETextSpecification.fromJSON(o),
  parse: (t) => RKMETextSpecification.parse(t),
  dist: (a, b) => a.dist(b),
  innerProduct: (a, b) => a.innerProduct(b),
  // A text model takes texts: its embedding size is not a model input dimension.
  dimension: () => null,
  embedding: (s) => s.table,
  compatible: (u, m) => u.dim === m.dim && languagesCompatible(u.language, m.language),
};

export const IMAGE_SPEC: StatSpecKind<RKMEImageSpecification> = {
  type: RKMEImageSpecification.TYPE,
  dataType: "Image",
  fromJSON: (o) => RKMEImageSpecification.fromJSON(o),
  parse: (t) => RKMEImageSpecification.parse(t),
  dist: (a, b) => a.dist(b),
  innerProduct: (a, b) => a.innerProduct(b),
  dimension: () => null,
  embedding: () => null,
  compatible: (u, m) => u.sameKernelAs(m),
  distToScore: imageDistToScore,
};

registerStatSpec(TABLE_SPEC);
registerStatSpec(TEXT_SPEC);
registerStatSpec(IMAGE_SPEC);

/** A loaded spec with its kind. */
export interface LoadedStatSpec {
  kind: StatSpecKind;
  spec: StatSpecification;
}

/**
 * Loads a package entry or a request's stat object by its registered type (`className`, else
 * the JSON's `type`, else `fallback` — a table spec, as old Python files carry no `type`).
 * An unknown type throws `LearnwareError("SPEC_INVALID")` naming the registered ones.
 */
export function loadStatSpec(entry: { className?: string; json: unknown }, fallback: StatSpecKind | null = TABLE_SPEC): LoadedStatSpec {
  const kind = kindOfEntry(entry) ?? (typeOfOrNone(entry) ? undefined : (fallback ?? undefined));
  if (!kind) {
    const named = entry.className ?? typeOfOrNone(entry);
    throw new LearnwareError("SPEC_INVALID", `Unknown stat spec type ${JSON.stringify(named ?? null)}; known types: ${knownTypes()}`, {
      field: "type",
    });
  }
  return { kind, spec: kind.fromJSON(entry.json) };
}

function typeOfOrNone(entry: { className?: string; json: unknown }): string | undefined {
  if (entry.className !== undefined) return entry.className;
  const j = entry.json;
  if (j === null || typeof j !== "object") return undefined;
  const t = (j as Record<string, unknown>).type;
  return t === undefined ? undefined : String(t);
}

function knownTypes(): string {
  return [TABLE_SPEC, TEXT_SPEC, IMAGE_SPEC].map((k) => k.type).join(", ");
}
