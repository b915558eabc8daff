/**
 * The market's search, composed once: the semantic stage first (fuzzy by default), then —
 * when the user gives a stat spec — the statistical stage over the semantic matches, answered
 * by the exact scan or, for an `approximate` search over a market large enough, by the exact
 * ranking of an index's candidates. The caller passes the stages' executors in (the server:
 * its packed slab and worker pool, its RKME index; the CLI and tests: the in-process
 * `searchStatistical`), and the answer's `path` says which one ran.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { composeSearch } from "./composeSearch.ts";
 * const market = [{ id: "a", semantic: { Data: { Type: "Class", Values: ["Table"] } } }];
 * const r = await composeSearch({ market, semantic: { Data: { Type: "Class", Values: ["Table"] } } });
 * assert.equal(r.path, "semantic");
 * assert.equal(r.single[0]!.id, "a");
 * const s = await composeSearch({
 *   market,
 *   stat: { exact: async (pool) => ({ single: pool.map((m) => ({ id: m.id, score: 0.5, dist: 1 })), multiple: null }) },
 * });
 * assert.equal(s.path, "exact");
 * ```
 */
import type { SemanticSpec } from "../semantic/types.ts";
import { type SemanticSearcherKind, semanticSearch } from "./semanticSearch.ts";
import type { SearchResult } from "./statSearch.ts";

/**
 * Which path answered: the semantic stage only, the exact statistical scan, an index's
 * candidates, or the heterogeneous search (learnwares of other feature spaces).
 */
export type SearchPath = "semantic" | "exact" | "approximate" | "hetero";

export interface SearchItem {
  id: string;
  semantic?: SemanticSpec | undefined;
}

/** An index that narrows a large statistical search to candidates (approximate answers). */
export interface StatIndex<E> {
  /** Specs the index could search within `pool` (`whole`: the pool is the entire market). */
  searchable(pool: readonly E[], whole: boolean): number;
  /** The index's candidates within `pool`, in market order. */
  candidates(pool: readonly E[], whole: boolean, topN: number): readonly E[];
  /** Below this many searchable specs the exact scan answers even when approximate is asked. */
  threshold: number;
}

/** The statistical stage's executors. */
export interface StatStage<E> {
  /**
   * The exact ranking of `pool` (in market order; `whole`: the pool is the entire market;
   * `path`: whether the pool is the scan's or the index's candidates).
   */
  exact(pool: readonly E[], whole: boolean, path: "exact" | "approximate"): Promise<SearchResult & { ranked?: number }>;
  /** Built on demand, only for an approximate search. */
  index?: () => Promise<StatIndex<E>>;
  /** Candidates the index hands to the exact ranking (default 100). */
  topN?: number;
}

export interface ComposedSearchRequest<E extends SearchItem> {
  market: readonly E[];
  semantic?: SemanticSpec | undefined;
  searcher?: SemanticSearcherKind;
  /** The statistical stage; absent: a semantic-only search. */
  stat?: StatStage<E> | undefined;
  /** Allow the index's candidates to answer (not the market's exact answer). */
  approximate?: boolean;
  /**
   * The heterogeneous stage: `always` instead of the statistical one; `auto` when the
   * statistical stage ranked no learnware (none has the user's dimension).
   */
  hetero?: { when: "auto" | "always"; run(pool: readonly E[]): Promise<SearchResult> } | undefined;
}

export type ComposedSearchResult = SearchResult & { path: SearchPath; ranked?: number };

/** The semantic stage: the matches in the searcher's order, with scores in [0, 1]. */
export function semanticStage<E extends SearchItem>(
  semantic: SemanticSpec | undefined,
  market: readonly E[],
  searcher: SemanticSearcherKind = "fuzzy",
): { pool: readonly E[]; scores: Map<string, number> | null } {
  if (semantic === undefined) return { pool: market, scores: null };
  const byId = new Map(market.map((m) => [m.id, m]));
  const r = semanticSearch(
    semantic,
    market.map((m) => ({ id: m.id, semantic: m.semantic ?? {} })),
    searcher,
  );
  const pool = r.ids.flatMap((id) => {
    const m = byId.get(id);
    return m === undefined ? [] : [m];
  });
  const scores = new Map(r.ids.map((id, i) => [id, r.scores?.[i] !== undefined ? r.scores[i]! / 100 : 1]));
  return { pool, scores };
}

/** A semantic-only answer: `dist: null`, the fuzzy score / 100 (1 for a tag or substring match). */
export function semanticOnlyResult(pool: readonly SearchItem[], scores: Map<string, number> | null): SearchResult {
  return { single: pool.map((m) => ({ id: m.id, score: scores?.get(m.id) ?? 1, dist: null })), multiple: null };
}

/** Semantic, then statistical; exact, or the index's candidates when approximate and the market is large. */
export async function composeSearch<E extends SearchItem>(req: ComposedSearchRequest<E>): Promise<ComposedSearchResult> {
  const { pool, scores } = semanticStage(req.semantic, req.market, req.searcher);
  const stat = req.stat;
  if (stat === undefined) return { ...semanticOnlyResult(pool, scores), path: "semantic" };
  const whole = req.semantic === undefined;
  const hetero = req.hetero;
  if (hetero?.when === "always") return { ...(await hetero.run(pool)), path: "hetero" };
  if (req.approximate && stat.index) {
    const index = await stat.index();
    const topN = stat.topN ?? 100;
    const searchable = index.searchable(pool, whole);
    if (searchable >= index.threshold && searchable > topN) {
      return { ...(await stat.exact(index.candidates(pool, whole, topN), false, "approximate")), path: "approximate" };
    }
  }
  const exact = await stat.exact(pool, whole, "exact");
  if (hetero?.when === "auto" && exact.ranked === 0) return { ...(await hetero.run(pool)), path: "hetero" };
  return { ...exact, path: "exact" };
}
