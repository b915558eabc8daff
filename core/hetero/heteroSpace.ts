/**
 * The shared specification space of the heterogeneous market and its search with mixtures,
 * as the Python market's `HeteroSearcher` does it: every table learnware's RKME is mapped
 * into one space, the user's RKME is mapped too, and the market's ordinary statistical
 * search (`core/search/statSearch.ts`: singles ranked by MMD², the greedy / auto mixture,
 * the score rules) runs over the mapped specs — so a heterogeneous answer has singles
 * *and* a mixture, with Python's semantics case for case.
 *
 * The space (a deviation from Python, whose HeteroMap transformer embeds each RKME point):
 * one coordinate per feature concept of the market (`FeatureSpace` concepts, from the
 * column descriptions). A learnware's reduced-set point becomes a point of the space: its
 * columns standardised by the concept's market-wide moments (the mean over the learnwares
 * holding the concept of their β-weighted marginal moments), 0 — the concept's market
 * mean — where it holds no column of that concept. The user's point is built alike from
 * the user columns that *feed* each concept (the description method: the column whose
 * description matches; the learned map: the column it scores ≥ 0.5 with the concept's
 * columns). Coordinates no pool learnware holds and the user does not feed are 0 for all
 * and drop out exactly; a user column no concept takes is left out. The RBF bandwidth is
 * `γ = 1/(2·u)` with u the user's fed coordinates (kernel e⁻¹ at the mean distance of two
 * independent standardised points).
 *
 * Only learnwares sharing at least one concept with the user are candidates (the role of
 * Python's dimension filter). A learnware lacking a user feature, or holding one the user
 * lacks, differs from the user on that coordinate — which is what makes a mixture of
 * learnwares that each cover part of the user's columns closer than either alone.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { HeteroSpace, searchHeteroSpace } from "./heteroSpace.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const spec = (rows: number[][]) => new RKMETableSpecification(fromRows(rows), new Float64Array(rows.length).fill(1 / rows.length), 0.1, 10);
 * const a = { id: "a", spec: spec([[1, 2], [3, 5]]), concepts: [0, 1] };
 * const b = { id: "b", spec: spec([[9], [7]]), concepts: [2] };
 * const space = new HeteroSpace([a, b]);
 * // The user holds concepts 1 and 0 (in another column order): only `a` shares any.
 * const r = searchHeteroSpace(space, [a, b], { spec: spec([[2, 1], [5, 3]]), feeds: new Map([[1, 0], [0, 1]]) });
 * assert.deepEqual(r.single.map((s) => s.id), ["a"]);
 * assert.deepEqual(r.single[0]!.columnMap, [1, 0]);
 * assert.ok(r.single[0]!.dist! < 1e-12);
 * ```
 */
import type { Matrix } from "../matrix.ts";
import { explainResult, LEGEND, type ResultExplanation, specWarnings } from "../search/fit.ts";
import { type MixtureMethod, searchStatistical } from "../search/statSearch.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";

/** A table learnware as the space sees it: its RKME and the concept of each column (−1: none). */
export interface SpaceEntry {
  id: string;
  spec: RKMETableSpecification;
  concepts: readonly number[];
}

/** The user: the RKME and, per concept, the user column feeding it. */
export interface SpaceUser {
  spec: RKMETableSpecification;
  feeds: ReadonlyMap<number, number>;
}

export interface HeteroSpaceSingle {
  id: string;
  score: number;
  dist: number;
  /** For each learnware column, the user column feeding it (−1: imputed on reuse). */
  columnMap: number[];
}

export interface HeteroSpaceMixture {
  ids: string[];
  weights: number[];
  score: number;
  dist: number;
  /** Per member (in `ids` order): for each of its columns the user column feeding it, or −1. */
  columnMaps: number[][];
}

export interface HeteroSpaceResult {
  single: HeteroSpaceSingle[];
  multiple: HeteroSpaceMixture | null;
  /**
   * How well each result fits, measured where it was ranked (the shared space): the same
   * overlap and bands as a homogeneous answer's (`core/search/fit.ts`), with the warnings
   * about the user's own spec (in the user's columns).
   */
  fit: ResultExplanation;
}

export interface HeteroSpaceSearchOptions {
  /** As the homogeneous search: mixture size limit (default 5). */
  maxSearchNum?: number;
  /** greedy (default), auto, or anything else for singles only. */
  method?: MixtureMethod;
}

/** β-weighted mean and standard deviation of each column of a reduced set. */
function marginalMoments(spec: RKMETableSpecification): { mean: Float64Array; sd: Float64Array } {
  const { rows, cols, data } = spec.z;
  const w = new Float64Array(rows);
  let s = 0;
  for (let i = 0; i < rows; i++) s += w[i] = Math.max(0, spec.beta[i]!);
  if (s <= 0) w.fill(1 / rows);
  else for (let i = 0; i < rows; i++) w[i]! /= s;
  const mean = new Float64Array(cols),
    sd = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j]! += w[i]! * data[i * cols + j]!;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) sd[j]! += w[i]! * (data[i * cols + j]! - mean[j]!) ** 2;
  for (let j = 0; j < cols; j++) sd[j] = Math.sqrt(sd[j]!);
  return { mean, sd };
}

/** The market's concept coordinates: each concept's market-wide location and scale. */
export class HeteroSpace {
  private readonly stats = new Map<number, { mean: number; sd: number }>();

