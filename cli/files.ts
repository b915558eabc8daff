/** File helpers for the CLI: every failure becomes a one-line CliError naming the file. */
import { readFileSync, writeFileSync } from "node:fs";
import { parsePythonJson } from "../core/_internal/pythonJson.ts";
import { LearnwareError } from "../core/errors.ts";
import { RKMETableSpecification } from "../core/spec/rkmeTableSpec.ts";
import { loadStatSpec } from "../core/spec/statSpecs.ts";
import { CliError } from "./errors.ts";

export function readBytes(path: string, what = "file"): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === "ENOENT" ? `Cannot find ${what} ${path}` : `Cannot read ${what} ${path}: ${code ?? (e as Error).message}`);
  }
}

export function readJson(path: string, what = "JSON file"): unknown {
  const text = new TextDecoder().decode(readBytes(path, what));
  try {
    return parsePythonJson(text);
  } catch (e) {
    throw new CliError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export function readStatSpec(path: string): RKMETableSpecification {
  const json = readJson(path, "stat spec");
  try {
    return RKMETableSpecification.fromJSON(json);
  } catch (e) {
    if (e instanceof LearnwareError || e instanceof RangeError || e instanceof TypeError) throw new CliError(`Stat spec ${path}: ${e.message}`);
    throw e;
  }
}

/** A JSON file that must hold an object (a semantic spec, metadata): a CliError naming the file otherwise. */
export function readJsonObject(path: string, what: string): Record<string, unknown> {
  const json = readJson(path, what);
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new CliError(`The ${what} ${path} must be a JSON object`);
  return json as Record<string, unknown>;
}

/** A stat spec file of any registered type, checked by loading it; returns the file's JSON. */
export function readAnyStatSpec(path: string): unknown {
  const json = readJson(path, "stat spec");
  try {
    loadStatSpec({ json });
  } catch (e) {
    if (e instanceof LearnwareError || e instanceof RangeError || e instanceof TypeError) throw new CliError(`Stat spec ${path}: ${e.message}`);
    throw e;
  }
  return json;
}

export function writeText(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new CliError(`Cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
