/** `lw check semantic spec.json` and `lw check package pkg.zip [--semantic spec.json]`. */
import { parseArgs } from "node:util";
import { checkLearnwareStatic } from "../../core/check/packageCheck.ts";
import { pythonStatusName } from "../../core/checkStatus.ts";
import { LearnwareError } from "../../core/errors.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { checkSemanticSpec } from "../../core/semantic/checker.ts";
import { CliError } from "../errors.ts";
import { readBytes, readJson } from "../files.ts";

export const checkHelp = `lw check semantic spec.json [--json]
lw check package pkg.zip [--semantic spec.json] [--json]`;

interface Verdict {
  status: number;
  message: string;
  issues: { rule: string; key?: string; message: string }[];
}

function print(v: Verdict, json: boolean | undefined): number {
  const label = pythonStatusName(v.status);
  if (json) process.stdout.write(JSON.stringify({ status: v.status, label, message: v.message, issues: v.issues }) + "\n");
  else {
    process.stdout.write(`${label} (${v.status}): ${v.message}\n`);
    for (const i of v.issues.slice(1)) process.stdout.write(`  also: ${i.message}\n`);
  }
  return v.status === -1 ? 1 : 0;
}

export function checkCommand(argv: string[]): number {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: { json: { type: "boolean" }, semantic: { type: "string" } },
  });
  if (positionals.length !== 1) throw new CliError(`check ${sub ?? ""} needs exactly one file. Usage:\n${checkHelp}`);
  const file = positionals[0]!;
  if (sub === "semantic") {
    const r = checkSemanticSpec(readJson(file, "semantic spec"));
    return print({ status: r.status, message: r.ok ? "OK: the semantic specification is valid" : r.message, issues: r.issues }, values.json);
  }
  if (sub === "package") {
    const semantic = values.semantic ? readJson(values.semantic, "semantic spec") : undefined;
    let pkg;
    try {
      pkg = readLearnwarePackage(readBytes(file, "package"));
    } catch (e) {
      if (!(e instanceof LearnwareError)) throw e;
      return print({ status: -1, message: e.message, issues: [{ rule: e.code, message: e.message }] }, values.json);
    }
    const r = checkLearnwareStatic(pkg, semantic);
    return print(r, values.json);
  }
  throw new CliError(`Unknown check command "${sub ?? ""}". Usage:\n${checkHelp}`);
}
