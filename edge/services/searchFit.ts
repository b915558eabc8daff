/**
 * The absolute fit of a search answer (core/search/fit.ts) on the server: the table specs of
 * the answer's learnwares (at most a page of singles and one mixture, so a few dozen kernel
 * blocks of ≤ 100 points: milliseconds) read from their latest versions.
 */
import { and, eq, inArray } from "drizzle-orm";
import { explainResult, type ResultExplanation } from "../../core/search/fit.ts";
import type { SearchResult } from "../../core/search/statSearch.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import type { Ctx } from "../context.ts";
import { models, versions } from "../db/schema.ts";
import { tableSpecOfJson } from "./specIndex.ts";

export async function explainSearch(ctx: Ctx, user: unknown, result: SearchResult): Promise<ResultExplanation | null> {
  if (user === undefined || user === null) return null;
  let userSpec: RKMETableSpecification;
  try {
    userSpec = RKMETableSpecification.fromJSON(user);
  } catch {
    return null; // the search itself already refused a bad spec
  }
  const ids = [...new Set([...result.single.map((s) => s.id), ...(result.multiple?.ids ?? [])])];
  const rows =
    ids.length === 0
      ? []
      : await ctx.db.db
          .select({ id: models.id, statSpecs: versions.statSpecs })
          .from(models)
          .innerJoin(versions, and(eq(versions.modelId, models.id), eq(versions.number, models.latestVersion)))
          .where(inArray(models.id, ids));
  const specs = new Map<string, RKMETableSpecification>();
  for (const r of rows) {
    const s = tableSpecOfJson(r.statSpecs);
    if (s) specs.set(r.id, s);
  }
  return explainResult(userSpec, result, (id) => specs.get(id));
}
