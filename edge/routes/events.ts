/**
 * Events: the append-only log, listed, and a live feed (server-sent events) filterable by
 * namespace / model / type. `Last-Event-ID` (or `?after=`) resumes a feed without gaps.
 */
import { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { streamSSE } from "hono/streaming";
import { events } from "../db/schema.ts";
import type { App, Ctx } from "../context.ts";
import { defineRoute } from "../http/route.ts";
import { type EventRow, type EventViewer, listEvents } from "../services/events.ts";
import { hasScope, isAdmin, type Principal } from "../auth/tokens.ts";

const Filter = z.object({
  namespace: z.string().optional(),
  model: z.string().optional(),
  type: z.string().optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

function viewerOf(p: Principal | null): EventViewer {
  return { owner: p?.owner ?? null, admin: p !== null && isAdmin(p), runner: p !== null && hasScope(p, "runner") };
}

export function eventView(e: EventRow) {
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    type: e.type,
    namespace: e.namespace,
    modelId: e.modelId,
    version: e.version,
    actor: e.actor,
    data: e.data,
  };
}

export function eventRoutes(app: App, ctx: Ctx): void {
  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/events", tags: ["events"], summary: "List events in order (after an id)", auth: "read", query: Filter },
    async (c, { query, principal }) => {
      const rows = await listEvents(
        ctx.db.db,
        { namespace: query.namespace, modelId: query.model, type: query.type, after: query.after },
        query.limit,
        viewerOf(principal),
      );
      return c.json({ items: rows.map(eventView), next: rows.length ? rows[rows.length - 1]!.id : (query.after ?? 0) });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/events/stream",
      tags: ["events"],
      summary: "Live feed of events (text/event-stream)",
      description: "Each event is `id: <n>`, `event: <type>`, `data: <json>`. Without `after`/`Last-Event-ID` the feed starts at the current end.",
      auth: "read",
      query: Filter.omit({ limit: true }),
      responses: { 200: { description: "An SSE stream" } },
    },
    async (c, { query, principal }) => {
      const viewer = viewerOf(principal);
      const lastHeader = c.req.header("last-event-id");
      let after = query.after ?? (lastHeader !== undefined && /^\d+$/.test(lastHeader) ? Number(lastHeader) : undefined);
      if (after === undefined) {
        const [r] = await ctx.db.db.select({ m: sql<number | null>`max(${events.id})` }).from(events);
        after = r?.m ?? 0;
      }
      const filter = { namespace: query.namespace, modelId: query.model, type: query.type };
      return streamSSE(c, async (stream) => {
        const abort = new AbortController();
        stream.onAbort(() => abort.abort());
        await stream.writeSSE({ event: "ready", data: JSON.stringify({ after }) });
        let idle = 0;
        while (!abort.signal.aborted) {
          const rows = await listEvents(ctx.db.db, { ...filter, after }, 200, viewer);
          for (const e of rows) {
            await stream.writeSSE({ id: String(e.id), event: e.type, data: JSON.stringify(eventView(e)) });
            after = e.id;
          }
          if (rows.length === 200) continue;
          await ctx.hub.wait(1000, abort.signal);
          if (++idle % 15 === 0) await stream.write(": keep-alive\n\n");
        }
      });
    },
  );
}
