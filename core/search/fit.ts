/**
 * How well a search result fits the user's data, as an absolute number beside the market's
 * relative scores (which are kept exactly as the Python market computes them: a score says
 * how a learnware ranks among the candidates, so a 1-row query can still get "92 %").
 *
 * **Overlap** is the cosine of the two kernel mean embeddings:
 * `ip(U, L) / √(ip(U, U)·ip(L, L))`, 1 when the learnware's specification summarises the same
 * distribution as the user's, 0 when their data never meet (the MMD² of the result is
 * `ip(U,U) + ip(L,L) − 2·ip(U,L)`, so the overlap is that MMD² put against both self-terms).
 * The band: **fits** when overlap ≥ 0.85, **fits partly** when ≥ 0.4, else **does not fit**.
 * (Measured on the demo market: a sample of the learnware's own distribution 0.99; a query half
 * from that learnware's plant 0.68–0.73; a plant the data never meets 0.000; one row 0.44.)
 *
 * In a mixture, a member's **contribution** is its share of the mixture's match with the user's
 * data, `w_i·ip(U, L_i) / Σ_j w_j·ip(U, L_j)`: the weights solve a least-squares problem
 * over embeddings and may give a member a large weight that explains none of the user's data.
 * A member contributing under 5 % is flagged `negligible`.
 *
 * Warnings: a user spec that summarises fewer rows than it has points, or under 50 rows (a
 * tiny sample: any result is weak evidence); feature scales that differ by over 100× (the RBF
 * kernel then sees only the widest columns: standardise the columns first).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { matrix } from "../matrix.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { explainResult } from "./fit.ts";
 * const spec = (x: number) => new RKMETableSpecification(matrix(1, 1, new Float64Array([x])), new Float64Array([1]), 0.5, 200);
 * const e = explainResult(spec(0), { single: [{ id: "near", score: 1, dist: 0 }], multiple: null }, (id) => (id === "near" ? spec(0) : undefined));
 * assert.equal(e.single[0]!.fit!.band, "fits");
 * assert.equal(e.single[0]!.fit!.overlap, 1);
 * ```
 */
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import type { SearchResult } from "./statSearch.ts";

export type FitBand = "fits" | "fits partly" | "does not fit";

export interface Fit {
  /** Cosine of the embeddings, 0…1 (see the module doc). */
  overlap: number;
  band: FitBand;
}

export interface MemberFit {
  id: string;
  weight: number;
  /** Share of the mixture's match with the user's data (0…1). */
  contribution: number;
  overlap: number;
  negligible: boolean;
}

export interface ResultExplanation {
  /** One per single result, in the result's order (`fit` null when the spec is unavailable). */
  single: { id: string; fit: Fit | null }[];
  mixture: (Fit & { members: MemberFit[] }) | null;
  warnings: { code: "TINY_SAMPLE" | "FEATURE_SCALES"; message: string }[];
  /** What the numbers mean, for a page or a CLI to show beside them. */
  legend: string;
}

export const FITS_AT = 0.85;
export const PARTLY_AT = 0.4;
export const NEGLIGIBLE_BELOW = 0.05;
export const TINY_SAMPLE_ROWS = 50;
export const SCALE_RATIO = 100;

export const LEGEND =
  "score: relative, how a learnware ranks among the candidates searched (not how well it fits); " +
  `fit: overlap of your data's summary with the learnware's (1 = same distribution, 0 = never meet; fits ≥ ${FITS_AT}, fits partly ≥ ${PARTLY_AT}); ` +
  "mixture weight: the least-squares weight of a member; contribution: its share of the mixture's match with your data.";

