/**
 * The worker protocol's operations, typed: what the runner sends with each `op` and what the
 * worker answers (the Node worker `runner/node/worker.ts` and the Python shim
 * `runner/python/worker.py` implement them; frames carry tensors as raw arrays, see
 * `runner/protocol.ts`). `WorkerProcess.call` is typed by this map, so no caller casts a reply.
 */
import type { RequirementReport } from "../backends/backend.ts";
import type { AipodMethod } from "../contract.ts";
import type { Tensor } from "../tensor.ts";

/** What `load` answers about the loaded model. */
export interface LoadReply {
  input_shape: number[] | null;
  output_shape: number[] | null;
  has_fit: boolean;
  has_finetune: boolean;
  /** An AIPOD `AIModelBase` model (driven by keyword arguments, one instance per version). */
  is_aipod?: boolean;
  class: string;
}

export interface WorkerOps {
  /** Liveness and versions (`node` for the Node worker; `python`, `numpy` for the Python shim). */
  hello: { args: Record<string, never>; reply: { pid: number; node?: string; python?: string; numpy?: string | null } };
  /** Imports common modules ahead of a load, in a pre-warmed worker (Python only). */
  warm: { args: { modules: string[] }; reply: { imported: string[]; seconds: number } };
  /** Loads the learnware; the request's fields are the backend's (`root`, `module_path` … for Python; `kind`, `path` … for Node). */
  load: { args: Record<string, unknown>; reply: LoadReply };
  /** `X` is a tensor, or a list of strings for a text model (`model.predict(list_of_str)`). */
  predict: { args: { X: Tensor | string[] }; reply: { y: Tensor; outputType: string } };
  fit: { args: { X: Tensor; y: Tensor }; reply: Record<string, never> };
  finetune: { args: { X: Tensor; y: Tensor }; reply: Record<string, never> };
  /** A VESSL-style runner on a JSON value (Python only). */
  invoke: { args: { data: unknown }; reply: { result: unknown } };
  /** An AIPOD model's method on the instance of `version` (Python only; raw bytes in `binary_data`). */
  aipod: {
    args: { method: AipodMethod; version: string; kwargs: Record<string, unknown>; binary_data: Uint8Array | null };
    reply: { result: unknown };
  };
  /** The model's saved props (Node only). */
  save: { args: Record<string, never>; reply: { props: unknown } };
  /** Which of a requirements file's packages the environment holds (Python only). */
  requirements: { args: { text: string }; reply: { report: RequirementReport[] } };
}

export type WorkerOp = keyof WorkerOps;
export type ArgsOf<Op extends WorkerOp> = WorkerOps[Op]["args"];
export type ReplyOf<Op extends WorkerOp> = WorkerOps[Op]["reply"];
