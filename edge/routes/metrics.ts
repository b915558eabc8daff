/**
 * Metrics and params of a model or a version. Metrics are ModelBox's: batches of (key,
 * number | string | bytes, step, wall clock), read back per key in step order, then wall-clock
 * order (so metrics logged without a step come back in the order they were measured). Params
 * are MLflow's: string key/values written once, kept apart from the metric series.
 */
import { z } from "@hono/zod-openapi";
import { REQUESTS } from "../../client/requests.ts";
import type { App, Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";
import { defineRoute } from "../http/route.ts";
import { OWNER_SCOPES, refOf } from "./owners.ts";
import { registryWrite, resolveOwner } from "../services/registry.ts";
import { logMetrics, logParams, readMetrics, readParams } from "../services/registryData.ts";

function b64decode(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function metricRoutes(app: App, ctx: Ctx): void {
  for (const { base, what, P } of OWNER_SCOPES) {
    defineRoute(
      app,
      ctx,
      {
        method: "post",
        path: `${base}/metrics`,
        tags: ["registry"],
        summary: `Log a batch of metrics on ${what}`,
        auth: "write",
        params: P,
        body: REQUESTS.logMetrics,
        responses: { 201: { description: "Logged" } },
      },
      async (c, { params, body, principal }) => {
        const o = await resolveOwner(ctx.db.db, params.id, refOf(params), principal);
        const rows = body.metrics.map((x, i) => {
          let bytes: Uint8Array | undefined;
          if (x.bytes !== undefined) {
            try {
              bytes = b64decode(x.bytes);
            } catch {
              throw new LearnwareError("VALIDATION_FAILED", `metrics.${i}.bytes is not base64`, { field: `body.metrics.${i}.bytes` });
            }
          }
          return { key: x.key, value: x.value, bytes, step: x.step, wallClock: x.wallClock };
        });
        const logged = await registryWrite(ctx, principal, (w) => logMetrics(w, o, rows));
        return c.json({ logged, version: o.version === 0 ? null : o.version }, 201);
      },
    );

    defineRoute(
      app,
      ctx,
      {
        method: "get",
        path: `${base}/metrics`,
        tags: ["registry"],
        summary: `Read the metrics of ${what} back, per key in step order, then wall-clock order`,
        auth: "read",
        params: P,
        query: z.object({ key: z.string().optional() }),
      },
      async (c, { params, query }) => {
        const o = await resolveOwner(ctx.db.db, params.id, refOf(params), false);
        return c.json({ version: o.version === 0 ? null : o.version, metrics: await readMetrics(ctx.db.db, o, query.key) });
      },
    );

    defineRoute(
      app,
      ctx,
      {
        method: "post",
        path: `${base}/params`,
        tags: ["registry"],
        summary: `Log string params on ${what} (written once: another value for a logged key is a 409)`,
        auth: "write",
        params: P,
        body: REQUESTS.logParams,
        responses: { 201: { description: "Logged" } },
      },
      async (c, { params, body, principal }) => {
        const o = await resolveOwner(ctx.db.db, params.id, refOf(params), principal);
        const all = await registryWrite(ctx, principal, (w) => logParams(w, o, body.params));
        return c.json({ version: o.version === 0 ? null : o.version, params: all }, 201);
      },
    );

    defineRoute(
      app,
      ctx,
      { method: "get", path: `${base}/params`, tags: ["registry"], summary: `The params of ${what}`, auth: "read", params: P },
      async (c, { params }) => {
        const o = await resolveOwner(ctx.db.db, params.id, refOf(params), false);
        return c.json({ version: o.version === 0 ? null : o.version, params: await readParams(ctx.db.db, o) });
      },
    );
  }
}
