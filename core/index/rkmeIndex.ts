/**
 * An approximate nearest-neighbour index over RKME table specs: each spec is kept as its
 * sketch (random-Fourier mean embedding, `sketch.ts`) plus its exact `ip(spec, spec)`,
 * grouped in buckets of equal (dimension, gamma), in one contiguous f32 array per bucket.
 * A search returns the `topN` specs nearest the user's in approximate MMD²; the caller
 * re-ranks them exactly (`indexedSearch`). Small buckets are scanned in full; buckets of
 * `ivfMinSize` specs or more go through an inverted file (`ivf.ts`) and scan only the
 * lists nearest the user.
 *
 * The approximate distance is `ip(L, L) − 2⟨μ_L, μ_U⟩ + ip(U, U)` with the two self terms
 * exact and only the cross term sketched (it halves the sketch noise in the ranking, and it
 * is the right offset when the user's gamma differs from the bucket's).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { RkmeIndex } from "./rkmeIndex.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const spec = (x: number) => new RKMETableSpecification(fromRows([[x, 0]]), new Float64Array([1]), 0.1, 1);
 * const index = new RkmeIndex({ features: 128 });
 * index.add("a", spec(0));
 * index.add("b", spec(5));
 * assert.equal(index.search(spec(0.2), { topN: 1 })[0]!.id, "a");
 * const copy = RkmeIndex.deserialize(index.serialize());
 * assert.equal(copy.size, 2);
 * assert.equal(copy.search(spec(4.8), { topN: 1 })[0]!.id, "b");
 * ```
 */
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { bucketKey, createFeatureMap, type FeatureMap } from "./featureMap.ts";
import { IvfQuantizer, type IvfTrainOptions } from "./ivf.ts";
import { sketchSpec } from "./sketch.ts";
import { TopK } from "./topK.ts";
import { readSnapshot, writeSnapshot, type BucketSnapshot } from "./snapshot.ts";

export interface RkmeIndexOptions {
  /** Sketch length D (a multiple of 4). Default 256. */
  features?: number;
  /** Seed of the feature maps. Default 0. */
  seed?: number;
  /** Buckets with at least this many specs use the inverted file. Default 20 000. */
  ivfMinSize?: number;
  /** Inverted-file lists; default ⌈√n⌉ at training time. */
  ivfLists?: number;
  /**
   * Inverted-file lists a search scans at least (nearest first). Default 8: recall@1 / @5 of
   * the exact search 0.995 / 0.992 at 1M specs, 0.990 / 0.991 at 100k (`bench/results/index.md`).
   */
  probeLists?: number;
  /** Fraction of a bucket an inverted-file search scans at least. Default 0 (the lists decide). */
  probeFraction?: number;
  /** Train / retrain the inverted file automatically as buckets grow. Default true. */
  autoTrain?: boolean;
}

export interface IndexSearchOptions {
  /** Number of candidates returned. Default 100. */
  topN?: number;
  /** Only ids passing this test are returned (the semantic filter). */
  filter?: (id: string) => boolean;
  /** Overrides the index's probe fraction for this search (1 scans everything). */
  probeFraction?: number;
  /** Overrides the index's probed lists for this search. */
  probeLists?: number;
}

export interface IndexCandidate {
  id: string;
  /** Approximate MMD²(learnware, user). */
  approxDist: number;
}

/** What an index keeps per spec; enough to rebuild it without the specs. */
export interface IndexEntry {
  id: string;
  dim: number;
  gamma: number;
  /** The sketch (length = the index's `features`). */
  sketch: Float32Array;
  /** Exact `ip(spec, spec)`. */
  selfInnerProduct: number;
}

type Required2<T> = { [K in keyof T]-?: T[K] };
const DEFAULTS: Required2<Omit<RkmeIndexOptions, "ivfLists">> = {
  features: 256,
  seed: 0,
  ivfMinSize: 20000,
  probeLists: 8,
  probeFraction: 0,
  autoTrain: true,
};

