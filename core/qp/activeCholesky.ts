/**
 * A Cholesky factor `L·Lᵀ = A[F, F]` of the principal submatrix of a symmetric positive
 * definite matrix over a changing index set `F`, updated in O(k²) when an index is appended
 * or removed (the working set of an active-set QP solver). Internal to `core/qp/`.
 *
 * `L` is stored row-major in a `cap × cap` buffer; position `p` of the factor holds the
 * variable `idx[p]`. Nothing here allocates after construction.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { ActiveCholesky } from "./activeCholesky.ts";
 * // A = [[4, 2], [2, 3]]: append 0, then 1 (l = L⁻¹·A[F, 1] = [1], pivot 3 − 1 = 2).
 * const f = new ActiveCholesky(2);
 * f.append(0, 4);
 * const l = new Float64Array([2]);
 * f.forward(l);
 * f.append(1, 3 - l[0]! * l[0]!, l);
 * const y = new Float64Array([6, 5]); // A·[1, 1]
 * f.solve(y);
 * assert.ok(Math.abs(y[0]! - 1) < 1e-15);
 * assert.ok(Math.abs(y[1]! - 1) < 1e-15);
 * ```
 */
export class ActiveCholesky {
  /** Largest number of indices the factor can hold. */
  readonly cap: number;
  /** Lower-triangular factor, `L[p * cap + q]` for `q ≤ p < size`. */
  readonly L: Float64Array;
  /** Variable held at each position. */
  readonly idx: Int32Array;
  /** Current number of indices. */
  size = 0;

  constructor(cap: number) {
    this.cap = cap;
    this.L = new Float64Array(cap * cap);
    this.idx = new Int32Array(cap);
  }

  /** Solves `L·y = b` in place over the first `size` entries. */
  forward(y: Float64Array): void {
    const { L, cap, size } = this;
    for (let p = 0; p < size; p++) {
      const row = p * cap;
      let s = y[p]!;
      for (let q = 0; q < p; q++) s -= L[row + q]! * y[q]!;
      y[p] = s / L[row + p]!;
    }
  }

  /** Solves `Lᵀ·y = b` in place over the first `size` entries. */
  backward(y: Float64Array): void {
    const { L, cap, size } = this;
    for (let p = size - 1; p >= 0; p--) {
      const yp = (y[p] = y[p]! / L[p * cap + p]!);
      // Column p of Lᵀ's strict upper part is row p of L: subtract it from earlier entries.
      const row = p * cap;
      for (let q = 0; q < p; q++) y[q] = y[q]! - L[row + q]! * yp;
    }
  }

  /** Solves `A[F, F]·y = b` in place. */
  solve(y: Float64Array): void {
    this.forward(y);
    this.backward(y);
  }

  /**
   * Appends variable `j`: `l = L⁻¹·A[F, j]` (already solved, length `size`; omitted when
   * `size` is 0) and the positive pivot `d = A[j, j] − lᵀl`.
   */
  append(j: number, d: number, l?: Float64Array): void {
    const { L, cap } = this;
    const k = this.size;
    const row = k * cap;
    for (let q = 0; q < k; q++) L[row + q] = l![q]!;
    L[row + k] = Math.sqrt(d);
    this.idx[k] = j;
    this.size = k + 1;
  }

  /**
   * Removes position `pos`: shifts the later rows and columns up and left, then restores
   * the trailing block with a rank-one update by the removed column (Givens-free form).
   */
  remove(pos: number): void {
    const { L, cap, idx } = this;
    const k = this.size;
    // Shift rows pos+1..k-1 up by one, dropping column pos. The dropped entry b of each row
    // is parked just right of the new row's diagonal (strictly upper, never read as L).
    for (let r = pos + 1; r < k; r++) {
      const src = r * cap;
      const dst = (r - 1) * cap;
      const b = L[src + pos]!;
      for (let c = 0; c < pos; c++) L[dst + c] = L[src + c]!;
      for (let c = pos + 1; c <= r; c++) L[dst + c - 1] = L[src + c]!;
      L[dst + r] = b;
    }
    for (let p = pos; p < k - 1; p++) idx[p] = idx[p + 1]!;
    const m = k - 1;
    this.size = m;
    // Rank-one update T·Tᵀ + b·bᵀ of the trailing block (positions pos..m-1).
    for (let t = pos; t < m; t++) {
      const rowt = t * cap;
      const diag = L[rowt + t]!;
      const bt = L[rowt + t + 1]!;
      L[rowt + t + 1] = 0;
      if (bt === 0) continue;
      const r = Math.hypot(diag, bt);
      const c = r / diag;
      const s = bt / diag;
      L[rowt + t] = r;
      for (let i = t + 1; i < m; i++) {
        const rowi = i * cap;
        const bi = L[rowi + i + 1]!;
        const lit = (L[rowi + t]! + s * bi) / c;
        L[rowi + t] = lit;
        L[rowi + i + 1] = c * bi - s * lit;
      }
    }
  }
}
