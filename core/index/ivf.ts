/**
 * The inverted-file coarse quantiser of a sketch bucket: spherical k-means centroids (unit
 * directions in the full sketch space), one list of slots per centroid. A sketch belongs to
 * the centroid of largest inner product; a search scans the lists in order of their
 * centroid's inner product with the user's sketch, which is where a clustered market's near
 * neighbours live.
 *
 * Why directions and not plain k-means: RKME sketches of unrelated tasks are nearly
 * orthogonal, and a broad spec (small `ip(L, L)`) has a short sketch. Euclidean k-means then
 * grows "hub" centroids near the origin that collect short sketches of every task (lists of
 * 1 to 10 000 at 100k specs), and a projection to a few principal directions keeps too
 * little of a thousand-task market. Clustering directions gives balanced lists that follow
 * the tasks: at 100k specs, 2 probed lists of 317 held the exact nearest spec for 99 % of the
 * users (`bench/index/run.ts`).
 *
 * Inserts and deletes keep the lists exact (O(L·D) per insert, O(1) per delete); the index
 * retrains when a bucket has grown 4× since its last training.
 */
import { getKernelBackend } from "../kernel/backend.ts";
import { createRng, type Rng } from "../random.ts";

export interface IvfTrainOptions {
  /** Number of lists; default ⌈√n⌉ (at least 16). */
  lists?: number;
  /** Spherical k-means iterations. Default 10. */
  iterations?: number;
  seed?: number;
}

export class IvfQuantizer {
  /** Sketch length D. */
  readonly dim: number;
  /** L×D unit-length centroids. */
  readonly centroids: Float32Array;
  readonly lists: number;
  /** Live slots of each list (first `listLen[l]` entries used). */
  private listSlots: Int32Array[];
  readonly listLen: Int32Array;
  /** List of each slot (−1: none) and its position in that list. */
  private slotList: Int32Array;
  private slotPos: Int32Array;
  /** Number of items when trained. */
  readonly trainedSize: number;

  constructor(dim: number, centroids: Float32Array, trainedSize: number, capacity: number) {
    if (centroids.length === 0 || centroids.length % dim !== 0) {
      throw new RangeError(`IvfQuantizer: ${centroids.length} centroid values are not a whole number of ${dim}-long rows`);
    }
    this.dim = dim;
    this.centroids = centroids;
    this.lists = centroids.length / dim;
    this.listSlots = Array.from({ length: this.lists }, () => new Int32Array(16));
    this.listLen = new Int32Array(this.lists);
    this.slotList = new Int32Array(capacity).fill(-1);
    this.slotPos = new Int32Array(capacity);
    this.trainedSize = trainedSize;
  }

  /** Trains on the sketches of `slots` (rows of `store`, `dim` wide) and inserts them all. */
  static train(store: Float32Array, dim: number, slots: Int32Array, capacity: number, options: IvfTrainOptions = {}): IvfQuantizer {
    const steps = trainSteps(() => store, dim, slots, options);
    let r = steps.next();
    while (!r.done) r = steps.next();
    const q = new IvfQuantizer(dim, r.value.centroids, slots.length, capacity);
    for (let i = 0; i < slots.length; i++) q.insertInto(slots[i]!, r.value.lists[i]!);
    return q;
  }

  /**
   * The same training in slices of about a thousand sketches, awaiting `pause()` between them
   * (the event loop serves requests meanwhile). `store()` is read afresh for every slice (the
   * owner may grow it); returns the centroids and each of `slots`' list, for the owner to
   * install against what changed meanwhile.
   */
  static async trainSliced(
    store: () => Float32Array,
    dim: number,
    slots: Int32Array,
    options: IvfTrainOptions,
    pause: () => Promise<void>,
  ): Promise<{ centroids: Float32Array; lists: Int32Array }> {
    const steps = trainSteps(store, dim, slots, options);
    let r = steps.next();
    while (!r.done) {
      await pause();
      r = steps.next();
    }
    return r.value;
  }

  /**
   * The same training in one call, returning what `trainSliced` returns (for a worker thread,
   * where nothing else waits: the owner installs the result as after `trainSliced`).
   */
  static trainLists(store: Float32Array, dim: number, slots: Int32Array, options: IvfTrainOptions): { centroids: Float32Array; lists: Int32Array } {
    const steps = trainSteps(() => store, dim, slots, options);
    let r = steps.next();
    while (!r.done) r = steps.next();
    return r.value;
  }

  /** Grows the per-slot tables to `capacity` slots. */
  ensureCapacity(capacity: number): void {
    if (capacity <= this.slotList.length) return;
    const sl = new Int32Array(capacity).fill(-1);
    sl.set(this.slotList);
    const sp = new Int32Array(capacity);
    sp.set(this.slotPos);
    this.slotList = sl;
    this.slotPos = sp;
  }

