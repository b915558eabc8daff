/**
 * The job queue (table `jobs`): check jobs for uploaded versions, leased by runners.
 * A lease that expires (runner killed) makes the job leasable again; `attempts` counts
 * leases, and a job that has used its attempts fails for good.
 *
 * A job carries what its learnware needs (`resources` in learnware.yaml: GPU devices per
 * instance, runner labels) and a priority; a runner leases only jobs it can run (as many GPUs
 * or more, every label), the highest priority first, then the oldest.
 */
import { and, asc, desc, eq, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.ts";
import { dialectOf } from "../db/dialect.ts";
import { PYTHON_BACKENDS } from "../../client/requests.ts";
import { jobs, models, versions } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { randomId } from "../auth/tokens.ts";
import { type Emit, type Writer, writeChange } from "./write.ts";

export type JobRow = typeof jobs.$inferSelect;

/** What a job's learnware needs of its runner (learnware.yaml `resources`). */
export interface JobNeeds {
  gpu: number;
  labels: string[];
}

/** What a runner offers (the lease request's `capabilities`; none: a CPU runner without labels). */
export interface RunnerCapabilities {
  gpus: number;
  labels: string[];
  /** Backends it runs (`onnx`, `js`, `python-venv`, `conda`, `docker`, …); absent: not filtered by backend (older runners). */
  backends?: string[] | undefined;
}

export { PYTHON_BACKENDS };

/** The backends a job may need that a runner with these backends has (`python` for any Python backend). */
export function backendsCovered(backends: readonly string[]): string[] {
  const out = new Set(backends);
  if (backends.some((b) => b === "python" || (PYTHON_BACKENDS as readonly string[]).includes(b))) out.add("python");
  return [...out];
}

export const NO_NEEDS: JobNeeds = Object.freeze({ gpu: 0, labels: [] }) as JobNeeds;

/** Labels as stored: `,a,b,` (sorted, distinct), `""` for none. */
export function labelsKey(labels: readonly string[]): string {
  return labels.length === 0 ? "" : `,${[...new Set(labels)].sort().join(",")},`;
}

function labelsOf(key: string): string[] {
  return key.split(",").filter((l) => l !== "");
}

/**
 * The job's labels are a subset of the runner's: removing every runner label from `,a,b,`
 * leaves `,` (or `""`). Nested REPLACE is the same SQL on SQLite and PostgreSQL; labels hold
 * no comma (core's RESOURCE_LABEL), so one label never matches part of another.
 */
function labelsSatisfied(labels: readonly string[]): SQL {
  if (labels.length === 0) return eq(jobs.needsLabels, "");
  let left: SQL = sql`${jobs.needsLabels}`;
  for (const l of new Set(labels)) left = sql`replace(${left}, ${`,${l},`}, ',')`;
  return sql`${left} in ('', ',')`;
}

/** The needs of the newest job of a version (a new version with the same package needs the same). */
export async function needsOfVersion(tx: Tx, modelId: string, version: number): Promise<JobNeeds> {
  const [j] = await tx
    .select({ gpu: jobs.needsGpu, labels: jobs.needsLabels })
    .from(jobs)
    .where(and(eq(jobs.modelId, modelId), eq(jobs.version, version)))
    .orderBy(desc(jobs.createdAt))
    .limit(1);
  return j ? { gpu: j.gpu, labels: labelsOf(j.labels) } : NO_NEEDS;
}

/**
 * Queues a check of a version. The payload names the package's sha256, so a runner can key what
 * it fetches and pools by content, never by an id alone.
 */
export async function enqueueCheck(
  tx: Tx,
  modelId: string,
  version: number,
  at: number,
  maxAttempts: number,
  packageSha256?: string | null,
  needs: JobNeeds = NO_NEEDS,
  priority = 0,
): Promise<string> {
  const id = "job_" + randomId(12);
  const payload = packageSha256 ? { packageSha256 } : {};
  // The backend follows the learnware's model kind (the version's framework: python, onnx or js).
  const [v] = await tx
    .select({ framework: versions.framework })
    .from(versions)
    .where(and(eq(versions.modelId, modelId), eq(versions.number, version)));
  await tx.insert(jobs).values({
    id,
    kind: "check",
    modelId,
    version,
    status: "queued",
    maxAttempts,
    payload,
    needsGpu: needs.gpu,
    needsLabels: labelsKey(needs.labels),
    needsBackend: v?.framework ?? "",
    priority,
    createdAt: at,
    updatedAt: at,
  });
  return id;
}

export function jobView(j: JobRow) {
  return {
    id: j.id,
    kind: j.kind,
    learnwareId: j.modelId,
    version: j.version,
    status: j.status,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    runner: j.runner,
    leaseUntil: j.leaseUntil === null ? null : new Date(j.leaseUntil).toISOString(),
    requirements: { gpus: j.needsGpu, labels: labelsOf(j.needsLabels), backend: j.needsBackend === "" ? null : j.needsBackend },
    priority: j.priority,
    payload: j.payload,
    log: j.log,
    result: j.result,
  };
}

async function failVersion(tx: Tx, emit: Emit, j: JobRow, log: string): Promise<void> {
  await tx
    .update(versions)
    .set({ checkStatus: -1, checkLog: log })
    .where(and(eq(versions.modelId, j.modelId), eq(versions.number, j.version)));
  const [m] = await tx.select({ ns: models.namespace }).from(models).where(eq(models.id, j.modelId));
  await emit({
    type: "version.checked",
    namespace: m?.ns ?? null,
    modelId: j.modelId,
    version: j.version,
    data: { status: "invalid", reason: "attempts exhausted" },
  });
}

/**
 * Leases the next available job of the given kinds that this runner can run (its GPUs and
 * labels cover the job's needs; no capabilities: a CPU runner without labels) — the highest
 * priority first, then the oldest — or returns null.
 */
export async function leaseJob(
  w: Writer,
  runner: string,
  kinds: string[],
  leaseSeconds: number,
  now: number,
  tokenId: string | null = null,
  caps: RunnerCapabilities = { gpus: 0, labels: [] },
): Promise<JobRow | null> {
  if (kinds.length === 0) return null;
  return writeChange(
    w,
    now,
    async (tx, emit) => {
      for (;;) {
        // The first leasable job of these kinds this runner can run. On PostgreSQL the row is
        // locked and rows that another replica is leasing right now are skipped (FOR UPDATE SKIP
        // LOCKED), so two replicas never hand out one job twice and never wait on each other.
        let q = tx
          .select()
          .from(jobs)
          .where(
            and(
              inArray(jobs.kind, kinds),
              or(eq(jobs.status, "queued"), and(eq(jobs.status, "leased"), lt(jobs.leaseUntil, now))),
              lte(jobs.needsGpu, caps.gpus),
              labelsSatisfied(caps.labels),
              caps.backends === undefined ? undefined : or(eq(jobs.needsBackend, ""), inArray(jobs.needsBackend, backendsCovered(caps.backends))),
            ),
          )
          .orderBy(desc(jobs.priority), asc(jobs.createdAt), asc(jobs.id))
          .limit(1);
        if (dialectOf(tx) === "postgres") q = (q as unknown as { for(s: "update", o: { skipLocked: boolean }): typeof q }).for("update", { skipLocked: true });
        const [job] = await q;
        if (!job) return null;
        if (job.attempts >= job.maxAttempts) {
          const log = `${job.log}Failed: no result after ${job.attempts} attempts\n`;
          await tx.update(jobs).set({ status: "failed", log, updatedAt: now, leaseUntil: null }).where(eq(jobs.id, job.id));
          if (job.kind === "check") await failVersion(tx, emit, job, log);
          continue;
        }
        const leaseUntil = now + leaseSeconds * 1000;
        const attempts = job.attempts + 1;
        await tx.update(jobs).set({ status: "leased", runner, leaseToken: tokenId, leaseUntil, attempts, updatedAt: now }).where(eq(jobs.id, job.id));
        await emit({ type: "job.leased", modelId: job.modelId, version: job.version, actor: runner, data: { jobId: job.id, attempts } });
        return { ...job, status: "leased" as const, runner, leaseToken: tokenId, leaseUntil, attempts };
      }
    },
    { isolation: "read committed" },
  );
}

/**
 * Sets a job's priority (higher is leased first) and/or the Python backend it must run in
 * (admin): `docker` keeps it from runners without docker, and the runner that leases it runs
 * it there (`payload.backend`).
 */
export async function updateJob(
  db: Database,
  id: string,
  change: { priority?: number | undefined; backend?: string | undefined },
  now: number,
): Promise<JobRow> {
  return db.write(async (tx) => {
    const [j] = await tx.select().from(jobs).where(eq(jobs.id, id));
    if (!j) throw new LearnwareError("NOT_FOUND", `Job '${id}' not found`, { field: "id" });
    const set: Partial<JobRow> = { updatedAt: now };
    if (change.priority !== undefined) set.priority = change.priority;
    if (change.backend !== undefined) {
      if (j.needsBackend !== "" && j.needsBackend !== "python" && !(PYTHON_BACKENDS as readonly string[]).includes(j.needsBackend)) {
        throw new LearnwareError("BAD_REQUEST", `Job '${id}' runs a ${j.needsBackend} learnware; only a Python learnware's job takes a Python backend`, {
          field: "backend",
        });
      }
      set.needsBackend = change.backend;
      set.payload = { ...j.payload, backend: change.backend };
    }
    await tx.update(jobs).set(set).where(eq(jobs.id, id));
    return { ...j, ...set };
  });
}

/** Sets a queued or leased job's priority (admin): higher is leased first. */
export async function setJobPriority(db: Database, id: string, priority: number, now: number): Promise<JobRow> {
  return updateJob(db, id, { priority }, now);
}

/** Whether the token holds a live lease on a check job of this version (a runner may then read its package). */
export async function holdsCheckLease(db: Database["db"], tokenId: string, modelId: string, version: number, now: number): Promise<boolean> {
  const rows = await db
    .select({ id: jobs.id, leaseUntil: jobs.leaseUntil })
    .from(jobs)
    .where(and(eq(jobs.modelId, modelId), eq(jobs.version, version), eq(jobs.status, "leased"), eq(jobs.leaseToken, tokenId)));
  return rows.some((r) => r.leaseUntil !== null && r.leaseUntil >= now);
}

async function leasedBy(tx: Tx, id: string, runner: string): Promise<JobRow> {
  const [j] = await tx.select().from(jobs).where(eq(jobs.id, id));
  if (!j) throw new LearnwareError("NOT_FOUND", `Job '${id}' not found`, { field: "id" });
  if (j.status !== "leased" || j.runner !== runner) {
    throw new LearnwareError("LEASE_LOST", `Job '${id}' is not leased by runner '${runner}'`, { status: j.status });
  }
  return j;
}

export async function heartbeatJob(db: Database, id: string, runner: string, leaseSeconds: number, now: number): Promise<number> {
  return db.write(async (tx) => {
    const j = await leasedBy(tx, id, runner);
    if (j.leaseUntil !== null && j.leaseUntil < now) throw new LearnwareError("LEASE_LOST", `The lease on job '${id}' expired`);
    const leaseUntil = now + leaseSeconds * 1000;
    await tx.update(jobs).set({ leaseUntil, updatedAt: now }).where(eq(jobs.id, id));
    return leaseUntil;
  });
}

export interface Completion {
  runner: string;
  status: "usable" | "invalid" | "error";
  log: string;
  details?: Record<string, unknown> | undefined;
}

export async function completeJob(w: Writer, id: string, c: Completion, now: number): Promise<JobRow> {
  return writeChange(w, now, async (tx, emit) => {
    const j = await leasedBy(tx, id, c.runner);
    const log = j.log + c.log + (c.log.endsWith("\n") || c.log === "" ? "" : "\n");
    const [m] = await tx.select({ ns: models.namespace }).from(models).where(eq(models.id, j.modelId));
    if (c.status === "error") {
      const exhausted = j.attempts >= j.maxAttempts;
      // The runner could not run the check (no sandbox, a missing image, the server's own
      // failure): retried, and when the attempts are used up the version stays pending
      // (NONUSABLE) with the log — an infrastructure failure is never the learnware's fault.
      await tx
        .update(jobs)
        .set({ status: exhausted ? "failed" : "queued", runner: null, leaseToken: null, leaseUntil: null, log, result: c.details ?? null, updatedAt: now })
        .where(eq(jobs.id, id));
      if (exhausted && j.kind === "check") {
        await tx
          .update(versions)
          .set({ checkLog: `${log}The check could not run (runner errors, attempts used up); the version stays pending until it is checked again.\n` })
          .where(and(eq(versions.modelId, j.modelId), eq(versions.number, j.version)));
      }
      await emit({
        type: "job.completed",
        namespace: m?.ns ?? null,
        modelId: j.modelId,
        version: j.version,
        actor: c.runner,
        data: { jobId: id, status: c.status, requeued: !exhausted },
      });
    } else {
      await tx
        .update(jobs)
        .set({ status: "done", leaseToken: null, leaseUntil: null, log, result: c.details ?? null, updatedAt: now })
        .where(eq(jobs.id, id));
      if (j.kind === "check") {
        await tx
          .update(versions)
          .set({ checkStatus: c.status === "usable" ? 1 : -1, checkLog: log })
          .where(and(eq(versions.modelId, j.modelId), eq(versions.number, j.version)));
        await emit({
          type: "version.checked",
          namespace: m?.ns ?? null,
          modelId: j.modelId,
          version: j.version,
          actor: c.runner,
          data: { status: c.status },
        });
      }
      await emit({
        type: "job.completed",
        namespace: m?.ns ?? null,
        modelId: j.modelId,
        version: j.version,
        actor: c.runner,
        data: { jobId: id, status: c.status },
      });
    }
    const [after] = await tx.select().from(jobs).where(eq(jobs.id, id));
    return after!;
  });
}
