/**
 * The static checks of a submission, with core imports only (so a worker thread can run them):
 * the semantic spec, the package (zip limits, then parsing) and its stat specs.
 */
import { checkLearnwareStatic } from "../../core/check/packageCheck.ts";
import { onnxTextInputIssue } from "../../core/check/onnxTextInput.ts";
import { LearnwareError } from "../../core/errors.ts";
import type { PackageLimits, PackageResources } from "../../core/package/types.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { checkSemanticSpec } from "../../core/semantic/checker.ts";
import { kindOfEntry } from "../../core/spec/statSpecs.ts";
import { assertSaneSemantic, assertSaneStatSpec } from "./validate.ts";

/** Rejects an invalid semantic spec at once (422 naming the key). */
export function assertSemantic(spec: unknown): void {
  assertSaneSemantic(spec);
  const r = checkSemanticSpec(spec);
  if (r.status === -1) {
    const first = r.issues[0];
    throw new LearnwareError("SEMANTIC_INVALID", `Semantic specification is invalid: ${r.message}`, {
      field: first ? `semantic.${first.key}` : "semantic",
      issues: r.issues,
    });
  }
}

export interface Inspected {
  statSpecs: { className: string; fileName: string; json: unknown }[];
  framework: string;
  packageName: string | undefined;
  /** What the learnware needs of its runner (learnware.yaml `resources`); absent: the previous version's. */
  resources?: PackageResources;
}

/** Parses a package and runs the static checks against `semantic` (422 on failure). */
export function inspectPackage(bytes: Uint8Array, semantic: unknown, limits?: PackageLimits): Inspected {
  assertSemantic(semantic);
  const pkg = readLearnwarePackage(bytes, limits);
  const statSpecs = pkg.statSpecs.map((s) => ({ className: s.className, fileName: s.fileName, json: s.json }));
  // Registered kinds are loaded by the shared stat-spec rules; the table kind's JSON is also
  // screened for size/shape first (its sanity limits are table-specific).
  for (const s of statSpecs) if (kindOfEntry(s)?.dataType === "Table") assertSaneStatSpec(s.json, `package.${s.fileName}`);
  checkStatic(statSpecs, semantic);
  const textIssue = onnxTextInputIssue(pkg, semantic);
  if (textIssue !== null) throw new LearnwareError("PACKAGE_INVALID", textIssue, { field: `package.${pkg.model.file ?? "model"}` });
  return { statSpecs, framework: pkg.model.kind, packageName: pkg.name, resources: pkg.resources };
}

export function checkStatic(statSpecs: Inspected["statSpecs"], semantic: unknown): void {
  const r = checkLearnwareStatic({ statSpecs }, semantic);
  if (!r.ok) {
    const first = r.issues[0]!;
    throw new LearnwareError("STAT_SPEC_INVALID", `Learnware check failed: ${r.message}`, {
      field: first.rule.startsWith("semantic.") ? `semantic.${first.key ?? ""}` : `package.${first.key ?? "stat"}`,
      issues: r.issues,
    });
  }
}
