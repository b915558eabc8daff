/**
 * The combined searcher of the market, synchronous and in-process: a semantic search first
 * (fuzzy by default), then, when the user gives a table RKME, the statistical search over the
 * semantic matches — as the Python market's EasySearcher does. The stages are
 * `composeSearch.ts`'s (the server composes the same stages with its own executors).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { search } from "./search.ts";
 * const r = search({
 *   user: { semantic: { Data: { Type: "Class", Values: ["Table"] } } },
 *   market: [{ id: "a", semantic: { Data: { Type: "Class", Values: ["Table"] } } }],
 * });
 * assert.equal(r.single[0]!.id, "a");
 * assert.equal(r.multiple, null);
 * ```
 */
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { semanticOnlyResult, semanticStage } from "./composeSearch.ts";
import type { SemanticSpec } from "../semantic/types.ts";
import { type MixtureMethod, type SearchResult, searchStatistical } from "./statSearch.ts";

export type { MixtureResult, SearchResult, SingleResult } from "./statSearch.ts";

export interface MarketEntry {
  id: string;
  semantic?: SemanticSpec | undefined;
  stat?: RKMETableSpecification | undefined;
}

export interface SearchRequest {
  user: { semantic?: SemanticSpec | undefined; stat?: RKMETableSpecification | undefined };
  market: readonly MarketEntry[];
  maxSearchNum?: number;
  method?: MixtureMethod;
  searcher?: "fuzzy" | "exact";
  selfInnerProducts?: ReadonlyMap<string, number>;
}

/**
 * Semantic-only results carry `dist: null` and the fuzzy score / 100 (or 1 for a tag or
 * substring match). With a stat spec, the statistical results of the semantic matches.
 */
export function search(req: SearchRequest): SearchResult {
  const { pool, scores } = semanticStage(req.user.semantic, req.market, req.searcher ?? "fuzzy");
  if (req.user.stat !== undefined) {
    const statMarket = pool.flatMap((m) => (m.stat ? [{ id: m.id, spec: m.stat }] : []));
    const opts = {
      ...(req.maxSearchNum !== undefined ? { maxSearchNum: req.maxSearchNum } : {}),
      ...(req.method !== undefined ? { method: req.method } : {}),
      ...(req.selfInnerProducts !== undefined ? { selfInnerProducts: req.selfInnerProducts } : {}),
    };
    return searchStatistical(req.user.stat, statMarket, opts);
  }
  return semanticOnlyResult(pool, scores);
}
