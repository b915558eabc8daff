/**
 * The HTTP contract of the market server: every operation's `operationId` (`./routes.ts`:
 * its method and path) and the zod schema of its answers. The server registers these in its OpenAPI document (`/openapi.json`,
 * through `edge/http/route.ts`), the typed client (`client/client.ts`) derives its result
 * types from them, and `test/integration/openapi.test.ts` checks real answers against them.
 *
 * Plain zod (portable): the runner, the CLI, the page and the tests import it without the
 * server. Request schemas stay beside their handlers (they validate there); the document
 * carries both.
 *
 * @example
 * ```ts
 * import { operationFor } from "./contract.ts";
 * const op = operationFor("get", "/v1/whoami");
 * if (op?.operationId !== "whoami") throw new Error("contract lost an operation");
 * ```
 */
import { z } from "zod";
import { FileTypeSchema } from "./requests.ts";
import { type OperationId, ROUTES } from "./routes.ts";

export { type OperationId, ROUTES, routeOf } from "./routes.ts";

const Iso = z.string().describe("ISO 8601 time");
const Json = z.unknown();
const Page = { total: z.number().int(), limit: z.number().int(), offset: z.number().int() };

/** One envelope for every error: `{error: {code, message, details?}}`. */
export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), details: Json.optional() }) });

/** Check status of a version: INVALID −1, NONUSABLE 0 (pending), USABLE 1 (see `core/checkStatus.ts`). */
export const CheckStatusName = z.enum(["invalid", "pending", "usable"]);

export const Model = z.object({
  id: z.string(),
  kind: z.enum(["learnware", "model"]),
  namespace: z.string(),
  owner: z.string(),
  name: z.string(),
  task: z.string().nullable(),
  description: z.string().nullable(),
  semantic: Json,
  metadata: z.record(Json),
  latestVersion: z.number().int(),
  checkStatus: z.number().int().optional(),
  status: CheckStatusName.optional(),
  tags: z.record(z.number().int()).optional(),
  createdAt: Iso,
  updatedAt: Iso,
});

export const ModelList = z.object({ items: z.array(Model), ...Page });

