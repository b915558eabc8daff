/**
 * The statistical search through the index: the `topN` candidates nearest the user in
 * sketch space, then the exact search of the core (`searchStatistical`: exact MMD²
 * ranking, mixture search, scores) over just those candidates, whose specs the caller
 * fetches by id (from storage). Markets below `indexThreshold` specs of the user's
 * dimension, and `exact: true`, take the exact linear scan over all of them instead.
 *
 * What is exact and what is not on the index path: every returned distance is the exact
 * MMD², candidates are ranked exactly, and the mixture is searched exactly over the first
 * `maxSearchNum²` of them — so whenever the true nearest specs are among the candidates
 * (the recall the benchmark measures), the single ids, their distances and the mixture are
 * the linear scan's. The *scores* are not: the market's score conversion uses the min, max
 * and mean distance of all ranked specs, and here it sees only the candidates' distances,
 * so scores (and therefore how many single results pass the 0.6 cut) differ from the full
 * scan's. Use `exact: true` where Python-identical scores matter.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { RkmeIndex } from "./rkmeIndex.ts";
 * import { indexedSearch } from "./indexedSearch.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const spec = (x: number) => new RKMETableSpecification(fromRows([[x, 0]]), new Float64Array([1]), 0.1, 1);
 * const specs = new Map([["a", spec(0)], ["b", spec(5)]]);
 * const index = new RkmeIndex({ features: 64 });
 * for (const [id, s] of specs) index.add(id, s);
 * const r = await indexedSearch(spec(0.1), index, (ids) => ids.map((id) => specs.get(id)));
 * assert.equal(r.single[0]!.id, "a");
 * assert.equal(r.path, "exact");
 * ```
 */
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { type MixtureMethod, type SearchResult, searchStatistical, type StatMarketItem } from "../search/statSearch.ts";
import type { RkmeIndex } from "./rkmeIndex.ts";

/** Loads specs by id, in the order asked (undefined for an id no longer stored). */
export type FetchSpecs = (ids: readonly string[]) => readonly (RKMETableSpecification | undefined)[] | Promise<readonly (RKMETableSpecification | undefined)[]>;

export interface IndexedSearchOptions {
  /** Mixture size limit (as `searchStatistical`). Default 5. */
  maxSearchNum?: number;
  /** Mixture method (as `searchStatistical`). Default "greedy". */
  method?: MixtureMethod;
  /** Candidates re-ranked exactly. Default max(100, 4·maxSearchNum²). */
  topN?: number;
  /** Force the exact linear scan. */
  exact?: boolean;
  /** The semantic filter's result: only these ids are searched. */
  within?: ReadonlySet<string> | readonly string[];
  /** Below this many searchable specs the exact scan is used. Default 2000. */
  indexThreshold?: number;
  /** Overrides the index's inverted-file probe fraction. */
  probeFraction?: number;
}

export interface IndexedSearchResult extends SearchResult {
  /** Which path answered: the index (+ exact re-rank) or the exact linear scan. */
  path: "index" | "exact";
  /** Specs whose exact distance was computed. */
  candidates: number;
}

/** Runs the statistical search of `user` over the specs in `index` (see the module doc). */
export async function indexedSearch(
  user: RKMETableSpecification,
  index: RkmeIndex,
  fetchSpecs: FetchSpecs,
  options: IndexedSearchOptions = {},
): Promise<IndexedSearchResult> {
  const maxSearchNum = options.maxSearchNum ?? 5;
  const method = options.method ?? "greedy";
  const topN = options.topN ?? Math.max(100, 4 * maxSearchNum * maxSearchNum);
  const threshold = options.indexThreshold ?? 2000;
  const within = options.within === undefined ? undefined : options.within instanceof Set ? options.within : new Set(options.within);
  const dim = user.z.cols;
  const searchable = within === undefined ? index.sizeOfDim(dim) : countWithin(index, within, dim);

  let ids: string[];
  let path: "index" | "exact";
  if (options.exact === true || searchable < threshold || searchable <= topN) {
    path = "exact";
    ids = index.idsOfDim(dim);
    if (within !== undefined) ids = ids.filter((id) => within.has(id));
  } else {
    path = "index";
    const found = index.search(user, {
      topN,
      ...(within !== undefined ? { filter: (id: string) => within.has(id) } : {}),
      ...(options.probeFraction !== undefined ? { probeFraction: options.probeFraction } : {}),
    });
    // Market order for the exact stage, so equal distances tie as in the linear scan.
    ids = found.map((c) => c.id).sort((a, b) => index.sequence(a)! - index.sequence(b)!);
  }
  const specs = await fetchSpecs(ids);
  if (specs.length !== ids.length) {
    throw new RangeError(`indexedSearch: fetchSpecs returned ${specs.length} specs for ${ids.length} ids`);
  }
  const market: StatMarketItem[] = [];
  const selfInnerProducts = new Map<string, number>();
  ids.forEach((id, i) => {
    const spec = specs[i];
    if (spec === undefined) return; // deleted between the index lookup and the fetch
    market.push({ id, spec });
    const self = index.selfInnerProduct(id);
    if (self !== undefined) selfInnerProducts.set(id, self);
  });
  const result = searchStatistical(user, market, { maxSearchNum, method, selfInnerProducts });
  return { ...result, path, candidates: market.length };
}

function countWithin(index: RkmeIndex, within: ReadonlySet<string>, dim: number): number {
  let n = 0;
  for (const id of within) if (index.has(id) && index.entryDim(id) === dim) n++;
  return n;
}
