/**
 * From a heterogeneous search result to reusable learnwares on the user's table: each found
 * learnware is wrapped in a `HeteroAlignedLearnware` with the column mapping the search
 * computed, so any reuser (averaging, job selection on aligned data, pruning, augmenting)
 * runs over them unchanged.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { alignedLearnwares } from "./heteroReuse.ts";
 * assert.equal((await alignedLearnwares({ single: [], multiple: null }, async () => { throw new Error(); })).length, 0);
 * ```
 */
import type { Learnware } from "../reuse/types.ts";
import { type AlignOptions, HeteroAlignedLearnware } from "./featureAlign.ts";
import type { HeteroSearchResult } from "./heteroSearch.ts";

/** The top `topK` results (default all), loaded and aligned to the user's columns. */
export async function alignedLearnwares(
  result: HeteroSearchResult,
  load: (id: string) => Promise<Learnware>,
  options: AlignOptions & { topK?: number } = {},
): Promise<HeteroAlignedLearnware[]> {
  const picked = result.single.slice(0, options.topK ?? result.single.length);
  return Promise.all(picked.map(async (r) => new HeteroAlignedLearnware(await load(r.id), r.columnMap, options)));
}
