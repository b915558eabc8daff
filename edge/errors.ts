/**
 * The server's side of the one error contract (`core/errorEnvelope.ts`: the envelope
 * `{ "error": { "code", "message", "details"? } }` and the one code → status table).
 *
 * Routes throw `LearnwareError(code, message, details)` (the core's error class); the
 * error middleware renders it with `renderError`. Unknown domain codes are 422, never 500.
 */
import { type ErrorBody, statusForCode } from "../core/errorEnvelope.ts";
import { LearnwareError } from "../core/errors.ts";

export { type ErrorBody, LearnwareError, statusForCode };

/** Renders any thrown value as `[status, body]`; non-domain errors become a generic 500. */
export function renderError(err: unknown): [number, ErrorBody] {
  if (err instanceof LearnwareError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return [statusForCode(err.code), body];
  }
  if (err instanceof RangeError || err instanceof TypeError) {
    // Misuse reached from input (e.g. a malformed matrix in a spec): a client mistake.
    const code = err instanceof RangeError ? "RANGE_ERROR" : "TYPE_ERROR";
    return [statusForCode(code), { error: { code, message: err.message } }];
  }
  if (err instanceof URIError) {
    return [400, { error: { code: "BAD_REQUEST", message: `Malformed percent-encoding: ${err.message}` } }];
  }
  if (err instanceof SyntaxError) {
    return [400, { error: { code: "BAD_REQUEST", message: `Malformed JSON: ${err.message}` } }];
  }
  return [500, { error: { code: "INTERNAL", message: "Internal server error" } }];
}