export function bandOf(overlap: number): FitBand {
  return overlap >= FITS_AT ? "fits" : overlap >= PARTLY_AT ? "fits partly" : "does not fit";
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const round = (x: number) => Math.round(x * 1e4) / 1e4;

function cosine(uu: number, ll: number, ul: number): number {
  return uu > 0 && ll > 0 ? round(clamp01(ul / Math.sqrt(uu * ll))) : 0;
}

/** The absolute fit of every result item, mixture members' contributions and the warnings. */
export function explainResult(
  user: RKMETableSpecification,
  result: SearchResult,
  specOf: (id: string) => RKMETableSpecification | undefined,
): ResultExplanation {
  const uu = user.innerProduct(user);
  const cache = new Map<string, { ul: number; ll: number } | null>();
  const terms = (id: string) => {
    if (!cache.has(id)) {
      const L = specOf(id);
      cache.set(id, L && L.dim === user.dim ? { ul: user.innerProduct(L), ll: L.innerProduct(L) } : null);
    }
    return cache.get(id)!;
  };
  const single = result.single.map((s) => {
    const t = s.dist === null ? null : terms(s.id);
    if (!t) return { id: s.id, fit: null };
    const overlap = cosine(uu, t.ll, t.ul);
    return { id: s.id, fit: { overlap, band: bandOf(overlap) } };
  });
  let mixture: ResultExplanation["mixture"] = null;
  const m = result.multiple;
  if (m?.ids.every((id) => terms(id) !== null)) {
    const uls = m.ids.map((id) => terms(id)!.ul);
    const ulMix = uls.reduce((a, ul, i) => a + m.weights[i]! * ul, 0);
    // ip(M, M) from the mixture's MMD²: dist = uu + mm − 2·ulMix.
    const mm = m.dist - uu + 2 * ulMix;
    const overlap = cosine(uu, mm, ulMix);
    const members = m.ids.map((id, i) => {
      const contribution = ulMix > 0 ? round(clamp01((m.weights[i]! * uls[i]!) / ulMix)) : 0;
      return { id, weight: m.weights[i]!, contribution, overlap: cosine(uu, terms(id)!.ll, uls[i]!), negligible: contribution < NEGLIGIBLE_BELOW };
    });
    mixture = { overlap, band: bandOf(overlap), members };
  }
  return { single, mixture, warnings: specWarnings(user), legend: LEGEND };
}

/** Warnings about the user's own specification: a tiny sample, feature scales far apart. */
export function specWarnings(user: RKMETableSpecification): ResultExplanation["warnings"] {
  const out: ResultExplanation["warnings"] = [];
  const n = user.numPoints,
    k = user.z.rows;
  if (n < k || n < TINY_SAMPLE_ROWS) {
    out.push({
      code: "TINY_SAMPLE",
      message:
        n < k
          ? `Your specification summarises ${n} row${n === 1 ? "" : "s"} with ${k} points: too few rows for a reliable match; every score and fit is weak evidence.`
          : `Your specification summarises only ${n} row${n === 1 ? "" : "s"} (under ${TINY_SAMPLE_ROWS}): results are weak evidence.`,
    });
  }
  // Spread of each column over the weighted points (the spec's own view of the feature scales).
  const { rows, cols, data } = user.z;
  if (rows >= 2 && cols >= 2) {
    const spread: number[] = [];
    for (let j = 0; j < cols; j++) {
      let lo = Infinity,
        hi = -Infinity;
      for (let i = 0; i < rows; i++) {
        const v = data[i * cols + j]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      spread.push(hi - lo);
    }
    const positive = spread.filter((s) => s > 0 && Number.isFinite(s));
    if (positive.length >= 2) {
      const max = Math.max(...positive),
        min = Math.min(...positive);
      if (max / min > SCALE_RATIO) {
        const wide = spread.indexOf(max) + 1,
          narrow = spread.indexOf(min) + 1;
        out.push({
          code: "FEATURE_SCALES",
          message: `Your columns' scales differ by ${Math.round(max / min).toLocaleString("en")}× (column ${wide} spans ${max.toPrecision(3)}, column ${narrow} ${min.toPrecision(3)}): the kernel sees mostly the widest columns. Standardise the columns (or use the same units as the learnwares' data) before building the specification.`,
        });
      }
    }
  }
  return out;
}
