/**
 * The Python package's image kernel: the analytic NNGP (CNN-GP, Garriga-Alonso et al.,
 * ICLR 2019) kernel of the network `RKMEImageSpecification` builds in `_build_ConvNet_NNGP`
 * (`learnware/specification/regular/image/rkme.py`, layers from `cnn_gp.py`):
 *
 * ```
 * [Conv2d(k, padding "same", var_weight √2, var_bias 0.1) → ReLU → Conv2d(2, stride 2)] × net_depth
 * → Conv2d(32 / 2^net_depth)                  (defaults: k = 3, net_depth = 3)
 * ```
 *
 * The recursion works on per-pixel covariance maps `xy, xx, yy`. It starts from the channel
 * means `mean_c x_c·y_c` (and `x_c²`, `y_c²`); a conv layer of size k convolves each map with
 * the constant kernel `var_weight / k²` (zero padding) and adds `var_bias`; the ReLU maps
 * `(xy, xx, yy)` to `((√(xx·yy + t − xy²)₊ + (π − θ)·xy) / 2π, xx/2, yy/2)` with
 * `cos θ = clamp(xy / √(xx·yy + t), −1, 1)`, `t` = the smallest normal float32; when a
 * batch is compared with itself (`same`), the ReLU's diagonal `xy` is set to `xx/2` as
 * Python does. The last layer leaves a 1×1 map: the kernel value.
 *
 * Python evaluates in float32 (it loads `z` as float32); this is float64, so values agree
 * with Python to float32 rounding and with the float64 numpy reference
 * (`test/conformance/cnn_gp_reference.py`) to ≤ 1e-6 relative (the conformance test).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { cnnGpKernel } from "./cnnGpKernel.ts";
 * const one = { n: 1, c: 1, h: 32, w: 32, data: new Float64Array(1024).fill(1) };
 * const k = cnnGpKernel(one, one);
 * assert.equal(k.length, 1);
 * assert.ok(k[0]! > 0);
 * ```
 */
import type { ImageBatch } from "./preprocess.ts";

export interface CnnGpConfig {
  /** Number of conv → ReLU → pool blocks (Python `net_depth`, default 3). */
  depth?: number;
  /** Odd size of the blocks' conv (Python `kernel_size`, default 3). */
  kernelSize?: number;
}

const F32_TINY = 1.1754943508222875e-38;
const VAR_WEIGHT = Math.SQRT2;
const VAR_BIAS = 0.1;
const SIDE = 32;

/** Checks a CNN-GP configuration; returns the normalised one. */
export function cnnGpConfig(cfg: CnnGpConfig = {}): Required<CnnGpConfig> {
  const depth = cfg.depth ?? 3,
    kernelSize = cfg.kernelSize ?? 3;
  if (!Number.isInteger(depth) || depth < 1 || SIDE % 2 ** depth !== 0)
    throw new RangeError(`CNN-GP net_depth must be an integer 1..5 (32 divisible by 2^depth), got ${depth}`);
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0)
    throw new RangeError(`CNN-GP kernel_size must be an odd positive integer, got ${kernelSize}`);
  return { depth, kernelSize };
}

/** Constant-kernel "same" conv (zero padding) of a side×side map, times w, plus b (a separable box sum). */
const rowSums = new Float64Array(SIDE * SIDE);
function convSame(m: Float64Array, side: number, k: number, w: number, b: number, out: Float64Array): void {
  const p = k >> 1;
  for (let y = 0; y < side; y++) {
    const row = y * side;
    for (let x = 0; x < side; x++) {
      const x1 = Math.min(side - 1, x + p);
      let s = 0;
      for (let xx = Math.max(0, x - p); xx <= x1; xx++) s += m[row + xx]!;
      rowSums[row + x] = s;
    }
  }
  for (let y = 0; y < side; y++) {
    const y1 = Math.min(side - 1, y + p);
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let yy = Math.max(0, y - p); yy <= y1; yy++) s += rowSums[yy * side + x]!;
      out[y * side + x] = s * w + b;
    }
  }
}

/** 2×2 stride-2 conv with weights 1/4 (average pool), no bias. */
function pool2(m: Float64Array, side: number, out: Float64Array): void {
  const h = side >> 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < h; x++) {
      const a = 2 * y * side + 2 * x;
      out[y * h + x] = (m[a]! + m[a + 1]! + m[a + side]! + m[a + side + 1]!) * 0.25;
    }
}

