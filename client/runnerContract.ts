/**
 * The HTTP contract of the runner's model service (`runner/service/app.ts`, served mixtures
 * in `runner/service/mixtures.ts`): every operation's `operationId`, request body and answers.
 * The service publishes it as `/openapi.json`; `test/runtime/service_contract.test.ts` checks
 * real answers against it. Errors are the one envelope (`ErrorBody`, `core/errorEnvelope.ts`).
 *
 * Arrays travel as JSON rows or as binary frames (`application/vnd.lw.frame`, see
 * `runner/protocol.ts`); the schemas below describe the JSON form.
 */
import { z } from "zod";
import type { Operation, RawBody } from "./contract.ts";

/** The media type of binary frames (raw float64/float32 arrays). */
export const FRAME_TYPE = "application/vnd.lw.frame";

const Rows = z.array(z.unknown()).describe("nested rows of numbers");
const frame: RawBody = { raw: "binary", contentType: FRAME_TYPE };

export const TrainState = z.object({
  status: z.enum(["idle", "running", "succeeded", "failed"]),
  progress: z.number(),
  method: z.string().optional(),
  samples: z.number().int().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const Prediction = z.object({ y: Rows, shape: z.array(z.number().int()) });

export const MixtureInfo = z.object({
  id: z.string(),
  kind: z.enum(["job_selector", "averaging", "ensemble_pruning", "feature_augment"]),
  mode: z.string().optional(),
  /** averaging: whether the mean or vote is weighted by the search weights (default unweighted, as AveragingReuser). */
  weighted: z.boolean().optional(),
  learnwares: z.array(
    z.object({
      id: z.string(),
      version: z.string(),
      weight: z.number().optional(),
      /** heterogeneous mixtures: the user column feeding each learnware column (−1: imputed from its RKME). */
      columnMap: z.array(z.number().int()).optional(),
    }),
  ),
  needsFit: z.boolean(),
  fitted: z.boolean(),
  createdAt: z.string(),
  fittedAt: z.string().optional(),
});

const PoolMetrics = z.object({
  size: z.number(),
  bytes: z.number(),
  /** `null`: no count bound (the pool is sized by memory; JSON has no Infinity). */
  maxEntries: z.number().nullable(),
  maxBytes: z.number(),
  hits: z.number(),
  misses: z.number(),
  loads: z.number(),
  loadFailures: z.number(),
  evictions: z.number(),
  evictionsByCount: z.number(),
  evictionsByMemory: z.number(),
  keys: z.array(z.string()),
});

const BatchStats = z.object({ calls: z.number(), batches: z.number(), batchedRequests: z.number(), maxBatchRows: z.number() });

/** A runner operation: the server's `Operation` plus its request body (JSON schema or raw media). */
export interface RunnerOperation extends Operation {
  summary: string;
  body?: z.ZodTypeAny;
}

const V = "/v1/models/{model}/versions/{version}";

export const RUNNER_OPERATIONS = {
  [`post ${V}/initialize`]: {
    operationId: "initializeInstance",
    summary: "Create (or re-configure) the instance of a learnware version",
    body: z.record(z.unknown()).describe("instance parameters (not backend, limits or sandbox)"),
    responses: { 200: z.object({ model: z.string(), version: z.string(), dataPath: z.string(), config: z.record(z.unknown()) }) },
  },
  [`post ${V}/train`]: {
    operationId: "startTraining",
    summary: "Start background training on X, y (JSON rows or a frame) or a data file of the instance",
    body: z.object({ method: z.enum(["fit", "finetune"]).optional(), X: Rows.optional(), y: Rows.optional(), dataFile: z.string().optional() }),
    responses: { 202: TrainState },
  },
  [`get ${V}/train`]: { operationId: "trainingStatus", summary: "The instance's training state", responses: { 200: TrainState } },
  [`get ${V}/log`]: {
    operationId: "instanceLog",
    summary: "The instance's log lines and training state",
    responses: { 200: z.object({ lines: z.array(z.string()), train: TrainState }) },
  },
  [`post ${V}/log`]: {
    operationId: "aipodLog",
    summary: "An AIPOD model's log method (its kwargs and binary data, JSON or a frame)",
    body: z.object({ kwargs: z.record(z.unknown()), binary_data: z.unknown().optional() }),
    responses: { 200: z.object({ result: z.unknown() }) },
  },
  [`post ${V}/predict`]: {
    operationId: "predict",
    summary: "Predict: JSON rows → JSON rows, or a frame {X} → a frame {y}",
    body: z.object({ X: Rows }),
    responses: { 200: Prediction },
  },
  [`post ${V}/invoke`]: {
    operationId: "invoke",
    summary: "Run a runner learnware (preprocess → predict → postprocess) on any JSON value",
    body: z.object({ data: z.unknown() }),
    responses: { 200: z.object({ result: z.unknown() }) },
  },
  "get /metrics": {
    operationId: "serviceMetrics",
    summary: "Pool, batching and call counts",
    responses: { 200: z.object({ pool: PoolMetrics, batching: BatchStats, predicts: z.number(), instances: z.number() }) },
  },
  "get /healthz": { operationId: "serviceHealth", summary: "Liveness", responses: { 200: z.object({ ok: z.literal(true) }) } },
  "get /mixtures": { operationId: "listMixtures", summary: "Served mixtures", responses: { 200: z.object({ mixtures: z.array(MixtureInfo) }) } },
  "post /mixtures": {
    operationId: "createMixture",
    summary: "Serve a search result as one mixture",
    body: z.object({
      result: z.object({ single: z.array(z.unknown()), multiple: z.unknown() }).passthrough(),
      kind: MixtureInfo.shape.kind,
      mode: z.string().optional(),
      topK: z.number().int().optional(),
      version: z.record(z.union([z.string(), z.number()])).optional(),
      id: z.string().optional(),
    }),
    responses: { 201: MixtureInfo },
  },
  "get /mixtures/{id}": { operationId: "getMixture", summary: "A mixture's descriptor", responses: { 200: MixtureInfo } },
  "delete /mixtures/{id}": { operationId: "deleteMixture", summary: "Remove a mixture", responses: { 200: z.object({ deleted: z.string() }) } },
  "post /mixtures/{id}/fit": {
    operationId: "fitMixture",
    summary: "Fit a mixture that needs it (ensemble_pruning, feature_augment)",
    body: z.object({ X: Rows, y: Rows }),
    responses: { 200: MixtureInfo },
  },
  "post /mixtures/{id}/predict": {
    operationId: "predictMixture",
    summary: "Predict with a mixture (JSON rows or frames)",
    body: z.object({ X: Rows }),
    responses: { 200: Prediction },
  },
} as const satisfies Record<string, RunnerOperation>;

/** Raw (frame) forms of the array-carrying operations, for the document. */
export const FRAME_OPERATIONS: ReadonlySet<string> = new Set([
  `post ${V}/train`,
  `post ${V}/predict`,
  "post /mixtures/{id}/fit",
  "post /mixtures/{id}/predict",
]);

export { frame as FRAME_BODY };
