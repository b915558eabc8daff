/**
 * The heterogeneous market's search (the role of the Python package's
 * `HeteroMapTableOrganizer` + `HeteroSearcher`): learnwares whose tables have different
 * columns, in a different order, are compared with a user's table through a shared
 * feature space built from the semantic `Input.Description` strings.
 *
 * Method (a deviation from Python, which trains a transformer, HeteroMap, to embed each
 * RKME point into a common space): each column is mapped to a concept of a `FeatureSpace`;
 * for a learnware L and a user U, with S the concepts both tables hold,
 *
 *     dist(L, U) = MMD²_S(L, U) + λ_L·(1 − |S|/d_L) + λ_U·(1 − |S|/d_U)
 *
 * where MMD²_S is the MMD² (L's γ) between the two RKMEs restricted to the shared columns —
 * the kernel mean embedding of a marginal is the reduced set with the other coordinates
 * dropped, so no re-generation is needed — and the penalties charge for the learnware's
 * inputs the user cannot supply (`missingPenalty`, default 0.5) and for user columns the
 * learnware ignores (`unusedPenalty`, default 0.1). No shared concept → not a candidate.
 *
 * Scores and the result filter are the Python `HeteroMapTableSearcher`'s:
 * `_convert_dist_to_score` with `dist_epsilon = 0.01`, `min_score = 0.92`, then keep at least
 * `min(5, n)` results and further ones while their score is ≥ 0.5. Single results only, as
 * that (older) Python searcher. The server's answer — singles and a mixture, as the current
 * Python `HeteroSearcher` — is `heteroSpace.ts`'s, which maps every spec into the shared space
 * and runs the statistical search; this ranking stays as a library method and a benchmark row.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { HeteroMarket } from "./heteroSearch.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const spec = (rows: number[][]) => new RKMETableSpecification(fromRows(rows), new Float64Array(rows.length).fill(1 / rows.length), 0.1, 10);
 * const m = new HeteroMarket();
 * await m.add("a", spec([[1, 2], [3, 4]]), { Dimension: 2, Description: { "0": "age", "1": "income" } });
 * const r = await m.search(spec([[2, 1], [4, 3]]), { Dimension: 2, Description: { "0": "income", "1": "age" } });
 * assert.equal(r.single[0]!.id, "a");
 * assert.ok(r.single[0]!.dist < 1e-12);
 * ```
 */
import { mmd2, type KernelMeanEmbedding } from "../kernel/mmd.ts";
import type { Matrix } from "../matrix.ts";
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { FeatureSpace, type FeatureSpaceOptions, inputDescriptions } from "./featureSpace.ts";

export interface InputDescription {
  Dimension: number;
  Description: Record<string, string>;
}

export interface HeteroEntry {
  id: string;
  spec: RKMETableSpecification;
  /** Concept of each column. */
  concepts: number[];
}

export interface HeteroSingleResult {
  id: string;
  score: number;
  dist: number;
  /** MMD² on the shared columns alone. */
  sharedMmd2: number;
  /** For each learnware column, the user column holding the same concept, or −1. */
  columnMap: number[];
}

export interface HeteroSearchResult {
  single: HeteroSingleResult[];
  multiple: null;
}

export interface HeteroSearchOptions {
  missingPenalty?: number;
  unusedPenalty?: number;
  /** Python's `min_num`. Default 5. */
  minNum?: number;
  /** Python's `filter_score`. Default 0.5. */
  filterScore?: number;
}

/**
 * For each learnware column, the user column with the same concept (first one), or −1.
 * Unmatched user columns (−1) never match.
 */
export function columnMapping(lwConcepts: readonly number[], userConcepts: readonly number[]): number[] {
  const at = new Map<number, number>();
  userConcepts.forEach((c, j) => {
    if (c >= 0 && !at.has(c)) at.set(c, j);
  });
  const used = new Set<number>();
  return lwConcepts.map((c) => {
    const j = at.get(c);
    if (j === undefined || used.has(c)) return -1;
    used.add(c);
    return j;
  });
}

function selectColumns(m: Matrix, cols: readonly number[]): Matrix {
  const k = cols.length,
    data = new Float64Array(m.rows * k);
  for (let i = 0; i < m.rows; i++) for (let t = 0; t < k; t++) data[i * k + t] = m.data[i * m.cols + cols[t]!]!;
  return { rows: m.rows, cols: k, data };
}

