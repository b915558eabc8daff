import { test } from "node:test";
import assert from "node:assert/strict";
import { errorBody, errorStatusTable, readErrorBody, statusForCode } from "./errorEnvelope.ts";
import { LearnwareError } from "./errors.ts";

test("the codes the server and the runner disagreed on have one status", () => {
  for (const code of ["SPEC_INVALID", "DATA_INVALID", "SEARCH_EMPTY", "STAT_SPEC_INVALID", "PACKAGE_INVALID"]) assert.equal(statusForCode(code), 422, code);
  assert.equal(statusForCode("INPUT_SHAPE"), 400);
  assert.equal(statusForCode("TIMEOUT"), 504);
  assert.equal(statusForCode("SOMETHING_NEW"), 422);
  assert.equal(statusForCode("INTERNAL"), 500);
  for (const [code, status] of Object.entries(errorStatusTable())) assert.ok(status >= 400 && status < 600, `${code} → ${status}`);
});

test("errorBody wraps any thrown value in the envelope; readErrorBody reads it back", () => {
  const e = new LearnwareError("SPEC_INVALID", "Spec field 'beta' is missing", { field: "beta" });
  const body = errorBody(e);
  assert.deepEqual(body, { error: { code: "SPEC_INVALID", message: "Spec field 'beta' is missing", details: { field: "beta" } } });
  assert.deepEqual(readErrorBody(body, 422), body.error);
  assert.deepEqual(errorBody(new RangeError("Bad shape")), { error: { code: "RANGE_ERROR", message: "Bad shape" } });
  assert.deepEqual(readErrorBody({ code: "NOT_FOUND", message: "x" }, 404), { code: "NOT_FOUND", message: "x" });
  const up = readErrorBody(undefined, 502, "<html>Bad gateway</html>");
  assert.equal(up.code, "UPSTREAM_ERROR");
  assert.match(up.message, /HTTP 502: <html>Bad gateway/);
});