  /**
   * The list a sketch belongs to: the centroid nearest its direction, computed exactly as the
   * training assigns its lists (`assignLists`), so a sketch lands in the same list whether it
   * was there at training, inserted afterwards, or assigned by a replica that loaded the
   * centroids — a pure function of the sketch and the centroids.
   */
  assign(store: Float32Array, offset: number): number {
    const { dim, lists } = this;
    if (this.#scratch === null) {
      this.#scratch = { C: Float64Array.from(this.centroids), row: new Float64Array(dim), dist: new Float64Array(lists), best: new Int32Array(1) };
    }
    const { C, row, dist, best } = this.#scratch;
    unitRow(store, offset, dim, row, 0);
    nearestRows(row, 1, C, lists, dim, dist, best);
    return best[0]!;
  }

  #scratch: { C: Float64Array; row: Float64Array; dist: Float64Array; best: Int32Array } | null = null;

  /**
   * The list of each of `slots` (rows of `store`, `dim` wide) for these centroids, in slices
   * of about a thousand sketches with `pause()` between them: what the training returns as
   * `lists`, for a process that loads centroids trained elsewhere (one shared catalogue).
   */
  static async assignLists(
    store: () => Float32Array,
    dim: number,
    slots: Int32Array,
    centroids: Float32Array,
    pause: () => Promise<void>,
  ): Promise<Int32Array> {
    if (centroids.length === 0 || centroids.length % dim !== 0) {
      throw new RangeError(`IvfQuantizer: ${centroids.length} centroid values are not a whole number of ${dim}-long rows`);
    }
    const steps = assignSteps(store, dim, slots, centroids);
    let r = steps.next();
    while (!r.done) {
      await pause();
      r = steps.next();
    }
    return r.value;
  }

  /** Puts `slot` (its sketch at `slot·dim` of `store`) into its list. */
  insert(slot: number, store: Float32Array): void {
    this.insertInto(slot, this.assign(store, slot * this.dim));
  }

  /** Puts `slot` into list `l` (as stored in a snapshot). */
  insertInto(slot: number, l: number): void {
    if (!(l >= 0 && l < this.lists)) throw new RangeError(`IvfQuantizer: list ${l} is out of range (0..${this.lists - 1})`);
    this.ensureCapacity(slot + 1);
    let arr = this.listSlots[l]!;
    const len = this.listLen[l]!;
    if (len === arr.length) {
      const grown = new Int32Array(arr.length * 2);
      grown.set(arr);
      arr = grown;
      this.listSlots[l] = arr;
    }
    arr[len] = slot;
    this.listLen[l] = len + 1;
    this.slotList[slot] = l;
    this.slotPos[slot] = len;
  }

  /** Takes `slot` out of its list (swap with the list's last entry). */
  delete(slot: number): void {
    const l = this.slotList[slot]!;
    if (l < 0) return;
    const arr = this.listSlots[l]!;
    const last = this.listLen[l]! - 1;
    const pos = this.slotPos[slot]!;
    const moved = arr[last]!;
    arr[pos] = moved;
    this.slotPos[moved] = pos;
    this.listLen[l] = last;
    this.slotList[slot] = -1;
  }

  /** The list of `slot` (−1 when it has none). */
  listOf(slot: number): number {
    return slot < this.slotList.length ? this.slotList[slot]! : -1;
  }

  /** Live slots of list `l` (a view: valid until the next insert). */
  slotsOf(l: number): Int32Array {
    return this.listSlots[l]!.subarray(0, this.listLen[l]!);
  }

  /** Lists ordered by their centroid's inner product with `sketch` (nearest first). */
  probeOrder(sketch: Float32Array): Int32Array {
    const { centroids: c, dim, lists } = this;
    const d = new Float64Array(lists);
    for (let l = 0; l < lists; l++) d[l] = dot(c, l * dim, sketch, 0, dim);
    return Int32Array.from(d.keys()).sort((a, b) => d[b]! - d[a]! || a - b);
  }

  /** Bytes held by the quantiser's tables. */
  get bytes(): number {
    let s = this.centroids.byteLength + this.slotList.byteLength + this.slotPos.byteLength;
    for (const a of this.listSlots) s += a.byteLength;
    return s;
  }
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s0 = 0,
    s1 = 0;
  let k = 0;
  for (; k + 1 < n; k += 2) {
    s0 += a[ao + k]! * b[bo + k]!;
    s1 += a[ao + k + 1]! * b[bo + k + 1]!;
  }
  if (k < n) s0 += a[ao + k]! * b[bo + k]!;
  return s0 + s1;
}

/**
 * `best[i]` = the nearest of `L` unit rows `C` to unit row i of `x` (m rows): nearest in
 * distance is largest in inner product for unit vectors. `dist` is scratch of m·L values.
 */