/** One (dim, gamma) bucket: slots of sketches in one growable array. */
export class SketchBucket {
  readonly map: FeatureMap;
  store: Float32Array;
  selfIp: Float64Array;
  /** Insertion sequence number of each slot (market order for exact-path ties). */
  seq: Float64Array;
  ids: (string | undefined)[] = [];
  free: number[] = [];
  count = 0;
  ivf: IvfQuantizer | null = null;
  /** While a sliced training runs: the slots written or freed since it took its snapshot. */
  training: { dirty: Set<number> } | null = null;

  constructor(map: FeatureMap, capacity = 64) {
    this.map = map;
    this.store = new Float32Array(capacity * map.features);
    this.selfIp = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.selfIp.length;
  }

  /** Claims a slot, growing the arrays by doubling. */
  claim(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    const slot = this.ids.length;
    if (slot >= this.capacity) {
      const cap = Math.max(64, this.capacity * 2);
      const st = new Float32Array(cap * this.map.features);
      st.set(this.store);
      this.store = st;
      const si = new Float64Array(cap);
      si.set(this.selfIp);
      this.selfIp = si;
      const sq = new Float64Array(cap);
      sq.set(this.seq);
      this.seq = sq;
      this.ivf?.ensureCapacity(cap);
    }
    this.ids.push(undefined);
    return slot;
  }

  /** Live slots in slot order. */
  liveSlots(): Int32Array {
    const out = new Int32Array(this.count);
    let j = 0;
    for (let s = 0; s < this.ids.length; s++) if (this.ids[s] !== undefined) out[j++] = s;
    return out;
  }

