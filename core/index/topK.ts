/**
 * A bounded max-heap keeping the `k` smallest (distance, slot) pairs seen: the selection
 * step of every index scan, O(log k) per accepted item and O(1) per rejected one.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { TopK } from "./topK.ts";
 * const t = new TopK(2);
 * [5, 1, 4, 2].forEach((d, i) => t.push(d, i));
 * assert.equal(t.sorted().map((e) => e.slot).join(), "1,3");
 * ```
 */
export class TopK {
  readonly k: number;
  private readonly dist: Float64Array;
  private readonly slot: Int32Array;
  private n = 0;

  constructor(k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`TopK size must be a positive integer, got ${k}`);
    this.k = k;
    this.dist = new Float64Array(k);
    this.slot = new Int32Array(k);
  }

  get size(): number {
    return this.n;
  }

  /** The largest kept distance once full (anything not below it is rejected), else +∞. */
  get bound(): number {
    return this.n < this.k ? Infinity : this.dist[0]!;
  }

  /** Offers an item; ties with the bound are rejected (the earlier item stays). */
  push(d: number, slot: number): void {
    const { dist: h, slot: s } = this;
    if (this.n < this.k) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (h[p]! >= d) break;
        h[i] = h[p]!;
        s[i] = s[p]!;
        i = p;
      }
      h[i] = d;
      s[i] = slot;
      return;
    }
    if (!(d < h[0]!)) return;
    let i = 0;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]! > h[l]! ? r : l;
      if (h[c]! <= d) break;
      h[i] = h[c]!;
      s[i] = s[c]!;
      i = c;
    }
    h[i] = d;
    s[i] = slot;
  }

  /** The kept items, nearest first (ties by slot). */
  sorted(): { dist: number; slot: number }[] {
    const out: { dist: number; slot: number }[] = [];
    for (let i = 0; i < this.n; i++) out.push({ dist: this.dist[i]!, slot: this.slot[i]! });
    return out.sort((a, b) => a.dist - b.dist || a.slot - b.slot);
  }
}