export const Version = z.object({
  modelId: z.string(),
  learnwareId: z.string(),
  number: z.number().int(),
  /** ModelBox's version label, name and description (null when not given). */
  label: z.string().nullable(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  packageSha256: z.string().nullable(),
  packageSize: z.number().int().nullable(),
  framework: z.string().nullable(),
  /** The package's stat specs as learnware.yaml names them, each with its JSON (none for registry models). */
  statSpecs: z.array(z.object({ className: z.string(), fileName: z.string(), json: Json })),
  semantic: Json,
  metadata: z.record(Json),
  checkStatus: z.number().int(),
  status: CheckStatusName,
  tags: z.array(z.string()),
  createdBy: z.string(),
  createdAt: Iso,
});

export const Submitted = z.object({ learnware: Model, version: Version, jobId: z.string().nullable() });

export const Job = z.object({
  id: z.string(),
  kind: z.string(),
  learnwareId: z.string(),
  version: z.number().int(),
  status: z.enum(["queued", "leased", "done", "failed"]),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runner: z.string().nullable(),
  leaseUntil: Iso.nullable(),
  /** What the learnware needs of its runner (learnware.yaml `resources`): GPU devices per instance, runner labels. */
  requirements: z.object({ gpus: z.number().int(), labels: z.array(z.string()), backend: z.string().nullable().optional() }),
  /** Higher is leased first (then the oldest). */
  priority: z.number().int(),
  payload: z.record(Json),
  log: z.string(),
  result: Json,
});

/** A runner as the registry knows it (`GET /v1/runners`): what it last reported and when. */
export const Runner = z.object({
  name: z.string(),
  owner: z.string().nullable(),
  /** As the runner sent them: gpus, labels, backends, sandbox, cpus, memoryBytes, gpuDevices [{uuid, name?, memoryMiB?}]. */
  capabilities: z.object({
    gpus: z.number().int(),
    labels: z.array(z.string()),
    backends: z.array(z.string()).optional(),
    sandbox: z.enum(["bwrap", "docker", "none"]).optional(),
    cpus: z.number().int().optional(),
    memoryBytes: z.number().optional(),
    gpuDevices: z.array(z.object({ uuid: z.string(), name: z.string().optional(), memoryMiB: z.number().optional() })).optional(),
  }),
  registeredAt: Iso,
  lastSeen: Iso,
  /** Seen within the last two minutes. */
  active: z.boolean(),
  /** Jobs it holds a lease on now. */
  leasedJobs: z.number().int(),
});

export const Token = z.object({
  id: z.string(),
  owner: z.string(),
  email: z.string().nullable(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: Iso,
  expiresAt: Iso.nullable(),
  revokedAt: Iso.nullable(),
});

export const Event = z.object({
  id: z.number().int(),
  at: Iso,
  type: z.string(),
  namespace: z.string().nullable(),
  modelId: z.string().nullable(),
  version: z.number().int().nullable(),
  actor: z.string().nullable(),
  data: z.record(Json),
});

export const Namespace = z.object({ name: z.string(), owner: z.string(), members: z.array(z.string()), createdAt: Iso });

/** ModelBox's artifact file types (the request schema's enum). */
export const FileType = FileTypeSchema;

/** An artifact of a version, or of the model itself (`version` null). */
export const Artifact = z.object({
  id: z.string(),
  /** `<model id>` or `<model id>/versions/<n>`. */
  parent: z.string(),
  path: z.string(),
  size: z.number().int().nullable(),
  sha256: z.string().nullable(),
  mime: z.string(),
  fileType: FileType,
  storage: z.enum(["stored", "tracked"]),
  uri: z.string().nullable(),
  version: z.number().int().nullable(),
  createdAt: Iso,
});

/** The absolute fit of a result (`core/search/fit.ts`): embedding overlap 0…1 and its band. */
const Fit = z.object({ overlap: z.number(), band: z.enum(["fits", "fits partly", "does not fit"]) });
/** Which runtime a learnware needs and whether the Python client's `load_learnware` can run it. */
const Runtime = { runtime: z.enum(["python", "onnx", "js"]), pythonLoadable: z.boolean() };

const SearchItem = z.object({
  id: z.string(),
  score: z.number(),
  dist: z.number().nullable(),
  /** Heterogeneous answers: for each learnware column, the user column that feeds it (−1: none). */
  columnMap: z.array(z.number().int()).optional(),
  learnware: Model.nullable(),
  ...Runtime,
  fit: Fit.nullable(),
});

export const SearchAnswer = z.object({
  single: z.object({ items: z.array(SearchItem), ...Page }),
  multiple: z
    .object({
      ids: z.array(z.string()),
      weights: z.array(z.number()),
      score: z.number(),
      dist: z.number().nullable(),
      learnwares: z.array(Model.nullable()),
      runtimes: z.array(z.object(Runtime)),
      fit: Fit.nullable(),
      members: z.array(z.object({ id: z.string(), weight: z.number(), contribution: z.number(), overlap: z.number(), negligible: z.boolean() })).nullable(),
      /** Heterogeneous mixtures: per member, for each of its columns the user column that feeds it (−1: none). */
      columnMaps: z.array(z.array(z.number().int())).optional(),
    })
    .nullable(),
  /** TINY_SAMPLE, FEATURE_SCALES (about the user's spec: core/search/fit.ts), UNKNOWN_SEARCH_METHOD (single results only). */
  warnings: z.array(z.object({ code: z.enum(["TINY_SAMPLE", "FEATURE_SCALES", "UNKNOWN_SEARCH_METHOD"]), message: z.string() })),
  legend: z.string().optional(),
  path: z.string(),
  ranked: Json.optional(),
  tookMs: z.number(),
});

export const UploadSession = z.object({
  id: z.string(),
  offset: z.number().int(),
  size: z.number().int().nullable(),
  state: z.enum(["open", "finished"]).optional(),
  finished: z.object({ status: z.number().int() }).nullable().optional(),
  expiresAt: Iso,
  maxChunkBytes: z.number().int().optional(),
});

const Deleted = z.object({ id: z.string(), deleted: z.literal(true) });
const Metadata = z.object({ metadata: z.record(Json) });
const MetricPoint = z.object({ value: z.union([z.number(), z.string()]).optional(), bytes: z.string().optional(), step: z.number(), wallClock: z.number() });

/** Registry answers are of a version, or of the model itself (`version` null). */
const OfVersion = z.number().int().nullable();
const Logged = z.object({ logged: z.number().int(), version: OfVersion });
const Metrics = z.object({ version: OfVersion, metrics: z.record(z.array(MetricPoint)) });
const Params = z.object({ version: OfVersion, params: z.record(z.string()) });
const Artifacts = z.object({ version: OfVersion, items: z.array(Artifact) });

/** A non-JSON answer: the body is bytes (`binary`) or a server-sent event stream (`events`). */
export type RawBody = { raw: "binary" | "events"; contentType: string };

export interface Operation {
  operationId: string;
  /** Status → schema of the JSON body, a raw body, or `null` for no body (204). */
  responses: Record<number, z.ZodTypeAny | RawBody | null>;
}

const zip: RawBody = { raw: "binary", contentType: "application/zip" };

/** The answers of every operation (status → schema), by `operationId` (`./routes.ts` gives method and path). */
export const RESPONSES = {
  // auth
  createToken: { 201: Token.extend({ token: z.string() }) },
  listTokens: { 200: z.object({ items: z.array(Token) }) },
  revokeToken: { 200: z.object({ id: z.string(), revoked: z.literal(true) }) },
  whoami: { 200: z.object({ owner: z.string().nullable(), scopes: z.array(z.string()), tokenId: z.string().optional() }) },
  // market
  submitLearnware: { 201: Submitted },
  listLearnwares: { 200: ModelList },
  getLearnware: { 200: Model },
  updateLearnware: { 200: Submitted },
  deleteLearnware: { 200: Deleted },
  listLearnwareVersions: { 200: z.object({ items: z.array(Version) }) },
  getLearnwareVersion: { 200: Version },
  getCheck: {
    200: z.object({
      learnwareId: z.string(),
      version: z.number().int(),
      checkStatus: z.number().int(),
      status: CheckStatusName,
      log: z.string(),
      jobs: z.array(Job),
    }),
  },
  getPackage: { 200: zip },
  downloadLearnware: { 200: zip },
  createDownloadLink: { 200: z.object({ url: z.string(), expiresAt: Iso, version: z.number().int() }) },
  downloadByLink: { 200: zip },
  search: { 200: SearchAnswer },
  semanticOptions: {
    200: z.object({ options: z.record(z.object({ key: z.string(), type: z.string(), values: z.array(z.string()), multiple: z.boolean() })) }),
  },
  // uploads
  createUpload: { 201: UploadSession },
  getUpload: { 200: UploadSession },
  putUploadChunk: { 200: z.object({ id: z.string(), offset: z.number().int() }) },
  deleteUpload: { 200: Deleted },
  finishUpload: { 201: Submitted },
  // registry
  createModel: { 201: Model },
  createDefaultModel: { 201: Model },
  getModelByName: { 200: Model },
  resolve: { 200: z.object({ model: Model, version: Version }) },
  listNamespaceModels: { 200: ModelList },
  getNamespace: { 200: Namespace },
  putNamespace: { 200: Namespace },
  listModels: { 200: ModelList },
  getModel: { 200: Model },
  deleteModel: { 200: Deleted },
  createModelVersion: { 201: Version },
  listModelVersions: { 200: z.object({ items: z.array(Version) }) },
  getModelVersion: { 200: Version },
  listTags: { 200: z.object({ tags: z.record(z.number().int()) }) },
  moveTag: { 200: z.object({ tag: z.string(), version: z.number().int(), previous: z.number().int().nullable() }) },
  deleteTag: { 200: z.object({ tag: z.string(), deleted: z.literal(true) }) },
  getModelMetadata: { 200: Metadata },
  patchModelMetadata: { 200: Metadata },
  getVersionMetadata: { 200: Metadata },
  patchVersionMetadata: { 200: Metadata },
  logMetrics: { 201: Logged },
  getMetrics: { 200: Metrics },
  logParams: { 201: Params },
  getParams: { 200: Params },
  uploadArtifact: { 201: Artifact },
  trackArtifact: { 201: Artifact },
  listArtifacts: { 200: Artifacts },
  getArtifactContent: { 200: { raw: "binary", contentType: "application/octet-stream" } },
  // the model's own metrics, params and artifacts (ModelBox: on models as on versions)
  logModelMetrics: { 201: Logged },
  getModelMetrics: { 200: Metrics },
  logModelParams: { 201: Params },
  getModelParams: { 200: Params },
  uploadModelArtifact: { 201: Artifact },
  trackModelArtifact: { 201: Artifact },
  listModelArtifacts: { 200: Artifacts },
  getModelArtifactContent: { 200: { raw: "binary", contentType: "application/octet-stream" } },
  // events
  listEvents: { 200: z.object({ items: z.array(Event), next: z.number().int() }) },
  streamEvents: { 200: { raw: "events", contentType: "text/event-stream" } },
  // jobs (runner)
  leaseJob: { 200: z.object({ job: Job }), 204: null },
  heartbeatJob: { 200: z.object({ leaseUntil: Iso }) },
  completeJob: { 200: z.object({ job: Job }) },
  listJobs: { 200: z.object({ items: z.array(Job) }) },
  getJob: { 200: z.object({ job: Job }) },
  setJobPriority: { 200: z.object({ job: Job }) },
  registerRunner: { 200: z.object({ runner: Runner }) },
  listRunners: { 200: z.object({ items: z.array(Runner) }) },
} as const satisfies Record<OperationId, Operation["responses"]>;

/** Every operation keyed by `"<method> <path>"` as the document spells it. */
export const OPERATIONS: Readonly<Record<string, Operation>> = Object.fromEntries(
  (Object.entries(ROUTES) as [OperationId, string][]).map(([operationId, key]) => [key, { operationId, responses: RESPONSES[operationId] }]),
);

type Answers<Id extends OperationId> = (typeof RESPONSES)[Id];

/** The JSON answer of a successful call of `id` (`null` for a 204; raw bodies are not JSON). */
export type ResultOf<Id extends OperationId> = {
  [S in keyof Answers<Id>]: Answers<Id>[S] extends z.ZodTypeAny ? z.infer<Answers<Id>[S]> : Answers<Id>[S] extends null ? null : never;
}[keyof Answers<Id>];

/** The operation at `method path` (`path` as the document spells it, e.g. `/v1/models/{id}`), if the contract has it. */
export function operationFor(method: string, path: string): Operation | undefined {
  return (OPERATIONS as Record<string, Operation>)[`${method.toLowerCase()} ${path}`];
}

/** Whether a response entry is a raw (non-JSON) body. */
export function isRaw(r: z.ZodTypeAny | RawBody | null): r is RawBody {
  return r !== null && "raw" in r;
}
