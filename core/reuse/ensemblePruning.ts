/**
 * EnsemblePruningReuser (the Python package's `EnsemblePruningReuser`): choose a subset of
 * the learnwares on labelled validation data, then predict by voting (classification) or
 * averaging (regression) over the subset.
 *
 * The Python package runs a multi-objective evolutionary search (MDEP, NSGA-II via geatpy)
 * over subsets with objectives (margin-distribution ratio, validation error, size) and then
 * picks, from the final population, the subset with the lowest validation error and, among
 * those, the smallest. Subsets of one learnware are excluded (its `evalVars` flips bits
 * until at least two are on). Here that final choice is made over **all** subsets when
 * there are at most `exhaustiveLimit` learnwares (default 14, 16 383 subsets), so the result
 * is the exact optimum the evolutionary search approximates; above that a seeded
 * (1+1)-evolutionary search with bit-flip mutation runs `maxgen` generations from the best
 * pair. Remaining ties go to the better margin ratio `std(margin)/mean(margin)`, then to
 * the lexicographically first subset.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { EnsemblePruningReuser } from "./ensemblePruning.ts";
 * import { fromRows } from "../matrix.ts";
 * const constant = (v: number) => ({ id: String(v), predict: async (X: { rows: number }) => fromRows(Array.from({ length: X.rows }, () => [v])) });
 * const r = new EnsemblePruningReuser([constant(0), constant(1), constant(1)], "classification");
 * await r.fit(fromRows([[0], [0]]), fromRows([[1], [1]]));
 * assert.ok(!r.selected.includes(0));
 * assert.equal((await r.predict(fromRows([[0]]))).data[0], 1);
 * ```
 */
import type { Matrix } from "../matrix.ts";
import { createRng } from "../random.ts";
import { checkPrediction, toLabels } from "./_ops.ts";
import type { FittableReuser, Learnware, TaskMode } from "./types.ts";

export interface EnsemblePruningOptions {
  /** Smallest subset allowed. Default 2 (as Python); set 1 to allow a single learnware. */
  minSize?: number;
  /** Exhaustive search up to this many learnwares. Default 14. */
  exhaustiveLimit?: number;
  /** Generations of the evolutionary search above the limit. Default 500 (Python's maxgen). */
  maxgen?: number;
  seed?: number;
}

export class EnsemblePruningReuser implements FittableReuser {
  readonly learnwares: readonly Learnware[];
  readonly mode: TaskMode;
  /** Indices of the selected learnwares (all of them before `fit`). */
  selected: number[];
  private readonly options: EnsemblePruningOptions;

  constructor(learnwares: readonly Learnware[], mode: TaskMode = "classification", options: EnsemblePruningOptions = {}) {
    if (learnwares.length === 0) throw new RangeError("EnsemblePruningReuser needs at least one learnware");
    if (mode !== "classification" && mode !== "regression") {
      throw new RangeError(`Mode must be one of regression, classification, got ${String(mode)}`);
    }
    this.learnwares = learnwares;
    this.mode = mode;
    this.options = options;
    this.selected = learnwares.map((_, i) => i);
  }

  private async columns(X: Matrix, idx: readonly number[]): Promise<Float64Array[]> {
    return Promise.all(
      idx.map(async (i) => {
        const l = this.learnwares[i]!;
        const P = checkPrediction(await l.predict(X), X.rows, l.id);
        return P.cols > 1 ? Float64Array.from(toLabels(P)) : Float64Array.from(P.data);
      }),
    );
  }

