/**
 * The GPU-aware lease over HTTP on loopback with a backlog of GPU work: N queued check jobs
 * written straight into the catalogue (half need one GPU and the label `cuda12`, half two GPUs),
 * then `POST /v1/jobs/lease` timed for runners that can run none of them (a CPU runner, a
 * one-GPU runner without the label: every queued row is filtered out, the worst case, 204) and
 * for runners that can (one GPU + `cuda12`, two GPUs). A leased job is given back (re-queued)
 * so the backlog stays N.
 * Runs on the libSQL file by default, on PostgreSQL with `LW_DB_URL=postgres://…`.
 *
 *   node --import tsx bench/server/leaseFilter.ts [--jobs 20000] [--runs 50]
 */
import { serve } from "@hono/node-server";
import { eq } from "drizzle-orm";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../edge/config.ts";
import { jobs } from "../../edge/db/schema.ts";
import { startServer } from "../../edge/server.ts";
import { enqueueCheck } from "../../edge/services/jobs.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg("jobs", 20000);
const RUNS = arg("runs", 50);
const ADMIN = "lw_bench_admin";

const dir = await mkdtemp(join(tmpdir(), "lw-leasebench-"));
const config = loadConfig({
  LW_DATA_DIR: dir,
  LW_ADMIN_TOKEN: ADMIN,
  LW_SEED_DEMO: "false",
  ...(process.env.LW_DB_URL ? { LW_DB_URL: process.env.LW_DB_URL } : {}),
});
const started = await startServer(config, { log: () => {} });
const server = serve({ fetch: started.app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise<void>((r) => server.once("listening", () => r()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const t0 = performance.now();
for (let i0 = 0; i0 < N; i0 += 1000) {
  await started.ctx.db.write(async (tx) => {
    for (let i = i0; i < Math.min(N, i0 + 1000); i++) {
      const needs = i % 2 === 0 ? { gpu: 1, labels: ["cuda12"] } : { gpu: 2, labels: [] };
      await enqueueCheck(tx, `m${i}`, 1, i, 5, null, needs);
    }
  });
}
console.log(`${N} queued GPU jobs written in ${((performance.now() - t0) / 1000).toFixed(1)} s (${process.env.LW_DB_URL ? "PostgreSQL" : "libSQL file"})`);

async function lease(capabilities: Record<string, unknown>): Promise<{ ms: number; id: string | null }> {
  const t = performance.now();
  const res = await fetch(`${base}/v1/jobs/lease`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ runner: "bench", kinds: ["check"], leaseSeconds: 60, capabilities }),
  });
  const ms = performance.now() - t;
  if (res.status === 204) return { ms, id: null };
  const body = (await res.json()) as { job: { id: string } };
  return { ms, id: body.job.id };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
for (const [label, caps] of [
  ["CPU runner (nothing to run)", { gpus: 0, labels: [] }],
  ["1 GPU, no label (nothing to run)", { gpus: 1, labels: [] }],
  ["1 GPU + cuda12", { gpus: 1, labels: ["cuda12"] }],
  ["2 GPUs", { gpus: 2, labels: [] }],
] as const) {
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await lease(caps);
    times.push(r.ms);
    if (r.id) {
      found++;
      await started.ctx.db.write((tx) => tx.update(jobs).set({ status: "queued", runner: null, leaseUntil: null, attempts: 0 }).where(eq(jobs.id, r.id!)));
    }
  }
  console.log(`${label}: p50 ${pct(times, 50).toFixed(1)} ms, p99 ${pct(times, 99).toFixed(1)} ms, ${found}/${RUNS} leased`);
}

(server as { closeAllConnections?: () => void }).closeAllConnections?.();
await new Promise<void>((r) => server.close(() => r()));
started.close();
await rm(dir, { recursive: true, force: true });
