/** Metrics of a version: batches of (key, number | string | bytes, step, wall clock), read back in order. */
import { z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { App, Ctx } from "../context.ts";
import { metrics } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { defineRoute } from "../http/route.ts";
import { getModel, resolveVersion } from "../services/catalog.ts";
import { appendEvent } from "../services/events.ts";
import { assertCanWrite } from "../services/market.ts";

const Metric = z
  .object({
    key: z.string().min(1).max(200),
    value: z.union([z.number(), z.string().max(100_000)]).optional(),
    bytes: z.string().max(1_400_000).optional().describe("base64"),
    step: z.number().int().min(0).optional(),
    wallClock: z.number().optional().describe("milliseconds since the epoch; default now"),
  })
  .refine((m) => (m.value === undefined) !== (m.bytes === undefined), { message: "Give exactly one of value or bytes" });

function b64decode(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function b64encode(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function metricRoutes(app: App, ctx: Ctx): void {
  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/models/{id}/versions/{ref}/metrics",
      tags: ["registry"],
      summary: "Log a batch of metrics",
      auth: "write",
      params: z.object({ id: z.string(), ref: z.string() }),
      body: z.object({ metrics: z.array(Metric).min(1).max(10_000) }),
      responses: { 201: { description: "Logged" } },
    },
    async (c, { params, body, principal }) => {
      const m = await getModel(ctx.db.db, params.id);
      assertCanWrite(principal, m);
      const at = ctx.now();
      const rows = body.metrics.map((x, i) => {
        let valueBytes: Buffer | null = null;
        if (x.bytes !== undefined) {
          try {
            valueBytes = b64decode(x.bytes) as Buffer;
          } catch {
            throw new LearnwareError("VALIDATION_FAILED", `metrics.${i}.bytes is not base64`, { field: `body.metrics.${i}.bytes` });
          }
        }
        return {
          key: x.key,
          valueNumber: typeof x.value === "number" ? x.value : null,
          valueString: typeof x.value === "string" ? x.value : null,
          valueBytes,
          step: x.step ?? 0,
          wallClock: x.wallClock ?? at,
        };
      });
      const v = await ctx.db.write(async (tx) => {
        const v = await resolveVersion(tx, m, params.ref);
        for (let i = 0; i < rows.length; i += 500) {
          await tx.insert(metrics).values(rows.slice(i, i + 500).map((r) => ({ ...r, modelId: m.id, version: v.number })));
        }
        await appendEvent(tx, at, {
          type: "metrics.logged",
          namespace: m.namespace,
          modelId: m.id,
          version: v.number,
          actor: principal!.owner,
          data: { count: rows.length, keys: [...new Set(rows.map((r) => r.key))] },
        });
        return v;
      });
      ctx.hub.notify();
      return c.json({ logged: rows.length, version: v.number }, 201);
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/models/{id}/versions/{ref}/metrics",
      tags: ["registry"],
      summary: "Read metrics back, per key in step order (then logging order)",
      auth: "read",
      params: z.object({ id: z.string(), ref: z.string() }),
      query: z.object({ key: z.string().optional() }),
    },
    async (c, { params, query }) => {
      const m = await getModel(ctx.db.db, params.id);
      const v = await resolveVersion(ctx.db.db, m, params.ref);
      const conds = [eq(metrics.modelId, m.id), eq(metrics.version, v.number)];
      if (query.key !== undefined) conds.push(eq(metrics.key, query.key));
      const rows = await ctx.db.db
        .select()
        .from(metrics)
        .where(and(...conds))
        .orderBy(asc(metrics.key), asc(metrics.step), asc(metrics.id));
      const out: Record<string, { value?: number | string; bytes?: string; step: number; wallClock: number }[]> = {};
      for (const r of rows) {
        const item =
          r.valueBytes !== null
            ? { bytes: b64encode(new Uint8Array(r.valueBytes)), step: r.step, wallClock: r.wallClock }
            : { value: (r.valueNumber ?? r.valueString)!, step: r.step, wallClock: r.wallClock };
        (out[r.key] ??= []).push(item);
      }
      return c.json({ version: v.number, metrics: out });
    },
  );
}
