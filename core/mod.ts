/**
 * The portable core of the learnware market: specifications, kernels, the simplex QP,
 * semantic checks, fuzzy matching, searchers and learnware packages. Web-standard APIs
 * only: it runs unchanged in Node, Deno, browsers and workers.
 *
 * @example
 * ```ts
 * import assert from "./testing/assert.ts";
 * import { fromRows, RKMETableSpecification } from "./mod.ts";
 * const X = fromRows([[0, 0], [1, 1], [2, 2], [3, 3]]);
 * const spec = RKMETableSpecification.generate(X, { K: 2, seed: 1 });
 * assert.equal(spec.z.rows, 2);
 * assert.equal(spec.dist(spec), 0);
 * ```
 * @module
 */
export { fromErrorPayload, LearnwareError, toErrorPayload, type ErrorPayload } from "./errors.ts";
export { errorBody, errorStatusTable, readErrorBody, readErrorResponse, statusForCode, type ErrorBody } from "./errorEnvelope.ts";
export { beimingwuStatus, CHECK_STATUS, CHECK_STATUSES, checkStatusCode, checkStatusName, type CheckStatusCode, type CheckStatusName } from "./checkStatus.ts";
export { fromRows, matrix, row, toRows, type Matrix } from "./matrix.ts";
export { createRng, type Rng } from "./random.ts";
export { getKernelBackend, setKernelBackend, type KernelBackend } from "./kernel/backend.ts";
export { referenceBackend } from "./kernel/reference.ts";
export { innerProduct, mmd2, type KernelMeanEmbedding } from "./kernel/mmd.ts";
export { solveSimplexQp, type QpOptions, type QpResult } from "./qp/simplexQp.ts";
export { kmeans, type KMeansOptions, type KMeansResult } from "./kmeans/kmeans.ts";
export { formatPythonFloat, type GenerateOptions, RKMETableSpecification, type StatSpecJson } from "./spec/rkmeTableSpec.ts";
export { herding } from "./spec/herding.ts";
export { parsePythonJson } from "./_internal/pythonJson.ts";
export { checkSemanticSpec, type SemanticCheckResult, type SemanticIssue } from "./semantic/checker.ts";
export { SEMANTIC_CONFIG, SEMANTIC_KEYS, semanticOptions, type SemanticOption } from "./semantic/config.ts";
export { semanticSpecSchema } from "./semantic/schema.ts";
export { semanticList, semanticString, semanticValues } from "./semantic/read.ts";
export type { SemanticSpec, ValidSemanticSpec } from "./semantic/types.ts";
export { partialRatio, ratio } from "./fuzzy/rapidfuzz.ts";
export { exactSemanticSearch, fuzzySemanticSearch, semanticSearch, type SemanticSearchResult } from "./search/semanticSearch.ts";
export { convertDistToScore, postProcessScores } from "./search/scores.ts";
export { searchStatistical, type MixtureResult, type SearchResult, type SingleResult, type StatMarketItem } from "./search/statSearch.ts";
export { type MarketEntry, search, type SearchRequest } from "./search/search.ts";
export { checkLearnwareStatic, type StaticCheckResult } from "./check/packageCheck.ts";
export * from "./package/mod.ts";
