/**
 * The simple models reusers fit on user data, written in plain TypeScript:
 *
 * * `fitRidgeCV` — ridge regression with an intercept, α chosen by exact leave-one-out
 *   error over a grid (as scikit-learn's `RidgeCV` default, alphas 0.01 … 100);
 * * `fitLogisticCV` — multinomial (softmax) logistic regression with an L2 penalty `1/(2C)‖W‖²`
 *   on standardised features, `C` chosen by seeded k-fold accuracy (as `LogisticRegressionCV`);
 * * `KnnClassifier` — k nearest neighbours (Euclidean on standardised features), the job
 *   selector's default.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { fitRidgeCV } from "./simpleModels.ts";
 * import { fromRows } from "../matrix.ts";
 * const X = fromRows([[0], [1], [2], [3]]), y = new Float64Array([1, 3, 5, 7]);
 * const m = fitRidgeCV(X, y, [1e-6]);
 * assert.ok(Math.abs(m.predict(fromRows([[4]])).data[0]! - 9) < 1e-3);
 * ```
 */
import type { Matrix } from "../matrix.ts";
import { createRng } from "../random.ts";
import { solveSpd } from "../linalg/solveSpd.ts";
import { minimizeLbfgs } from "./lbfgs.ts";

/** Per-column mean and scale (std, or 1 for a constant column). */
export class Standardizer {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  constructor(X: Matrix) {
    const { rows: n, cols: d, data } = X;
    this.mean = new Float64Array(d);
    this.scale = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) this.mean[j]! += data[i * d + j]! / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) this.scale[j]! += (data[i * d + j]! - this.mean[j]!) ** 2 / n;
    for (let j = 0; j < d; j++) {
      const s = Math.sqrt(this.scale[j]!);
      this.scale[j] = s > 1e-12 ? s : 1;
    }
  }
  transform(X: Matrix): Matrix {
    const { rows: n, cols: d } = X;
    if (d !== this.mean.length) throw new RangeError(`Standardizer: expected ${this.mean.length} columns, got ${d}`);
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (X.data[i * d + j]! - this.mean[j]!) / this.scale[j]!;
    return { rows: n, cols: d, data: out };
  }
}

export interface LinearRegressor {
  readonly alpha: number;
  predict(X: Matrix): Matrix;
}

/**
 * Ridge regression `min ‖y − Xw − b‖² + α‖w‖²` for each α in `alphas`, keeping the α with
 * the lowest exact leave-one-out squared error. `y` is n×1 (a Float64Array of length n).
 */
export function fitRidgeCV(X: Matrix, y: Float64Array, alphas: readonly number[] = [0.01, 0.1, 1, 10, 100]): LinearRegressor {
  const { rows: n, cols: d, data } = X;
  if (y.length !== n) throw new RangeError(`fitRidgeCV: ${y.length} targets for ${n} rows`);
  const xm = new Float64Array(d);
  let ym = 0;
  for (let i = 0; i < n; i++) {
    ym += y[i]! / n;
    for (let j = 0; j < d; j++) xm[j]! += data[i * d + j]! / n;
  }
  const Xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = data[i * d + j]! - xm[j]!;
  const G = new Float64Array(d * d),
    Xy = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const xa = Xc[i * d + a]!;
      Xy[a]! += xa * (y[i]! - ym);
      for (let b = 0; b <= a; b++) G[a * d + b]! += xa * Xc[i * d + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) G[b * d + a] = G[a * d + b]!;
  let best: { alpha: number; w: Float64Array; err: number } | null = null;
  for (const alpha of alphas) {
    // solve (G + αI) [w | H] = [Xy | Xcᵀ] to get weights and leverages.
    const rhs = new Float64Array(d * (n + 1));
    for (let j = 0; j < d; j++) {
      rhs[j * (n + 1)] = Xy[j]!;
      for (let i = 0; i < n; i++) rhs[j * (n + 1) + 1 + i] = Xc[i * d + j]!;
    }
    const B = solveSpd(G, d, rhs, n + 1, { ridge: alpha });
    const w = new Float64Array(d);
    for (let j = 0; j < d; j++) w[j] = B[j * (n + 1)]!;
    let err = 0;
    for (let i = 0; i < n; i++) {
      let pred = ym,
        h = 1 / n; // the intercept's leverage
      for (let j = 0; j < d; j++) {
        pred += Xc[i * d + j]! * w[j]!;
        h += Xc[i * d + j]! * B[j * (n + 1) + 1 + i]!;
      }
      const r = (y[i]! - pred) / Math.max(1 - h, 1e-12);
      err += r * r;
    }
    if (best === null || err < best.err) best = { alpha, w, err };
  }
  const { w, alpha } = best!;
  return {
    alpha,
    predict(Z: Matrix): Matrix {
      if (Z.cols !== d) throw new RangeError(`Ridge model expects ${d} columns, got ${Z.cols}`);
      const out = new Float64Array(Z.rows);
      for (let i = 0; i < Z.rows; i++) {
        let s = ym;
        for (let j = 0; j < d; j++) s += (Z.data[i * d + j]! - xm[j]!) * w[j]!;
        out[i] = s;
      }
      return { rows: Z.rows, cols: 1, data: out };
    },
  };
}

