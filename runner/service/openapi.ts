/**
 * The model service's OpenAPI 3.1 document (`GET /openapi.json`), generated from the one
 * contract of its operations (`client/runnerContract.ts`).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ErrorBody, isRaw } from "../../client/contract.ts";
import { FRAME_OPERATIONS, FRAME_TYPE, RUNNER_OPERATIONS, type RunnerOperation } from "../../client/runnerContract.ts";

const binary = { type: "string", format: "binary" } as const;

let cached: unknown = null;

/** The document (built once; the contract does not change while the process runs). */
export function serviceOpenApiDocument(): unknown {
  if (cached !== null) return cached;
  const gen = new OpenAPIHono();
  gen.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  const error = ErrorBody.openapi("Error");
  for (const [key, op] of Object.entries(RUNNER_OPERATIONS) as [string, RunnerOperation][]) {
    const [method, path] = key.split(" ") as [string, string];
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const frames = FRAME_OPERATIONS.has(key);
    const request: Record<string, unknown> = {};
    if (names.length > 0) request.params = z.object(Object.fromEntries(names.map((n) => [n, z.string()])));
    if (op.body)
      request.body = { required: true, content: { "application/json": { schema: op.body }, ...(frames ? { [FRAME_TYPE]: { schema: binary } } : {}) } };
    const responses: Record<string, unknown> = { default: { description: "Error", content: { "application/json": { schema: error } } } };
    for (const [status, schema] of Object.entries(op.responses)) {
      if (schema === null) responses[status] = { description: "No content" };
      else if (isRaw(schema)) responses[status] = { description: "OK", content: { [schema.contentType]: { schema: binary } } };
      else responses[status] = { description: "OK", content: { "application/json": { schema }, ...(frames ? { [FRAME_TYPE]: { schema: binary } } : {}) } };
    }
    gen.openAPIRegistry.registerPath({
      operationId: op.operationId,
      method: method as "get",
      path,
      summary: op.summary,
      // The caller's token is forwarded to the market server; anonymous callers run USABLE versions.
      security: path.startsWith("/v1/") || path.startsWith("/mixtures") ? [{}, { bearer: [] }] : [],
      request: request as never,
      responses: responses as never,
    });
  }
  cached = gen.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Learnware runner: model service", version: "1.0.0", description: 'Errors are `{ "error": { "code", "message", "details"? } }`.' },
  });
  return cached;
}
