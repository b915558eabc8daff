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
import { checkSemanticSpec } from "../semantic/checker.ts";
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { type StatSpecEntry, TABLE_SPEC } from "../spec/statSpecs.ts";
import { type LoadedEntry, checkStatSpecRules } from "./statSpecRules.ts";

export type { StatSpecEntry } from "../spec/statSpecs.ts";

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
  /** Every stat spec of a registered type that passed the rules, with its kind. */
  specs: LoadedEntry[];
  /** The table specs that loaded, by file name. */
  tableSpecs: { fileName: string; spec: RKMETableSpecification }[];
}

/**
 * Checks a parsed package's stat specs with the shared stat-spec rules
 * (`statSpecRules.ts`), and the semantic spec when one is given.
 */
export function checkLearnwareStatic(pkg: { statSpecs: readonly StatSpecEntry[] }, semantic: unknown): StaticCheckResult {
  const issues: CheckIssue[] = [];
  if (semantic !== undefined) {
    const s = checkSemanticSpec(semantic);
    for (const i of s.issues) issues.push({ rule: `semantic.${i.rule}`, key: i.key, message: i.message });
  }
  const stat = checkStatSpecRules(pkg.statSpecs, { semantic });
  for (const i of stat.issues) issues.push(i.key === undefined ? { rule: i.rule, message: i.message } : { rule: i.rule, key: i.key, message: i.message });
  const tableSpecs = stat.loaded.flatMap((l) => (l.kind === TABLE_SPEC ? [{ fileName: l.fileName, spec: l.spec as RKMETableSpecification }] : []));
  const ok = issues.length === 0;
  return {
    status: ok ? 0 : -1,
    ok,
    issues,
    message: ok ? "OK: semantics and stat specs are valid (not yet run)" : issues[0]!.message,
    specs: stat.loaded,
    tableSpecs,
  };
}
