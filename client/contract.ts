/**
 * The HTTP contract of the market server: every operation's `operationId` and the zod
 * schema of its answers. The server registers these in its OpenAPI document (`/openapi.json`,
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
import { errorStatusTable } from "../core/errorEnvelope.ts";

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
  packageSha256: z.string().nullable(),
  packageSize: z.number().int().nullable(),
  framework: z.string().nullable(),
  statSpecs: z.array(Json),
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
  payload: z.record(Json),
  log: z.string(),
  result: Json,
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

export const Artifact = z.object({
  path: z.string(),
  size: z.number().int().nullable(),
  sha256: z.string().nullable(),
  mime: z.string(),
  storage: z.enum(["stored", "tracked"]),
  uri: z.string().nullable(),
  version: z.number().int(),
  createdAt: Iso,
});

const SearchItem = z.object({ id: z.string(), score: z.number(), dist: z.number().nullable(), learnware: Model.nullable() });

export const SearchAnswer = z.object({
  single: z.object({ items: z.array(SearchItem), ...Page }),
  multiple: z
    .object({
      ids: z.array(z.string()),
      weights: z.array(z.number()),
      score: z.number(),
      dist: z.number().nullable(),
      learnwares: z.array(Model.nullable()),
    })
    .nullable(),
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

/** A non-JSON answer: the body is bytes (`binary`) or a server-sent event stream (`events`). */
export type RawBody = { raw: "binary" | "events"; contentType: string };

export interface Operation {
  operationId: string;
  /** Status → schema of the JSON body, a raw body, or `null` for no body (204). */
  responses: Record<number, z.ZodTypeAny | RawBody | null>;
}

const zip: RawBody = { raw: "binary", contentType: "application/zip" };

/** Every operation of the server's `/v1` API, keyed by `"<method> <path>"` as the document spells it. */
export const OPERATIONS = {
  // auth
  "post /v1/tokens": { operationId: "createToken", responses: { 201: Token.extend({ token: z.string() }) } },
  "get /v1/tokens": { operationId: "listTokens", responses: { 200: z.object({ items: z.array(Token) }) } },
  "delete /v1/tokens/{id}": { operationId: "revokeToken", responses: { 200: z.object({ id: z.string(), revoked: z.literal(true) }) } },
  "get /v1/whoami": {
    operationId: "whoami",
    responses: { 200: z.object({ owner: z.string().nullable(), scopes: z.array(z.string()), tokenId: z.string().optional() }) },
  },
  // market
  "post /v1/learnwares": { operationId: "submitLearnware", responses: { 201: Submitted } },
  "get /v1/learnwares": { operationId: "listLearnwares", responses: { 200: ModelList } },
  "get /v1/learnwares/{id}": { operationId: "getLearnware", responses: { 200: Model } },
  "patch /v1/learnwares/{id}": { operationId: "updateLearnware", responses: { 200: Submitted } },
  "delete /v1/learnwares/{id}": { operationId: "deleteLearnware", responses: { 200: Deleted } },
  "get /v1/learnwares/{id}/versions": { operationId: "listLearnwareVersions", responses: { 200: z.object({ items: z.array(Version) }) } },
  "get /v1/learnwares/{id}/versions/{ref}": { operationId: "getLearnwareVersion", responses: { 200: Version } },
  "get /v1/learnwares/{id}/versions/{ref}/check": {
    operationId: "getCheck",
    responses: {
      200: z.object({
        learnwareId: z.string(),
        version: z.number().int(),
        checkStatus: z.number().int(),
        status: CheckStatusName,
        log: z.string(),
        jobs: z.array(Job),
      }),
    },
  },
  "get /v1/learnwares/{id}/versions/{ref}/package": { operationId: "getPackage", responses: { 200: zip } },
  "get /v1/learnwares/{id}/download": { operationId: "downloadLearnware", responses: { 200: zip } },
  "post /v1/learnwares/{id}/versions/{ref}/link": {
    operationId: "createDownloadLink",
    responses: { 200: z.object({ url: z.string(), expiresAt: Iso, version: z.number().int() }) },
  },
  "get /v1/links/{id}/{n}": { operationId: "downloadByLink", responses: { 200: zip } },
  "post /v1/search": { operationId: "search", responses: { 200: SearchAnswer } },
  "get /v1/semantic-options": {
    operationId: "semanticOptions",
    responses: { 200: z.object({ options: z.record(z.object({ type: z.string(), values: z.array(z.string()) }).passthrough()) }) },
  },
  // uploads
  "post /v1/uploads": { operationId: "createUpload", responses: { 201: UploadSession } },
  "get /v1/uploads/{id}": { operationId: "getUpload", responses: { 200: UploadSession } },
  "put /v1/uploads/{id}": { operationId: "putUploadChunk", responses: { 200: z.object({ id: z.string(), offset: z.number().int() }) } },
  "delete /v1/uploads/{id}": { operationId: "deleteUpload", responses: { 200: Deleted } },
  "post /v1/uploads/{id}/finish": { operationId: "finishUpload", responses: { 201: Submitted } },
  // registry
  "post /v1/namespaces/{namespace}/models": { operationId: "createModel", responses: { 201: Model } },
  "get /v1/namespaces/{namespace}/models": { operationId: "listNamespaceModels", responses: { 200: ModelList } },
  "get /v1/namespaces/{namespace}": { operationId: "getNamespace", responses: { 200: Namespace } },
  "put /v1/namespaces/{namespace}": { operationId: "putNamespace", responses: { 200: Namespace } },
  "get /v1/models": { operationId: "listModels", responses: { 200: ModelList } },
  "get /v1/models/{id}": { operationId: "getModel", responses: { 200: Model } },
  "delete /v1/models/{id}": { operationId: "deleteModel", responses: { 200: Deleted } },
  "post /v1/models/{id}/versions": { operationId: "createModelVersion", responses: { 201: Version } },
  "get /v1/models/{id}/versions": { operationId: "listModelVersions", responses: { 200: z.object({ items: z.array(Version) }) } },
  "get /v1/models/{id}/versions/{ref}": { operationId: "getModelVersion", responses: { 200: Version } },
  "get /v1/models/{id}/tags": { operationId: "listTags", responses: { 200: z.object({ tags: z.record(z.number().int()) }) } },
  "put /v1/models/{id}/tags/{tag}": {
    operationId: "moveTag",
    responses: { 200: z.object({ tag: z.string(), version: z.number().int(), previous: z.number().int().nullable() }) },
  },
  "delete /v1/models/{id}/tags/{tag}": { operationId: "deleteTag", responses: { 200: z.object({ tag: z.string(), deleted: z.literal(true) }) } },
  "get /v1/models/{id}/metadata": { operationId: "getModelMetadata", responses: { 200: Metadata } },
  "patch /v1/models/{id}/metadata": { operationId: "patchModelMetadata", responses: { 200: Metadata } },
  "get /v1/models/{id}/versions/{ref}/metadata": { operationId: "getVersionMetadata", responses: { 200: Metadata } },
  "patch /v1/models/{id}/versions/{ref}/metadata": { operationId: "patchVersionMetadata", responses: { 200: Metadata } },
  "post /v1/models/{id}/versions/{ref}/metrics": {
    operationId: "logMetrics",
    responses: { 201: z.object({ logged: z.number().int(), version: z.number().int() }) },
  },
  "get /v1/models/{id}/versions/{ref}/metrics": {
    operationId: "getMetrics",
    responses: { 200: z.object({ version: z.number().int(), metrics: z.record(z.array(MetricPoint)) }) },
  },
  "put /v1/models/{id}/versions/{ref}/artifacts": { operationId: "uploadArtifact", responses: { 201: Artifact } },
  "post /v1/models/{id}/versions/{ref}/artifacts": { operationId: "trackArtifact", responses: { 201: Artifact } },
  "get /v1/models/{id}/versions/{ref}/artifacts": {
    operationId: "listArtifacts",
    responses: { 200: z.object({ version: z.number().int(), items: z.array(Artifact) }) },
  },
  "get /v1/models/{id}/versions/{ref}/artifacts/content": {
    operationId: "getArtifactContent",
    responses: { 200: { raw: "binary", contentType: "application/octet-stream" } },
  },
  // events
  "get /v1/events": { operationId: "listEvents", responses: { 200: z.object({ items: z.array(Event), next: z.number().int() }) } },
  "get /v1/events/stream": { operationId: "streamEvents", responses: { 200: { raw: "events", contentType: "text/event-stream" } } },
  // jobs (runner)
  "post /v1/jobs/lease": { operationId: "leaseJob", responses: { 200: z.object({ job: Job }), 204: null } },
  "post /v1/jobs/{id}/heartbeat": { operationId: "heartbeatJob", responses: { 200: z.object({ leaseUntil: Iso }) } },
  "post /v1/jobs/{id}/complete": { operationId: "completeJob", responses: { 200: z.object({ job: Job }) } },
  "get /v1/jobs": { operationId: "listJobs", responses: { 200: z.object({ items: z.array(Job) }) } },
  "get /v1/jobs/{id}": { operationId: "getJob", responses: { 200: z.object({ job: Job }) } },
} as const satisfies Record<string, Operation>;

