/**
 * Seeded synthetic tasks, each built so one reuser has something to gain over the best
 * single learnware. Shared by the tests beside the code and by `bench/reuse/`.
 *
 * Learnwares here are small TS models (logistic / ridge fitted on their own data) wrapped
 * as `Learnware`s; the user side has test rows and, for the fitted reusers, a few labels.
 */
import { fromRows, type Matrix } from "../matrix.ts";
import { createRng, type Rng } from "../random.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { fitLogisticCV, fitRidgeCV } from "./simpleModels.ts";
import type { Learnware, TaskMode } from "./types.ts";

export interface ReuseTask {
  name: string;
  mode: TaskMode;
  learnwares: Learnware[];
  /** Labelled user rows for reusers that fit (validation / training). */
  fitX: Matrix;
  fitY: Matrix;
  /** The user's test rows and their truth. */
  testX: Matrix;
  testY: Matrix;
}

function gauss(rng: Rng, n: number, d: number, mean: readonly number[], sd = 1): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => (mean[j] ?? 0) + sd * rng.normal()));
}

function col(v: readonly number[]): Matrix {
  return { rows: v.length, cols: 1, data: Float64Array.from(v) };
}

function classifierLearnware(id: string, X: number[][], y: number[], withSpec: boolean, seed: number): Learnware {
  const Xm = fromRows(X);
  const m = fitLogisticCV(Xm, y, { Cs: [1], seed });
  const spec = withSpec ? RKMETableSpecification.generate(Xm, { K: 30, seed }) : undefined;
  return { id, spec, predict: async (Z) => m.predictProba(Z) };
}

function regressorLearnware(id: string, X: number[][], y: number[], alphas: number[] = [1e-3]): Learnware {
  const m = fitRidgeCV(fromRows(X), Float64Array.from(y), alphas);
  return { id, spec: RKMETableSpecification.generate(fromRows(X), { K: 20 }), predict: async (Z) => m.predict(Z) };
}

/**
 * Job selector: two domains (centred at x₀ = −3 and +3) whose labels depend on x₁ in
 * opposite directions; each learnware knows one domain; the user's rows mix both.
 */
export function jobSelectorTask(seed = 1, n = 400): ReuseTask {
  const rng = createRng(seed);
  const label = (x: number[]): number => (x[0]! < 0 === x[1]! > 0 ? 1 : 0);
  const domain = (c: number, m: number) => gauss(rng, m, 2, [c, 0]);
  const A = domain(-3, n),
    B = domain(3, n);
  const lws = [classifierLearnware("domain-left", A, A.map(label), true, seed), classifierLearnware("domain-right", B, B.map(label), true, seed + 1)];
  const test = [...domain(-3, n / 2), ...domain(3, n / 2)];
  const fit = [...domain(-3, 20), ...domain(3, 20)];
  return {
    name: "job_selector: two domains with opposite rules",
    mode: "classification",
    learnwares: lws,
    fitX: fromRows(fit),
    fitY: col(fit.map(label)),
    testX: fromRows(test),
    testY: col(test.map(label)),
  };
}

/**
 * Averaging: a linear target; each learnware is fit on 25 very noisy rows of it, so their
 * errors are large and independent and the mean cancels much of them.
 */
export function averagingTask(seed = 2, L = 7): ReuseTask {
  const rng = createRng(seed);
  const d = 6;
  const w = Array.from({ length: d }, () => rng.normal());
  const f = (x: number[]): number => x.reduce((s, v, j) => s + v * w[j]!, 0);
  const lws = Array.from({ length: L }, (_, k) => {
    const X = gauss(rng, 25, d, []);
    return regressorLearnware(
      `noisy-${k}`,
      X,
      X.map((x) => f(x) + 2 * rng.normal()),
    );
  });
  const test = gauss(rng, 500, d, []),
    fit = gauss(rng, 20, d, []);
  return {
    name: "averaging: independent noisy regressors",
    mode: "regression",
    learnwares: lws,
    fitX: fromRows(fit),
    fitY: col(fit.map((x) => f(x) + 2 * rng.normal())),
    testX: fromRows(test),
    testY: col(test.map(f)),
  };
}

/**
 * Ensemble pruning: three decent classifiers, each seeing only part of the signal, and four
 * trained on a different task (their votes hurt); a validation set tells them apart.
 */