export interface Classifier {
  readonly numClasses: number;
  /** n×c class probabilities. */
  predictProba(X: Matrix): Matrix;
  /** n labels. */
  predict(X: Matrix): Int32Array;
}

function argmaxRows(P: Matrix): Int32Array {
  const out = new Int32Array(P.rows);
  for (let i = 0; i < P.rows; i++) {
    let b = 0;
    for (let j = 1; j < P.cols; j++) if (P.data[i * P.cols + j]! > P.data[i * P.cols + b]!) b = j;
    out[i] = b;
  }
  return out;
}

/** Softmax regression on already standardised X; W is (d+1)×c, the last row the bias. */
function fitSoftmax(X: Matrix, y: Int32Array, c: number, C: number, maxIterations: number): Float64Array {
  const { rows: n, cols: d, data } = X;
  const p = new Float64Array(c);
  const loss = (W: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let f = 0;
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let k = 0; k < c; k++) {
        let s = W[d * c + k]!;
        for (let j = 0; j < d; j++) s += data[i * d + j]! * W[j * c + k]!;
        p[k] = s;
        if (s > mx) mx = s;
      }
      let z = 0;
      for (let k = 0; k < c; k++) {
        p[k] = Math.exp(p[k]! - mx);
        z += p[k]!;
      }
      f -= Math.log(p[y[i]!]! / z);
      for (let k = 0; k < c; k++) {
        const r = p[k]! / z - (k === y[i] ? 1 : 0);
        for (let j = 0; j < d; j++) g[j * c + k]! += r * data[i * d + j]!;
        g[d * c + k]! += r;
      }
    }
    for (let t = 0; t < d * c; t++) {
      f += (W[t]! * W[t]!) / (2 * C);
      g[t]! += W[t]! / C;
    }
    return f;
  };
  return minimizeLbfgs(loss, new Float64Array((d + 1) * c), { maxIterations }).x;
}

function softmaxClassifier(std: Standardizer, W: Float64Array, d: number, c: number): Classifier {
  const predictProba = (X: Matrix): Matrix => {
    const Z = std.transform(X);
    const out = new Float64Array(Z.rows * c);
    for (let i = 0; i < Z.rows; i++) {
      let mx = -Infinity;
      for (let k = 0; k < c; k++) {
        let s = W[d * c + k]!;
        for (let j = 0; j < d; j++) s += Z.data[i * d + j]! * W[j * c + k]!;
        out[i * c + k] = s;
        if (s > mx) mx = s;
      }
      let z = 0;
      for (let k = 0; k < c; k++) {
        out[i * c + k] = Math.exp(out[i * c + k]! - mx);
        z += out[i * c + k]!;
      }
      for (let k = 0; k < c; k++) out[i * c + k]! /= z;
    }
    return { rows: Z.rows, cols: c, data: out };
  };
  return { numClasses: c, predictProba, predict: (X) => argmaxRows(predictProba(X)) };
}

export interface LogisticOptions {
  Cs?: readonly number[];
  folds?: number;
  seed?: number;
  maxIterations?: number;
  /** Number of classes (default: max label + 1). */
  numClasses?: number;
}

