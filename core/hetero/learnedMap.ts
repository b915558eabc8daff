/**
 * A learned heterogeneous map (the role of the Python market's `HeteroMapTableOrganizer`,
 * trained on the market's own learnwares; no model hub): every column of every table
 * learnware gets a profile — its description's hashed character-trigram and word vector
 * (a self-contained tokenizer) and a distribution signature read from the RKME's reduced set
 * (the weighted marginal's location, spread and standardised quantiles) — and a logistic
 * model scores "same feature" for a pair of columns from the pair's name and distribution
 * similarities. It is trained on the market's columns: pairs of columns with the same
 * description in different learnwares are positives (with the name of one side hidden half
 * the time, so the model learns to recognise a renamed column by its values), other pairs
 * negatives. Retrain (`train`) as learnwares arrive.
 *
 * The map aligns a user's columns with each learnware's columns (one-to-one, greedy by
 * score, score ≥ 0.5); `conceptsFor` turns that into the concept arrays the hetero search
 * (`heteroDistance`) ranks with, so the description method (`FeatureSpace`) and this map are
 * interchangeable, the description method being the fallback when no map is trained.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { columnProfiles, LearnedHeteroMap } from "./learnedMap.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const rows = Array.from({ length: 40 }, (_, i) => [i % 7, 100 + (i % 5) * 10]);
 * const spec = RKMETableSpecification.generate(fromRows(rows), { K: 10, seed: 0 });
 * const map = new LearnedHeteroMap();
 * map.train([columnProfiles(spec, ["age", "income"]), columnProfiles(spec, ["age", "income"])]);
 * const m = map.align(columnProfiles(spec, ["age", "income"]), columnProfiles(spec, ["years", "salary"]));
 * assert.deepEqual(m, [0, 1]);
 * ```
 */
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { descriptionTokens } from "./featureSpace.ts";
import { heteroDistance, type HeteroSearchOptions, type HeteroSearchResult, rankHetero } from "./heteroSearch.ts";

const NAME_DIM = 256;
const QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9];

/** One column as the map sees it. */
export interface ColumnProfile {
  name: string;
  /** L2-normalised hashed character trigrams and words of the description. */
  nameVec: Float64Array;
  /** Weighted mean and standard deviation of the column's reduced-set values. */
  mean: number;
  std: number;
  /** Standardised weighted quantiles (shape, independent of location and scale). */
  shape: Float64Array;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) % NAME_DIM;
}

/** The self-contained tokenizer: words (the description method's) and their character trigrams. */
export function nameVector(name: string): Float64Array {
  const v = new Float64Array(NAME_DIM);
  for (const w of descriptionTokens(name)) {
    v[hash(`w:${w}`)]! += 2;
    const padded = `#${w}#`;
    for (let i = 0; i + 3 <= padded.length; i++) v[hash(padded.slice(i, i + 3))]! += 1;
  }
  let n = 0;
  for (const x of v) n += x * x;
  if (n > 0) for (let i = 0; i < NAME_DIM; i++) v[i]! /= Math.sqrt(n);
  return v;
}

/** Profiles of a table spec's columns, with their descriptions (`""` when undescribed). */
export function columnProfiles(spec: RKMETableSpecification, names: readonly string[]): ColumnProfile[] {
  const { rows, cols, data } = spec.z;
  if (names.length !== cols) throw new RangeError(`columnProfiles: ${names.length} names for ${cols} columns`);
  let bs = 0;
  const w = new Float64Array(rows);
  for (let i = 0; i < rows; i++) bs += w[i] = Math.max(0, spec.beta[i]!);
  if (bs <= 0) w.fill(1 / rows);
  else for (let i = 0; i < rows; i++) w[i]! /= bs;
  const out: ColumnProfile[] = [];
  for (let j = 0; j < cols; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += w[i]! * data[i * cols + j]!;
    let v = 0;
    for (let i = 0; i < rows; i++) v += w[i]! * (data[i * cols + j]! - mean) ** 2;
    const std = Math.sqrt(v);
    const order = Array.from({ length: rows }, (_, i) => i).sort((a, b) => data[a * cols + j]! - data[b * cols + j]!);
    const shape = new Float64Array(QUANTILES.length);
    let acc = 0,
      q = 0;
    for (const i of order) {
      acc += w[i]!;
      while (q < QUANTILES.length && acc >= QUANTILES[q]! - 1e-12) shape[q++] = std > 0 ? (data[i * cols + j]! - mean) / std : 0;
    }
    while (q < QUANTILES.length) shape[q++] = 0;
    out.push({ name: names[j]!, nameVec: nameVector(names[j]!), mean, std, shape });
  }
  return out;
}