function mean(m: Float64Array, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += m[i]!;
  return s / len;
}

/** The per-image variance maps at each ReLU input (after that block's conv). */
function varianceMaps(X: ImageBatch, i: number, cfg: Required<CnnGpConfig>): Float64Array[] {
  const { c } = X,
    hw = SIDE * SIDE,
    w = VAR_WEIGHT / cfg.kernelSize ** 2;
  let cur = new Float64Array(hw);
  for (let ch = 0; ch < c; ch++) {
    const off = (i * c + ch) * hw;
    for (let t = 0; t < hw; t++) cur[t]! += X.data[off + t]! ** 2;
  }
  for (let t = 0; t < hw; t++) cur[t] = cur[t]! / c;
  const out: Float64Array[] = [];
  let side = SIDE;
  for (let d = 0; d < cfg.depth; d++) {
    const conv = new Float64Array(side * side);
    convSame(cur, side, cfg.kernelSize, w, VAR_BIAS, conv);
    out.push(conv);
    const relu = conv.map((v) => v / 2);
    const pooled = new Float64Array((side >> 1) ** 2);
    pool2(relu, side, pooled);
    cur = pooled;
    side >>= 1;
  }
  return out;
}

/**
 * The CNN-GP kernel matrix `K[i·B.n + j] = k(A_i, B_j)` of two batches of C×32×32 images
 * (same C). With `B` omitted (or `null`) the batch is compared with itself and the ReLU
 * diagonals follow Python's `same` branch.
 */
export function cnnGpKernel(A: ImageBatch, B: ImageBatch | null = null, config: CnnGpConfig = {}): Float64Array {
  const cfg = cnnGpConfig(config);
  const same = B === null || B === A;
  const Y = B ?? A;
  for (const X of [A, Y]) if (X.h !== SIDE || X.w !== SIDE) throw new RangeError(`CNN-GP kernel needs Cx32x32 images, got ${X.c}x${X.h}x${X.w}`);
  if (A.c !== Y.c) throw new RangeError(`CNN-GP kernel: the batches have ${A.c} and ${Y.c} channels`);
  const c = A.c,
    hw = SIDE * SIDE,
    w = VAR_WEIGHT / cfg.kernelSize ** 2;
  const vA = Array.from({ length: A.n }, (_, i) => varianceMaps(A, i, cfg));
  const vB = same ? vA : Array.from({ length: Y.n }, (_, j) => varianceMaps(Y, j, cfg));
  const out = new Float64Array(A.n * Y.n);
  const bufA = new Float64Array(hw),
    bufB = new Float64Array(hw);
  for (let i = 0; i < A.n; i++)
    for (let j = 0; j < Y.n; j++) {
      if (same && j < i) {
        out[i * Y.n + j] = out[j * Y.n + i]!;
        continue;
      }
      const cur = bufA;
      cur.fill(0);
      for (let ch = 0; ch < c; ch++) {
        const oa = (i * c + ch) * hw,
          ob = (j * c + ch) * hw;
        for (let t = 0; t < hw; t++) cur[t]! += A.data[oa + t]! * Y.data[ob + t]!;
      }
      for (let t = 0; t < hw; t++) cur[t] = cur[t]! / c;
      let side = SIDE;
      const other = bufB;
      for (let d = 0; d < cfg.depth; d++) {
        const n = side * side;
        convSame(cur, side, cfg.kernelSize, w, VAR_BIAS, other);
        const xx = vA[i]![d]!,
          yy = vB[j]![d]!;
        if (same && i === j) for (let t = 0; t < n; t++) other[t] = xx[t]! / 2;
        else
          for (let t = 0; t < n; t++) {
            const xy = other[t]!,
              xxyy = xx[t]! * yy[t]! + F32_TINY;
            const cos = Math.min(1, Math.max(-1, xy / Math.sqrt(xxyy)));
            const sin = Math.sqrt(Math.max(0, xxyy - xy * xy));
            other[t] = (sin + (Math.PI - Math.acos(cos)) * xy) / (2 * Math.PI);
          }
        pool2(other, side, cur);
        side >>= 1;
      }
      // The last conv (size = the remaining side, weights 1/side², no bias) is the mean.
      out[i * Y.n + j] = mean(cur, side * side);
    }
  return out;
}
