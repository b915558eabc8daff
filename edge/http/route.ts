/**
 * `defineRoute`: registers a handler and its OpenAPI description in one place, validates
 * params / query / JSON body with zod, enforces the auth level, and hands the handler the
 * parsed input. Validation failures are 400s naming the field.
 */
// Loaded for its effect: it gives zod schemas (the contract's too) their `.openapi()`.
import "@hono/zod-openapi";
import type { RouteConfig, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ZodTypeAny } from "zod";
import { ErrorBody, isRaw, type Operation, operationFor } from "../../client/contract.ts";
import { REQUESTS } from "../../client/requests.ts";
import { hasScope, type Principal, type Scope } from "../auth/tokens.ts";
import type { App, AppEnv, Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";
import { readJsonBody } from "./body.ts";

/** `token`: any valid token (the handler decides what the caller may see); the others as `requireAuth` says. */
export type AuthLevel = "public" | "read" | "token" | Scope;

type Infer<T> = T extends ZodTypeAny ? z.infer<T> : undefined;

export interface RouteSpec<P, Q, B> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI-style path, e.g. `/v1/models/{id}`. */
  path: string;
  tags: string[];
  summary: string;
  description?: string;
  auth: AuthLevel;
  params?: P;
  query?: Q;
  body?: B;
  /** Documentation for non-JSON bodies (multipart, octet-stream); not validated here. */
  rawBody?: { contentType: string; schema: ZodTypeAny; description?: string };
  /** Descriptions of the answers; their schemas and the `operationId` come from the contract (`client/contract.ts`). */
  responses?: RouteConfig["responses"];
  /** Leave the route out of the OpenAPI document. */
  hidden?: boolean;
}

export interface RouteInput<P, Q, B> {
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
  principal: Principal | null;
}

export const ErrorSchema = ErrorBody.openapi("Error");

const DEFAULT_DESCRIPTION: Record<number, string> = { 200: "OK", 201: "Created", 204: "No content" };

/** The document's responses of an operation: the contract's schemas, the route's descriptions. */
function documentedResponses(op: Operation | undefined, described: RouteConfig["responses"] | undefined): RouteConfig["responses"] {
  if (op === undefined) return described ?? { 200: { description: "OK" } };
  const out: RouteConfig["responses"] = {};
  for (const [status, schema] of Object.entries(op.responses)) {
    const description = (described?.[status] as { description?: string } | undefined)?.description ?? DEFAULT_DESCRIPTION[Number(status)] ?? "OK";
    if (schema === null) out[status] = { description };
    else if (isRaw(schema)) out[status] = { description, content: { [schema.contentType]: { schema: { type: "string", format: "binary" } } } };
    else out[status] = { description, content: { "application/json": { schema } } };
  }
  return out;
}

export function zodIssuesToError(err: z.ZodError, where: string): LearnwareError {
  const first = err.issues[0];
  const field = first ? [where, ...first.path].filter((x) => x !== "").join(".") : where;
  const message = first ? `Invalid ${field}: ${first.message}` : `Invalid ${where}`;
  return new LearnwareError("VALIDATION_FAILED", message, {
    field,
    issues: err.issues.map((i) => ({ path: [where, ...i.path].filter((x) => x !== "").join("."), message: i.message })),
  });
}

/** Checks the auth level; throws 401/403. */
export function requireAuth(ctx: Ctx, principal: Principal | null, level: AuthLevel): void {
  if (level === "public") return;
  if (level === "read" && ctx.config.publicReads) return;
  if (principal === null) throw new LearnwareError("UNAUTHENTICATED", "A bearer token is required");
  if (level === "token") {
    if (!ctx.config.publicReads && !hasScope(principal, "read")) throw new LearnwareError("FORBIDDEN", "Token lacks the 'read' scope");
    return;
  }
  const scope: Scope = level;
  if (scope === "runner") {
    if (!hasScope(principal, "runner")) throw new LearnwareError("FORBIDDEN", "Token lacks the 'runner' or 'admin' scope");
    return;
  }
  if (!hasScope(principal, scope)) throw new LearnwareError("FORBIDDEN", `Token lacks the '${scope}' scope`);
}

export function defineRoute<
  P extends ZodTypeAny | undefined = undefined,
  Q extends ZodTypeAny | undefined = undefined,
  B extends ZodTypeAny | undefined = undefined,
>(app: App, ctx: Ctx, spec: RouteSpec<P, Q, B>, handler: (c: Context<AppEnv>, input: RouteInput<P, Q, B>) => Promise<Response> | Response): void {
  const op = operationFor(spec.method, spec.path);
  // The body a route validates is the contract's (the typed client's), never a copy of it.
  const contractBody = op ? (REQUESTS as Partial<Record<string, ZodTypeAny>>)[op.operationId] : undefined;
  if (op && contractBody !== spec.body)
    throw new Error(
      `${spec.method} ${spec.path}: its JSON body must be the contract's REQUESTS.${op.operationId} (client/requests.ts)${contractBody ? "" : ", which has none"}`,
    );
  if (!spec.hidden) {
    const request: Record<string, unknown> = {};
    if (spec.params) request.params = spec.params;
    if (spec.query) request.query = spec.query;
    if (spec.body) request.body = { content: { "application/json": { schema: spec.body } }, required: true };
    if (spec.rawBody) {
      request.body = {
        content: { [spec.rawBody.contentType]: { schema: spec.rawBody.schema } },
        required: true,
        ...(spec.rawBody.description ? { description: spec.rawBody.description } : {}),
      };
    }
    const security = spec.auth === "public" || (spec.auth === "read" && ctx.config.publicReads) ? [] : [{ bearer: [] }];
    app.openAPIRegistry.registerPath({
      ...(op ? { operationId: op.operationId } : {}),
      method: spec.method,
      path: spec.path,
      tags: spec.tags,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      request: request as RouteConfig["request"],
      security,
      responses: {
        ...documentedResponses(op, spec.responses),
        default: { description: "Error", content: { "application/json": { schema: ErrorSchema } } },
      },
    } as RouteConfig);
  }
  const honoPath = spec.path.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
  app.on(spec.method.toUpperCase(), honoPath, async (c) => {
    const principal = c.get("principal") ?? null;
    requireAuth(ctx, principal, spec.auth);
    let params: unknown;
    let query: unknown;
    let body: unknown;
    if (spec.params) {
      const r = spec.params.safeParse(c.req.param());
      if (!r.success) throw zodIssuesToError(r.error, "path");
      params = r.data;
    }
    if (spec.query) {
      const r = spec.query.safeParse(c.req.query());
      if (!r.success) throw zodIssuesToError(r.error, "query");
      query = r.data;
    }
    if (spec.body) {
      const raw = await readJsonBody(c.req.raw, ctx.config.maxJsonBytes);
      const r = spec.body.safeParse(raw);
      if (!r.success) throw zodIssuesToError(r.error, "body");
      body = r.data;
    }
    return handler(c, { params, query, body, principal } as RouteInput<P, Q, B>);
  });
}
