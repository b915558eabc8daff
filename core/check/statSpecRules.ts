/**
 * The one rule set over a learnware's statistical specifications, shared by the upload
 * inspection (`packageCheck.ts`, no model run) and the runner's check (which adds the model's
 * `input_shape`). Rule names are the runner's (`stat_spec`, `stat_spec_finite`,
 * `stat_spec_dimension`); messages follow the Python market's `EasyStatChecker`.
 *
 * - `stat_spec`: an entry of a registered type that does not load (and, when `requireOne`,
 *   a package with no spec of a registered type: "No valid specification is found").
 * - `stat_spec_finite`: the spec's distance to itself is not finite (NaN/Infinity inside).
 * - `stat_spec_dimension`: a spec implying an input dimension (a table RKME's columns) that
 *   differs from the semantic `Input.Dimension` (for `Table` data) or the model's input shape.
 *
 * Entries of unregistered types are left alone, as the Python market ignores classes it does
 * not search.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { checkStatSpecRules } from "./statSpecRules.ts";
 * const entry = { className: "RKMETableSpecification", fileName: "stat.json", json: { z: [[1, 2, 3]], beta: [1], gamma: 0.1, num_points: 1 } };
 * const sem = { Data: { Values: ["Table"] }, Input: { Dimension: 2 } };
 * const r = checkStatSpecRules([entry], { semantic: sem });
 * assert.equal(r.issues[0]!.rule, "stat_spec_dimension");
 * assert.equal(r.loaded.length, 0, "a spec failing a rule is not loaded");
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { kindOfEntry, type StatSpecEntry, type StatSpecification, type StatSpecKind } from "../spec/statSpecs.ts";

export type StatSpecRule = "stat_spec" | "stat_spec_finite" | "stat_spec_dimension";

export interface StatSpecIssue {
  rule: StatSpecRule;
  /** The stat file the issue is about (absent for "no spec at all"). */
  key?: string;
  message: string;
}

export interface LoadedEntry {
  fileName: string;
  kind: StatSpecKind;
  spec: StatSpecification;
  /** The spec's distance to itself (0 up to rounding). */
  selfDist: number;
}

export interface StatSpecRuleOptions {
  /** The semantic spec (its `Data.Values` and `Input.Dimension` are read). */
  semantic?: unknown;
  /** The loaded model's `input_shape` (runner only). */
  inputShape?: readonly number[];
  /** Report a package without any registered spec (the runner's check; upload allows it). */
  requireOne?: boolean;
}

/** Runs the rules over `entries`; `loaded` holds the specs that passed every rule. */
export function checkStatSpecRules(entries: readonly StatSpecEntry[], options: StatSpecRuleOptions = {}): { issues: StatSpecIssue[]; loaded: LoadedEntry[] } {
  const issues: StatSpecIssue[] = [];
  const loaded: LoadedEntry[] = [];
  let known = 0;
  const semDim = semanticTableDimension(options.semantic);
  for (const entry of entries) {
    const kind = kindOfEntry(entry);
    if (!kind) continue;
    known++;
    let spec: StatSpecification;
    try {
      spec = kind.fromJSON(entry.json);
    } catch (e) {
      if (!(e instanceof LearnwareError)) throw e;
      issues.push({ rule: "stat_spec", key: entry.fileName, message: `Statistical specification ${entry.fileName} cannot be loaded: ${e.message}` });
      continue;
    }
    const selfDist = kind.dist(spec, spec);
    if (!Number.isFinite(selfDist)) {
      issues.push({
        rule: "stat_spec_finite",
        key: entry.fileName,
        message: `The distance between statistical specifications is not finite, where distance=${selfDist} (NaN or Infinity in ${entry.fileName})`,
      });
      continue;
    }
    const dim = kind.dimension(spec);
    if (dim !== null && semDim !== null && dim !== semDim) {
      issues.push({
        rule: "stat_spec_dimension",
        key: entry.fileName,
        message: `input dimension mismatch with stat specification: ${entry.fileName} has dimension ${dim} but the semantic Input.Dimension is ${semDim}`,
      });
      continue;
    }
    const shape = options.inputShape;
    if (dim !== null && shape !== undefined && !(shape.length === 1 && shape[0] === dim)) {
      issues.push({
        rule: "stat_spec_dimension",
        key: entry.fileName,
        message: `input dimension mismatch with stat specification: ${entry.fileName} has ${dim} columns, model input_shape=(${shape.join(", ")}${shape.length === 1 ? "," : ""})`,
      });
      continue;
    }
    loaded.push({ fileName: entry.fileName, kind, spec, selfDist });
  }
  if (options.requireOne && known === 0) {
    issues.push({ rule: "stat_spec", message: `No valid specification is found in stat spec ${JSON.stringify(entries.map((e) => e.className))}` });
  }
  return { issues, loaded };
}

/** `Input.Dimension` when the semantic `Data.Values` includes Table, else null. */
export function semanticTableDimension(semantic: unknown): number | null {
  if (!semanticDataTypes(semantic).includes("Table")) return null;
  const input = (semantic as Record<string, unknown>)["Input"];
  if (input === null || typeof input !== "object") return null;
  const d = Number((input as Record<string, unknown>)["Dimension"]);
  return Number.isInteger(d) ? d : null;
}

/** The semantic spec's `Data.Values` (a string value reads as one item). */
export function semanticDataTypes(semantic: unknown): string[] {
  if (semantic === null || typeof semantic !== "object") return [];
  const data = (semantic as Record<string, unknown>)["Data"];
  if (data === null || typeof data !== "object") return [];
  const v = (data as Record<string, unknown>)["Values"];
  return Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
}
