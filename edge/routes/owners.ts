/**
 * What registry data (metrics, params, artifacts) hangs on: a version of a model, or the model
 * itself. Each route family is defined once per owner: `${base}/metrics`, `${base}/artifacts` …
 */
import { z } from "@hono/zod-openapi";

export const OWNER_SCOPES = [
  { base: "/v1/models/{id}/versions/{ref}", what: "a version", P: z.object({ id: z.string().min(1), ref: z.string().min(1) }) },
  { base: "/v1/models/{id}", what: "the model itself", P: z.object({ id: z.string().min(1) }) },
] as const;

/** The version reference of an owner's path parameters (none for the model itself). */
export const refOf = (p: { id: string; ref?: string }): string | undefined => p.ref;
