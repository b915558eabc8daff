/**
 * Image preprocessing of the image RKME, as the Python `RKMEImageSpecification` does it:
 * non-finite pixels → the image's mean, resize to 32×32 (area averaging when shrinking,
 * bilinear when enlarging — torchvision's antialiased resize), per-channel standardisation
 * over all images and pixels, then whitening when there is more than one channel.
 *
 * Images are `{ n, c, h, w, data }` in N×C×H×W order (Float64Array).
 *
 * Deviation: Python whitens with a full ZCA matrix over the flattened 3·32·32 = 3072-d
 * images (an eigendecomposition of a 3072×3072 covariance); here ZCA is applied across the
 * channels of every pixel (a C×C covariance), which decorrelates colour like the full ZCA's
 * dominant component at a tiny fraction of the cost, and keeps the code portable.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { resizeImages } from "./preprocess.ts";
 * const img = { n: 1, c: 1, h: 2, w: 2, data: Float64Array.from([0, 1, 2, 3]) };
 * assert.equal(resizeImages(img, 1, 1).data[0], 1.5);
 * ```
 */
import { LearnwareError } from "../errors.ts";

export interface ImageBatch {
  n: number;
  c: number;
  h: number;
  w: number;
  /** N×C×H×W, row-major. */
  data: Float64Array;
}

export const IMAGE_WIDTH = 32;

export function checkImages(X: ImageBatch): void {
  const { n, c, h, w, data } = X;
  for (const [k, v] of Object.entries({ n, c, h, w })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`Image batch ${k} must be a positive integer, got ${v}`);
  }
  if (data.length !== n * c * h * w) throw new RangeError(`Image data length ${data.length} does not match ${n}x${c}x${h}x${w}`);
}

/** Copy with each image's non-finite values replaced by that image's finite mean. */
export function fillImages(X: ImageBatch): ImageBatch {
  const size = X.c * X.h * X.w;
  const data = Float64Array.from(X.data);
  for (let i = 0; i < X.n; i++) {
    let s = 0,
      k = 0,
      bad = false;
    for (let t = i * size; t < (i + 1) * size; t++) {
      const v = data[t]!;
      if (Number.isFinite(v)) {
        s += v;
        k++;
      } else bad = true;
    }
    if (!bad) continue;
    if (k === 0) throw new LearnwareError("DATA_INVALID", `All values in image ${i} are non-finite (NaN or ±Infinity)`);
    for (let t = i * size; t < (i + 1) * size; t++) if (!Number.isFinite(data[t]!)) data[t] = s / k;
  }
  return { ...X, data };
}

/** Separable resize: area averaging along an axis that shrinks, bilinear (half-pixel centres) along one that grows. */
export function resizeImages(X: ImageBatch, H: number, W: number): ImageBatch {
  if (X.h === H && X.w === W) return X;
  const weights = (from: number, to: number): { idx: number[]; w: number[] }[] => {
    const out: { idx: number[]; w: number[] }[] = [];
    const scale = from / to;
    for (let o = 0; o < to; o++) {
      if (scale >= 1) {
        // area: the source interval [o·s, (o+1)·s)
        const a = o * scale,
          b = (o + 1) * scale,
          idx: number[] = [],
          w: number[] = [];
        for (let s = Math.floor(a); s < Math.ceil(b) && s < from; s++) {
          const overlap = Math.min(b, s + 1) - Math.max(a, s);
          if (overlap > 1e-12) {
            idx.push(s);
            w.push(overlap / scale);
          }
        }
        out.push({ idx, w });
      } else {
        const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), from - 1);
        const x0 = Math.floor(x),
          x1 = Math.min(x0 + 1, from - 1),
          f = x - x0;
        out.push({ idx: [x0, x1], w: [1 - f, f] });
      }
    }
    return out;
  };
  const wy = weights(X.h, H),
    wx = weights(X.w, W);
  const { n, c } = X;
  const data = new Float64Array(n * c * H * W);
  const tmp = new Float64Array(X.h * W);
  for (let p = 0; p < n * c; p++) {
    const src = X.data.subarray(p * X.h * X.w, (p + 1) * X.h * X.w);
    tmp.fill(0);
    for (let y = 0; y < X.h; y++)
      for (let ox = 0; ox < W; ox++) {
        const { idx, w } = wx[ox]!;
        let s = 0;
        for (let k = 0; k < idx.length; k++) s += w[k]! * src[y * X.w + idx[k]!]!;
        tmp[y * W + ox] = s;
      }
    for (let oy = 0; oy < H; oy++) {
      const { idx, w } = wy[oy]!;
      for (let ox = 0; ox < W; ox++) {
        let s = 0;
        for (let k = 0; k < idx.length; k++) s += w[k]! * tmp[idx[k]! * W + ox]!;
        data[p * H * W + oy * W + ox] = s;
      }
    }
  }
  return { n, c, h: H, w: W, data };
}

