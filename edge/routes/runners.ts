/**
 * The runner registry: `POST /v1/runners` (a runner registers what it offers at start; its
 * leases keep the row fresh) and `GET /v1/runners` (admin: every runner with its capabilities,
 * when it was last seen and how many jobs it holds).
 */
import type { z } from "@hono/zod-openapi";
import type { App, Ctx } from "../context.ts";
import { defineRoute } from "../http/route.ts";
import { listRunners, recordRunner, runnerRow, runnerView } from "../services/runners.ts";
import { type Capabilities, REQUESTS } from "../../client/requests.ts";

export type CapabilitiesBody = z.infer<typeof Capabilities>;

/** The capabilities as the lease matches them and the runner table stores them. */
export function normalizeCapabilities(c: CapabilitiesBody | undefined): CapabilitiesBody & { gpus: number; labels: string[] } {
  if (c === undefined) return { gpus: 0, labels: [] };
  return { ...c, gpus: c.gpus ?? c.gpuDevices?.length ?? 0 };
}

export function runnerRoutes(app: App, ctx: Ctx): void {
  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/runners",
      tags: ["jobs"],
      summary: "Register a runner with its capabilities (runner)",
      auth: "runner",
      body: REQUESTS.registerRunner,
    },
    async (c, { body, principal }) => {
      const now = ctx.now();
      await recordRunner(ctx.db, body.runner, principal?.owner ?? null, normalizeCapabilities(body.capabilities), now, true);
      const row = await runnerRow(ctx.db, body.runner);
      return c.json({ runner: runnerView(row!, now) });
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/runners", tags: ["jobs"], summary: "List the runners and what they offer (admin)", auth: "admin" },
    async (c) => c.json({ items: await listRunners(ctx.db, ctx.now()) }),
  );
}
