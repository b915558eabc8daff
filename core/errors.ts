/**
 * Domain errors of the learnware core.
 *
 * Misuse of an API (wrong argument types or shapes) throws `TypeError` / `RangeError`;
 * a domain failure (bad spec file, invalid package, unusable data) throws a
 * `LearnwareError` with a stable string `code`. Across threads and processes send
 * `toErrorPayload(err)` and rebuild with `fromErrorPayload`.
 *
 * @example
 * ```ts
 * import assert from "./testing/assert.ts";
 * import { LearnwareError } from "./errors.ts";
 * const err = new LearnwareError("SPEC_INVALID", "Spec field 'beta' is missing");
 * assert.equal(err.code, "SPEC_INVALID");
 * ```
 */
export class LearnwareError extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = "LearnwareError";
    this.code = code;
    this.details = details;
  }
}

/** The plain-object form of an error, safe to send across threads and processes. */
export interface ErrorPayload {
  code: string;
  message: string;
  details?: unknown;
}

/** Converts any thrown value to `{ code, message, details? }`. */
export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof LearnwareError) {
    return err.details === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, details: err.details };
  }
  if (err instanceof RangeError) return { code: "RANGE_ERROR", message: err.message };
  if (err instanceof TypeError) return { code: "TYPE_ERROR", message: err.message };
  if (err instanceof Error) return { code: "INTERNAL", message: err.message };
  return { code: "INTERNAL", message: String(err) };
}

/** Rebuilds an error from its payload (the inverse of `toErrorPayload`). */
export function fromErrorPayload(p: ErrorPayload): Error {
  if (p.code === "RANGE_ERROR") return new RangeError(p.message);
  if (p.code === "TYPE_ERROR") return new TypeError(p.message);
  return new LearnwareError(p.code, p.message, p.details);
}