export type OperationKey = keyof typeof OPERATIONS;
type Ops = typeof OPERATIONS;
export type OperationId = Ops[OperationKey]["operationId"];

/** The key of the operation named `id`. */
export type KeyOf<Id extends OperationId> = { [K in OperationKey]: Ops[K]["operationId"] extends Id ? K : never }[OperationKey];

/** The JSON answer of a successful call of `id` (the first 2xx with a schema). */
export type ResultOf<Id extends OperationId> = {
  [S in keyof Ops[KeyOf<Id>]["responses"]]: Ops[KeyOf<Id>]["responses"][S] extends z.ZodTypeAny ? z.infer<Ops[KeyOf<Id>]["responses"][S]> : never;
}[keyof Ops[KeyOf<Id>]["responses"]];

const byId = new Map<string, { method: string; path: string; op: Operation }>();
for (const [key, op] of Object.entries(OPERATIONS) as [string, Operation][]) {
  const [method, path] = key.split(" ") as [string, string];
  byId.set(op.operationId, { method, path, op });
}

/** The operation at `method path` (`path` as the document spells it, e.g. `/v1/models/{id}`), if the contract has it. */
export function operationFor(method: string, path: string): Operation | undefined {
  return (OPERATIONS as Record<string, Operation>)[`${method.toLowerCase()} ${path}`];
}

/** Method, path and contract of the operation named `id`. */
export function operationById(id: string): { method: string; path: string; op: Operation } | undefined {
  return byId.get(id);
}

/** Whether a response entry is a raw (non-JSON) body. */
export function isRaw(r: z.ZodTypeAny | RawBody | null): r is RawBody {
  return r !== null && "raw" in r;
}

/** Error statuses an operation may answer, from the one table (for documentation). */
export function errorStatuses(): number[] {
  return [...new Set(Object.values(errorStatusTable()))].sort((a, b) => a - b);
}
