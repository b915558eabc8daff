/**
 * A market's table specs packed into four flat arrays (they may live in `SharedArrayBuffer`s,
 * so worker threads read one copy), and the exact statistical search over a list of their
 * slots: the same answer as `searchStatistical` over the same specs in the same order,
 * split so that shards of the scan can run on different threads.
 *
 * Slot `s` holds `meta[4s..4s+3] = [zStart, rows, cols, gamma]`: its `rows·cols` point
 * coordinates (row-major) at `z[zStart...]`, its `rows` weights at `beta[betaStart[s]...]`,
 * and `self[s] = ip(L, L)`.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { packSpecs, searchPacked } from "./packedMarket.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const spec = (x: number) => new RKMETableSpecification(fromRows([[x, 0]]), new Float64Array([1]), 0.1, 10);
 * const packed = packSpecs([spec(0), spec(5)]);
 * const r = searchPacked(spec(0.1), packed, Int32Array.from([0, 1]));
 * assert.equal(r.order[0], 0);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { innerProductsMany, selfInnerProductsMany } from "../kernel/mmd.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { finishRanked, type MixtureMethod } from "./statSearch.ts";

/** Flat storage of many table specs (see the module doc for the layout). */
export interface PackedSpecs {
  /** Point coordinates; slot s's `rows·cols` values start at `meta[4s]`. */
  readonly z: Float64Array;
  /** Point weights; slot s's `rows` weights start at `pointStart(s)`. */
  readonly beta: Float64Array;
  /** Per slot: [value offset into z, rows, cols, gamma]. */
  readonly meta: Float64Array;
  /** Per slot: `ip(L, L)`. */
  readonly self: Float64Array;
  /** Point offset into `beta` per slot. */
  readonly betaStart: Float64Array;
}

/** The spec in slot `s`, as views over the packed arrays (no copy). */
export function packedSpec(p: PackedSpecs, s: number): RKMETableSpecification {
  const at = 4 * s;
  const z0 = p.meta[at]!,
    rows = p.meta[at + 1]!,
    cols = p.meta[at + 2]!,
    gamma = p.meta[at + 3]!;
  if (!(rows >= 1)) throw new RangeError(`packedSpec: slot ${s} is empty`);
  const b0 = p.betaStart[s]!;
  return new RKMETableSpecification({ rows, cols, data: p.z.subarray(z0, z0 + rows * cols) }, p.beta.subarray(b0, b0 + rows), gamma, 0);
}

/** Packs specs into fresh (non-shared) arrays, slot i = specs[i], self terms computed. */
export function packSpecs(specs: readonly RKMETableSpecification[]): PackedSpecs {
  let values = 0,
    points = 0;
  for (const s of specs) {
    values += s.z.data.length;
    points += s.z.rows;
  }
  const z = new Float64Array(values),
    beta = new Float64Array(points);
  const meta = new Float64Array(4 * specs.length),
    betaStart = new Float64Array(specs.length);
  let v = 0,
    q = 0;
  specs.forEach((s, i) => {
    z.set(s.z.data, v);
    beta.set(s.beta, q);
    meta.set([v, s.z.rows, s.z.cols, s.gamma], 4 * i);
    betaStart[i] = q;
    v += s.z.data.length;
    q += s.z.rows;
  });
  return { z, beta, meta, betaStart, self: selfInnerProductsMany(specs) };
}

/** A user spec as plain arrays (what crosses a thread boundary). */
export interface UserSpecData {
  z: Float64Array;
  rows: number;
  cols: number;
  beta: Float64Array;
  gamma: number;
  numPoints: number;
}

export function userSpecData(u: RKMETableSpecification): UserSpecData {
  return { z: u.z.data, rows: u.z.rows, cols: u.z.cols, beta: u.beta, gamma: u.gamma, numPoints: u.numPoints };
}

export function userSpecOf(d: UserSpecData): RKMETableSpecification {
  return new RKMETableSpecification({ rows: d.rows, cols: d.cols, data: d.z }, d.beta, d.gamma, d.numPoints);
}

