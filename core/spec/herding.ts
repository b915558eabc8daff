/**
 * Kernel herding from an RKME, as the Python package's `RKMETableSpecification.herding(T)`:
 *
 * 1. candidates: `N = 100·T` draws; each picks a reduced-set point `i` with probability
 *    `max(β_i, 0) / Σ max(β, 0)` (multinomial with replacement) and adds N(0, 0.25²) noise
 *    to `z_i`; like Python's `Counter` loop, candidates are grouped by centre in order of
 *    the centre's first draw;
 * 2. `f(x_c) = Σ_i max(β_i, 0)·k(z_i, x_c)` for every candidate (Python zeroes negative
 *    weights in place before this, without renormalising, so the same weights are used here);
 * 3. for `t = 0 … T−1`: pick the first candidate maximising `(t+1)·f(x_c) − Σ_{s<t} k(S_s, x_c)`.
 *
 * The running sum over chosen points is updated incrementally (Python recomputes it each
 * round; the values are the same up to rounding). Randomness comes from the seeded `Rng`,
 * so the draws differ from torch's, but the procedure is the same.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { herding } from "./herding.ts";
 * import { fromRows } from "../matrix.ts";
 * const S = herding({ z: fromRows([[0, 0], [5, 5]]), beta: new Float64Array([0.5, 0.5]), gamma: 0.1 }, 4, 1);
 * assert.equal(S.rows, 4);
 * assert.equal(S.cols, 2);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { getKernelBackend } from "../kernel/backend.ts";
import type { KernelMeanEmbedding } from "../kernel/mmd.ts";
import type { Matrix } from "../matrix.ts";
import { createRng } from "../random.ts";

const CANDIDATES_PER_SAMPLE = 100;
const CANDIDATE_STD = 0.25;

/** Draws `T` points approximating the distribution the embedding summarises. */
export function herding(spec: KernelMeanEmbedding, T: number, seed = 0): Matrix {
  if (!Number.isInteger(T) || T < 0) throw new RangeError(`herding: T must be a non-negative integer, got ${T}`);
  const { z, gamma } = spec;
  const m = z.rows,
    d = z.cols;
  if (spec.beta.length !== m) throw new RangeError(`herding: beta has length ${spec.beta.length} but z has ${m} rows`);
  const out: Matrix = { rows: T, cols: d, data: new Float64Array(T * d) };
  if (T === 0) return out;

  const w = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const b = spec.beta[i]!;
    w[i] = b > 0 ? b : 0; // NaN → 0 too
    total += w[i]!;
  }
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new LearnwareError("SPEC_INVALID", "herding needs at least one positive, finite beta weight");
  }

  // 1. candidates, grouped by centre in order of first draw.
  const rng = createRng(seed);
  const N = CANDIDATES_PER_SAMPLE * T;
  const cum = new Float64Array(m);
  let acc = 0;
  for (let i = 0; i < m; i++) {
    acc += w[i]! / total;
    cum[i] = acc;
  }
  const counts = new Int32Array(m);
  const order: number[] = [];
  for (let s = 0; s < N; s++) {
    const r = rng.next() * acc;
    let lo = 0,
      hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    if (counts[lo] === 0) order.push(lo);
    counts[lo]! += 1;
  }
  const cand: Matrix = { rows: N, cols: d, data: new Float64Array(N * d) };
  let c = 0;
  for (const i of order) {
    for (let t = 0; t < counts[i]!; t++, c++) {
      for (let j = 0; j < d; j++) cand.data[c * d + j] = z.data[i * d + j]! + CANDIDATE_STD * rng.normal();
    }
  }

  // 2. f(x_c) = Σ_i w_i k(z_i, x_c).
  const backend = getKernelBackend();
  const fsX = new Float64Array(N);
  backend.rbfRowSumsInto(fsX, cand, z, w, gamma);

  // 3. greedy selection.
  const fsS = new Float64Array(N);
  const tmp = new Float64Array(N);
  const one = new Float64Array([1]);
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      const prev: Matrix = { rows: 1, cols: d, data: out.data.subarray((t - 1) * d, t * d) };
      backend.rbfRowSumsInto(tmp, cand, prev, one, gamma);
      for (let k = 0; k < N; k++) fsS[k]! += tmp[k]!;
    }
    let best = 0,
      bestV = -Infinity;
    for (let k = 0; k < N; k++) {
      const v = (t + 1) * fsX[k]! - fsS[k]!;
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    out.data.set(cand.data.subarray(best * d, best * d + d), t * d);
  }
  return out;
}
