/**
 * The inverted-file coarse quantiser of a sketch bucket: k-means centroids in a PCA space
 * of the sketches, one list of slots per centroid. A search scans only the lists whose
 * centroids are nearest the user's sketch, which is where a clustered market's near
 * neighbours live. Inserts and deletes keep the lists exact (O(L·p) per insert, O(1) per
 * delete); retraining is needed only when the distribution drifts (the index retrains
 * when a bucket has grown 4× since its last training).
 */
import { createRng } from "../random.ts";
import { fitPca, type Pca, project } from "./pca.ts";

export interface IvfTrainOptions {
  /** Number of lists; default ⌈√n⌉ (at least 16). */
  lists?: number;
  /** PCA dimensions of the coarse space. Default 32. */
  pcaDims?: number;
  /** Lloyd iterations. Default 12. */
  iterations?: number;
  seed?: number;
}

export class IvfQuantizer {
  readonly pca: Pca;
  /** L×p centroids. */
  readonly centroids: Float32Array;
  readonly lists: number;
  /** Live slots of each list (first `listLen[l]` entries used). */
  private listSlots: Int32Array[];
  readonly listLen: Int32Array;
  /** List of each slot (−1: none) and its position in that list. */
  private slotList: Int32Array;
  private slotPos: Int32Array;
  private readonly proj: Float32Array;
  /** Number of items when trained. */
  readonly trainedSize: number;

  constructor(pca: Pca, centroids: Float32Array, trainedSize: number, capacity: number) {
    this.pca = pca;
    this.centroids = centroids;
    this.lists = centroids.length / pca.dims;
    this.listSlots = Array.from({ length: this.lists }, () => new Int32Array(16));
    this.listLen = new Int32Array(this.lists);
    this.slotList = new Int32Array(capacity).fill(-1);
    this.slotPos = new Int32Array(capacity);
    this.proj = new Float32Array(pca.dims);
    this.trainedSize = trainedSize;
  }

  /** Trains on the sketches of `slots` (rows of `store`, `dim` wide) and inserts them all. */
  static train(store: Float32Array, dim: number, slots: Int32Array, capacity: number, options: IvfTrainOptions = {}): IvfQuantizer {
    const n = slots.length;
    const lists = Math.max(1, Math.min(n, options.lists ?? Math.max(16, Math.ceil(Math.sqrt(n)))));
    const p = Math.min(dim, options.pcaDims ?? 32);
    const seed = options.seed ?? 0;
    const rng = createRng(seed + 77);
    // Training sample: at most 40 points per list (and the PCA fits on at most 20k of them).
    const sampleN = Math.min(n, Math.max(lists * 40, 2000));
    const pick = sampleIndices(n, sampleN, rng);
    const pcaN = Math.min(sampleN, 20000);
    const pcaX = new Float32Array(pcaN * dim);
    for (let i = 0; i < pcaN; i++) pcaX.set(store.subarray(slots[pick[i]!]! * dim, slots[pick[i]!]! * dim + dim), i * dim);
    const pca = fitPca(pcaX, pcaN, dim, p, seed);
    const X = new Float32Array(sampleN * p);
    const tmp = new Float32Array(p);
    for (let i = 0; i < sampleN; i++) {
      project(pca, store, tmp, slots[pick[i]!]! * dim);
      X.set(tmp, i * p);
    }
    const centroids = lloyd(X, sampleN, p, lists, options.iterations ?? 12, rng);
    const q = new IvfQuantizer(pca, centroids, n, capacity);
    for (let i = 0; i < n; i++) q.insert(slots[i]!, store, dim);
    return q;
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

  /** The list a sketch belongs to (nearest centroid in the PCA space). */
  assign(store: Float32Array, offset: number): number {
    project(this.pca, store, this.proj, offset);
    return nearest(this.centroids, this.proj, this.lists, this.pca.dims);
  }

  /** Puts `slot` (its sketch at `slot·dim` of `store`) into its list. */
  insert(slot: number, store: Float32Array, dim: number): void {
    this.insertInto(slot, this.assign(store, slot * dim));
  }

  /** Puts `slot` into list `l` (as stored in a snapshot). */
  insertInto(slot: number, l: number): void {
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

  /** Lists ordered by the distance of their centroid to `sketch` (nearest first). */
  probeOrder(sketch: Float32Array): Int32Array {
    project(this.pca, sketch, this.proj, 0);
    const p = this.pca.dims;
    const d = new Float64Array(this.lists);
    for (let l = 0; l < this.lists; l++) d[l] = sq(this.centroids, l * p, this.proj, p);
    return Int32Array.from(d.keys()).sort((a, b) => d[a]! - d[b]! || a - b);
  }

  /** Bytes held by the quantiser's tables. */
  get bytes(): number {
    let s = this.centroids.byteLength + this.pca.basis.byteLength + this.pca.mean.byteLength + this.slotList.byteLength + this.slotPos.byteLength;
    for (const a of this.listSlots) s += a.byteLength;
    return s;
  }
}

function sq(c: Float32Array, off: number, x: Float32Array, p: number): number {
  let s = 0;
  for (let k = 0; k < p; k++) {
    const t = c[off + k]! - x[k]!;
    s += t * t;
  }
  return s;
}

function nearest(c: Float32Array, x: Float32Array, L: number, p: number): number {
  let best = 0, bd = Infinity;
  for (let l = 0; l < L; l++) {
    const d = sq(c, l * p, x, p);
    if (d < bd) {
      bd = d;
      best = l;
    }
  }
  return best;
}

/** `m` distinct indices of [0, n) (partial Fisher–Yates). */
function sampleIndices(n: number, m: number, rng: ReturnType<typeof createRng>): Int32Array {
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

/** Plain Lloyd k-means from `k` distinct random rows; empty clusters take a random row. */
function lloyd(X: Float32Array, n: number, p: number, k: number, iterations: number, rng: ReturnType<typeof createRng>): Float32Array {
  const c = new Float32Array(k * p);
  const init = sampleIndices(n, k, rng);
  for (let l = 0; l < k; l++) c.set(X.subarray(init[l]! * p, init[l]! * p + p), l * p);
  const sums = new Float64Array(k * p);
  const counts = new Int32Array(k);
  const x = new Float32Array(p);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      x.set(X.subarray(i * p, i * p + p));
      const l = nearest(c, x, k, p);
      counts[l] = counts[l]! + 1;
      for (let j = 0; j < p; j++) sums[l * p + j] = sums[l * p + j]! + x[j]!;
    }
    for (let l = 0; l < k; l++) {
      const cnt = counts[l]!;
      if (cnt === 0) {
        const r = rng.nextInt(n);
        c.set(X.subarray(r * p, r * p + p), l * p);
      } else {
        for (let j = 0; j < p; j++) c[l * p + j] = sums[l * p + j]! / cnt;
      }
    }
  }
  return c;
}