/** `ip(user, user)`, refusing a non-finite one as `searchStatistical` does. */
export function userSelfOf(user: RKMETableSpecification): number {
  const userSelf = user.innerProduct(user);
  if (!Number.isFinite(userSelf)) {
    throw new LearnwareError("SPEC_INVALID", "User stat spec has a non-finite self inner product (NaN or Infinity in z or beta)");
  }
  return userSelf;
}

/**
 * MMD² `ip(L, L) − 2·ip(L, user) + ip(user, user)` of the slots `slots[from..to)` (the
 * same bits as `searchStatistical`'s, whatever the shard boundaries: each spec's sum is
 * computed alone). Non-finite distances stay in the output; the ranking drops them.
 */
export function scanPacked(user: RKMETableSpecification, p: PackedSpecs, slots: Int32Array, from = 0, to = slots.length): Float64Array {
  const userSelf = userSelfOf(user);
  const specs: RKMETableSpecification[] = [];
  for (let t = from; t < to; t++) {
    const s = slots[t]!;
    if (p.meta[4 * s + 2] !== user.z.cols) throw new RangeError(`scanPacked: slot ${s} has dimension ${p.meta[4 * s + 2]}, the user's is ${user.z.cols}`);
    specs.push(packedSpec(p, s));
  }
  const cross = innerProductsMany(specs, user);
  const out = new Float64Array(to - from);
  for (let t = 0; t < out.length; t++) out[t] = p.self[slots[from + t]!]! - 2 * cross[t]! + userSelf;
  return out;
}

/** The answer over a slot list: ranking by positions in `slots`, kept singles' scores, the mixture. */
export interface PackedSearchResult {
  /** Positions into `slots` of the kept singles, best first. */
  order: Int32Array;
  /** The kept singles' MMD², in `order`. */
  dists: Float64Array;
  scores: Float64Array;
  /** The mixture by positions into `slots`, or null. */
  mixture: { positions: number[]; weights: number[]; score: number; dist: number } | null;
  /** Finite distances ranked (the market the scores were converted over). */
  ranked: number;
}

/**
 * Ranks precomputed distances (`dists[t]` of `slots[t]`, market order), then the mixture and
 * scores as `searchStatistical` does: ties break by market order, non-finite distances drop.
 */
export function finishPacked(
  user: RKMETableSpecification,
  p: PackedSpecs,
  slots: Int32Array,
  dists: Float64Array,
  options: { maxSearchNum?: number; method?: MixtureMethod } = {},
): PackedSearchResult {
  const maxSearchNum = options.maxSearchNum ?? 5;
  const method = options.method ?? "greedy";
  if (!Number.isInteger(maxSearchNum) || maxSearchNum < 1) {
    throw new RangeError(`maxSearchNum must be a positive integer, got ${maxSearchNum}`);
  }
  if (dists.length !== slots.length) throw new RangeError(`finishPacked: ${dists.length} distances for ${slots.length} slots`);
  const userSelf = userSelfOf(user);
  let n = 0;
  const pos = new Int32Array(slots.length);
  for (let t = 0; t < dists.length; t++) if (Number.isFinite(dists[t]!)) pos[n++] = t;
  const ranked = pos.subarray(0, n).sort((a, b) => dists[a]! - dists[b]! || a - b);
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = dists[ranked[i]!]!;
  const m = Math.min(n, maxSearchNum * maxSearchNum);
  const top: RKMETableSpecification[] = [],
    topSelf = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const s = slots[ranked[i]!]!;
    top.push(packedSpec(p, s));
    topSelf[i] = p.self[s]!;
  }
  const done = finishRanked(user, userSelf, sorted, top, topSelf, { maxSearchNum, method });
  const k = done.scores.length;
  return {
    order: ranked.slice(0, k),
    dists: sorted.slice(0, k),
    scores: Float64Array.from(done.scores),
    mixture:
      done.mixture === null
        ? null
        : { positions: done.mixture.idx.map((i) => ranked[i]!), weights: done.mixture.weights, score: done.mixture.score, dist: done.mixture.dist },
    ranked: n,
  };
}

/** Scan and finish in one call (one thread). */
export function searchPacked(
  user: RKMETableSpecification,
  p: PackedSpecs,
  slots: Int32Array,
  options: { maxSearchNum?: number; method?: MixtureMethod } = {},
): PackedSearchResult {
  return finishPacked(user, p, slots, scanPacked(user, p, slots), options);
}
