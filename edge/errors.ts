/**
 * The one place that maps error codes to HTTP statuses, and the one JSON error shape:
 * `{ "error": { "code", "message", "details"? } }`.
 *
 * Routes throw `LearnwareError(code, message, details)` (the core's error class); the
 * error middleware renders it with the status below. Unknown codes from the core default
 * to 422 (the input was understood but is not acceptable), never 500.
 */
import { LearnwareError } from "../core/errors.ts";

export { LearnwareError };

const STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  RANGE_ERROR: 400,
  TYPE_ERROR: 400,
  UNAUTHENTICATED: 401,
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  OFFSET_MISMATCH: 409,
  LEASE_LOST: 409,
  ALREADY_EXISTS: 409,
  UPLOAD_BUSY: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  PACKAGE_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 413,
  TOO_MANY_UPLOADS: 429,
  RATE_LIMITED: 429,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SEMANTIC_INVALID: 422,
  PACKAGE_INVALID: 422,
  PACKAGE_UNSAFE: 422,
  SPEC_INVALID: 422,
  STAT_SPEC_INVALID: 422,
  CHECKSUM_MISMATCH: 422,
  NOT_READY: 409,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  BUSY: 503,
};

/** HTTP status for an error code (422 for domain codes this table does not know). */
export function statusForCode(code: string): number {
  return STATUS[code] ?? 422;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Shorthand constructors used by routes. */
export const httpErrors = {
  badRequest: (message: string, field?: string, details?: Record<string, unknown>) =>
    new LearnwareError("BAD_REQUEST", message, field === undefined ? details : { field, ...details }),
  notFound: (what: string) => new LearnwareError("NOT_FOUND", `${what} not found`),
  forbidden: (message = "Not allowed") => new LearnwareError("FORBIDDEN", message),
  unauthenticated: (message = "A bearer token is required") => new LearnwareError("UNAUTHENTICATED", message),
  conflict: (message: string, details?: unknown) => new LearnwareError("CONFLICT", message, details),
  tooLarge: (message: string, limit: number) => new LearnwareError("PAYLOAD_TOO_LARGE", message, { limit }),
};

/** Renders any thrown value as `[status, body]`; non-domain errors become a generic 500. */
export function renderError(err: unknown): [number, ErrorBody] {
  if (err instanceof LearnwareError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return [statusForCode(err.code), body];
  }
  if (err instanceof RangeError || err instanceof TypeError) {
    // Misuse reached from input (e.g. a malformed matrix in a spec): a client mistake.
    return [400, { error: { code: err instanceof RangeError ? "RANGE_ERROR" : "TYPE_ERROR", message: err.message } }];
  }
  if (err instanceof URIError) {
    return [400, { error: { code: "BAD_REQUEST", message: `Malformed percent-encoding: ${err.message}` } }];
  }
  if (err instanceof SyntaxError) {
    return [400, { error: { code: "BAD_REQUEST", message: `Malformed JSON: ${err.message}` } }];
  }
  return [500, { error: { code: "INTERNAL", message: "Internal server error" } }];
}