  /** Selects the subset on validation data `(X, y)`; `y` is n×1. */
  async fit(X: Matrix, y: Matrix): Promise<void> {
    if (y.rows !== X.rows) throw new RangeError(`EnsemblePruningReuser.fit: ${y.rows} labels for ${X.rows} rows`);
    const L = this.learnwares.length;
    const preds = await this.columns(
      X,
      this.learnwares.map((_, i) => i),
    );
    const truth = y.cols > 1 ? Float64Array.from(toLabels(y)) : y.data;
    const minSize = Math.min(L, Math.max(1, this.options.minSize ?? 2));
    const objective = this.mode === "regression" ? regressionObjective(preds, truth) : classificationObjective(preds, truth);
    const better = (a: number[], b: number[] | null): boolean => {
      if (b === null) return true;
      for (let k = 0; k < a.length; k++) {
        if (a[k]! < b[k]!) return true;
        if (a[k]! > b[k]!) return false;
      }
      return false;
    };
    let bestMask: boolean[] | null = null,
      bestObj: number[] | null = null;
    const consider = (mask: boolean[]): void => {
      let size = 0;
      for (const m of mask) if (m) size++;
      if (size < minSize) return;
      const o = objective(mask, size);
      if (better(o, bestObj)) {
        bestObj = o;
        bestMask = mask.slice();
      }
    };
    if (L <= (this.options.exhaustiveLimit ?? 14)) {
      for (let bits = 1; bits < 1 << L; bits++) consider(Array.from({ length: L }, (_, i) => ((bits >> i) & 1) === 1));
    } else {
      const rng = createRng(this.options.seed ?? 0);
      // Start: every single / pair seed as Python's prophet population does, then mutate.
      for (let i = 0; i < L; i++) consider(Array.from({ length: L }, (_, k) => k === i || (minSize > 1 && k === (i + 1) % L)));
      let current: boolean[] = bestMask!;
      let currentObj: number[] = bestObj!;
      for (let g = 0; g < (this.options.maxgen ?? 500); g++) {
        const child = current.map((b) => (rng.next() < 1 / L ? !b : b));
        let size = 0;
        for (const m of child) if (m) size++;
        if (size < minSize) continue;
        const o = objective(child, size);
        if (!better(currentObj, o)) {
          current = child;
          currentObj = o;
        }
        consider(child);
      }
    }
    const mask: boolean[] = bestMask!;
    this.selected = mask.flatMap((m, i) => (m ? [i] : []));
  }

  async predict(X: Matrix): Promise<Matrix> {
    const cols = await this.columns(X, this.selected);
    const n = X.rows,
      k = cols.length;
    const out = new Float64Array(n);
    if (this.mode === "regression") {
      for (const c of cols) for (let i = 0; i < n; i++) out[i]! += c[i]! / k;
    } else {
      for (let i = 0; i < n; i++) out[i] = vote(cols, i).label;
    }
    return { rows: n, cols: 1, data: out };
  }
}

function vote(cols: readonly Float64Array[], i: number): { label: number; top: number; second: number; truthCount: (t: number) => number } {
  const counts = new Map<number, number>();
  for (const c of cols) counts.set(c[i]!, (counts.get(c[i]!) ?? 0) + 1);
  let label = Infinity,
    top = -1,
    second = 0;
  for (const [l, n] of counts) {
    if (n > top || (n === top && l < label)) {
      second = Math.max(second, top);
      top = n;
      label = l;
    } else if (n > second) second = n;
  }
  return { label, top, second: Math.max(second, 0), truthCount: (t) => counts.get(t) ?? 0 };
}

/** (error count, size, margin ratio). */
function classificationObjective(preds: readonly Float64Array[], truth: ArrayLike<number>) {
  return (mask: boolean[], size: number): number[] => {
    const cols = preds.filter((_, i) => mask[i]);
    const n = truth.length;
    let errors = 0;
    const margins = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = vote(cols, i);
      if (v.label !== truth[i]) {
        errors++;
        margins[i] = (v.truthCount(truth[i]!) - v.top) / size;
      } else margins[i] = (v.top - (v.top === size ? 0 : v.second)) / size;
    }
    let mean = 0;
    for (const m of margins) mean += m / n;
    let sd = 0;
    for (const m of margins) sd += (m - mean) ** 2 / n;
    return [errors, size, mean <= 0 ? 100000 : Math.sqrt(sd) / mean];
  };
}

/** (MSE of the mean, size). */
function regressionObjective(preds: readonly Float64Array[], truth: ArrayLike<number>) {
  return (mask: boolean[], size: number): number[] => {
    const cols = preds.filter((_, i) => mask[i]);
    const n = truth.length;
    let mse = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (const c of cols) s += c[i]!;
      mse += (s / size - truth[i]!) ** 2 / n;
    }
    return [mse, size];
  };
}