  /**
   * Live slots in the order of their ids: what a training samples from, so that two processes
   * holding the same entries (added in any order) train the same lists.
   */
  slotsById(): Int32Array {
    const ids = this.ids;
    return this.liveSlots().sort((a, b) => {
      const x = ids[a]!,
        y = ids[b]!;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
}

/** A bucket's inverted file as it can be stored and installed elsewhere. */
export interface BucketCentroids {
  /** L×D unit-length centroids. */
  centroids: Float32Array;
  /** The bucket's size when they were trained (the bucket retrains at 4× that). */
  trainedSize: number;
}

export class RkmeIndex {
  readonly options: Readonly<Required2<Omit<RkmeIndexOptions, "ivfLists">>> & { ivfLists?: number };
  private readonly buckets = new Map<string, SketchBucket>();
  private readonly where = new Map<string, { bucket: SketchBucket; slot: number }>();
  private nextSeq = 0;

  constructor(options: RkmeIndexOptions = {}) {
    const o = { ...DEFAULTS, ...stripUndefined(options) };
    if (!Number.isInteger(o.features) || o.features < 4 || o.features % 4 !== 0) {
      throw new RangeError(`RkmeIndex: features must be a positive multiple of 4, got ${o.features}`);
    }
    checkProbe(o.probeFraction, o.probeLists);
    this.options = o;
  }

  /** Number of specs in the index. */
  get size(): number {
    return this.where.size;
  }

  has(id: string): boolean {
    return this.where.has(id);
  }

  /** The feature map of a (dim, gamma) bucket (created on first use). */
  featureMap(dim: number, gamma: number): FeatureMap {
    return this.bucket(dim, gamma).map;
  }

  /** The buckets' (dim, gamma, size) and whether each uses the inverted file. */
  stats(): { dim: number; gamma: number; size: number; ivfLists: number | null; bytes: number }[] {
    return [...this.buckets.values()].map((b) => ({
      dim: b.map.dim,
      gamma: b.map.gamma,
      size: b.count,
      ivfLists: b.ivf?.lists ?? null,
      bytes: b.store.byteLength + b.selfIp.byteLength + b.seq.byteLength + (b.ivf?.bytes ?? 0),
    }));
  }

  /**
   * Adds (or replaces, keeping its market position) the spec under `id`. Pass the exact
   * `ip(spec, spec)` when it is known (the store keeps it with the version) to skip computing it.
   */
  add(id: string, spec: RKMETableSpecification, selfInnerProduct?: number): void {
    const map = this.featureMap(spec.z.cols, spec.gamma);
    this.addEntry({
      id,
      dim: spec.z.cols,
      gamma: spec.gamma,
      sketch: sketchSpec(spec, map),
      selfInnerProduct: selfInnerProduct ?? spec.innerProduct(spec),
    });
  }

  /** Adds a precomputed entry (a restart from stored sketches); replaces an existing id. */
  addEntry(entry: IndexEntry): void {
    if (typeof entry.id !== "string") throw new TypeError(`RkmeIndex: id must be a string, got ${typeof entry.id}`);
    if (entry.sketch.length !== this.options.features) {
      throw new RangeError(`RkmeIndex: sketch of '${entry.id}' has length ${entry.sketch.length}, the index uses ${this.options.features}`);
    }
    const prev = this.where.get(entry.id);
    const seq = prev ? prev.bucket.seq[prev.slot]! : this.nextSeq++;
    if (prev) this.remove(entry.id);
    const b = this.bucket(entry.dim, entry.gamma);
    const slot = b.claim();
    const F = this.options.features;
    b.store.set(entry.sketch, slot * F);
    b.selfIp[slot] = entry.selfInnerProduct;
    b.seq[slot] = seq;
    b.ids[slot] = entry.id;
    b.count++;
    this.where.set(entry.id, { bucket: b, slot });
    b.training?.dirty.add(slot);
    if (b.ivf) b.ivf.insert(slot, b.store);
    if (this.options.autoTrain) this.maybeTrain(b);
  }

  /** Removes `id`; false when it was not there. */
  remove(id: string): boolean {
    const w = this.where.get(id);
    if (!w) return false;
    const { bucket: b, slot } = w;
    b.ivf?.delete(slot);
    b.training?.dirty.add(slot);
    b.ids[slot] = undefined;
    b.free.push(slot);
    b.count--;
    this.where.delete(id);
    if (b.ivf && b.count < this.options.ivfMinSize / 2) b.ivf = null;
    return true;
  }

  /** The stored entry of `id` (a copy of its sketch), for persisting it. */
  entry(id: string): IndexEntry | undefined {
    const w = this.where.get(id);
    if (!w) return undefined;
    const F = this.options.features;
    return {
      id,
      dim: w.bucket.map.dim,
      gamma: w.bucket.map.gamma,
      sketch: w.bucket.store.slice(w.slot * F, (w.slot + 1) * F),
      selfInnerProduct: w.bucket.selfIp[w.slot]!,
    };
  }

  /** Exact `ip(spec, spec)` of `id`. */
  selfInnerProduct(id: string): number | undefined {
    const w = this.where.get(id);
    return w ? w.bucket.selfIp[w.slot] : undefined;
  }

  /** Dimension of the spec stored under `id`. */
  entryDim(id: string): number | undefined {
    return this.where.get(id)?.bucket.map.dim;
  }

  /** Insertion rank of `id` (ties in an exact search break by it, as market order). */
  sequence(id: string): number | undefined {
    const w = this.where.get(id);
    return w ? w.bucket.seq[w.slot] : undefined;
  }

  /** Ids of every spec of dimension `dim` (any gamma), in insertion order. */
  idsOfDim(dim: number): string[] {
    const out: { id: string; seq: number }[] = [];
    for (const b of this.buckets.values()) {
      if (b.map.dim !== dim) continue;
      for (let s = 0; s < b.ids.length; s++) {
        const id = b.ids[s];
        if (id !== undefined) out.push({ id, seq: b.seq[s]! });
      }
    }
    return out.sort((a, b) => a.seq - b.seq).map((e) => e.id);
  }

  /** Number of specs of dimension `dim` (any gamma). */
  sizeOfDim(dim: number): number {
    let n = 0;
    for (const b of this.buckets.values()) if (b.map.dim === dim) n += b.count;
    return n;
  }

  /** (Re)trains the inverted file of every bucket at or above `ivfMinSize` specs. */
  train(): void {
    for (const b of this.buckets.values()) {
      if (b.count >= this.options.ivfMinSize) this.trainBucket(b);
      else b.ivf = null;
    }
  }

  /**
   * The `topN` specs of the user's dimension nearest the user in approximate MMD², nearest
   * first (all gammas of that dimension; each bucket sketches the user with its own map).
   */
  search(user: RKMETableSpecification, options: IndexSearchOptions = {}): IndexCandidate[] {
    const topN = options.topN ?? 100;
    if (!Number.isInteger(topN) || topN < 1) throw new RangeError(`RkmeIndex.search: topN must be a positive integer, got ${topN}`);
    const probeFraction = options.probeFraction ?? this.options.probeFraction;
    const probeLists = options.probeLists ?? this.options.probeLists;
    checkProbe(probeFraction, probeLists);
    const uu = user.innerProduct(user);
    const merged: IndexCandidate[] = [];
    for (const b of this.buckets.values()) {
      if (b.map.dim !== user.z.cols || b.count === 0) continue;
      const us = sketchSpec(user, b.map);
      const top = this.scanBucket(b, us, uu, topN, options.filter, probeFraction, probeLists);
      for (const { dist, slot } of top.sorted()) merged.push({ id: b.ids[slot]!, approxDist: dist });
    }
    merged.sort((a, b) => a.approxDist - b.approxDist);
    return merged.slice(0, topN);
  }

  /** The whole index as bytes (sketches, self terms, order, feature maps and inverted files). */
  serialize(): Uint8Array {
    const buckets: BucketSnapshot[] = [...this.buckets.values()].map((b) => {
      const live = b.liveSlots();
      const F = this.options.features;
      const sketches = new Float32Array(live.length * F);
      const selfIp = new Float64Array(live.length),
        seq = new Float64Array(live.length);
      const lists = b.ivf ? new Int32Array(live.length) : null;
      live.forEach((s, i) => {
        sketches.set(b.store.subarray(s * F, (s + 1) * F), i * F);
        selfIp[i] = b.selfIp[s]!;
        seq[i] = b.seq[s]!;
        if (lists) lists[i] = b.ivf!.listOf(s);
      });
      return {
        map: b.map,
        ids: Array.from(live, (s) => b.ids[s]!),
        sketches,
        selfIp,
        seq,
        ivf: b.ivf ? { centroids: b.ivf.centroids, trainedSize: b.ivf.trainedSize, lists: lists! } : null,
      };
    });
    return writeSnapshot({ options: this.options, nextSeq: this.nextSeq, buckets });
  }

  /** Rebuilds an index from `serialize()` bytes; searches give identical results. */
  static deserialize(bytes: Uint8Array): RkmeIndex {
    const snap = readSnapshot(bytes);
    const index = new RkmeIndex({ ...(snap.options as RkmeIndexOptions), autoTrain: false });
    const F = index.options.features;
    for (const bs of snap.buckets) {
      const b = new SketchBucket(bs.map, Math.max(64, bs.ids.length));
      index.buckets.set(bucketKey(bs.map.dim, bs.map.gamma), b);
      if (bs.ivf) b.ivf = new IvfQuantizer(F, bs.ivf.centroids, bs.ivf.trainedSize, b.capacity);
      bs.ids.forEach((id, i) => {
        const slot = b.claim();
        b.store.set(bs.sketches.subarray(i * F, (i + 1) * F), slot * F);
        b.selfIp[slot] = bs.selfIp[i]!;
        b.seq[slot] = bs.seq[i]!;
        b.ids[slot] = id;
        b.count++;
        index.where.set(id, { bucket: b, slot });
        if (b.ivf) b.ivf.insertInto(slot, bs.ivf!.lists[i]!);
      });
    }
    index.nextSeq = snap.nextSeq;
    (index.options as { autoTrain: boolean }).autoTrain = (snap.options as RkmeIndexOptions).autoTrain ?? true;
    return index;
  }

  private bucket(dim: number, gamma: number): SketchBucket {
    const key = bucketKey(dim, gamma);
    let b = this.buckets.get(key);
    if (!b) {
      b = new SketchBucket(createFeatureMap({ dim, gamma, features: this.options.features, seed: this.options.seed }));
      this.buckets.set(key, b);
    }
    return b;
  }

  private maybeTrain(b: SketchBucket): void {
    if (this.due(b)) this.trainBucket(b);
  }

  /** An inverted file is due: none at `ivfMinSize` specs, or the bucket grew 4× since training. */
  private due(b: SketchBucket): boolean {
    if (b.count < this.options.ivfMinSize || b.training !== null) return false;
    return b.ivf === null || b.count >= 4 * b.ivf.trainedSize;
  }

  /** Whether some bucket's inverted file is due (for `trainInBackground` with `autoTrain: false`). */
  needsTraining(): boolean {
    for (const b of this.buckets.values()) if (this.due(b)) return true;
    return false;
  }

  /** The (dim, gamma) buckets whose inverted file is due, with their size. */
  dueBuckets(): { dim: number; gamma: number; size: number }[] {
    return [...this.buckets.values()].filter((b) => this.due(b)).map((b) => ({ dim: b.map.dim, gamma: b.map.gamma, size: b.count }));
  }

  /** The inverted file of the (dim, gamma) bucket (null: none, or no such bucket). */
  bucketCentroids(dim: number, gamma: number): BucketCentroids | null {
    const ivf = this.buckets.get(bucketKey(dim, gamma))?.ivf;
    return ivf ? { centroids: ivf.centroids, trainedSize: ivf.trainedSize } : null;
  }

  /**
   * Trains the (dim, gamma) bucket's inverted file in slices (as `trainInBackground`, on the
   * live slots in id order), or, given `centroids`, installs those (trained by another process
   * on the same catalogue: every sketch goes to its nearest centroid, as the training would
   * have put it). Returns what was installed (null: no such bucket, or it shrank below
   * `ivfMinSize / 2` meanwhile).
   */
  async trainBucketInBackground(
    dim: number,
    gamma: number,
    opts: {
      pause?: () => Promise<void>;
      train?: (store: Float32Array, dim: number, slots: Int32Array, options: IvfTrainOptions) => Promise<{ centroids: Float32Array; lists: Int32Array }>;
      centroids?: BucketCentroids;
    } = {},
  ): Promise<BucketCentroids | null> {
    const b = this.buckets.get(bucketKey(dim, gamma));
    if (!b || b.training !== null) return null;
    const pause = opts.pause ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
    const slots = b.slotsById();
    if (slots.length === 0 && !opts.centroids) return null;
    b.training = { dirty: new Set() };
    try {
      const F = this.options.features;
      let centroids: Float32Array, lists: Int32Array, trainedSize: number;
      if (opts.centroids) {
        centroids = opts.centroids.centroids;
        trainedSize = opts.centroids.trainedSize;
        lists = await IvfQuantizer.assignLists(() => b.store, F, slots, centroids, pause);
      } else {
        ({ centroids, lists } = opts.train
          ? await opts.train(b.store, F, slots, this.ivfTrainOptions())
          : await IvfQuantizer.trainSliced(() => b.store, F, slots, this.ivfTrainOptions(), pause));
        trainedSize = slots.length;
      }
      const listOf = new Map<number, number>();
      slots.forEach((slot, i) => listOf.set(slot, lists[i]!));
      const q = new IvfQuantizer(F, centroids, trainedSize, b.capacity);
      const dirty = b.training.dirty;
      for (let slot = 0; slot < b.ids.length; slot++) {
        if (b.ids[slot] === undefined) continue;
        const l = dirty.has(slot) ? undefined : listOf.get(slot);
        if (l !== undefined) q.insertInto(slot, l);
        else q.insert(slot, b.store);
      }
      if (b.count < this.options.ivfMinSize / 2 || this.buckets.get(bucketKey(dim, gamma)) !== b) return null;
      b.ivf = q;
      return { centroids, trainedSize };
    } finally {
      b.training = null;
    }
  }

  /**
   * Trains every due bucket in slices, awaiting `pause()` between them (default: a macrotask,
   * so a server keeps answering). Searches and updates go on meanwhile against the old lists
   * (or a flat scan); the new lists are installed at the end, with the specs added, replaced or
   * removed meanwhile assigned afresh. For an index made with `autoTrain: false`.
   *
   * `train`, when given, does a bucket's training elsewhere (a worker thread: it gets a copy of
   * the sketches, the live slots and the options, and returns what `IvfQuantizer.trainLists`
   * returns); only the installation runs here.
   */
  async trainInBackground(
    pause: () => Promise<void> = () => new Promise((r) => setTimeout(r, 0)),
    train?: (store: Float32Array, dim: number, slots: Int32Array, options: IvfTrainOptions) => Promise<{ centroids: Float32Array; lists: Int32Array }>,
  ): Promise<void> {
    for (const b of [...this.buckets.values()]) {
      if (!this.due(b) || this.buckets.get(bucketKey(b.map.dim, b.map.gamma)) !== b) continue;
      await this.trainBucketInBackground(b.map.dim, b.map.gamma, { pause, ...(train ? { train } : {}) });
    }
  }

  private ivfTrainOptions(): IvfTrainOptions {
    return { ...(this.options.ivfLists !== undefined ? { lists: this.options.ivfLists } : {}), seed: this.options.seed };
  }

  private trainBucket(b: SketchBucket): void {
    b.ivf = null;
    b.ivf = IvfQuantizer.train(b.store, this.options.features, b.slotsById(), b.capacity, this.ivfTrainOptions());
  }

  private scanBucket(
    b: SketchBucket,
    us: Float32Array,
    uu: number,
    topN: number,
    filter: ((id: string) => boolean) | undefined,
    probeFraction: number,
    probeLists: number,
  ): TopK {
    const top = new TopK(topN);
    const F = this.options.features;
    const { store, selfIp, ids } = b;
    const visit = (slot: number): void => {
      const dist = selfIp[slot]! - 2 * dotAt(store, slot * F, us, F) + uu;
      if (dist < top.bound && (filter === undefined || filter(ids[slot]!))) top.push(dist, slot);
    };
    if (b.ivf === null || probeFraction >= 1) {
      for (let s = 0; s < ids.length; s++) if (ids[s] !== undefined) visit(s);
      return top;
    }
    const order = b.ivf.probeOrder(us);
    const want = Math.max(probeFraction * b.count, 16 * topN);
    let scanned = 0;
    for (let i = 0; i < order.length; i++) {
      // Enough lists and items scanned and topN found: the rest of the lists are farther.
      if (i >= probeLists && scanned >= want && top.size >= topN) break;
      const slots = b.ivf.slotsOf(order[i]!);
      for (let j = 0; j < slots.length; j++) visit(slots[j]!);
      scanned += slots.length;
    }
    return top;
  }
}

/** `⟨store[o, o + F), u⟩`, four partial sums (a top-level function keeps V8's optimisation stable). */
function dotAt(store: Float32Array, o: number, u: Float32Array, F: number): number {
  let d0 = 0,
    d1 = 0,
    d2 = 0,
    d3 = 0;
  for (let k = 0; k < F; k += 4) {
    d0 += store[o + k]! * u[k]!;
    d1 += store[o + k + 1]! * u[k + 1]!;
    d2 += store[o + k + 2]! * u[k + 2]!;
    d3 += store[o + k + 3]! * u[k + 3]!;
  }
  return d0 + d1 + d2 + d3;
}

function checkProbe(fraction: number, lists: number): void {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`RkmeIndex: probeFraction must be in [0, 1], got ${fraction}`);
  if (!(Number.isInteger(lists) && lists >= 1)) throw new RangeError(`RkmeIndex: probeLists must be a positive integer, got ${lists}`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
