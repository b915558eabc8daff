/**
 * A client for the model service, bound to an address and a model version (AIPOD's
 * client): `initialize`, `train`, `trainStatus`, `waitForTraining`, `log`, `predict`.
 * Arrays travel as binary frames (raw float64/float32).
 *
 * @example
 * ```ts ignore
 * import { ModelClient } from "./client.ts";
 * const client = new ModelClient("http://127.0.0.1:8790", { model: "00000001", version: "1" });
 * await client.initialize({});
 * const y = await client.predict([[0.1, 0.2, 0.3]]);
 * ```
 */
import { readErrorResponse } from "../../core/errorEnvelope.ts";
import { fromErrorPayload, LearnwareError } from "../../core/errors.ts";
import { decodeFrame, encodeFrame } from "../protocol.ts";
import { fromNested, type Tensor } from "../tensor.ts";
import { FRAME_TYPE } from "./app.ts";
import type { InstanceConfig, TrainState } from "./modelService.ts";

export class ModelClient {
  readonly address: string;
  readonly model: string;
  readonly version: string;
  #token: string | undefined;

  constructor(address: string, opts: { model: string; version: string | number; token?: string }) {
    this.address = address.replace(/\/+$/, "");
    this.model = opts.model;
    this.version = String(opts.version);
    this.#token = opts.token;
  }

  #url(op: string): string {
    return `${this.address}/v1/models/${encodeURIComponent(this.model)}/versions/${encodeURIComponent(this.version)}/${op}`;
  }

  async #request(op: string, init: { method: string; body?: Uint8Array | string; type?: string }): Promise<Response> {
    const headers: Record<string, string> = {};
    if (init.type) headers["content-type"] = init.type;
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    const res = await fetch(this.#url(op), {
      method: init.method,
      headers,
      ...(init.body !== undefined ? { body: init.body as string | Uint8Array<ArrayBuffer> } : {}),
    });
    if (!res.ok) {
      throw fromErrorPayload(await readErrorResponse(res));
    }
    return res;
  }

  async initialize(config: InstanceConfig = {}): Promise<{ dataPath: string; config: InstanceConfig }> {
    return (await this.#request("initialize", { method: "POST", body: JSON.stringify(config), type: "application/json" })).json();
  }

  /** Starts background training on `X`, `y` (or a `dataFile` in the instance folder). */
  async train(options: { X?: Tensor | number[][]; y?: Tensor | number[] | number[][]; method?: "fit" | "finetune"; dataFile?: string }): Promise<TrainState> {
    const msg: Record<string, unknown> = {};
    if (options.X !== undefined) msg.X = Array.isArray(options.X) ? fromNested(options.X) : options.X;
    if (options.y !== undefined) msg.y = Array.isArray(options.y) ? fromNested(options.y) : options.y;
    if (options.method) msg.method = options.method;
    if (options.dataFile) msg.dataFile = options.dataFile;
    return (await this.#request("train", { method: "POST", body: encodeFrame(msg), type: FRAME_TYPE })).json();
  }

  async trainStatus(): Promise<TrainState> {
    return (await this.#request("train", { method: "GET" })).json();
  }

  /** Polls until training is no longer running; rejects if it failed. */
  async waitForTraining(pollMs = 100, timeoutMs = 600_000): Promise<TrainState> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.trainStatus();
      if (s.status === "failed") throw new LearnwareError(s.error?.code ?? "MODEL_ERROR", s.error?.message ?? "Training failed");
      if (s.status !== "running") return s;
      if (Date.now() > end) throw new LearnwareError("TIMEOUT", `Training still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async log(): Promise<{ lines: string[]; train: TrainState }> {
    return (await this.#request("log", { method: "GET" })).json();
  }

  /** Runs a runner learnware (a Python VESSL-style class) on any JSON value; resolves with its JSON answer. */
  async invoke(data: unknown): Promise<unknown> {
    const res = await this.#request("invoke", { method: "POST", body: JSON.stringify({ data }), type: "application/json" });
    return ((await res.json()) as { result: unknown }).result;
  }

  /** A text learnware's predictions for `texts` (rows, and their shape). */
  async predictTexts(texts: string[]): Promise<{ y: number[][] | number[]; shape: number[] }> {
    const res = await this.#request("predict", { method: "POST", body: JSON.stringify({ texts }), type: "application/json" });
    return (await res.json()) as { y: number[][] | number[]; shape: number[] };
  }

  /** Predicts; `X` as rows or a tensor; the result is a tensor (`toNested` for rows). */
  /**
   * AIPOD's methods on this client's (free-form) version: `initialize` (kwargs become the
   * model's `model_info`), `train`, `predict` (any kwargs plus raw `binaryData`) and `log`.
   * Bytes travel raw in frames, both ways.
   */
  async aipod(method: "initialize" | "train" | "predict" | "log", kwargs: Record<string, unknown> = {}, binaryData?: Uint8Array): Promise<unknown> {
    const res = await this.#request(method, { method: "POST", body: encodeFrame({ kwargs, binary_data: binaryData ?? null }), type: FRAME_TYPE });
    return (decodeFrame(new Uint8Array(await res.arrayBuffer())) as { result: unknown }).result;
  }

  async predict(X: Tensor | number[][]): Promise<Tensor> {
    const t = Array.isArray(X) ? fromNested(X) : X;
    const res = await this.#request("predict", { method: "POST", body: encodeFrame({ X: t }), type: FRAME_TYPE });
    return (decodeFrame(new Uint8Array(await res.arrayBuffer())) as { y: Tensor }).y;
  }
}
