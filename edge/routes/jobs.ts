/** The runner ⇄ server job API (CONTRACTS.md): lease, heartbeat, complete, list. */
import { z } from "@hono/zod-openapi";
import { REQUESTS } from "../../client/requests.ts";
import { desc, eq } from "drizzle-orm";
import type { App, Ctx } from "../context.ts";
import { jobs } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { defineRoute } from "../http/route.ts";
import { completeJob, heartbeatJob, jobView, leaseJob, updateJob } from "../services/jobs.ts";
import { recordRunner } from "../services/runners.ts";
import { normalizeCapabilities, runnerRoutes } from "./runners.ts";

const leaseSecs = (n: number | undefined) => Math.min(Math.max(n ?? 60, 5), 3600);

export function jobRoutes(app: App, ctx: Ctx): void {
  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/jobs/lease",
      tags: ["jobs"],
      summary: "Lease the next job (runner)",
      auth: "runner",
      body: REQUESTS.leaseJob,
      responses: { 200: { description: "A job" }, 204: { description: "No job available" } },
    },
    async (c, { body, principal }) => {
      const caps = normalizeCapabilities(body.capabilities);
      // Every lease says what the runner offers; the registry keeps it (written when it changes).
      await recordRunner(ctx.db, body.runner, principal?.owner ?? null, caps, ctx.now());
      const job = await leaseJob(ctx, body.runner, body.kinds, leaseSecs(body.leaseSeconds), ctx.now(), principal?.tokenId ?? null, caps);
      if (job === null) return c.body(null, 204);
      return c.json({ job: jobView(job) });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/jobs/{id}/heartbeat",
      tags: ["jobs"],
      summary: "Extend a lease (409 if it was lost)",
      auth: "runner",
      params: z.object({ id: z.string() }),
      body: REQUESTS.heartbeatJob,
    },
    async (c, { params, body }) => {
      const until = await heartbeatJob(ctx.db, params.id, body.runner, leaseSecs(body.leaseSeconds), ctx.now());
      return c.json({ leaseUntil: new Date(until).toISOString() });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/jobs/{id}/complete",
      tags: ["jobs"],
      summary: "Complete a job: usable / invalid set the version's check status; error re-queues",
      auth: "runner",
      params: z.object({ id: z.string() }),
      body: REQUESTS.completeJob,
    },
    async (c, { params, body }) => {
      const j = await completeJob(ctx, params.id, { runner: body.runner, status: body.status, log: body.log, details: body.details }, ctx.now());
      return c.json({ job: jobView(j) });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "get",
      path: "/v1/jobs",
      tags: ["jobs"],
      summary: "List jobs (runner/admin)",
      auth: "runner",
      query: z.object({ status: z.enum(["queued", "leased", "done", "failed"]).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
    },
    async (c, { query }) => {
      const rows = await ctx.db.db
        .select()
        .from(jobs)
        .where(query.status ? eq(jobs.status, query.status) : undefined)
        .orderBy(desc(jobs.createdAt))
        .limit(query.limit);
      return c.json({ items: rows.map(jobView) });
    },
  );

  defineRoute(
    app,
    ctx,
    {
      method: "patch",
      path: "/v1/jobs/{id}",
      tags: ["jobs"],
      summary: "Set a job's priority (higher is leased first) or the Python backend it must run in (admin)",
      auth: "admin",
      params: z.object({ id: z.string() }),
      body: REQUESTS.setJobPriority,
    },
    async (c, { params, body }) => {
      if (body.priority === undefined && body.backend === undefined) {
        throw new LearnwareError("BAD_REQUEST", "Send priority or backend (nothing to change)", { field: "priority" });
      }
      const j = await updateJob(ctx.db, params.id, { priority: body.priority, backend: body.backend }, ctx.now());
      return c.json({ job: jobView(j) });
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/jobs/{id}", tags: ["jobs"], summary: "Get a job", auth: "runner", params: z.object({ id: z.string() }) },
    async (c, { params }) => {
      const [j] = await ctx.db.db.select().from(jobs).where(eq(jobs.id, params.id));
      if (!j) throw new LearnwareError("NOT_FOUND", `Job '${params.id}' not found`, { field: "id" });
      return c.json({ job: jobView(j) });
    },
  );

  runnerRoutes(app, ctx);
}
