/**
 * FeatureAugmentReuser (the Python package's `FeatureAugmentReuser`): the learnwares'
 * outputs become extra features beside the user's own, and a simple model is fit on the
 * user's labelled rows — ridge regression with α chosen by leave-one-out (`RidgeCV`,
 * alphas 0.01 … 100) for regression, multinomial logistic regression with C chosen by 5-fold
 * CV (`LogisticRegressionCV`) for classification. Non-finite inputs are filled with column
 * means first, as Python's `_fill_data` (without mutating the caller's matrix).
 *
 * `predict` returns n×1 (the regression value or the class label), as Python's does.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { FeatureAugmentReuser } from "./featureAugment.ts";
 * import { fromRows } from "../matrix.ts";
 * const twice = { id: "2x", predict: async (X: { rows: number; data: Float64Array }) => ({ rows: X.rows, cols: 1, data: X.data.map((v) => 2 * v) }) };
 * const r = new FeatureAugmentReuser([twice], "regression");
 * await r.fit(fromRows([[0], [1], [2], [3]]), fromRows([[1], [3], [5], [7]]));
 * assert.ok(Math.abs((await r.predict(fromRows([[10]]))).data[0]! - 21) < 0.5);
 * ```
 */
import type { Matrix } from "../matrix.ts";
import { checkPrediction, fillNonFinite, hconcat, toLabels } from "./_ops.ts";
import { type Classifier, fitLogisticCV, fitRidgeCV, type LinearRegressor } from "./simpleModels.ts";
import type { FittableReuser, Learnware, TaskMode } from "./types.ts";

export interface FeatureAugmentOptions {
  alphas?: readonly number[];
  Cs?: readonly number[];
  seed?: number;
}

export class FeatureAugmentReuser implements FittableReuser {
  readonly learnwares: readonly Learnware[];
  readonly mode: TaskMode;
  private readonly options: FeatureAugmentOptions;
  private model: { kind: "regression"; m: LinearRegressor } | { kind: "classification"; m: Classifier } | null = null;

  constructor(learnwares: readonly Learnware[], mode: TaskMode, options: FeatureAugmentOptions = {}) {
    if (mode !== "classification" && mode !== "regression") {
      throw new RangeError(`Mode must be either classification or regression, got ${String(mode)}`);
    }
    this.learnwares = learnwares;
    this.mode = mode;
    this.options = options;
  }

  /** `[X | outputs of every learnware]` (X filled). */
  async augment(X: Matrix): Promise<Matrix> {
    const filled = fillNonFinite(X);
    const outs = await Promise.all(this.learnwares.map(async (l) => checkPrediction(await l.predict(filled), X.rows, l.id)));
    return hconcat([filled, ...outs]);
  }

  async fit(X: Matrix, y: Matrix): Promise<void> {
    if (y.rows !== X.rows) throw new RangeError(`FeatureAugmentReuser.fit: ${y.rows} labels for ${X.rows} rows`);
    const A = await this.augment(X);
    if (this.mode === "regression") {
      this.model = { kind: "regression", m: fitRidgeCV(A, column0(y), this.options.alphas) };
    } else {
      const labels = y.cols > 1 ? toLabels(y) : Int32Array.from(y.data, (v) => Math.round(v));
      this.model = {
        kind: "classification",
        m: fitLogisticCV(A, labels, {
          ...(this.options.Cs !== undefined ? { Cs: this.options.Cs } : {}),
          seed: this.options.seed ?? 0,
        }),
      };
    }
  }

  async predict(X: Matrix): Promise<Matrix> {
    if (this.model === null) throw new Error("FeatureAugmentReuser is not trained by labelled data yet: call fit(X, y) first");
    const A = await this.augment(X);
    if (this.model.kind === "regression") return this.model.m.predict(A);
    const labels = this.model.m.predict(A);
    return { rows: labels.length, cols: 1, data: Float64Array.from(labels) };
  }

  /** Class probabilities (classification only). */
  async predictProba(X: Matrix): Promise<Matrix> {
    if (this.model === null || this.model.kind !== "classification") {
      throw new Error("FeatureAugmentReuser.predictProba needs a fitted classification reuser");
    }
    return this.model.m.predictProba(await this.augment(X));
  }
}

function column0(y: Matrix): Float64Array {
  const out = new Float64Array(y.rows);
  for (let i = 0; i < y.rows; i++) out[i] = y.data[i * y.cols]!;
  return out;
}
