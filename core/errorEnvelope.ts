/**
 * The one error contract of every HTTP API of the project (the market server, the runner's
 * model service and, through its `{code, msg}` envelope, the Beimingwu compat adapter):
 *
 * * the envelope `{ "error": { "code", "message", "details"? } }`;
 * * the one table from an error code to its HTTP status.
 *
 * A domain code the table does not list is 422 (the input was understood but is not
 * acceptable); a non-domain failure is `INTERNAL` (500). Web-standard only, so the server,
 * the runner, the typed client and the page share it.
 *
 * @example
 * ```ts
 * import assert from "./testing/assert.ts";
 * import { errorBody, readErrorBody, statusForCode } from "./errorEnvelope.ts";
 * import { LearnwareError } from "./errors.ts";
 * assert.equal(statusForCode("SPEC_INVALID"), 422);
 * const body = errorBody(new LearnwareError("NOT_FOUND", "Learnware 7 not found"));
 * assert.deepEqual(body, { error: { code: "NOT_FOUND", message: "Learnware 7 not found" } });
 * assert.equal(readErrorBody(body, 404).code, "NOT_FOUND");
 * ```
 */
import { type ErrorPayload, toErrorPayload } from "./errors.ts";

/** Error code → HTTP status. Grouped by status; a code appears once. */
const STATUS: Readonly<Record<string, number>> = {
  // 400: the request itself is malformed.
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  RANGE_ERROR: 400,
  TYPE_ERROR: 400,
  INPUT_SHAPE: 400,
  INPUT_TYPE: 400,
  // 401 / 403: who is asking.
  UNAUTHENTICATED: 401,
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TEXT_MODEL_NOT_CONFIGURED: 404,
  METHOD_NOT_ALLOWED: 405,
  // 409: the state of the resource does not allow it now.
  CONFLICT: 409,
  OFFSET_MISMATCH: 409,
  LEASE_LOST: 409,
  ALREADY_EXISTS: 409,
  UPLOAD_BUSY: 409,
  NOT_READY: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  PACKAGE_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 422: understood, but the content (a package, a spec, data, a model's answer) is not acceptable.
  SEMANTIC_INVALID: 422,
  PACKAGE_INVALID: 422,
  PACKAGE_UNSAFE: 422,
  SPEC_INVALID: 422,
  SPEC_MISSING: 422,
  STAT_SPEC_INVALID: 422,
  DATA_INVALID: 422,
  SEARCH_EMPTY: 422,
  CHECKSUM_MISMATCH: 422,
  LOAD_FAILED: 422,
  MODEL_ERROR: 422,
  MODEL_CLASS_MISSING: 422,
  WORKER_CRASHED: 422,
  NOT_SUPPORTED: 422,
  PREDICT_INVALID: 422,
  OUTPUT_NOT_NUMERIC: 422,
  OUTPUT_NOT_ARRAY: 422,
  OUTPUT_NOT_JSON: 422,
  TOO_MANY_UPLOADS: 429,
  RATE_LIMITED: 429,
  // 5xx: the service's own failure, never the caller's.
  INTERNAL: 500,
  WORKER_CLOSED: 500,
  ENV_FAILED: 500,
  // An edge runtime's app (edge/entry/worker.ts) does not do this work: the Node server does.
  NEEDS_NODE_SERVER: 501,
  UNAVAILABLE: 503,
  BUSY: 503,
  BACKEND_UNAVAILABLE: 503,
  UPSTREAM_ERROR: 503,
  SANDBOX_UNAVAILABLE: 503,
  SANDBOX_FAILED: 503,
  GPU_UNAVAILABLE: 503,
  TIMEOUT: 504,
  MEMORY_LIMIT: 507,
};

/** HTTP status for an error code (422 for domain codes this table does not list). */
export function statusForCode(code: string): number {
  return STATUS[code] ?? 422;
}

/** Every code the table lists, with its status (for the OpenAPI document and tests). */
export function errorStatusTable(): Readonly<Record<string, number>> {
  return STATUS;
}

/** The JSON error body of every API. */
export interface ErrorBody {
  error: ErrorPayload;
}

/** The envelope of a thrown value (see `toErrorPayload` for non-domain errors). */
export function errorBody(err: unknown): ErrorBody {
  return { error: toErrorPayload(err) };
}

/**
 * Reads an error body a server answered with `status` back into `{code, message, details?}`.
 * Accepts the envelope and a bare `{code, message}`; anything else is `UPSTREAM_ERROR`
 * naming the status and the start of the text.
 */
export function readErrorBody(body: unknown, status: number, text = ""): ErrorPayload {
  const inner = body !== null && typeof body === "object" && "error" in body ? (body as { error: unknown }).error : body;
  if (inner !== null && typeof inner === "object" && typeof (inner as { code?: unknown }).code === "string") {
    const { code, message, details } = inner as { code: string; message?: unknown; details?: unknown };
    const out: ErrorPayload = { code, message: typeof message === "string" ? message : `HTTP ${status}` };
    if (details !== undefined) out.details = details;
    return out;
  }
  return { code: "UPSTREAM_ERROR", message: `HTTP ${status}: ${(text || JSON.stringify(body ?? null)).slice(0, 200)}` };
}

/** Reads a failed `Response` (any API of the project) into `{code, message, details?}`. */
export async function readErrorResponse(res: Response): Promise<ErrorPayload> {
  const text = await res.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return readErrorBody(body, res.status, text);
}
