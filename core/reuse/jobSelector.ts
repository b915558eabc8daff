/**
 * JobSelectorReuser (the Python package's `JobSelectorReuser`): each user row goes to the
 * one learnware whose training distribution it most likely came from, and that learnware
 * predicts it.
 *
 * As in Python: the mixture weights `w` of the learnwares' RKMEs that best match the user's
 * data (simplex QP with `K_ij = ip(spec_i, spec_j)`, `C_i = ip(user, spec_i)`, the user's
 * embedding being its raw rows with weights `1/n`, γ = 0.1) decide how many herding samples
 * each learnware contributes (`max(5, ⌊herdingNum·w_i⌋)`); a classifier trained on those
 * samples, labelled by learnware index, is the job selector. With `useHerding: false` the
 * reduced sets `z` are the training samples instead.
 *
 * Deviation: Python trains a LightGBM classifier as the selector; here the selector is a
 * k-NN classifier (default) or a multinomial logistic regression, or any classifier passed
 * in. Both are non-parametric or simple enough to train in milliseconds on herding samples.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { JobSelectorReuser } from "./jobSelector.ts";
 * import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
 * import { fromRows, matrix } from "../matrix.ts";
 * const lw = (c: number, out: number) => ({
 *   id: String(out),
 *   spec: new RKMETableSpecification(fromRows([[c]]), new Float64Array([1]), 0.1, 10),
 *   predict: async (X: { rows: number }) => { const m = matrix(X.rows, 1); m.data.fill(out); return m; },
 * });
 * const r = new JobSelectorReuser([lw(-5, 0), lw(5, 1)], { herdingNum: 50 });
 * const y = await r.predict(fromRows([[-5], [5]]));
 * assert.equal(y.data[0], 0);
 * assert.equal(y.data[1], 1);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { innerProduct, type KernelMeanEmbedding } from "../kernel/mmd.ts";
import type { Matrix } from "../matrix.ts";
import { solveSimplexQp } from "../qp/simplexQp.ts";
import { checkPrediction, fillNonFinite, takeRows } from "./_ops.ts";
import { type Classifier, fitLogisticCV, KnnClassifier } from "./simpleModels.ts";
import type { Learnware, Predictor } from "./types.ts";

export interface JobSelectorOptions {
  /** Total herding samples (split by mixture weight). Default 1000, as Python. */
  herdingNum?: number;
  /** Herding samples (true, default) or the reduced sets `z` as the selector's training data. */
  useHerding?: boolean;
  /** `"knn"` (default), `"logistic"`, or a function training any classifier. */
  selector?: "knn" | "logistic" | ((X: Matrix, y: Int32Array, numClasses: number) => Classifier);
  /** Neighbours of the k-NN selector. Default 5. */
  k?: number;
  /** Seed of herding. Default 0. */
  seed?: number;
  /** γ of the user's raw-data embedding. Default 0.1. */
  gamma?: number;
}

export class JobSelectorReuser implements Predictor {
  readonly learnwares: readonly Learnware[];
  private readonly options: JobSelectorOptions;
  /** Mixture weights of the last `predict` (for inspection). */
  lastMixtureWeights: Float64Array | null = null;

  constructor(learnwares: readonly Learnware[], options: JobSelectorOptions = {}) {
    if (learnwares.length === 0) throw new RangeError("JobSelectorReuser needs at least one learnware");
    if (learnwares.length > 1) {
      learnwares.forEach((l) => {
        if (l.spec === undefined) throw new LearnwareError("SPEC_MISSING", `JobSelectorReuser: learnware ${l.id} has no table RKME`);
      });
    }
    this.learnwares = learnwares;
    this.options = options;
  }

  /** The learnware index chosen for each row of X. */
  selectJobs(X: Matrix): Int32Array {
    const L = this.learnwares.length;
    if (L === 1) return new Int32Array(X.rows);
    const specs = this.learnwares.map((l) => l.spec!);
    const d = specs[0]!.dim;
    for (const s of specs) if (s.dim !== d) throw new RangeError(`JobSelectorReuser: learnware specs have dimensions ${d} and ${s.dim}`);
    if (X.cols !== d) throw new RangeError(`JobSelectorReuser: user data has ${X.cols} columns, learnware specs ${d}`);
    const useHerding = this.options.useHerding ?? true;
    const herdingNum = this.options.herdingNum ?? 1000;
    const seed = this.options.seed ?? 0;
    const parts: Matrix[] = [];
    if (useHerding) {
      const w = this.mixtureWeights(X);
      this.lastMixtureWeights = w;
      specs.forEach((s, i) => parts.push(s.herding(Math.max(5, Math.floor(herdingNum * w[i]!)), seed + i)));
    } else {
      specs.forEach((s) => parts.push(s.z));
    }
    let total = 0;
    for (const p of parts) total += p.rows;
    const Xs = new Float64Array(total * d),
      ys = new Int32Array(total);
    let at = 0;
    parts.forEach((p, i) => {
      Xs.set(p.data, at * d);
      ys.fill(i, at, at + p.rows);
      at += p.rows;
    });
    const train: Matrix = { rows: total, cols: d, data: Xs };
    const sel = this.options.selector ?? "knn";
    const clf =
      sel === "knn"
        ? new KnnClassifier(train, ys, this.options.k ?? 5, L)
        : sel === "logistic"
          ? fitLogisticCV(train, ys, { numClasses: L, Cs: [1] })
          : sel(train, ys, L);
    return clf.predict(X);
  }

  /** Mixture weights of the learnwares' RKMEs against the user's raw rows. */
  mixtureWeights(X: Matrix): Float64Array {
    const L = this.learnwares.length;
    const specs = this.learnwares.map((l) => l.spec!);
    const user: KernelMeanEmbedding = { z: X, beta: new Float64Array(X.rows).fill(1 / X.rows), gamma: this.options.gamma ?? 0.1 };
    const K = new Float64Array(L * L),
      C = new Float64Array(L);
    for (let i = 0; i < L; i++) {
      K[i * L + i] = innerProduct(specs[i]!, specs[i]!);
      for (let j = i + 1; j < L; j++) K[i * L + j] = K[j * L + i] = innerProduct(specs[i]!, specs[j]!);
      C[i] = innerProduct(user, specs[i]!);
    }
    return solveSimplexQp(K, C, L).x;
  }

  async predict(X: Matrix): Promise<Matrix> {
    const clean = fillNonFinite(X);
    const jobs = this.selectJobs(clean);
    const n = X.rows;
    let out: Matrix | null = null;
    await Promise.all(
      this.learnwares.map(async (l, i) => {
        const idx: number[] = [];
        for (let r = 0; r < n; r++) if (jobs[r] === i) idx.push(r);
        if (idx.length === 0) return;
        const P = checkPrediction(await l.predict(takeRows(X, idx)), idx.length, l.id);
        out ??= { rows: n, cols: P.cols, data: new Float64Array(n * P.cols) };
        const o: Matrix = out;
        if (P.cols !== o.cols) throw new RangeError(`JobSelectorReuser: learnware outputs have different widths (${o.cols} and ${P.cols})`);
        idx.forEach((r, k) => o.data.set(P.data.subarray(k * P.cols, (k + 1) * P.cols), r * P.cols));
      }),
    );
    return out ?? { rows: 0, cols: 1, data: new Float64Array(0) };
  }
}
