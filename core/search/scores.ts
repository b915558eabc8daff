/**
 * Distance → score conversion of the Python market's statistical searcher, in IEEE
 * float64 and in its exact order of operations (see test/conformance/README.md, scores.json).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { convertDistToScore } from "./scores.ts";
 * // The best distance is below a tenth of the mean: it scores exactly 1.
 * const near = convertDistToScore([0.01, 0.2, 0.4]);
 * assert.equal(near.branch, "eps=min");
 * assert.deepEqual(near.scores, [1, 0.7, 0]);
 * // Distances close together: the best is scaled to 0.92 (0.9199999999999999 in float64).
 * const close = convertDistToScore([0.1, 0.2, 0.4]);
 * assert.equal(close.branch, "eps=0.92");
 * assert.ok(Math.abs(close.scores[0]! - 0.92) < 1e-12);
 * ```
 */
export type ScoreBranch = "all_equal" | "eps=min" | "eps=0.92" | "eps=0.1*mean";

export interface ScoreConversion {
  scores: number[];
  /** Which rule set the epsilon; `null` for an empty list. */
  branch: ScoreBranch | null;
}

/** Converts MMD² distances (any order) to scores in [0, 1]. */
export function convertDistToScore(dists: readonly number[]): ScoreConversion {
  const n = dists.length;
  if (n === 0) return { scores: [], branch: null };
  let lo = dists[0]!,
    hi = dists[0]!,
    sum = 0;
  for (const d of dists) {
    if (d < lo) lo = d;
    if (d > hi) hi = d;
    sum += d;
  }
  if (lo === hi) return { scores: dists.map(() => 1), branch: "all_equal" };
  const mean = sum / n;
  let eps = 0.1 * mean;
  let branch: ScoreBranch = "eps=0.1*mean";
  const top = (hi - lo) / (hi - eps);
  if (lo < eps) {
    eps = lo;
    branch = "eps=min";
  } else if (top < 0.92) {
    eps = hi - (hi - lo) / 0.92;
    branch = "eps=0.92";
  }
  const scores = dists.map((d) => {
    let s = (hi - d) / (hi - eps);
    if (s < 0.7) s = Math.min(Math.sqrt(s), 0.7);
    return s;
  });
  return { scores, branch };
}

export interface PostProcessInput {
  sortedDists: readonly number[];
  mixtureDist: number | null;
}

export interface PostProcessOutput {
  /** Scores of the kept single results (a prefix of the input). */
  scores: number[];
  /** Mixture score, or `null` when there was none or it was dropped. */
  mixtureScore: number | null;
  branch: ScoreBranch | null;
}

/**
 * The searcher's post-processing: convert (mixture appended first, so it moves min, max
 * and mean), drop the mixture when `trunc(100·mixture) == trunc(100·top single)`, keep the
 * first single and then the longest prefix scoring ≥ 0.6, and lift a lone single below 0.6
 * to 0.6, scaling the mixture score alike (capped at 1).
 */
export function postProcessScores({ sortedDists, mixtureDist }: PostProcessInput): PostProcessOutput {
  const all = mixtureDist === null ? [...sortedDists] : [...sortedDists, mixtureDist];
  const { scores: converted, branch } = convertDistToScore(all);
  let mixtureScore: number | null = null;
  let scores = converted;
  if (mixtureDist !== null) {
    mixtureScore = converted[converted.length - 1]!;
    scores = converted.slice(0, -1);
  }
  if (scores.length === 0) return { scores, mixtureScore, branch };
  if (mixtureScore !== null && Math.trunc(100 * mixtureScore) === Math.trunc(100 * scores[0]!)) {
    mixtureScore = null;
  }
  let kept = 1;
  while (kept < scores.length && scores[kept]! >= 0.6) kept++;
  scores = scores.slice(0, kept);
  if (scores.length === 1 && scores[0]! < 0.6) {
    const s = scores[0]!;
    const ratio = Math.abs(s) < 1e-5 ? 100 : 0.6 / s;
    scores[0] = 0.6;
    if (mixtureScore !== null) mixtureScore = Math.min(1, mixtureScore * ratio);
  }
  return { scores, mixtureScore, branch };
}
