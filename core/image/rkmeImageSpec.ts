/**
 * The image RKME (the Python package's `RKMEImageSpecification`): images are preprocessed
 * (non-finite fill, resize to 32×32, per-channel standardisation, whitening; see
 * `preprocess.ts`), summarised by a reduced set `z` of K preprocessed images with weights
 * `β`. Two kernels, named by the spec (`kernelType`, in the JSON `model_config.kernel`):
 *
 * - `"cnn-gp"`: the Python package's analytic NNGP kernel of its conv net (`cnnGpKernel.ts`),
 *   used by Python's `inner_prod` / `dist`. A stat file without `model_config.kernel` — every
 *   file the Python package writes — loads as this kind, so Python-made image specs compare
 *   with each other and with ours made with `kernelType: "cnn-gp"`.
 * - `"random-conv-relu-avgpool"`: this project's earlier random-conv-feature kernel
 *   `k(x, y) = φ(x)·φ(y) + 0.01` (`randomConvKernel.ts`), made by `generate` when asked
 *   (`kernelType`, or a random-feature `kernel` configuration without `kernelType`), and
 *   written with `model_config.kernel` so it is never mistaken for a Python spec. Specs of
 *   different kinds are not comparable (`sameKernelAs` is false).
 *
 * Search scores use `imageDistToScore`.
 *
 * Deviation in generation: Python starts `z` from Gaussian noise and runs 100 AdaBelief
 * steps on the MMD through freshly drawn random nets each step; here `z` are k-means
 * centroids of the preprocessed images (averages of about n/K images, so no training image
 * is stored), and β solves the same simplex QP (`K = k(Z, Z)`, `C = mean_n k(Z, x_n)`) in the
 * spec's kernel: the fixed random-feature kernel, or for `"cnn-gp"` the analytic kernel itself
 * (the limit Python's freshly drawn random nets estimate). CNN-GP generation evaluates n·K
 * kernel pairs (about 0.1–0.3 ms each in Node on this machine), so subsample large sets.
 * Preprocessing also deviates (ZCA over each pixel's channels, not over all 3072 dimensions).
 * The kernel values, not the generated specs, are what match the Python package.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { RKMEImageSpecification } from "./rkmeImageSpec.ts";
 * import { createRng } from "../random.ts";
 * const rng = createRng(1);
 * const X = { n: 6, c: 1, h: 8, w: 8, data: Float64Array.from({ length: 384 }, () => rng.next()) };
 * const s = RKMEImageSpecification.generate(X, { K: 2, kernel: { nModels: 1, width: 4 } });
 * assert.equal(s.dist(s), 0);
 * assert.equal(s.z.n, 2);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { kmeans } from "../kmeans/kmeans.ts";
import type { Matrix } from "../matrix.ts";
import { solveSimplexQp } from "../qp/simplexQp.ts";
import { type ImageBatch, preprocessImages } from "./preprocess.ts";
import { type ConvKernelConfig, RandomConvFeatures } from "./randomConvKernel.ts";
import { type CnnGpConfig, cnnGpConfig, cnnGpKernel } from "./cnnGpKernel.ts";
import { IMAGE_SPEC_TYPE } from "../spec/specTypes.ts";

const TYPE = IMAGE_SPEC_TYPE;
const KERNEL_OFFSET = 0.01;

/** Which kernel an image spec is compared in (see the module doc). */
export type ImageKernelType = "cnn-gp" | "random-conv-relu-avgpool";
export const IMAGE_KERNEL_TYPES: readonly ImageKernelType[] = ["cnn-gp", "random-conv-relu-avgpool"];

/** The kernel of a spec: its type, the random-feature configuration, the CNN-GP configuration. */
export type ImageKernelOptions = Omit<ConvKernelConfig, "channels"> & { type?: ImageKernelType; cnnGp?: CnnGpConfig };

export interface ImageGenerateOptions {
  K?: number;
  seed?: number;
  whitening?: boolean;
  /**
   * Default `"cnn-gp"` (comparable with the Python package's specs), or
   * `"random-conv-relu-avgpool"` when only a random-feature `kernel` configuration is given.
   */
  kernelType?: ImageKernelType;
  kernel?: Omit<ConvKernelConfig, "channels">;
  cnnGp?: CnnGpConfig;
}

