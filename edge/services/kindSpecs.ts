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

const caches = new WeakMap<Database, Map<string, StatSpecification | null>>();
const CHUNK = 500;

/** The spec of `kind` of each version (null when the version has none or it does not load). */
export async function specsOfKind(db: Database, kind: StatSpecKind, versionIds: readonly number[]): Promise<Map<number, StatSpecification | null>> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const out = new Map<number, StatSpecification | null>();
  const need: number[] = [];
  for (const id of versionIds) {
    const hit = cache.get(`${kind.type}#${id}`);
    if (hit !== undefined) out.set(id, hit);
    else need.push(id);
  }
  for (let c = 0; c < need.length; c += CHUNK) {
    const part = need.slice(c, c + CHUNK);
    const rows = await db.db.select({ id: versions.id, statSpecs: versions.statSpecs }).from(versions).where(inArray(versions.id, part));
    for (const r of rows) {
      const entries = (Array.isArray(r.statSpecs) ? r.statSpecs : []).filter(
        (s): s is { className?: string; json?: unknown } => s !== null && typeof s === "object",
      );
      const found = findStatSpec(
        entries.filter((e) => findStatSpec([e])?.kind === kind),
        kind.dataType,
      );
      let spec: StatSpecification | null = null;
      if (found) {
        try {
          spec = kind.fromJSON(found.entry.json);
        } catch {
          spec = null;
        }
      }
      out.set(r.id, spec);
      cache.set(`${kind.type}#${r.id}`, spec);
    }
  }
  if (cache.size > 100_000) cache.clear();
  return out;
}
