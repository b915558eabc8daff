/**
 * The model contract every learnware honours, whatever runs it, and the runner hooks
 * (VESSL-style) a JS learnware may export instead of a model object.
 *
 * A JS learnware module exports either `default`/`createModel(kwargs, ctx)` returning a
 * {@link LearnwareModel}, or a `runner` object of {@link RunnerHooks}; the runtime
 * turns both into the same {@link LearnwareModel} with {@link modelFromHooks}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelFromHooks } from "./contract.ts";
 * const m = await modelFromHooks({
 *   loadModel: () => ({ scale: 2 }),
 *   predict: (model, X) => X.map((r) => [r[0]! * model.scale]),
 * }, { input_shape: [1], output_shape: [1] }, {}, new Map());
 * assert.deepEqual(await m.predict([[3]]), [[6]]);
 * ```
 */
import type { Tensor } from "./tensor.ts";

/** Arrays a model sees: nested rows for JS models; backends convert to tensors at the edge. */
export type Rows = number[][];

/** The learnware model contract (Python `learnware.model.BaseModel`). */
export interface LearnwareModel {
  input_shape: number[];
  output_shape: number[];
  predict(X: Rows): Rows | number[] | Promise<Rows | number[]>;
  fit?(X: Rows, y: Rows | number[]): void | Promise<void>;
  finetune?(X: Rows, y: Rows | number[]): void | Promise<void>;
}

/** Runner hooks: `preprocessData → predict → postprocessData`, `saveModel` / `loadModel`. */
export interface RunnerHooks<M = unknown> {
  /** Rebuilds the model from saved props and artifact paths (name → absolute path). */
  loadModel?(props: unknown, artifacts: Map<string, string>): M | Promise<M>;
  /** Returns JSON-serialisable props from which `loadModel` can rebuild the model. */
  saveModel?(model: M): unknown | Promise<unknown>;
  preprocessData?(model: M, data: Rows): Rows | Promise<Rows>;
  predict(model: M, data: Rows): Rows | number[] | Promise<Rows | number[]>;
  postprocessData?(model: M, output: Rows | number[]): Rows | number[] | Promise<Rows | number[]>;
  fit?(model: M, X: Rows, y: Rows | number[]): void | Promise<void>;
  finetune?(model: M, X: Rows, y: Rows | number[]): void | Promise<void>;
}

/** Adapts runner hooks to the model contract. */
export async function modelFromHooks<M>(
  hooks: RunnerHooks<M>,
  shapes: { input_shape: number[]; output_shape: number[] },
  props: unknown,
  artifacts: Map<string, string>,
): Promise<LearnwareModel & { save(): Promise<unknown> }> {
  const model = (hooks.loadModel ? await hooks.loadModel(props, artifacts) : props) as M;
  const out: LearnwareModel & { save(): Promise<unknown> } = {
    input_shape: shapes.input_shape,
    output_shape: shapes.output_shape,
    async predict(X) {
      const pre = hooks.preprocessData ? await hooks.preprocessData(model, X) : X;
      const y = await hooks.predict(model, pre);
      return hooks.postprocessData ? hooks.postprocessData(model, y) : y;
    },
    async save() {
      return hooks.saveModel ? hooks.saveModel(model) : props;
    },
  };
  if (hooks.fit) out.fit = (X, y) => hooks.fit!(model, X, y);
  if (hooks.finetune) out.finetune = (X, y) => hooks.finetune!(model, X, y);
  return out;
}

/** What a backend hands out for one loaded learnware: the contract over tensors. */
export interface ModelHandle {
  readonly backend: string;
  readonly input_shape: number[];
  readonly output_shape: number[];
  /** Whether concurrent calls may be concatenated into one batch (row-independent model). */
  readonly acceptsBatch: boolean;
  readonly canFit: boolean;
  readonly canFinetune: boolean;
  predict(X: Tensor, opts?: CallOptions): Promise<Tensor>;
  /** Like `predict`, plus what the model really returned (Python: `numpy.ndarray`, `list`, …). */
  predictDetailed?(X: Tensor, opts?: CallOptions): Promise<{ y: Tensor; outputType: string }>;
  /** Text learnwares: predict on a list of strings (absent where the backend cannot pass texts, e.g. ONNX). */
  predictTexts?(texts: string[], opts?: CallOptions): Promise<{ y: Tensor; outputType: string }>;
  fit(X: Tensor, y: Tensor, opts?: CallOptions): Promise<void>;
  finetune(X: Tensor, y: Tensor, opts?: CallOptions): Promise<void>;
  /** Runner learnwares (Python VESSL-style classes): any JSON value through the whole hook chain, a JSON answer. */
  invoke?(data: unknown, opts?: CallOptions): Promise<unknown>;
  /** True for an AIPOD model (a Python `AIModelBase` class): it is driven through `aipod`, not arrays. */
  readonly isAipod?: boolean;
  /**
   * AIPOD models: `method(binary_data=…, **kwargs)` on the instance of a free-form `version`
   * (one per version in the worker); the answer is JSON with raw bytes (`Uint8Array`) kept.
   */
  aipod?(method: AipodMethod, version: string, kwargs: Record<string, unknown>, binaryData?: Uint8Array | null, opts?: CallOptions): Promise<unknown>;
  /** Resident memory attributed to this instance, in bytes (best effort). */
  memoryBytes(): number;
  dispose(): Promise<void>;
}

export type AipodMethod = "initialize" | "train" | "predict" | "log";

export interface CallOptions {
  /** Per-call timeout; the worker is killed when it is exceeded. */
  timeoutMs?: number;
}
