/**
 * The one table of check statuses: the number stored and sent (the Python market's
 * `INVALID −1 / NONUSABLE 0 / USABLE 1`), the name this product's API and page use, and the
 * Beimingwu API's `verify_status`.
 *
 * 0 is the Python market's NONUSABLE: the semantic spec and the package passed the static
 * checks, but no runner has run the model yet. The API calls it `pending` (it becomes USABLE or
 * INVALID when the check job completes), and Beimingwu `WAITING`.
 *
 * @example
 * ```ts
 * import assert from "./testing/assert.ts";
 * import { CHECK_STATUS, checkStatusCode, checkStatusName } from "./checkStatus.ts";
 * assert.equal(checkStatusName(CHECK_STATUS.NONUSABLE), "pending");
 * assert.equal(checkStatusCode("usable"), 1);
 * ```
 */

/** Check statuses of the Python market. */
export const CHECK_STATUS = { INVALID: -1, NONUSABLE: 0, USABLE: 1 } as const;

export type CheckStatusCode = (typeof CHECK_STATUS)[keyof typeof CHECK_STATUS];
export type CheckStatusName = "invalid" | "pending" | "usable";

/** Every status, once: code, API name, Python name, Beimingwu `verify_status`. */
export const CHECK_STATUSES: readonly { code: CheckStatusCode; name: CheckStatusName; python: keyof typeof CHECK_STATUS; beimingwu: string }[] = [
  { code: -1, name: "invalid", python: "INVALID", beimingwu: "FAIL" },
  { code: 0, name: "pending", python: "NONUSABLE", beimingwu: "WAITING" },
  { code: 1, name: "usable", python: "USABLE", beimingwu: "SUCCESS" },
];

const byCode = new Map<number, (typeof CHECK_STATUSES)[number]>(CHECK_STATUSES.map((s) => [s.code, s]));
const pending = byCode.get(0)!;

/** The API name of a stored status (a number the table does not know reads as pending: not checked). */
export function checkStatusName(code: number): CheckStatusName {
  return (byCode.get(code) ?? pending).name;
}

/** The Python market's name of a stored status (`INVALID`, `NONUSABLE`, `USABLE`; unknown reads as NONUSABLE). */
export function pythonStatusName(code: number): keyof typeof CHECK_STATUS {
  return (byCode.get(code) ?? pending).python;
}

/** The stored number of an API name. */
export function checkStatusCode(name: CheckStatusName): CheckStatusCode {
  return CHECK_STATUSES.find((s) => s.name === name)!.code;
}

/** Beimingwu's `verify_status` of a stored status. */
export function beimingwuStatus(code: number): string {
  return (byCode.get(code) ?? pending).beimingwu;
}