export interface ImageSpecJson {
  z: number[][][][];
  beta: number[];
  num_points: number;
  type: typeof TYPE;
  RKME_IMAGE_VERSION: 1;
  n_models: number;
  /** Random features: ours with `kernel`; CNN-GP: the Python package's shape (no `kernel`). */
  model_config:
    | { net_width: number; net_depth: number; model_seed: number; kernel: "random-conv-relu-avgpool" }
    | { k: number; mu: number; sigma: null; net_width: number; net_depth: number; kernel_size?: number; kernel?: "cnn-gp" };
}

const featureCache = new Map<string, RandomConvFeatures>();
function featureMap(c: number, cfg: Omit<ConvKernelConfig, "channels"> = {}): RandomConvFeatures {
  const f = new RandomConvFeatures({ channels: c, ...cfg });
  const key = `${c}/${f.nModels}/${f.width}/${f.depth}/${f.modelSeed}`;
  const hit = featureCache.get(key);
  if (hit) return hit;
  featureCache.set(key, f);
  return f;
}

function gram(A: Matrix, B: Matrix): Float64Array {
  const out = new Float64Array(A.rows * B.rows),
    D = A.cols;
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < B.rows; j++) {
      let s = KERNEL_OFFSET;
      for (let t = 0; t < D; t++) s += A.data[i * D + t]! * B.data[j * D + t]!;
      out[i * B.rows + j] = s;
    }
  return out;
}

export class RKMEImageSpecification {
  /** The registered type name (the Python class name). */
  static readonly TYPE = TYPE;
  readonly type: typeof TYPE = TYPE;
  readonly z: ImageBatch;
  readonly beta: Float64Array;
  readonly numPoints: number;
  /** The kernel this spec is compared in. */
  readonly kernelType: ImageKernelType;
  /** The CNN-GP configuration (used when `kernelType` is `"cnn-gp"`). */
  readonly cnnGp: Required<CnnGpConfig>;
  private readonly featureConfig: Omit<ConvKernelConfig, "channels">;
  private featureMapCache: RandomConvFeatures | null = null;
  private phiZ: Matrix | null = null;
  private selfInner: number | null = null;

  constructor(z: ImageBatch, beta: Float64Array, numPoints: number, kernel: ImageKernelOptions = {}) {
    if (z.h !== 32 || z.w !== 32) throw new RangeError(`Image spec z must be Kx Cx32x32, got ${z.n}x${z.c}x${z.h}x${z.w}`);
    if (beta.length !== z.n) throw new RangeError(`Image spec beta has length ${beta.length} but z has ${z.n} images`);
    this.z = z;
    this.beta = beta;
    this.numPoints = numPoints;
    const { type, cnnGp, ...features } = kernel;
    this.kernelType = type ?? "random-conv-relu-avgpool";
    if (!IMAGE_KERNEL_TYPES.includes(this.kernelType)) throw new RangeError(`Unknown image kernel type ${JSON.stringify(type)}`);
    this.cnnGp = cnnGpConfig(cnnGp);
    this.featureConfig = features;
    if (this.kernelType === "random-conv-relu-avgpool") this.featureMapCache = featureMap(z.c, features);
  }

  /** The random-feature map (of the random-feature kernel's configuration). */
  get features(): RandomConvFeatures {
    return (this.featureMapCache ??= featureMap(this.z.c, this.featureConfig));
  }

  /** φ(z), computed once. */
  get zFeatures(): Matrix {
    return (this.phiZ ??= this.features.features(this.z));
  }

