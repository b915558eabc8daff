/**
 * The runner registry: `POST /v1/runners` (a runner registers what it offers at start; its
 * leases keep the row fresh) and `GET /v1/runners` (admin: every runner with its capabilities,
 * when it was last seen and how many jobs it holds).
 */
import { z } from "@hono/zod-openapi";
import type { App, Ctx } from "../context.ts";
import { defineRoute } from "../http/route.ts";
import { listRunners, recordRunner, runnerRow, runnerView } from "../services/runners.ts";
import { RESOURCE_LABEL } from "../../core/package/learnwareYaml.ts";

/**
 * What a runner offers; absent: a CPU runner without labels (older runners send none). `gpus`
 * and `labels` and `backends` decide what it may lease; the rest is reported (`GET /v1/runners`).
 */
export const Capabilities = z.object({
  /** GPU devices it offers (default: as many as `gpuDevices` lists, else 0). */
  gpus: z.number().int().min(0).max(1024).optional(),
  labels: z.array(z.string().regex(RESOURCE_LABEL, "a runner label: letters, digits and . _ + : -, at most 63")).max(64).default([]),
  /** Backends it runs: `onnx`, `js`, `python-venv`, `conda`, `docker` (absent: not filtered by backend). */
  backends: z.array(z.string().min(1).max(64)).max(16).optional(),
  /** Where it runs uploaded code: bubblewrap, docker containers, or no sandbox. */
  sandbox: z.enum(["bwrap", "docker", "none"]).optional(),
  cpus: z.number().int().min(1).max(65536).optional(),
  memoryBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  gpuDevices: z
    .array(
      z.object({
        uuid: z.string().min(1).max(128),
        name: z.string().max(200).optional(),
        memoryMiB: z.number().min(0).max(1e9).optional(),
      }),
    )
    .max(1024)
    .optional(),
});
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
      body: z.object({ runner: z.string().min(1).max(128), capabilities: Capabilities }),
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