/** The hetero distance of a learnware to a user (see the module comment). */
export function heteroDistance(
  lw: { spec: RKMETableSpecification; concepts: readonly number[] },
  user: { spec: RKMETableSpecification; concepts: readonly number[] },
  options: HeteroSearchOptions = {},
): { dist: number; sharedMmd2: number; columnMap: number[] } {
  const map = columnMapping(lw.concepts, user.concepts);
  const lwCols: number[] = [],
    userCols: number[] = [];
  map.forEach((j, i) => {
    if (j >= 0) {
      lwCols.push(i);
      userCols.push(j);
    }
  });
  if (lwCols.length === 0) return { dist: Infinity, sharedMmd2: Infinity, columnMap: map };
  const a: KernelMeanEmbedding = { z: selectColumns(lw.spec.z, lwCols), beta: lw.spec.beta, gamma: lw.spec.gamma };
  const b: KernelMeanEmbedding = { z: selectColumns(user.spec.z, userCols), beta: user.spec.beta, gamma: user.spec.gamma };
  const shared = mmd2(a, b);
  const s = lwCols.length;
  const dist = shared + (options.missingPenalty ?? 0.5) * (1 - s / lw.spec.dim) + (options.unusedPenalty ?? 0.1) * (1 - s / user.spec.dim);
  return { dist, sharedMmd2: shared, columnMap: map };
}

/** Python `HeteroMapTableSearcher._convert_dist_to_score`. */
export function heteroDistToScore(dists: readonly number[], distEpsilon = 0.01, minScore = 0.92): number[] {
  if (dists.length === 0) return [];
  let lo = Infinity,
    hi = -Infinity;
  for (const d of dists) {
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  if (lo === hi) return dists.map(() => 1);
  const maxScore = (hi - lo) / (hi - distEpsilon);
  let eps = distEpsilon;
  if (lo < eps) eps = lo;
  else if (maxScore < minScore) eps = hi - (hi - lo) / minScore;
  return dists.map((d) => (hi - d) / (hi - eps));
}

/** The heterogeneous market: a feature space plus the mapped learnwares. */
export class HeteroMarket {
  readonly space: FeatureSpace;
  private readonly entries = new Map<string, HeteroEntry>();

  constructor(options: FeatureSpaceOptions = {}) {
    this.space = new FeatureSpace(options);
  }

  /** Adds (or replaces) a learnware: its table RKME and its semantic `Input`. */
  async add(id: string, spec: RKMETableSpecification, input: InputDescription): Promise<HeteroEntry> {
    const concepts = await this.space.addColumns(inputDescriptions(input, spec.dim));
    const e = { id, spec, concepts };
    this.entries.set(id, e);
    return e;
  }

  delete(id: string): boolean {
    return this.entries.delete(id);
  }

  get(id: string): HeteroEntry | undefined {
    return this.entries.get(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** The user's column concepts (unknown descriptions → −1). */
  async userConcepts(spec: RKMETableSpecification, input: InputDescription): Promise<number[]> {
    return this.space.lookup(inputDescriptions(input, spec.dim));
  }

  /**
   * Ranks the learnwares (optionally only `candidates`, e.g. the semantic search's matches)
   * by hetero distance to the user's RKME and `Input` descriptions.
   */
  async search(
    spec: RKMETableSpecification,
    input: InputDescription,
    options: HeteroSearchOptions & { candidates?: readonly string[] } = {},
  ): Promise<HeteroSearchResult> {
    const user = { spec, concepts: await this.userConcepts(spec, input) };
    const pool =
      options.candidates === undefined
        ? [...this.entries.values()]
        : options.candidates.flatMap((id) => {
            const e = this.entries.get(id);
            return e ? [e] : [];
          });
    const { ranked, scores, keep } = rankHetero(
      pool.map((e, order) => ({ e, order, ...heteroDistance(e, user, options) })),
      options,
    );
    return {
      single: ranked.slice(0, keep).map((r, i) => ({
        id: r.e.id,
        score: scores[i]!,
        dist: r.dist,
        sharedMmd2: r.sharedMmd2,
        columnMap: r.columnMap,
      })),
      multiple: null,
    };
  }
}

/**
 * The heterogeneous answer's cut, shared by both hetero searchers: finite distances in order
 * (ties by market order), their scores, and how many to keep (at least `minNum`, then while
 * the score stays ≥ `filterScore`).
 */
export function rankHetero<R extends { dist: number; order: number }>(
  items: R[],
  options: { minNum?: number; filterScore?: number },
): { ranked: R[]; scores: number[]; keep: number } {
  const ranked = items.filter((r) => Number.isFinite(r.dist)).sort((a, b) => a.dist - b.dist || a.order - b.order);
  const scores = heteroDistToScore(ranked.map((r) => r.dist));
  let keep = Math.min(options.minNum ?? 5, ranked.length);
  while (keep < ranked.length && scores[keep]! >= (options.filterScore ?? 0.5)) keep++;
  return { ranked, scores, keep };
}
