/**
 * From a search result to one predictor: the glue the CLI (`lw reuse`) and the model
 * service (a "served mixture" endpoint) call.
 *
 * A `ReuseDescriptor` is plain JSON (what a service stores for a mixture endpoint); it is
 * built from a `SearchResult` by `describeReuse` and turned into a live reuser by
 * `buildReuser`, given a loader that returns a `Learnware` (anything with `predict`) by id.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { buildReuser, describeReuse } from "./fromSearchResult.ts";
 * import { fromRows } from "../matrix.ts";
 * const d = describeReuse({ single: [{ id: "a", score: 1, dist: 0 }], multiple: null });
 * assert.equal(d.kind, "single");
 * assert.equal(d.ids[0], "a");
 * const r = await buildReuser(d, async (id) => ({ id, predict: async (X) => X }));
 * assert.equal((await r.predict(fromRows([[7]]))).data[0], 7);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import type { SearchResult } from "../search/statSearch.ts";
import { type AveragingMode, AveragingReuser } from "./averaging.ts";
import { EnsemblePruningReuser } from "./ensemblePruning.ts";
import { FeatureAugmentReuser } from "./featureAugment.ts";
import { JobSelectorReuser, type JobSelectorOptions } from "./jobSelector.ts";
import type { Learnware, Predictor, TaskMode } from "./types.ts";

export type ReuserKind = "single" | "job_selector" | "averaging" | "ensemble_pruning" | "feature_augment";

/** A serialisable recipe for a reuser over stored learnwares. */
export interface ReuseDescriptor {
  kind: ReuserKind;
  ids: string[];
  /** Mixture weights from the search (used by `averaging` as per-learnware weights). */
  weights?: number[];
  /** averaging: mean | vote_by_label | vote_by_prob; pruning / augment: classification | regression. */
  mode?: AveragingMode | TaskMode;
  /** JobSelector options (herdingNum, selector, k, seed). */
  jobSelector?: Omit<JobSelectorOptions, "selector"> & { selector?: "knn" | "logistic" };
}

export interface DescribeOptions {
  /** The reuser for a mixture result. Default `"job_selector"` (the Python examples' choice). */
  kind?: Exclude<ReuserKind, "single">;
  mode?: AveragingMode | TaskMode;
  /** Use the top `topK` single results when there is no mixture (default 1 → `single`). */
  topK?: number;
}

/** Chooses the learnwares and the reuser from a search result. */
export function describeReuse(result: SearchResult, options: DescribeOptions = {}): ReuseDescriptor {
  const kind = options.kind ?? "job_selector";
  const mode = options.mode !== undefined ? { mode: options.mode } : {};
  if (result.multiple !== null && result.multiple.ids.length > 1) {
    return { kind, ids: [...result.multiple.ids], weights: [...result.multiple.weights], ...mode };
  }
  const topK = Math.max(1, options.topK ?? 1);
  const ids = result.single.slice(0, topK).map((s) => s.id);
  if (ids.length === 0) throw new LearnwareError("SEARCH_EMPTY", "The search result holds no learnware to reuse");
  return ids.length === 1 ? { kind: "single", ids } : { kind, ids, ...mode };
}

/** Loads the learnwares and builds the reuser a descriptor names. */
export async function buildReuser(
  d: ReuseDescriptor,
  load: (id: string) => Promise<Learnware>,
): Promise<Predictor & { fit?: (X: Matrix, y: Matrix) => Promise<void>; learnwares: readonly Learnware[] }> {
  if (!Array.isArray(d.ids) || d.ids.length === 0) throw new RangeError("ReuseDescriptor.ids must name at least one learnware");
  const lws = await Promise.all(d.ids.map(load));
  switch (d.kind) {
    case "single": {
      const l = lws[0]!;
      return { learnwares: lws, predict: (X: Matrix) => l.predict(X) };
    }
    case "averaging":
      return new AveragingReuser(lws, (d.mode as AveragingMode | undefined) ?? "mean", d.weights);
    case "job_selector":
      return new JobSelectorReuser(lws, d.jobSelector ?? {});
    case "ensemble_pruning":
      return new EnsemblePruningReuser(lws, (d.mode as TaskMode | undefined) ?? "classification");
    case "feature_augment":
      return new FeatureAugmentReuser(lws, (d.mode as TaskMode | undefined) ?? "classification");
    default:
      throw new RangeError(`Unknown reuser kind ${JSON.stringify((d as { kind: unknown }).kind)}`);
  }
}

/** One call: search result + loader → a ready predictor. */
export async function reuserFromSearchResult(result: SearchResult, load: (id: string) => Promise<Learnware>, options: DescribeOptions = {}) {
  return buildReuser(describeReuse(result, options), load);
}
