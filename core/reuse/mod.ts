/**
 * Reusers: turn one or more learnwares into one predictor (the Python package's
 * `learnware.reuse`). Every reuser takes learnwares as objects with `predict(X)`, so it
 * works over any execution backend.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { AveragingReuser } from "./mod.ts";
 * import { fromRows } from "../matrix.ts";
 * const id = { id: "id", predict: async (X: { rows: number; cols: number; data: Float64Array }) => X };
 * assert.equal((await new AveragingReuser([id, id]).predict(fromRows([[2]]))).data[0], 2);
 * ```
 * @module
 */
export type { FittableReuser, Learnware, Predictor, TaskMode } from "./types.ts";
export { type AveragingMode, AveragingReuser } from "./averaging.ts";
export { JobSelectorReuser, type JobSelectorOptions } from "./jobSelector.ts";
export { EnsemblePruningReuser, type EnsemblePruningOptions } from "./ensemblePruning.ts";
export { FeatureAugmentReuser, type FeatureAugmentOptions } from "./featureAugment.ts";
export { fitLogisticCV, fitRidgeCV, KnnClassifier, Standardizer, type Classifier, type LinearRegressor } from "./simpleModels.ts";
export { minimizeLbfgs } from "./lbfgs.ts";
export { buildReuser, describeReuse, reuserFromSearchResult, type DescribeOptions, type ReuseDescriptor, type ReuserKind } from "./fromSearchResult.ts";
export { fillNonFinite, hconcat, softmaxRows, takeRows, toLabels } from "./_ops.ts";
