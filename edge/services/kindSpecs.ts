/**
 * Stat specs of a registered kind other than the table RKME (text, image), read from the
 * versions' `stat_specs` and cached per version (versions are immutable). The table kind
 * has the packed slab and the index (`specSlab.ts`, `specIndex.ts`); the other kinds are
 * few and are searched by an exact in-process scan.
 */
import { inArray } from "drizzle-orm";
import { findStatSpec, type StatSpecification, type StatSpecKind } from "../../core/spec/statSpecs.ts";
import type { Database } from "../db/client.ts";
import { versions } from "../db/schema.ts";

const caches = new WeakMap<Database, Map<string, Map<number, StatSpecification | null>>>();
const CHUNK = 500;

/**
 * The specs of these versions, parsed from their `stat_specs` by `parse` and kept in `cache`
 * (versions are immutable; the cache is emptied past `max` entries). Read in chunks of 500 ids.
 */
export async function cachedSpecsOf<T>(
  db: Database,
  cache: Map<number, T | null>,
  versionIds: readonly number[],
  parse: (statSpecs: unknown) => T | null,
  max = 100_000,
): Promise<Map<number, T | null>> {
  const out = new Map<number, T | null>();
  const need: number[] = [];
  for (const id of versionIds) {
    const hit = cache.get(id);
    if (hit !== undefined) out.set(id, hit);
    else need.push(id);
  }
  for (let c = 0; c < need.length; c += CHUNK) {
    const part = need.slice(c, c + CHUNK);
    const rows = await db.db.select({ id: versions.id, statSpecs: versions.statSpecs }).from(versions).where(inArray(versions.id, part));
    for (const r of rows) {
      const spec = parse(r.statSpecs);
      out.set(r.id, spec);
      cache.set(r.id, spec);
    }
  }
  if (cache.size > max) cache.clear();
  return out;
}

/** The spec of `kind` of each version (null when the version has none or it does not load). */
export async function specsOfKind(db: Database, kind: StatSpecKind, versionIds: readonly number[]): Promise<Map<number, StatSpecification | null>> {
  let byKind = caches.get(db);
  if (!byKind) caches.set(db, (byKind = new Map()));
  let cache = byKind.get(kind.type);
  if (!cache) byKind.set(kind.type, (cache = new Map()));
  return cachedSpecsOf(db, cache, versionIds, (statSpecs) => {
    const entries = (Array.isArray(statSpecs) ? statSpecs : []).filter((s): s is { className?: string; json?: unknown } => s !== null && typeof s === "object");
    const found = findStatSpec(
      entries.filter((e) => findStatSpec([e])?.kind === kind),
      kind.dataType,
    );
    if (!found) return null;
    try {
      return kind.fromJSON(found.entry.json);
    } catch {
      return null;
    }
  });
}