export function pruningTask(seed = 3): ReuseTask {
  const rng = createRng(seed);
  const d = 6;
  const label = (x: number[]): number => (x[0]! + x[1]! + x[2]! > 0 ? 1 : 0);
  const other = (x: number[]): number => (x[3]! - x[4]! > 0 ? 1 : 0);
  const mask = (x: number[], keep: number[]): number[] => x.map((v, j) => (keep.includes(j) ? v : 0));
  const lws: Learnware[] = [];
  const good = [
    [0, 1],
    [1, 2],
    [0, 2],
  ];
  good.forEach((keep, k) => {
    const X = gauss(rng, 300, d, []);
    const inner = classifierLearnware(
      `partial-${k}`,
      X.map((x) => mask(x, keep)),
      X.map(label),
      false,
      seed + k,
    );
    const spec = RKMETableSpecification.generate(fromRows(X), { K: 30, seed });
    lws.push({ id: inner.id, spec, predict: (Z) => inner.predict(maskMatrix(Z, keep)) });
  });
  for (let k = 0; k < 4; k++) {
    const X = gauss(rng, 300, d, []);
    lws.push(classifierLearnware(`other-task-${k}`, X, X.map(other), true, seed + 10 + k));
  }
  const test = gauss(rng, 1000, d, []),
    fit = gauss(rng, 40, d, []);
  return {
    name: "ensemble_pruning: 3 partial-view + 4 wrong-task classifiers",
    mode: "classification",
    learnwares: lws,
    fitX: fromRows(fit),
    fitY: col(fit.map(label)),
    testX: fromRows(test),
    testY: col(test.map(label)),
  };
}

function maskMatrix(Z: Matrix, keep: readonly number[]): Matrix {
  const data = new Float64Array(Z.data.length);
  for (let i = 0; i < Z.rows; i++) for (const j of keep) data[i * Z.cols + j] = Z.data[i * Z.cols + j]!;
  return { rows: Z.rows, cols: Z.cols, data };
}

/**
 * Feature augmentation: the user's target is a non-linear part a learnware has learned
 * (`sin`-shaped, exact) plus a linear drift it never saw; 40 user labels fit the rest.
 */
export function featureAugmentTask(seed = 4): ReuseTask {
  const rng = createRng(seed);
  const d = 4;
  const g = (x: number[]): number => 3 * Math.sin(2 * x[0]!) + x[1]! * x[2]!;
  const drift = (x: number[]): number => 1.5 * x[3]! - x[1]! + 0.5;
  const lw: Learnware = {
    id: "nonlinear-part",
    spec: RKMETableSpecification.generate(fromRows(gauss(rng, 200, d, [])), { K: 30, seed }),
    predict: async (Z) => {
      const out = new Float64Array(Z.rows);
      for (let i = 0; i < Z.rows; i++) out[i] = g(Array.from(Z.data.subarray(i * Z.cols, (i + 1) * Z.cols)));
      return { rows: Z.rows, cols: 1, data: out };
    },
  };
  const t = (x: number[]): number => g(x) + drift(x);
  const test = gauss(rng, 500, d, []),
    fit = gauss(rng, 40, d, []);
  return {
    name: "feature_augment: learnware knows the non-linear part, the user's labels the drift",
    mode: "regression",
    learnwares: [lw],
    fitX: fromRows(fit),
    fitY: col(fit.map((x) => t(x) + 0.1 * rng.normal())),
    testX: fromRows(test),
    testY: col(test.map(t)),
  };
}

/** Accuracy (classification: labels or argmax of scores) or negated RMSE (regression): higher is better. */
export function score(mode: TaskMode, pred: Matrix, truth: Matrix): number {
  const n = truth.rows;
  if (mode === "regression") {
    let s = 0;
    for (let i = 0; i < n; i++) s += (pred.data[i * pred.cols]! - truth.data[i]!) ** 2;
    return -Math.sqrt(s / n);
  }
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let lab: number;
    if (pred.cols === 1) lab = Math.round(pred.data[i]!);
    else {
      lab = 0;
      for (let j = 1; j < pred.cols; j++) if (pred.data[i * pred.cols + j]! > pred.data[i * pred.cols + lab]!) lab = j;
    }
    if (lab === truth.data[i]) ok++;
  }
  return ok / n;
}