/** Pair features: name cosine, and location, spread and shape closeness (each in [0, 1]). */
export function pairFeatures(a: ColumnProfile, b: ColumnProfile, hideName = false): number[] {
  let cos = 0;
  if (!hideName) for (let i = 0; i < NAME_DIM; i++) cos += a.nameVec[i]! * b.nameVec[i]!;
  const spread = Math.exp(-Math.abs(Math.log((a.std + 1e-9) / (b.std + 1e-9))));
  const loc = Math.exp(-Math.abs(a.mean - b.mean) / (a.std + b.std + 1e-9));
  let d = 0;
  for (let q = 0; q < a.shape.length; q++) d += Math.abs(a.shape[q]! - b.shape[q]!);
  const shape = Math.exp(-d / a.shape.length);
  const scale = Math.exp(-Math.abs(Math.log((Math.abs(a.mean) + a.std + 1e-9) / (Math.abs(b.mean) + b.std + 1e-9))));
  return [1, cos, spread, loc, shape, scale, loc * spread];
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The learned map: a logistic model over pair features, trained on the market's columns. */
export class LearnedHeteroMap {
  /** Weights of `pairFeatures` (bias first). */
  weights: number[] = [-4, 6, 1, 1, 1, 1, 1];
  /** Training pairs seen by the last `train`. */
  trainedPairs = 0;

  /** Whether the last training saw positives (columns shared by two learnwares). */
  get trained(): boolean {
    return this.trainedPairs > 0;
  }

  /**
   * Trains on the market: `tables[k]` are the column profiles of learnware k. Positives:
   * same normalised description in two learnwares (name hidden with probability ½);
   * negatives: other pairs across learnwares (subsampled to 4 per positive). Deterministic.
   */
  train(tables: readonly (readonly ColumnProfile[])[], options: { epochs?: number; rate?: number; l2?: number } = {}): void {
    const X: number[][] = [],
      y: number[] = [];
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const key = (p: ColumnProfile) => descriptionTokens(p.name).sort().join(" ");
    for (let a = 0; a < tables.length; a++)
      for (let b = a + 1; b < tables.length; b++)
        for (const ca of tables[a]!)
          for (const cb of tables[b]!) {
            const same = key(ca) !== "" && key(ca) === key(cb);
            if (same) {
              X.push(pairFeatures(ca, cb, rand() < 0.5));
              y.push(1);
            } else if (rand() < 0.25) {
              X.push(pairFeatures(ca, cb, rand() < 0.5));
              y.push(0);
            }
          }
    const positives = y.filter((v) => v === 1).length;
    if (positives === 0 || positives === y.length) {
      this.trainedPairs = 0;
      return;
    }
    // Class-balanced logistic regression by full-batch gradient descent.
    const wPos = y.length / (2 * positives),
      wNeg = y.length / (2 * (y.length - positives));
    const w = [...this.weights];
    const rate = options.rate ?? 0.5,
      l2 = options.l2 ?? 1e-3;
    for (let epoch = 0; epoch < (options.epochs ?? 300); epoch++) {
      const g = new Array(w.length).fill(0);
      for (let i = 0; i < X.length; i++) {
        const x = X[i]!;
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k]! * x[k]!;
        const err = (sigmoid(s) - y[i]!) * (y[i] === 1 ? wPos : wNeg);
        for (let k = 0; k < w.length; k++) g[k] += err * x[k]!;
      }
      for (let k = 0; k < w.length; k++) w[k]! -= rate * (g[k] / X.length + (k > 0 ? l2 * w[k]! : 0));
    }
    this.weights = w;
    this.trainedPairs = X.length;
  }

  /** Probability that two columns hold the same feature. */
  score(a: ColumnProfile, b: ColumnProfile): number {
    const x = pairFeatures(a, b);
    let s = 0;
    for (let k = 0; k < x.length; k++) s += this.weights[k]! * x[k]!;
    return sigmoid(s);
  }

  /** For each learnware column, the user column aligned with it (−1: none), one-to-one, greedy by score ≥ `minScore`. */
  align(learnware: readonly ColumnProfile[], user: readonly ColumnProfile[], minScore = 0.5): number[] {
    const pairs: { i: number; j: number; s: number }[] = [];
    learnware.forEach((a, i) =>
      user.forEach((b, j) => {
        const s = this.score(a, b);
        if (s >= minScore) pairs.push({ i, j, s });
      }),
    );
    pairs.sort((p, q) => q.s - p.s || p.i - q.i || p.j - q.j);
    const map = new Array(learnware.length).fill(-1);
    const used = new Set<number>();
    for (const p of pairs) {
      if (map[p.i] !== -1 || used.has(p.j)) continue;
      map[p.i] = p.j;
      used.add(p.j);
    }
    return map;
  }

  /**
   * The user columns feeding the market's concepts (`HeteroSpace`): each concept scored
   * against a user column by its best-scoring column among `members` (the concept's columns
   * in the market's learnwares), then one-to-one, greedy by score ≥ `minScore`.
   */
  feeds(members: ReadonlyMap<number, readonly ColumnProfile[]>, user: readonly ColumnProfile[], minScore = 0.5): Map<number, number> {
    const pairs: { c: number; j: number; s: number }[] = [];
    for (const [c, cols] of members)
      user.forEach((u, j) => {
        let s = 0;
        for (const m of cols) s = Math.max(s, this.score(m, u));
        if (s >= minScore) pairs.push({ c, j, s });
      });
    pairs.sort((p, q) => q.s - p.s || p.c - q.c || p.j - q.j);
    const feeds = new Map<number, number>();
    const used = new Set<number>();
    for (const p of pairs) {
      if (feeds.has(p.c) || used.has(p.j)) continue;
      feeds.set(p.c, p.j);
      used.add(p.j);
    }
    return feeds;
  }

  /** Concept arrays for `heteroDistance`: the learnware's columns are concepts 0…d−1, the user's their aligned column (or −1). */
  conceptsFor(learnware: readonly ColumnProfile[], user: readonly ColumnProfile[]): { lw: number[]; user: number[] } {
    const map = this.align(learnware, user);
    const u = new Array(user.length).fill(-1);
    map.forEach((j, i) => {
      if (j >= 0) u[j] = i;
    });
    return { lw: learnware.map((_, i) => i), user: u };
  }
}

/** A learnware as the learned hetero search sees it. */
export interface MappedEntry {
  id: string;
  spec: RKMETableSpecification;
  profiles: readonly ColumnProfile[];
}

/**
 * The hetero search through a learned map: each learnware's columns aligned with the user's
 * (`align`), then ranked by `heteroDistance` and scored and filtered as `HeteroMarket.search`
 * does (Python's `HeteroMapTableSearcher` rules).
 */
export function searchWithMap(
  map: LearnedHeteroMap,
  entries: readonly MappedEntry[],
  user: { spec: RKMETableSpecification; profiles: readonly ColumnProfile[] },
  options: HeteroSearchOptions = {},
): HeteroSearchResult {
  const { ranked, scores, keep } = rankHetero(
    entries.map((e, order) => {
      const c = map.conceptsFor(e.profiles, user.profiles);
      return { e, order, ...heteroDistance({ spec: e.spec, concepts: c.lw }, { spec: user.spec, concepts: c.user }, options) };
    }),
    options,
  );
  return {
    single: ranked.slice(0, keep).map((r, i) => ({ id: r.e.id, score: scores[i]!, dist: r.dist, sharedMmd2: r.sharedMmd2, columnMap: r.columnMap })),
    multiple: null,
  };
}