  /** Pools every entry's marginal moments per concept (the entries define the space; the user does not). */
  constructor(entries: Iterable<SpaceEntry>) {
    const acc = new Map<number, { n: number; m1: number; m2: number }>();
    for (const e of entries) {
      if (e.concepts.length !== e.spec.dim) throw new RangeError(`Learnware ${e.id}: ${e.concepts.length} concepts for ${e.spec.dim} columns`);
      const { mean, sd } = marginalMoments(e.spec);
      e.concepts.forEach((c, j) => {
        if (c < 0) return;
        const a = acc.get(c) ?? { n: 0, m1: 0, m2: 0 };
        a.n++;
        a.m1 += mean[j]!;
        a.m2 += sd[j]! ** 2 + mean[j]! ** 2;
        acc.set(c, a);
      });
    }
    for (const [c, a] of acc) {
      const mean = a.m1 / a.n;
      const v = a.m2 / a.n - mean * mean;
      this.stats.set(c, { mean, sd: v > 1e-24 ? Math.sqrt(v) : 1 });
    }
  }

  /** Whether a learnware holds the concept (`stats` of a concept no entry holds: location 0, scale 1). */
  has(concept: number): boolean {
    return this.stats.has(concept);
  }

  /** The concept's location and scale. */
  moments(concept: number): { mean: number; sd: number } {
    return this.stats.get(concept) ?? { mean: 0, sd: 1 };
  }

  /** A reduced set mapped onto the coordinates `dims`: `source[k]` is the column feeding `dims[k]`, or −1 (0 there). */
  mapPoints(z: Matrix, dims: readonly number[], source: readonly number[]): Matrix {
    const D = dims.length,
      out = new Float64Array(z.rows * D);
    for (let k = 0; k < D; k++) {
      const j = source[k]!;
      if (j < 0) continue;
      const { mean, sd } = this.moments(dims[k]!);
      for (let i = 0; i < z.rows; i++) out[i * D + k] = (z.data[i * z.cols + j]! - mean) / sd;
    }
    return { rows: z.rows, cols: D, data: out };
  }
}

/** For each learnware column, the user column feeding its concept (−1: none). */
export function columnMapOf(concepts: readonly number[], feeds: ReadonlyMap<number, number>): number[] {
  return concepts.map((c) => (c >= 0 ? (feeds.get(c) ?? -1) : -1));
}

/** The user's feeds from per-column concepts (the description method): the first user column of each concept. */
export function feedsFromConcepts(userConcepts: readonly number[]): Map<number, number> {
  const feeds = new Map<number, number>();
  userConcepts.forEach((c, j) => {
    if (c >= 0 && !feeds.has(c)) feeds.set(c, j);
  });
  return feeds;
}

/**
 * The heterogeneous search with mixtures: the candidates of `pool` (learnwares sharing a
 * concept with the user) and the user mapped into `space`, then `searchStatistical` over the
 * mapped specs. Singles and mixture members carry their column maps for reuse.
 */
export function searchHeteroSpace(space: HeteroSpace, pool: readonly SpaceEntry[], user: SpaceUser, options: HeteroSpaceSearchOptions = {}): HeteroSpaceResult {
  for (const [c, j] of user.feeds) {
    if (!Number.isInteger(j) || j < 0 || j >= user.spec.dim)
      throw new RangeError(`Concept ${c} is fed by user column ${j}, but the user has ${user.spec.dim} columns`);
  }
  const candidates = pool.filter((e) => e.concepts.some((c) => c >= 0 && user.feeds.has(c)));
  if (candidates.length === 0 || user.feeds.size === 0)
    return { single: [], multiple: null, fit: { single: [], mixture: null, warnings: specWarnings(user.spec), legend: LEGEND } };
  // Coordinates: the user's concepts in user column order, then the candidates' others ascending.
  const userDims = [...user.feeds.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([c]) => c);
  const fed = new Set(userDims);
  const others = new Set<number>();
  for (const e of candidates) for (const c of e.concepts) if (c >= 0 && !fed.has(c)) others.add(c);
  const dims = [...userDims, ...[...others].sort((a, b) => a - b)];
  const gamma = 1 / (2 * userDims.length);
  const mapped = (spec: RKMETableSpecification, source: number[]) =>
    new RKMETableSpecification(space.mapPoints(spec.z, dims, source), spec.beta, gamma, spec.numPoints);
  const userSpec = mapped(
    user.spec,
    dims.map((c) => user.feeds.get(c) ?? -1),
  );
  const maps = new Map<string, number[]>();
  const market = candidates.map((e) => {
    const at = new Map<number, number>();
    e.concepts.forEach((c, j) => {
      if (c >= 0 && !at.has(c)) at.set(c, j);
    });
    maps.set(e.id, columnMapOf(e.concepts, user.feeds));
    return {
      id: e.id,
      spec: mapped(
        e.spec,
        dims.map((c) => at.get(c) ?? -1),
      ),
    };
  });
  const r = searchStatistical(userSpec, market, {
    ...(options.maxSearchNum !== undefined ? { maxSearchNum: options.maxSearchNum } : {}),
    ...(options.method !== undefined ? { method: options.method } : {}),
  });
  const mappedOf = new Map(market.map((m) => [m.id, m.spec]));
  const fit = explainResult(userSpec, r, (id) => mappedOf.get(id));
  return {
    single: r.single.map((s) => ({ id: s.id, score: s.score, dist: s.dist!, columnMap: maps.get(s.id)! })),
    multiple: r.multiple === null ? null : { ...r.multiple, columnMaps: r.multiple.ids.map((id) => maps.get(id)!) },
    fit: { ...fit, warnings: specWarnings(user.spec) },
  };
}
