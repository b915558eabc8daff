/**
 * Every operation of the market server's `/v1` API: its `operationId` → `"<method> <path>"`
 * (the path as the OpenAPI document spells it). The routing half of the contract, without
 * schemas, so the page's client stays small; `./contract.ts` holds each operation's answers.
 */
export const ROUTES = {
  // auth
  createToken: "post /v1/tokens",
  listTokens: "get /v1/tokens",
  revokeToken: "delete /v1/tokens/{id}",
  whoami: "get /v1/whoami",
  // market
  submitLearnware: "post /v1/learnwares",
  listLearnwares: "get /v1/learnwares",
  getLearnware: "get /v1/learnwares/{id}",
  updateLearnware: "patch /v1/learnwares/{id}",
  deleteLearnware: "delete /v1/learnwares/{id}",
  listLearnwareVersions: "get /v1/learnwares/{id}/versions",
  getLearnwareVersion: "get /v1/learnwares/{id}/versions/{ref}",
  getCheck: "get /v1/learnwares/{id}/versions/{ref}/check",
  getPackage: "get /v1/learnwares/{id}/versions/{ref}/package",
  downloadLearnware: "get /v1/learnwares/{id}/download",
  createDownloadLink: "post /v1/learnwares/{id}/versions/{ref}/link",
  downloadByLink: "get /v1/links/{id}/{n}",
  search: "post /v1/search",
  semanticOptions: "get /v1/semantic-options",
  // uploads
  createUpload: "post /v1/uploads",
  getUpload: "get /v1/uploads/{id}",
  putUploadChunk: "put /v1/uploads/{id}",
  deleteUpload: "delete /v1/uploads/{id}",
  finishUpload: "post /v1/uploads/{id}/finish",
  // registry
  createModel: "post /v1/namespaces/{namespace}/models",
  createDefaultModel: "post /v1/models",
  getModelByName: "get /v1/namespaces/{namespace}/models/{name}",
  resolve: "get /v1/resolve/{ref}",
  listNamespaceModels: "get /v1/namespaces/{namespace}/models",
  getNamespace: "get /v1/namespaces/{namespace}",
  putNamespace: "put /v1/namespaces/{namespace}",
  listModels: "get /v1/models",
  getModel: "get /v1/models/{id}",
  deleteModel: "delete /v1/models/{id}",
  createModelVersion: "post /v1/models/{id}/versions",
  listModelVersions: "get /v1/models/{id}/versions",
  getModelVersion: "get /v1/models/{id}/versions/{ref}",
  listTags: "get /v1/models/{id}/tags",
  moveTag: "put /v1/models/{id}/tags/{tag}",
  deleteTag: "delete /v1/models/{id}/tags/{tag}",
  getModelMetadata: "get /v1/models/{id}/metadata",
  patchModelMetadata: "patch /v1/models/{id}/metadata",
  getVersionMetadata: "get /v1/models/{id}/versions/{ref}/metadata",
  patchVersionMetadata: "patch /v1/models/{id}/versions/{ref}/metadata",
  logMetrics: "post /v1/models/{id}/versions/{ref}/metrics",
  getMetrics: "get /v1/models/{id}/versions/{ref}/metrics",
  logParams: "post /v1/models/{id}/versions/{ref}/params",
  getParams: "get /v1/models/{id}/versions/{ref}/params",
  uploadArtifact: "put /v1/models/{id}/versions/{ref}/artifacts",
  trackArtifact: "post /v1/models/{id}/versions/{ref}/artifacts",
  listArtifacts: "get /v1/models/{id}/versions/{ref}/artifacts",
  getArtifactContent: "get /v1/models/{id}/versions/{ref}/artifacts/content",
  logModelMetrics: "post /v1/models/{id}/metrics",
  getModelMetrics: "get /v1/models/{id}/metrics",
  logModelParams: "post /v1/models/{id}/params",
  getModelParams: "get /v1/models/{id}/params",
  uploadModelArtifact: "put /v1/models/{id}/artifacts",
  trackModelArtifact: "post /v1/models/{id}/artifacts",
  listModelArtifacts: "get /v1/models/{id}/artifacts",
  getModelArtifactContent: "get /v1/models/{id}/artifacts/content",
  // events
  listEvents: "get /v1/events",
  streamEvents: "get /v1/events/stream",
  // jobs (runner)
  leaseJob: "post /v1/jobs/lease",
  heartbeatJob: "post /v1/jobs/{id}/heartbeat",
  completeJob: "post /v1/jobs/{id}/complete",
  listJobs: "get /v1/jobs",
  getJob: "get /v1/jobs/{id}",
  setJobPriority: "patch /v1/jobs/{id}",
  registerRunner: "post /v1/runners",
  listRunners: "get /v1/runners",
} as const;

export type OperationId = keyof typeof ROUTES;

/** Method and path of operation `id`. */
export function routeOf(id: string): { method: string; path: string } | undefined {
  const r = (ROUTES as Record<string, string>)[id];
  if (r === undefined) return undefined;
  const [method, path] = r.split(" ") as [string, string];
  return { method, path };
}
