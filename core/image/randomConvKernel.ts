/**
 * The image kernel: random convolutional features, after the Python package's image RKME,
 * which maps images through `n_models` seeded random wide conv nets (`_ConvNet_wide`:
 * [conv 3×3 → ReLU → 2×2 average pool] × depth, He-initialised) and uses
 * `k(x, y) = φ(x)·φ(y) + 0.01` with φ the concatenated outputs divided by √D — a Monte-Carlo
 * estimate of the nets' NNGP kernel.
 *
 * Here the nets are drawn once from `modelSeed` (default 0), so every spec built with the
 * same configuration shares one feature map and specs compare with each other. Defaults
 * are smaller than Python's (4 nets of width 16 instead of 16 nets of width 128) to keep
 * plain-TS generation fast; both are configurable and recorded in the spec.
 *
 * Python evaluates `inner_prod` with the analytic NNGP kernel of the same architecture
 * (`cnn_gp`), implemented in `cnnGpKernel.ts`; this random-feature kernel is kept for specs
 * labelled `model_config.kernel = "random-conv-relu-avgpool"` (see `rkmeImageSpec.ts`).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { RandomConvFeatures } from "./randomConvKernel.ts";
 * const f = new RandomConvFeatures({ channels: 1, nModels: 1, width: 4, depth: 2 });
 * const phi = f.features({ n: 1, c: 1, h: 32, w: 32, data: new Float64Array(1024).fill(1) });
 * assert.equal(phi.rows, 1);
 * assert.equal(phi.cols, f.dim);
 * ```
 */
import type { Matrix } from "../matrix.ts";
import { createRng } from "../random.ts";
import type { ImageBatch } from "./preprocess.ts";

export interface ConvKernelConfig {
  channels: number;
  nModels?: number;
  width?: number;
  depth?: number;
  modelSeed?: number;
}

interface Conv {
  cin: number;
  cout: number;
  w: Float64Array;
}

export class RandomConvFeatures {
  readonly channels: number;
  readonly nModels: number;
  readonly width: number;
  readonly depth: number;
  readonly modelSeed: number;
  private readonly nets: Conv[][];

  constructor(config: ConvKernelConfig) {
    this.channels = config.channels;
    this.nModels = config.nModels ?? 4;
    this.width = config.width ?? 16;
    this.depth = config.depth ?? 3;
    this.modelSeed = config.modelSeed ?? 0;
    const rng = createRng(this.modelSeed);
    this.nets = Array.from({ length: this.nModels }, () =>
      Array.from({ length: this.depth }, (_, l) => {
        const cin = l === 0 ? this.channels : this.width,
          cout = this.width;
        const sd = Math.sqrt(2 / (cin * 9));
        const w = new Float64Array(cout * cin * 9);
        for (let k = 0; k < w.length; k++) w[k] = sd * rng.normal();
        return { cin, cout, w };
      }),
    );
  }

  /** Side of the final feature map. */
  get side(): number {
    return 32 >> this.depth;
  }

  /** Feature dimension D. */
  get dim(): number {
    return this.nModels * this.width * this.side * this.side;
  }

  /** φ for each 32×32 image (n×D), already divided by √D. */
  features(X: ImageBatch): Matrix {
    if (X.c !== this.channels || X.h !== 32 || X.w !== 32) {
      throw new RangeError(`Random conv features expect ?x${this.channels}x32x32 images, got ${X.n}x${X.c}x${X.h}x${X.w}`);
    }
    const D = this.dim,
      out = new Float64Array(X.n * D),
      norm = 1 / Math.sqrt(D);
    const per = this.width * this.side * this.side;
    for (let i = 0; i < X.n; i++) {
      const img = X.data.subarray(i * X.c * 1024, (i + 1) * X.c * 1024);
      this.nets.forEach((net, m) => {
        let cur: Float64Array = img,
          side = 32;
        for (const conv of net) {
          const act = conv3x3Relu(cur, conv, side);
          cur = avgPool2(act, conv.cout, side);
          side >>= 1;
        }
        for (let t = 0; t < per; t++) out[i * D + m * per + t] = cur[t]! * norm;
      });
    }
    return { rows: X.n, cols: D, data: out };
  }
}

function conv3x3Relu(x: Float64Array, conv: Conv, s: number): Float64Array {
  const { cin, cout, w } = conv;
  const out = new Float64Array(cout * s * s);
  for (let o = 0; o < cout; o++) {
    const acc = out.subarray(o * s * s, (o + 1) * s * s);
    for (let c = 0; c < cin; c++) {
      const src = x.subarray(c * s * s, (c + 1) * s * s);
      for (let ky = -1; ky <= 1; ky++)
        for (let kx = -1; kx <= 1; kx++) {
          const wt = w[((o * cin + c) * 3 + (ky + 1)) * 3 + (kx + 1)]!;
          const y0 = Math.max(0, -ky),
            y1 = Math.min(s, s - ky),
            x0 = Math.max(0, -kx),
            x1 = Math.min(s, s - kx);
          for (let y = y0; y < y1; y++) {
            const ro = y * s,
              ri = (y + ky) * s + kx;
            for (let xx = x0; xx < x1; xx++) acc[ro + xx]! += wt * src[ri + xx]!;
          }
        }
    }
    for (let t = 0; t < acc.length; t++) if (acc[t]! < 0) acc[t] = 0;
  }
  return out;
}

function avgPool2(x: Float64Array, ch: number, s: number): Float64Array {
  const h = s >> 1,
    out = new Float64Array(ch * h * h);
  for (let c = 0; c < ch; c++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < h; xx++) {
        const b = c * s * s + 2 * y * s + 2 * xx;
        out[c * h * h + y * h + xx] = 0.25 * (x[b]! + x[b + 1]! + x[b + s]! + x[b + s + 1]!);
      }
  return out;
}
