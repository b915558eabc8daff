/**
 * The sketch of an RKME: its mean embedding under a random Fourier feature map,
 * `μ = Σ_i β_i φ(z_i)` (length D, f32), so that `‖μ_A − μ_B‖² ≈ MMD²(A, B)` and
 * `⟨μ_A, μ_B⟩ ≈ ip(A, B)` for two specs of the map's dimension and gamma.
 *
 * Accumulates in f64 and rounds once to f32. sin/cos are evaluated with a fixed polynomial
 * (only `+`, `×` and `Math.round`), so a spec and a map give the same sketch bytes in every
 * JavaScript runtime; the stored sketch is nevertheless the reference, not a recomputation.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { createFeatureMap } from "./featureMap.ts";
 * import { sketchSpec, sketchDist } from "./sketch.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows } from "../matrix.ts";
 * const map = createFeatureMap({ dim: 2, gamma: 0.1, features: 512, seed: 0 });
 * const a = new RKMETableSpecification(fromRows([[0, 0]]), new Float64Array([1]), 0.1, 1);
 * const b = new RKMETableSpecification(fromRows([[1, 1]]), new Float64Array([1]), 0.1, 1);
 * const approx = sketchDist(sketchSpec(a, map), sketchSpec(b, map));
 * assert.ok(Math.abs(approx - a.dist(b)) < 0.1);
 * ```
 */
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import type { FeatureMap } from "./featureMap.ts";

/** A spec's sketch under `map` (a new array, or written into `out`). */
export function sketchSpec(
  spec: Pick<RKMETableSpecification, "z" | "beta" | "gamma">,
  map: FeatureMap,
  out: Float32Array = new Float32Array(map.features),
): Float32Array {
  const { rows, cols, data } = spec.z;
  if (cols !== map.dim) {
    throw new RangeError(`sketchSpec: spec dimension ${cols} does not match the feature map's ${map.dim}`);
  }
  if (out.length < map.features) throw new RangeError(`sketchSpec: out has length ${out.length}, needs ${map.features}`);
  const nf = map.features / 2;
  const W = map.frequencies;
  const acc = new Float64Array(map.features);
  const t = new Float64Array(4 * nf);
  const w4 = new Float64Array(4);
  const beta = spec.beta;
  for (let i0 = 0; i0 < rows; i0 += 4) {
    // Four points at a time: one load of w_f·k feeds four independent sums (about 2× faster
    // than a point at a time in V8). Rows past the end repeat the last row with weight 0.
    const o0 = i0 * cols;
    const o1 = Math.min(i0 + 1, rows - 1) * cols,
      o2 = Math.min(i0 + 2, rows - 1) * cols,
      o3 = Math.min(i0 + 3, rows - 1) * cols;
    for (let j = 0; j < 4; j++) w4[j] = i0 + j < rows ? beta[i0 + j]! : 0;
    for (let f = 0; f < nf; f++) {
      const wo = f * cols;
      let t0 = 0,
        t1 = 0,
        t2 = 0,
        t3 = 0;
      for (let k = 0; k < cols; k++) {
        const w = W[wo + k]!;
        t0 += w * data[o0 + k]!;
        t1 += w * data[o1 + k]!;
        t2 += w * data[o2 + k]!;
        t3 += w * data[o3 + k]!;
      }
      t[f] = t0;
      t[nf + f] = t1;
      t[2 * nf + f] = t2;
      t[3 * nf + f] = t3;
    }
    for (let j = 0; j < 4; j++) {
      const b = w4[j]!;
      if (b === 0) continue;
      const to = j * nf;
      for (let f = 0; f < nf; f++) {
        // sin and cos by quadrant reduction and Taylor polynomials on [−π/4, π/4] (error
        // below 1e-9, far under the f32 rounding of the sketch).
        const x = t[to + f]!;
        const q = Math.round(x * TWO_OVER_PI);
        const r = x - q * PI_2_HI - q * PI_2_LO;
        const r2 = r * r;
        const sn = r * (1 + r2 * (-1 / 6 + r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880)))));
        const cs = 1 + r2 * (-0.5 + r2 * (1 / 24 + r2 * (-1 / 720 + r2 * (1 / 40320 - r2 / 3628800))));
        // Quadrant rotation without branches (q mod 4 is random, so branches mispredict).
        const odd = q & 1,
          even = 1 - odd;
        const bs = b * (1 - (q & 2)),
          bc = b * (1 - ((q + 1) & 2));
        acc[2 * f] = acc[2 * f]! + bc * (sn * odd + cs * even);
        acc[2 * f + 1] = acc[2 * f + 1]! + bs * (cs * odd + sn * even);
      }
    }
  }
  const s = 1 / Math.sqrt(nf);
  for (let f = 0; f < map.features; f++) out[f] = acc[f]! * s;
  return out;
}

const TWO_OVER_PI = 2 / Math.PI;
const PI_2_HI = 1.5707963267341256; // π/2 split in two for an accurate reduction
const PI_2_LO = 6.077100506506192e-11;

/** `‖a − b‖²` of two sketches (the MMD² estimate), summed in f64. */
export function sketchDist(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`sketchDist: lengths differ, ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}
