/**
 * The static part of the market's checks on an uploaded learnware: the semantic checker,
 * the package structure, and the stat specs (loadable, finite self-MMD, dimension equal to
 * the semantic `Input.Dimension`). Running the model (the stat checker proper) is the
 * runner's job; a package that passes here is NONUSABLE (0) until it has been run.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { checkLearnwareStatic } from "./packageCheck.ts";
 * const r = checkLearnwareStatic({ statSpecs: [] }, undefined);
 * assert.equal(r.status, 0);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { checkSemanticSpec } from "../semantic/checker.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";

export interface CheckIssue {
  rule: string;
  key?: string;
  message: string;
}

export interface StaticCheckResult {
  /** −1 INVALID, 0 NONUSABLE (fine so far, not yet run). */
  status: -1 | 0;
  ok: boolean;
  issues: CheckIssue[];
  message: string;
  /** The table specs that loaded, by file name. */
  tableSpecs: { fileName: string; spec: RKMETableSpecification }[];
}

export interface StatSpecEntry {
  className: string;
  fileName: string;
  json: unknown;
}

/** Checks a parsed package's stat specs, and the semantic spec when one is given. */
export function checkLearnwareStatic(pkg: { statSpecs: readonly StatSpecEntry[] }, semantic: unknown): StaticCheckResult {
  const issues: CheckIssue[] = [];
  if (semantic !== undefined) {
    const s = checkSemanticSpec(semantic);
    for (const i of s.issues) issues.push({ rule: `semantic.${i.rule}`, key: i.key, message: i.message });
  }
  const tableSpecs: StaticCheckResult["tableSpecs"] = [];
  for (const entry of pkg.statSpecs) {
    if (entry.className !== "RKMETableSpecification") continue;
    try {
      const spec = RKMETableSpecification.fromJSON(entry.json);
      const self = spec.innerProduct(spec);
      if (!Number.isFinite(self)) {
        issues.push({
          rule: "stat.finite",
          key: entry.fileName,
          message: `Stat spec ${entry.fileName} has a non-finite self-MMD (NaN or Infinity in z or beta)`,
        });
        continue;
      }
      tableSpecs.push({ fileName: entry.fileName, spec });
    } catch (e) {
      if (!(e instanceof LearnwareError)) throw e;
      issues.push({ rule: "stat.load", key: entry.fileName, message: `Stat spec ${entry.fileName}: ${e.message}` });
    }
  }
  const dim = inputDimension(semantic);
  const isTable = dataTypes(semantic).includes("Table");
  if (dim !== null && isTable) {
    for (const { fileName, spec } of tableSpecs) {
      if (spec.dim !== dim) {
        issues.push({
          rule: "stat.dimension",
          key: fileName,
          message: `Stat spec ${fileName} has dimension ${spec.dim} but the semantic Input.Dimension is ${dim}`,
        });
      }
    }
  }
  const ok = issues.length === 0;
  return { status: ok ? 0 : -1, ok, issues, message: ok ? "OK: semantics and stat specs are valid (not yet run)" : issues[0]!.message, tableSpecs };
}

function inputDimension(semantic: unknown): number | null {
  if (semantic === null || typeof semantic !== "object") return null;
  const input = (semantic as Record<string, unknown>)["Input"];
  if (input === null || typeof input !== "object") return null;
  const d = Number((input as Record<string, unknown>)["Dimension"]);
  return Number.isInteger(d) ? d : null;
}

function dataTypes(semantic: unknown): string[] {
  if (semantic === null || typeof semantic !== "object") return [];
  const data = (semantic as Record<string, unknown>)["Data"];
  if (data === null || typeof data !== "object") return [];
  const v = (data as Record<string, unknown>)["Values"];
  return Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
}
