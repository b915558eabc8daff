/**
 * The heterogeneous market: learnwares and users whose tables differ (other columns, other
 * order, partly shared meaning) meet in a feature space built from their semantic input
 * descriptions; search ranks learnwares by MMD on the shared columns plus coverage
 * penalties, and feature alignment makes a found learnware usable on the user's table.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { FeatureSpace } from "./mod.ts";
 * const fs = new FeatureSpace();
 * assert.equal((await fs.addColumns(["age"]))[0], 0);
 * ```
 * @module
 */
export {
  descriptionTokens,
  FeatureSpace,
  type FeatureSpaceOptions,
  inputDescriptions,
  normalizeDescription,
  type TextEmbedder,
  tokenSimilarity,
} from "./featureSpace.ts";
export {
  columnMapping,
  heteroDistance,
  heteroDistToScore,
  type HeteroEntry,
  HeteroMarket,
  type HeteroSearchOptions,
  type HeteroSearchResult,
  type HeteroSingleResult,
  type InputDescription,
} from "./heteroSearch.ts";
export { type AlignOptions, HeteroAlignedLearnware } from "./featureAlign.ts";
export { type ColumnProfile, columnProfiles, LearnedHeteroMap, type MappedEntry, nameVector, pairFeatures, searchWithMap } from "./learnedMap.ts";
export { alignedLearnwares } from "./heteroReuse.ts";
export {
  columnMapOf,
  feedsFromConcepts,
  HeteroSpace,
  type HeteroSpaceMixture,
  type HeteroSpaceResult,
  type HeteroSpaceSearchOptions,
  type HeteroSpaceSingle,
  type SpaceEntry,
  type SpaceUser,
  searchHeteroSpace,
} from "./heteroSpace.ts";
