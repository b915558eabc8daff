/**
 * `onnx`: ONNX learnwares run in process with onnxruntime-node (CPU). Shapes come from
 * `learnware.yaml` (`model.input_shape` / `output_shape`) or else from the graph's input
 * and output metadata. Inputs are converted to the graph's float32 once; the output is
 * returned as float32 without a copy. In browsers the same model runs with onnxruntime-web
 * (see `web/`); this backend is the Node one.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { LearnwareError } from "../../core/errors.ts";
import type { CallOptions, ModelHandle } from "../contract.ts";
import type { LearnwareDir } from "../learnwareDir.ts";
import { asDType, rowCount, type Tensor } from "../tensor.ts";
import type { Availability, Backend, LoadOptions } from "./backend.ts";

function staticShape(meta: ort.InferenceSession.ValueMetadata | undefined): number[] | null {
  if (meta === undefined || !meta.isTensor) return null;
  const tail = meta.shape.slice(1);
  return tail.every((d) => typeof d === "number" && d > 0) ? (tail as number[]) : null;
}

function kwShape(v: unknown): number[] | null {
  return Array.isArray(v) && v.every((d) => Number.isInteger(d)) ? (v as number[]) : null;
}

export class OnnxModelHandle implements ModelHandle {
  readonly backend = "onnx" as const;
  readonly acceptsBatch = true;
  readonly canFit = false;
  readonly canFinetune = false;
  readonly input_shape: number[];
  readonly output_shape: number[];
  #session: ort.InferenceSession;
  #input: string;
  #output: string;
  #bytes: number;

  constructor(session: ort.InferenceSession, shapes: { input: number[]; output: number[] }, modelBytes: number) {
    this.#session = session;
    this.#input = session.inputNames[0]!;
    this.#output = session.outputNames[0]!;
    this.input_shape = shapes.input;
    this.output_shape = shapes.output;
    this.#bytes = modelBytes;
  }

  async predict(X: Tensor, _opts?: CallOptions): Promise<Tensor> {
    const x32 = asDType(X, "float32");
    const feeds = { [this.#input]: new ort.Tensor("float32", x32.data as Float32Array, x32.shape) };
    const out = (await this.#session.run(feeds))[this.#output];
    if (out === undefined) throw new LearnwareError("MODEL_ERROR", `ONNX model produced no output '${this.#output}'`);
    const data = out.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      return { dtype: "float64", shape: [...out.dims], data: Float64Array.from(data as ArrayLike<number>, Number) };
    }
    const shape = out.dims.length === 0 ? [rowCount(X)] : [...out.dims];
    return { dtype: data instanceof Float32Array ? "float32" : "float64", shape, data };
  }

  fit(): Promise<void> {
    return Promise.reject(new LearnwareError("NOT_SUPPORTED", "ONNX learnwares cannot be trained by the runner"));
  }

  finetune(): Promise<void> {
    return this.fit();
  }

  memoryBytes(): number {
    // onnxruntime keeps the weights roughly once more in its arena; a fair estimate.
    return this.#bytes * 2 + 1024 * 1024;
  }

  async dispose(): Promise<void> {
    await this.#session.release();
  }
}

export class OnnxBackend implements Backend {
  readonly name = "onnx" as const;
  #threads: number;

  /** `intraOpThreads`: threads per session (default 1: many small sessions share the CPU). */
  constructor(opts: { intraOpThreads?: number } = {}) {
    this.#threads = opts.intraOpThreads ?? 1;
  }

  async available(): Promise<Availability> {
    return { ok: true };
  }

  async load(lw: LearnwareDir, _opts: LoadOptions = {}): Promise<OnnxModelHandle> {
    const model = lw.pkg.model;
    if (model.kind !== "onnx") throw new TypeError(`onnx backend cannot run a ${model.kind} learnware`);
    const bytes = await readFile(join(lw.root, model.file ?? model.modulePath));
    return this.loadBytes(new Uint8Array(bytes), model.kwargs);
  }

  /** Loads a model from bytes (shapes from `kwargs` or the graph). */
  async loadBytes(bytes: Uint8Array, kwargs: Record<string, unknown> = {}): Promise<OnnxModelHandle> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: this.#threads, interOpNumThreads: 1, executionMode: "sequential" });
    } catch (e) {
      throw new LearnwareError("LOAD_FAILED", `ONNX model cannot be loaded: ${(e as Error).message}`);
    }
    const input = kwShape(kwargs.input_shape) ?? staticShape(session.inputMetadata[0]);
    const output = kwShape(kwargs.output_shape) ?? staticShape(session.outputMetadata[0]);
    if (input === null) throw new LearnwareError("LOAD_FAILED", "ONNX model input shape is unknown: declare model.input_shape in learnware.yaml");
    if (output === null) throw new LearnwareError("LOAD_FAILED", "ONNX model output shape is unknown: declare model.output_shape in learnware.yaml");
    return new OnnxModelHandle(session, { input, output }, bytes.length);
  }
}