/** Per-channel standardisation over all images and pixels (torch.std: unbiased). */
export function standardizeChannels(X: ImageBatch): ImageBatch {
  const { n, c, h, w } = X,
    hw = h * w;
  const data = Float64Array.from(X.data);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let i = 0; i < n; i++) for (let t = 0; t < hw; t++) s += data[(i * c + ch) * hw + t]!;
    const mean = s / (n * hw);
    let v = 0;
    for (let i = 0; i < n; i++) for (let t = 0; t < hw; t++) v += (data[(i * c + ch) * hw + t]! - mean) ** 2;
    const sd = Math.sqrt(v / Math.max(1, n * hw - 1)) || 1;
    for (let i = 0; i < n; i++) for (let t = 0; t < hw; t++) data[(i * c + ch) * hw + t] = (data[(i * c + ch) * hw + t]! - mean) / sd;
  }
  return { ...X, data };
}

/** Channel ZCA: x ← U(Λ + εI)^{-1/2}Uᵀ x per pixel, with the C×C channel covariance (Jacobi eigensolver). */
export function zcaChannels(X: ImageBatch, eps = 0.1): ImageBatch {
  const { n, c, h, w } = X,
    hw = h * w;
  if (c < 2) return X;
  const cov = new Float64Array(c * c);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < hw; t++) {
      for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) cov[a * c + b]! += X.data[(i * c + a) * hw + t]! * X.data[(i * c + b) * hw + t]!;
    }
  for (let k = 0; k < c * c; k++) cov[k]! /= n * hw;
  const { values, vectors } = jacobiEigen(cov, c);
  const Wm = new Float64Array(c * c);
  for (let a = 0; a < c; a++)
    for (let b = 0; b < c; b++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += (vectors[a * c + k]! * vectors[b * c + k]!) / Math.sqrt(Math.max(values[k]!, 0) + eps);
      Wm[a * c + b] = s;
    }
  const data = new Float64Array(X.data.length);
  const px = new Float64Array(c);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < hw; t++) {
      for (let a = 0; a < c; a++) px[a] = X.data[(i * c + a) * hw + t]!;
      for (let a = 0; a < c; a++) {
        let s = 0;
        for (let b = 0; b < c; b++) s += Wm[a * c + b]! * px[b]!;
        data[(i * c + a) * hw + t] = s;
      }
    }
  return { ...X, data };
}

function jacobiEigen(S: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(S),
    V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1),
          sn = t * cs;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!,
            akq = A[k * n + q]!;
          A[k * n + p] = cs * akp - sn * akq;
          A[k * n + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!,
            aqk = A[q * n + k]!;
          A[p * n + k] = cs * apk - sn * aqk;
          A[q * n + k] = sn * apk + cs * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!,
            vkq = V[k * n + q]!;
          V[k * n + p] = cs * vkp - sn * vkq;
          V[k * n + q] = sn * vkp + cs * vkq;
        }
      }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i]!;
  return { values, vectors: V };
}

/** The full preprocessing: fill, resize to 32×32, standardise, channel ZCA (when c > 1 and `whitening`). */
export function preprocessImages(X: ImageBatch, options: { whitening?: boolean } = {}): ImageBatch {
  checkImages(X);
  let Y = resizeImages(fillImages(X), IMAGE_WIDTH, IMAGE_WIDTH);
  Y = standardizeChannels(Y);
  if (Y.c > 1 && (options.whitening ?? true)) Y = zcaChannels(Y);
  return Y;
}

/**
 * One decoded picture (interleaved bytes, `channels` per pixel: 1 grey, 2 grey + alpha, 3 RGB,
 * 4 RGBA; alpha ignored) as a 1×3×32×32 batch of RGB in [0, 1], resized as above. The page
 * (canvas RGBA) and the CLI (sharp) read pictures through it.
 */
export function pictureToImage(bytes: ArrayLike<number>, width: number, height: number, channels: number): ImageBatch {
  if (!(channels >= 1 && channels <= 4) || width < 1 || height < 1 || bytes.length < width * height * channels) {
    throw new RangeError(`A picture of ${width}×${height}×${channels} needs ${width * height * channels} bytes, got ${bytes.length}`);
  }
  const colour = channels >= 3 ? 3 : 1;
  const data = new Float64Array(3 * height * width);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[c * height * width + y * width + x] = bytes[(y * width + x) * channels + (colour === 3 ? c : 0)]! / 255;
  return resizeImages({ n: 1, c: 3, h: height, w: width, data }, IMAGE_WIDTH, IMAGE_WIDTH);
}

/** Pictures of any sizes (each already 1×3×32×32, e.g. from `pictureToImage`) as one batch. */
export function stackImages(images: readonly ImageBatch[]): ImageBatch {
  if (images.length === 0) throw new RangeError("No images to stack");
  const { c, h, w } = images[0]!;
  const size = c * h * w;
  const data = new Float64Array(images.length * size);
  images.forEach((im, i) => {
    if (im.n !== 1 || im.c !== c || im.h !== h || im.w !== w) throw new RangeError(`Image ${i} is ${im.n}×${im.c}×${im.h}×${im.w}, not 1×${c}×${h}×${w}`);
    data.set(im.data, i * size);
  });
  return { n: images.length, c, h, w, data };
}
