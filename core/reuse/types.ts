/**
 * The shapes reusers work with: a learnware is anything with an id, an optional table
 * RKME and an async `predict` over a row-major matrix, so reusers run over any backend
 * (in-process ONNX, a worker, a remote model service) without knowing which.
 *
 * Predictions follow the Python package's conventions: a regression learnware returns
 * n×1 (or n×k for k targets); a classifier returns either n×1 labels `0 … c−1` or n×c
 * scores (logits or probabilities), whose argmax is the label.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import type { Learnware } from "./types.ts";
 * import { matrix } from "../matrix.ts";
 * const zero: Learnware = { id: "zero", predict: async (X) => matrix(X.rows, 1) };
 * assert.equal(zero.id, "zero");
 * ```
 */
import type { Matrix } from "../matrix.ts";
import type { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";

/** A model the market can reuse. */
export interface Learnware {
  readonly id: string;
  /** The learnware's table RKME (needed by JobSelectorReuser and feature alignment). */
  readonly spec?: RKMETableSpecification | undefined;
  predict(X: Matrix): Promise<Matrix>;
}

/** Anything that predicts: a reuser is itself usable wherever a learnware's `predict` is. */
export interface Predictor {
  predict(X: Matrix): Promise<Matrix>;
}

/** A reuser that needs labelled user data before it predicts. */
export interface FittableReuser extends Predictor {
  fit(X: Matrix, y: Matrix): Promise<void>;
}

/** Task kinds for reusers whose behaviour depends on it. */
export type TaskMode = "classification" | "regression";