  static generate(X: ImageBatch, options: ImageGenerateOptions = {}): RKMEImageSpecification {
    const P = preprocessImages(X, options.whitening === undefined ? {} : { whitening: options.whitening });
    const n = P.n,
      size = P.c * 1024;
    const K = Math.max(1, Math.min(options.K ?? 50, n));
    const km = kmeans({ rows: n, cols: size, data: P.data }, K, { seed: options.seed ?? 0, maxIterations: 50 });
    const z: ImageBatch = { n: K, c: P.c, h: 32, w: 32, data: Float64Array.from(km.centers.data) };
    const kernelType = options.kernelType ?? (options.kernel !== undefined ? "random-conv-relu-avgpool" : "cnn-gp");
    if (kernelType === "cnn-gp") {
      const cfg = cnnGpConfig(options.cnnGp);
      const Kzz = cnnGpKernel(z, null, cfg),
        Kzx = cnnGpKernel(z, P, cfg);
      const C = new Float64Array(K);
      for (let i = 0; i < K; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += Kzx[i * n + j]!;
        C[i] = s / n;
      }
      return new RKMEImageSpecification(z, solveSimplexQp(Kzz, C, K).x, n, { type: "cnn-gp", cnnGp: cfg });
    }
    const f = featureMap(P.c, options.kernel);
    const phiZ = f.features(z),
      phiX = f.features(P);
    const Kzz = gram(phiZ, phiZ),
      Kzx = gram(phiZ, phiX);
    const C = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Kzx[i * n + j]!;
      C[i] = s / n;
    }
    const beta = solveSimplexQp(Kzz, C, K).x;
    const spec = new RKMEImageSpecification(z, beta, n, { ...options.kernel, type: kernelType });
    spec.phiZ = phiZ;
    return spec;
  }

  /** Whether both specs use the same kernel (kind, channels and the kind's configuration). */
  sameKernelAs(o: RKMEImageSpecification): boolean {
    if (this.kernelType !== o.kernelType) return false;
    if (this.kernelType === "cnn-gp") return this.z.c === o.z.c && this.cnnGp.depth === o.cnnGp.depth && this.cnnGp.kernelSize === o.cnnGp.kernelSize;
    const a = this.features,
      b = o.features;
    return a.channels === b.channels && a.nModels === b.nModels && a.width === b.width && a.depth === b.depth && a.modelSeed === b.modelSeed;
  }

  private sameKernel(o: RKMEImageSpecification): void {
    if (!this.sameKernelAs(o))
      throw new RangeError(`Image specs use different kernels (${this.kernelType} vs ${o.kernelType}, or their channels or configuration differ)`);
  }

  /** The stat-file text (compact JSON of `toJSON()`). */
  stringify(): string {
    return JSON.stringify(this.toJSON());
  }

  /** Parses stat-file text. */
  static parse(text: string): RKMEImageSpecification {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new LearnwareError("SPEC_INVALID", `Stat spec is not valid JSON: ${(e as Error).message}`);
    }
    return RKMEImageSpecification.fromJSON(obj);
  }

  innerProduct(o: RKMEImageSpecification): number {
    this.sameKernel(o);
    if (o === this && this.selfInner !== null) return this.selfInner;
    const G = this.kernelType === "cnn-gp" ? cnnGpKernel(this.z, o === this ? null : o.z, this.cnnGp) : gram(this.zFeatures, o.zFeatures);
    let s = 0;
    for (let i = 0; i < this.z.n; i++) for (let j = 0; j < o.z.n; j++) s += this.beta[i]! * o.beta[j]! * G[i * o.z.n + j]!;
    if (o === this) this.selfInner = s;
    return s;
  }

  /** MMD² `ip(a,a) − 2ip(a,b) + ip(b,b)`. */
  dist(o: RKMEImageSpecification): number {
    return this.innerProduct(this) - 2 * this.innerProduct(o) + o.innerProduct(o);
  }

  toJSON(): ImageSpecJson {
    const { n, c } = this.z,
      z: number[][][][] = [];
    for (let i = 0; i < n; i++) {
      z.push(
        Array.from({ length: c }, (_, ch) =>
          Array.from({ length: 32 }, (_, y) => Array.from(this.z.data.subarray(((i * c + ch) * 32 + y) * 32, ((i * c + ch) * 32 + y + 1) * 32))),
        ),
      );
    }
    if (this.kernelType === "cnn-gp") {
      const { depth, kernelSize } = this.cnnGp;
      return {
        z,
        beta: Array.from(this.beta),
        num_points: this.numPoints,
        type: TYPE,
        RKME_IMAGE_VERSION: 1,
        n_models: 16,
        model_config: { k: 2, mu: 0, sigma: null, net_width: 128, net_depth: depth, ...(kernelSize !== 3 ? { kernel_size: kernelSize } : {}) },
      };
    }
    const f = this.features;
    return {
      z,
      beta: Array.from(this.beta),
      num_points: this.numPoints,
      type: TYPE,
      RKME_IMAGE_VERSION: 1,
      n_models: f.nModels,
      model_config: { net_width: f.width, net_depth: f.depth, model_seed: f.modelSeed, kernel: "random-conv-relu-avgpool" },
    };
  }

  static fromJSON(obj: unknown): RKMEImageSpecification {
    const o = obj as Partial<ImageSpecJson> | null;
    if (o === null || typeof o !== "object" || !Array.isArray(o.z) || !Array.isArray(o.beta)) {
      throw new LearnwareError("SPEC_INVALID", "Image stat spec must be an object with arrays 'z' and 'beta'");
    }
    if (o.type !== undefined && o.type !== TYPE)
      throw new LearnwareError("SPEC_INVALID", `Stat spec field 'type' is ${JSON.stringify(o.type)}, expected "${TYPE}"`);
    const n = o.z.length,
      c = o.z[0]?.length ?? 0;
    if (n === 0 || c === 0) throw new LearnwareError("SPEC_INVALID", "Image spec 'z' must hold at least one image with at least one channel");
    const data = new Float64Array(n * c * 1024);
    o.z.forEach((img, i) => {
      if (!Array.isArray(img) || img.length !== c) throw new LearnwareError("SPEC_INVALID", `Image spec z[${i}] must have ${c} channels`);
      img.forEach((plane, ch) => {
        if (!Array.isArray(plane) || plane.length !== 32) throw new LearnwareError("SPEC_INVALID", `Image spec z[${i}][${ch}] must be 32 rows`);
        plane.forEach((r, y) => {
          if (!Array.isArray(r) || r.length !== 32) throw new LearnwareError("SPEC_INVALID", `Image spec z[${i}][${ch}][${y}] must be 32 values`);
          data.set(r, ((i * c + ch) * 32 + y) * 32);
        });
      });
    });
    if (!data.every(Number.isFinite)) throw new LearnwareError("SPEC_INVALID", "Image spec 'z' must hold only finite numbers");
    if (o.beta.length !== n || !o.beta.every((b) => typeof b === "number" && Number.isFinite(b)))
      throw new LearnwareError("SPEC_INVALID", `Image spec 'beta' must be ${n} finite numbers (one per image of 'z')`);
    const mc = (o.model_config ?? {}) as Record<string, unknown>;
    if (typeof mc !== "object" || mc === null) throw new LearnwareError("SPEC_INVALID", "Image spec 'model_config' must be an object");
    const kind = mc.kernel ?? "cnn-gp";
    const batch = { n, c, h: 32, w: 32, data };
    if (kind === "cnn-gp") {
      // The Python package's files: the kernel is the CNN-GP of net_depth (and kernel_size) blocks.
      const depth = mc.net_depth ?? 3,
        kernelSize = mc.kernel_size ?? 3;
      try {
        const cnnGp = cnnGpConfig({ depth: depth as number, kernelSize: kernelSize as number });
        return new RKMEImageSpecification(batch, Float64Array.from(o.beta), o.num_points ?? 0, { type: "cnn-gp", cnnGp });
      } catch (e) {
        throw new LearnwareError("SPEC_INVALID", `Image spec 'model_config': ${(e as Error).message}`);
      }
    }
    if (kind !== "random-conv-relu-avgpool")
      throw new LearnwareError(
        "SPEC_INVALID",
        `Image spec 'model_config.kernel' is ${JSON.stringify(kind)}, expected one of ${IMAGE_KERNEL_TYPES.map((k) => `"${k}"`).join(", ")}`,
      );
    for (const [field, v, max] of [
      ["n_models", o.n_models, 64],
      ["model_config.net_width", mc.net_width, 1024],
      ["model_config.net_depth", mc.net_depth, 5],
    ] as const)
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max))
        throw new LearnwareError("SPEC_INVALID", `Image spec '${field}' must be an integer 1..${max}, got ${JSON.stringify(v)}`);
    const kernel = {
      type: kind,
      ...(o.n_models !== undefined ? { nModels: o.n_models } : {}),
      ...(mc.net_width !== undefined ? { width: mc.net_width as number } : {}),
      ...(mc.net_depth !== undefined ? { depth: mc.net_depth as number } : {}),
      ...(mc.model_seed !== undefined ? { modelSeed: mc.model_seed as number } : {}),
    } as ImageKernelOptions;
    try {
      return new RKMEImageSpecification(batch, Float64Array.from(o.beta), o.num_points ?? 0, kernel);
    } catch (e) {
      throw new LearnwareError("SPEC_INVALID", `Image spec 'model_config': ${(e as Error).message}`);
    }
  }
}

/** The image searcher's score transform, `1 − exp(−d / 0.00005)`, as specified for image search. */
export function imageDistToScore(d: number): number {
  return 1 - Math.exp(-d / 0.00005);
}