function nearestRows(x: Float64Array, m: number, C: Float64Array, L: number, dim: number, dist: Float64Array, best: Int32Array): void {
  getKernelBackend().sqDistBlockInto(dist, { rows: m, cols: dim, data: x.subarray(0, m * dim) }, { rows: L, cols: dim, data: C });
  for (let i = 0; i < m; i++) {
    let b = 0,
      bd = Infinity;
    for (let l = 0; l < L; l++) {
      const d = dist[i * L + l]!;
      if (d < bd) {
        bd = d;
        b = l;
      }
    }
    best[i] = b;
  }
}

/** Rows `slots[i0, i0 + m)` of `store` as unit vectors (f64) into `buf`. */
function unitRows(store: Float32Array, dim: number, slots: Int32Array, i0: number, m: number, buf: Float64Array): void {
  for (let i = 0; i < m; i++) unitRow(store, slots[i0 + i]! * dim, dim, buf, i * dim);
}

/** The row at `o` of `store` as a unit vector (f64) at `bo` of `buf` (a zero row stays zero). */
function unitRow(store: Float32Array, o: number, dim: number, buf: Float64Array, bo: number): void {
  let s = 0;
  for (let k = 0; k < dim; k++) s += store[o + k]! * store[o + k]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let k = 0; k < dim; k++) buf[bo + k] = store[o + k]! * inv;
}

const CHUNK = 1024;

/**
 * The training, one slice of work per step: spherical k-means on a sample of at most 32
 * sketches per list, then every slot's list (blocks of the kernel backend's distance block:
 * wasm where installed).
 */
function* trainSteps(
  store: () => Float32Array,
  dim: number,
  slots: Int32Array,
  options: IvfTrainOptions,
): Generator<void, { centroids: Float32Array; lists: Int32Array }> {
  const n = slots.length;
  const lists = Math.max(1, Math.min(n, options.lists ?? Math.max(16, Math.ceil(Math.sqrt(n)))));
  const rng = createRng((options.seed ?? 0) + 77);
  const sampleN = Math.min(n, Math.max(lists * 32, 2000));
  const pick = sampleIndices(n, sampleN, rng);
  const sampleSlots = Int32Array.from(pick, (i) => slots[i]!);
  const X = new Float64Array(sampleN * dim);
  unitRows(store(), dim, sampleSlots, 0, sampleN, X);
  const centroids = yield* sphericalKMeans(X, sampleN, dim, lists, options.iterations ?? 10, rng);
  return { centroids, lists: yield* assignSteps(store, dim, slots, centroids) };
}

/** Every slot's list for `centroids`, one block of `CHUNK` sketches per step. */
function* assignSteps(store: () => Float32Array, dim: number, slots: Int32Array, centroids: Float32Array): Generator<void, Int32Array> {
  const n = slots.length;
  const lists = centroids.length / dim;
  const C = Float64Array.from(centroids);
  const buf = new Float64Array(CHUNK * dim);
  const dist = new Float64Array(CHUNK * lists);
  const out = new Int32Array(n);
  for (let i0 = 0; i0 < n; i0 += CHUNK) {
    yield;
    const m = Math.min(CHUNK, n - i0);
    unitRows(store(), dim, slots, i0, m, buf);
    nearestRows(buf, m, C, lists, dim, dist, out.subarray(i0, i0 + m));
  }
  return out;
}

/** `m` distinct indices of [0, n) (partial Fisher–Yates). */
function sampleIndices(n: number, m: number, rng: Rng): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.nextInt(n - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, m);
}

/**
 * Spherical k-means of `n` unit rows: `k` distinct random rows to start, then assign to the
 * nearest direction and renormalise the members' mean; an empty list takes a random row.
 */
function* sphericalKMeans(X: Float64Array, n: number, dim: number, k: number, iterations: number, rng: Rng): Generator<void, Float32Array> {
  const c = new Float64Array(k * dim);
  const init = sampleIndices(n, k, rng);
  for (let l = 0; l < k; l++) c.set(X.subarray(init[l]! * dim, init[l]! * dim + dim), l * dim);
  const dist = new Float64Array(CHUNK * k);
  const best = new Int32Array(n);
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let it = 0; it < iterations; it++) {
    for (let i0 = 0; i0 < n; i0 += CHUNK) {
      const m = Math.min(CHUNK, n - i0);
      nearestRows(X.subarray(i0 * dim), m, c, k, dim, dist, best.subarray(i0, i0 + m));
      yield;
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const l = best[i]!;
      counts[l] = counts[l]! + 1;
      for (let j = 0; j < dim; j++) sums[l * dim + j] = sums[l * dim + j]! + X[i * dim + j]!;
    }
    for (let l = 0; l < k; l++) {
      if (counts[l] === 0) {
        const r = rng.nextInt(n);
        c.set(X.subarray(r * dim, r * dim + dim), l * dim);
        continue;
      }
      let s = 0;
      for (let j = 0; j < dim; j++) s += sums[l * dim + j]! ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < dim; j++) c[l * dim + j] = sums[l * dim + j]! * inv;
    }
  }
  return Float32Array.from(c);
}
