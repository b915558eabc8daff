/** Loads a file-based market for `lw search`: a market.json or a folder of learnware zips. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { LearnwareError } from "../core/errors.ts";
import { readLearnwarePackage } from "../core/package/readPackage.ts";
import { RKMETableSpecification } from "../core/spec/rkmeTableSpec.ts";
import { findStatSpec, TABLE_SPEC } from "../core/spec/statSpecs.ts";
import type { MarketEntry } from "../core/search/search.ts";
import type { SemanticSpec } from "../core/semantic/types.ts";
import { CliError } from "./errors.ts";
import { readBytes, readJson } from "./files.ts";

export function loadMarket(path: string): MarketEntry[] {
  if (!existsSync(path)) throw new CliError(`Cannot find market ${path}`);
  return statSync(path).isDirectory() ? loadFolder(path) : loadJson(path);
}

function loadJson(path: string): MarketEntry[] {
  const doc = readJson(path, "market file");
  if (!Array.isArray(doc)) throw new CliError(`Market file ${path} must be a JSON array of {"id", "spec"?, "semantic"?}`);
  const seen = new Set<string>();
  return doc.map((item: unknown, i: number) => {
    if (item === null || typeof item !== "object") throw new CliError(`Market item ${i} in ${path} is not an object`);
    const o = item as Record<string, unknown>;
    if (typeof o["id"] !== "string" || o["id"] === "") throw new CliError(`Market item ${i} in ${path} has no string "id"`);
    const id = o["id"];
    if (seen.has(id)) throw new CliError(`Market item ${i} in ${path} repeats the id "${id}"`);
    seen.add(id);
    let specJson = o["spec"];
    if (typeof specJson === "string") specJson = readJson(resolve(dirname(path), specJson), `stat spec of ${id}`);
    const entry: MarketEntry = { id };
    if (specJson !== undefined && specJson !== null) entry.stat = toSpec(specJson, `market item "${id}"`);
    if (o["semantic"] !== undefined) entry.semantic = o["semantic"] as SemanticSpec;
    return entry;
  });
}

function loadFolder(dir: string): MarketEntry[] {
  const zips = readdirSync(dir)
    .filter((n) => n.endsWith(".zip"))
    .sort();
  if (zips.length === 0) throw new CliError(`Market folder ${dir} holds no .zip learnware packages`);
  return zips.map((name) => {
    const id = basename(name, ".zip");
    let pkg;
    try {
      pkg = readLearnwarePackage(readBytes(join(dir, name), "package"));
    } catch (e) {
      if (e instanceof LearnwareError) throw new CliError(`Package ${name}: ${e.message}`);
      throw e;
    }
    const entry: MarketEntry = { id };
    const table = findStatSpec(pkg.statSpecs, TABLE_SPEC.dataType);
    if (table?.kind === TABLE_SPEC) entry.stat = toSpec(table.entry.json, `package ${name}`);
    const beside = join(dir, `${id}.semantic.json`);
    const inside = pkg.files.get("semantic_specification.json");
    if (existsSync(beside)) entry.semantic = readJson(beside, "semantic spec") as SemanticSpec;
    else if (inside) entry.semantic = JSON.parse(new TextDecoder().decode(inside)) as SemanticSpec;
    return entry;
  });
}

function toSpec(json: unknown, where: string): RKMETableSpecification {
  try {
    return RKMETableSpecification.fromJSON(json);
  } catch (e) {
    if (e instanceof LearnwareError || e instanceof RangeError || e instanceof TypeError) throw new CliError(`Stat spec of ${where}: ${e.message}`);
    throw e;
  }
}
