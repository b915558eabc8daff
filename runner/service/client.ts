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
import type { CallInit } from "../../client/client.ts";
import { RunnerClient } from "../../client/runnerClient.ts";
import { LearnwareError } from "../../core/errors.ts";
import { decodeFrame, encodeFrame } from "../protocol.ts";
import { fromNested, type Tensor } from "../tensor.ts";
import { FRAME_TYPE } from "./app.ts";
import type { InstanceConfig, TrainState } from "./modelService.ts";

const AIPOD_OPS = { initialize: "initializeInstance", train: "startTraining", predict: "predict", log: "aipodLog" } as const;

export class ModelClient {
  readonly address: string;
  readonly model: string;
  readonly version: string;
  readonly #http: RunnerClient;

  constructor(address: string, opts: { model: string; version: string | number; token?: string }) {
    this.#http = new RunnerClient({ baseUrl: address, token: opts.token });
    this.address = this.#http.baseUrl;
    this.model = opts.model;
    this.version = String(opts.version);
  }

  /** The call's path parameters and body: JSON, or a binary frame. */
  #init(body?: { json: unknown } | { frame: Record<string, unknown> }): CallInit {
    const params = { model: this.model, version: this.version };
    if (!body) return { params };
    if ("json" in body) return { params, json: body.json };
    return { params, body: encodeFrame(body.frame), headers: { "content-type": FRAME_TYPE } };
  }

  async initialize(config: InstanceConfig = {}): Promise<{ dataPath: string; config: InstanceConfig }> {
    return this.#http.call("initializeInstance", this.#init({ json: config }));
  }

  /** Starts background training on `X`, `y` (or a `dataFile` in the instance folder). */
  async train(options: { X?: Tensor | number[][]; y?: Tensor | number[] | number[][]; method?: "fit" | "finetune"; dataFile?: string }): Promise<TrainState> {
    const msg: Record<string, unknown> = {};
    if (options.X !== undefined) msg.X = Array.isArray(options.X) ? fromNested(options.X) : options.X;
    if (options.y !== undefined) msg.y = Array.isArray(options.y) ? fromNested(options.y) : options.y;
    if (options.method) msg.method = options.method;
    if (options.dataFile) msg.dataFile = options.dataFile;
    return (await this.#http.call("startTraining", this.#init({ frame: msg }))) as TrainState;
  }

  async trainStatus(): Promise<TrainState> {
    return (await this.#http.call("trainingStatus", this.#init())) as TrainState;
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
    return (await this.#http.call("instanceLog", this.#init())) as { lines: string[]; train: TrainState };
  }

  /** Runs a runner learnware (a Python VESSL-style class) on any JSON value; resolves with its JSON answer. */
  async invoke(data: unknown): Promise<unknown> {
    return (await this.#http.call("invoke", this.#init({ json: { data } }))).result;
  }

  /** A text learnware's predictions for `texts` (rows, and their shape). */
  async predictTexts(texts: string[]): Promise<{ y: number[][] | number[]; shape: number[] }> {
    return (await this.#http.call("predict", this.#init({ json: { texts } }))) as { y: number[][] | number[]; shape: number[] };
  }

  /** Predicts; `X` as rows or a tensor; the result is a tensor (`toNested` for rows). */
  /**
   * AIPOD's methods on this client's (free-form) version: `initialize` (kwargs become the
   * model's `model_info`), `train`, `predict` (any kwargs plus raw `binaryData`) and `log`.
   * Bytes travel raw in frames, both ways.
   */
  async aipod(method: "initialize" | "train" | "predict" | "log", kwargs: Record<string, unknown> = {}, binaryData?: Uint8Array): Promise<unknown> {
    const res = await this.#http.response(AIPOD_OPS[method], this.#init({ frame: { kwargs, binary_data: binaryData ?? null } }));
    return (decodeFrame(new Uint8Array(await res.arrayBuffer())) as { result: unknown }).result;
  }

  async predict(X: Tensor | number[][]): Promise<Tensor> {
    const t = Array.isArray(X) ? fromNested(X) : X;
    const res = await this.#http.response("predict", this.#init({ frame: { X: t } }));
    return (decodeFrame(new Uint8Array(await res.arrayBuffer())) as { y: Tensor }).y;
  }
}