/** Multinomial logistic regression with C chosen by k-fold accuracy (ties → the smaller C). */
export function fitLogisticCV(X: Matrix, y: ArrayLike<number>, options: LogisticOptions = {}): Classifier & { C: number } {
  const n = X.rows,
    d = X.cols;
  if (y.length !== n) throw new RangeError(`fitLogisticCV: ${y.length} labels for ${n} rows`);
  const labels = Int32Array.from(y as ArrayLike<number>);
  let c = options.numClasses ?? 0;
  for (const v of labels) c = Math.max(c, v + 1);
  c = Math.max(c, 2);
  const Cs = options.Cs ?? [0.01, 0.1, 1, 10, 100];
  const folds = Math.min(options.folds ?? 5, n);
  const maxIt = options.maxIterations ?? 200;
  const std = new Standardizer(X);
  const Z = std.transform(X);
  let bestC = Cs[0]!;
  if (Cs.length > 1 && folds >= 2) {
    const rng = createRng(options.seed ?? 0);
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    let bestAcc = -1;
    for (const C of Cs) {
      let correct = 0;
      for (let f = 0; f < folds; f++) {
        const test = perm.filter((_, k) => k % folds === f),
          train = perm.filter((_, k) => k % folds !== f);
        const Xtr = pick(Z, train),
          ytr = Int32Array.from(train, (i) => labels[i]!);
        const W = fitSoftmax(Xtr, ytr, c, C, maxIt);
        const ident = identityStd(d);
        const pred = softmaxClassifier(ident, W, d, c).predict(pick(Z, test));
        test.forEach((i, k) => {
          if (pred[k] === labels[i]) correct++;
        });
      }
      if (correct > bestAcc) {
        bestAcc = correct;
        bestC = C;
      }
    }
  }
  const W = fitSoftmax(Z, labels, c, bestC, maxIt);
  return Object.assign(softmaxClassifier(std, W, d, c), { C: bestC });
}

function identityStd(d: number): Standardizer {
  return Object.assign(Object.create(Standardizer.prototype) as Standardizer, {
    mean: new Float64Array(d),
    scale: new Float64Array(d).fill(1),
  });
}

function pick(X: Matrix, idx: readonly number[]): Matrix {
  const d = X.cols,
    data = new Float64Array(idx.length * d);
  idx.forEach((i, k) => data.set(X.data.subarray(i * d, (i + 1) * d), k * d));
  return { rows: idx.length, cols: d, data };
}

/** k-NN on standardised features; probabilities are neighbour vote fractions. */
export class KnnClassifier implements Classifier {
  readonly numClasses: number;
  private readonly std: Standardizer;
  private readonly Z: Matrix;
  private readonly y: Int32Array;
  private readonly k: number;
  constructor(X: Matrix, y: ArrayLike<number>, k = 5, numClasses?: number) {
    if (y.length !== X.rows) throw new RangeError(`KnnClassifier: ${y.length} labels for ${X.rows} rows`);
    if (X.rows === 0) throw new RangeError("KnnClassifier needs at least one training row");
    this.std = new Standardizer(X);
    this.Z = this.std.transform(X);
    this.y = Int32Array.from(y as ArrayLike<number>);
    let c = numClasses ?? 0;
    for (const v of this.y) c = Math.max(c, v + 1);
    this.numClasses = c;
    this.k = Math.max(1, Math.min(k, X.rows));
  }
  predictProba(X: Matrix): Matrix {
    const Q = this.std.transform(X);
    const { rows: m, cols: d } = Q,
      n = this.Z.rows,
      k = this.k,
      c = this.numClasses;
    const out = new Float64Array(m * c);
    const bestD = new Float64Array(k),
      bestI = new Int32Array(k);
    for (let q = 0; q < m; q++) {
      bestD.fill(Infinity);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const t = Q.data[q * d + j]! - this.Z.data[i * d + j]!;
          s += t * t;
        }
        if (s < bestD[k - 1]!) {
          let p = k - 1;
          while (p > 0 && bestD[p - 1]! > s) {
            bestD[p] = bestD[p - 1]!;
            bestI[p] = bestI[p - 1]!;
            p--;
          }
          bestD[p] = s;
          bestI[p] = i;
        }
      }
      for (let t = 0; t < k; t++) out[q * c + this.y[bestI[t]!]!]! += 1 / k;
    }
    return { rows: m, cols: c, data: out };
  }
  predict(X: Matrix): Int32Array {
    return argmaxRows(this.predictProba(X));
  }
}
