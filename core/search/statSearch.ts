/**
 * The statistical searcher of the Python market (EasyStatSearcher) for table RKME specs:
 * single results ranked by MMD², the greedy / auto mixture search, and the score rules.
 * See test/conformance/README.md (search.json) for the pipeline this reproduces case for case.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { searchStatistical } from "./statSearch.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const spec = (x: number) => new RKMETableSpecification(fromRows([[x, 0]]), new Float64Array([1]), 0.1, 10);
 * const r = searchStatistical(spec(0.1), [{ id: "a", spec: spec(0) }, { id: "b", spec: spec(5) }]);
 * assert.equal(r.single[0]!.id, "a");
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { innerProductsMany, selfInnerProductsMany } from "../kernel/mmd.ts";
import { solveSimplexQp } from "../qp/simplexQp.ts";
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { postProcessScores } from "./scores.ts";

/**
 * The mixture method. As in the Python market, any other string is accepted and gives single
 * results only (conformance README, search rule 4); `unknownMethodWarning` says so.
 */
export type MixtureMethod = "greedy" | "auto" | "none" | (string & {});

/** The warning for a method other than greedy/auto/none (single results only), or null. */
export function unknownMethodWarning(method: string | undefined): string | null {
  if (method === undefined || method === "greedy" || method === "auto" || method === "none") return null;
  return `Unknown search method "${method}": single results only, no mixture (the Python market's rule; use greedy, auto or none)`;
}

export interface StatMarketItem {
  id: string;
  spec: RKMETableSpecification;
}

export interface SingleResult {
  id: string;
  score: number;
  /** MMD² between the learnware's spec and the user's (null for semantic-only results). */
  dist: number | null;
}

export interface MixtureResult {
  ids: string[];
  weights: number[];
  score: number;
  /** MMD² between the weighted mixture and the user's spec. */
  dist: number;
}

export interface SearchResult {
  single: SingleResult[];
  multiple: MixtureResult | null;
}

export interface StatSearchOptions {
  /** Mixture size limit; candidates are the first `maxSearchNum²` singles. Default 5. */
  maxSearchNum?: number;
  /** Mixture method; anything but greedy/auto gives single results only. Default "greedy". */
  method?: MixtureMethod;
  /** Precomputed `ip(spec, spec)` per market item (same code path, so results are unchanged). */
  selfInnerProducts?: ReadonlyMap<string, number>;
}

interface Mixture {
  idx: number[];
  weights: number[];
  dist: number;
}

/** Runs the statistical search of `user` over `market` (already filtered semantically). */
export function searchStatistical(user: RKMETableSpecification, market: readonly StatMarketItem[], options: StatSearchOptions = {}): SearchResult {
  const maxSearchNum = options.maxSearchNum ?? 5;
  const method = options.method ?? "greedy";
  if (!Number.isInteger(maxSearchNum) || maxSearchNum < 1) {
    throw new RangeError(`maxSearchNum must be a positive integer, got ${maxSearchNum}`);
  }
  const userSelf = user.innerProduct(user);
  if (!Number.isFinite(userSelf)) {
    throw new LearnwareError("SPEC_INVALID", "User stat spec has a non-finite self inner product (NaN or Infinity in z or beta)");
  }
  const dim = user.z.cols;
  // ip(L, user) for every learnware of the user's dimension in one batch, and ip(L, L) for
  // those without a precomputed one; the same bits as one innerProduct call each.
  const order: number[] = [];
  market.forEach((item, i) => {
    if (item.spec.z.cols === dim) order.push(i);
  });
  const cross = innerProductsMany(
    order.map((i) => market[i]!.spec),
    user,
  );
  const known = options.selfInnerProducts;
  const missing = known ? order.filter((i) => !known.has(market[i]!.id)) : order;
  const computed = selfInnerProductsMany(missing.map((i) => market[i]!.spec));
  const selfOf = new Map<number, number>();
  missing.forEach((i, t) => selfOf.set(i, computed[t]!));
  const ranked: { item: StatMarketItem; dist: number; order: number; self: number }[] = [];
  order.forEach((i, t) => {
    const item = market[i]!;
    const self = selfOf.get(i) ?? known!.get(item.id)!;
    const d = self - 2 * cross[t]! + userSelf;
    if (Number.isFinite(d)) ranked.push({ item, dist: d, order: i, self });
  });
  ranked.sort((a, b) => a.dist - b.dist || a.order - b.order);
  if (ranked.length === 0) return { single: [], multiple: null };
  const top = ranked.slice(0, maxSearchNum * maxSearchNum);
  const done = finishRanked(
    user,
    userSelf,
    ranked.map((r) => r.dist),
    top.map((r) => r.item.spec),
    top.map((r) => r.self),
    { maxSearchNum, method },
  );
  const single = done.scores.map((score, i) => ({ id: ranked[i]!.item.id, score, dist: ranked[i]!.dist }));
  const multiple =
    done.mixture === null
      ? null
      : { ids: done.mixture.idx.map((i) => ranked[i]!.item.id), weights: done.mixture.weights, score: done.mixture.score, dist: done.mixture.dist };
  return { single, multiple };
}

/** What `finishRanked` returns: kept singles' scores (a prefix of the ranking) and the mixture by rank. */
export interface RankedOutcome {
  scores: number[];
  /** The mixture by positions in the ranking (`idx[k] < maxSearchNum²`), or null. */
  mixture: { idx: number[]; weights: number[]; score: number; dist: number } | null;
}

/**
 * The part of the search after ranking: the mixture search over the first `maxSearchNum²`
 * ranked specs and the score rules over *all* ranked distances. `sortedDists` are the finite
 * MMD²s in rank order (ascending, market order on ties); `topSpecs` / `topSelfs` the first
 * `min(n, maxSearchNum²)` specs and their `ip(L, L)`. `searchStatistical` is ranking + this,
 * so a caller that ranks elsewhere (shards on worker threads) gets the same answer.
 */
