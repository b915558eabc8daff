/**
 * The RKME index: sketches of table specs (random Fourier mean embeddings) whose distances
 * approximate MMD², an in-memory index over them (flat scan or inverted file), and the
 * indexed statistical search (index candidates → exact re-rank with the core's searcher).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { RkmeIndex, indexedSearch } from "./mod.ts";
 * assert.equal(typeof indexedSearch, "function");
 * assert.equal(new RkmeIndex().size, 0);
 * ```
 */
export { bucketKey, createFeatureMap, type FeatureMap, type FeatureMapOptions } from "./featureMap.ts";
export { sketchDist, sketchSpec } from "./sketch.ts";
export { type IndexCandidate, type IndexEntry, type IndexSearchOptions, RkmeIndex, type RkmeIndexOptions } from "./rkmeIndex.ts";
export { type FetchSpecs, indexedSearch, type IndexedSearchOptions, type IndexedSearchResult } from "./indexedSearch.ts";