export function finishRanked(
  user: RKMETableSpecification,
  userSelf: number,
  sortedDists: ArrayLike<number>,
  topSpecs: readonly RKMETableSpecification[],
  topSelfs: ArrayLike<number>,
  options: { maxSearchNum: number; method: MixtureMethod },
): RankedOutcome {
  const { maxSearchNum, method } = options;
  const n = sortedDists.length;
  if (n === 0) return { scores: [], mixture: null };
  const m = Math.min(n, maxSearchNum * maxSearchNum);
  if (topSpecs.length < m || topSelfs.length < m) {
    throw new RangeError(`finishRanked: needs the first ${m} ranked specs, got ${topSpecs.length} specs and ${topSelfs.length} self terms`);
  }
  let mixture: Mixture | null = null;
  if (sortedDists[0]! > 0 && (method === "greedy" || method === "auto")) {
    const qp = new MixtureSystem(topSpecs.slice(0, m), user, userSelf);
    for (let i = 0; i < m; i++) qp.setSelf(i, topSelfs[i]!);
    mixture = method === "greedy" ? greedyMixture(qp, maxSearchNum) : autoMixture(qp, maxSearchNum);
    if (mixture !== null && mixture.idx.length <= 1) mixture = null;
  }
  const { scores, mixtureScore } = postProcessScores({
    sortedDists: Array.from(sortedDists),
    mixtureDist: mixture?.dist ?? null,
  });
  return {
    scores,
    mixture: mixture !== null && mixtureScore !== null ? { idx: mixture.idx, weights: mixture.weights, score: mixtureScore, dist: mixture.dist } : null,
  };
}

/**
 * `K_ij = ip(spec_i, spec_j)` and `C_i = ip(user, spec_i)` over the candidates. K is filled
 * lazily: greedy rounds only read the rows of learnwares already chosen, so most of the
 * `n²` kernel blocks are never computed. Each entry is computed once, as Python does it.
 */
class MixtureSystem {
  readonly n: number;
  readonly C: Float64Array;
  private readonly k: Float64Array;
  private readonly known: Uint8Array;
  private readonly specs: readonly RKMETableSpecification[];
  readonly userSelf: number;
  constructor(specs: readonly RKMETableSpecification[], user: RKMETableSpecification, userSelf: number) {
    const n = specs.length;
    this.specs = specs;
    this.userSelf = userSelf;
    this.n = n;
    this.k = new Float64Array(n * n);
    this.known = new Uint8Array(n * n);
    this.C = new Float64Array(n);
    for (let i = 0; i < n; i++) this.C[i] = user.innerProduct(specs[i]!);
  }
  /** Seeds the diagonal with known self inner products (the same values the singles used). */
  setSelf(i: number, value: number): void {
    const at = i * this.n + i;
    this.k[at] = value;
    this.known[at] = 1;
  }
  K(i: number, j: number): number {
    const at = i * this.n + j;
    if (!this.known[at]) {
      const a = this.specs[i]!,
        b = this.specs[j]!;
      const v = a.innerProduct(b);
      this.k[at] = v;
      this.known[at] = 1;
      // With equal gammas the kernel is symmetric: ip(b, a) equals ip(a, b) up to summation
      // order, so one block serves both entries (and the QP sees an exactly symmetric K).
      if (a.gamma === b.gamma) {
        this.k[j * this.n + i] = v;
        this.known[j * this.n + i] = 1;
      }
    }
    return this.k[at]!;
  }
}

/** Solves the mixture weights over a subset; MMD² = ip(user,user) + 2·objective. */
function solveSubset(sys: MixtureSystem, idx: readonly number[]): Mixture {
  const m = idx.length;
  const K = new Float64Array(m * m);
  const C = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) K[a * m + b] = sys.K(idx[a]!, idx[b]!);
    C[a] = sys.C[idx[a]!]!;
  }
  const r = solveSimplexQp(K, C, m);
  return { idx: [...idx], weights: Array.from(r.x), dist: sys.userSelf + 2 * r.objective };
}

function greedyMixture(sys: MixtureSystem, maxSearchNum: number): Mixture | null {
  const limit = Math.min(maxSearchNum, sys.n);
  const chosen: number[] = [];
  const used = new Uint8Array(sys.n);
  let best: Mixture | null = null;
  for (let round = 0; round < limit; round++) {
    let roundBest: Mixture | null = null;
    for (let c = 0; c < sys.n; c++) {
      if (used[c]) continue;
      const trial = solveSubset(sys, [...chosen, c]);
      if (roundBest === null || trial.dist < roundBest.dist) roundBest = trial;
    }
    if (roundBest === null) break;
    if (best !== null && !(roundBest.dist <= 0.95 * best.dist)) break;
    best = roundBest;
    const added = roundBest.idx[roundBest.idx.length - 1]!;
    chosen.push(added);
    used[added] = 1;
  }
  return best;
}

function autoMixture(sys: MixtureSystem, maxSearchNum: number): Mixture | null {
  if (sys.n === 0) return null;
  const all = solveSubset(
    sys,
    Array.from({ length: sys.n }, (_, i) => i),
  );
  const order = all.idx.slice().sort((a, b) => all.weights[b]! - all.weights[a]! || a - b);
  const prefix: number[] = [];
  let cum = 0;
  for (const i of order) {
    cum += all.weights[i]!;
    if (cum <= 0.98) prefix.push(i);
    else break;
  }
  if (prefix.length <= 1) return null;
  return solveSubset(sys, prefix.slice(0, Math.min(maxSearchNum, prefix.length)));
}
