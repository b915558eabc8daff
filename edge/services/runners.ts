/**
 * The runners the market knows (table `runners`): each runner registers at start and sends its
 * capabilities with every lease — backends, sandbox kind, CPUs and memory, GPUs with model and
 * memory, labels — and the row keeps what it last said and when it was last seen. Leases
 * refresh the row only when the capabilities changed or every `SEEN_EVERY_MS`, so a polling
 * runner does not turn every idle lease into a write.
 */
import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { jobs, runners } from "../db/schema.ts";

export type RunnerRow = typeof runners.$inferSelect;

/** How often a lease refreshes `last_seen` when nothing changed. */
export const SEEN_EVERY_MS = 30_000;
/** A runner seen within this long is listed as active. */
export const ACTIVE_WITHIN_MS = 120_000;

/** Per database: runner name → what was last written and when (this process's writes only). */
const written = new WeakMap<Database, Map<string, { key: string; at: number }>>();

/**
 * Records `name`'s capabilities (an upsert). Unless `force`, skipped when this process wrote the
 * same capabilities for it less than `SEEN_EVERY_MS` ago.
 */
export async function recordRunner(
  db: Database,
  name: string,
  owner: string | null,
  capabilities: Record<string, unknown>,
  now: number,
  force = false,
): Promise<void> {
  let seen = written.get(db);
  if (!seen) written.set(db, (seen = new Map()));
  const key = `${owner ?? ""}\u0000${JSON.stringify(capabilities)}`;
  const last = seen.get(name);
  if (!force && last && last.key === key && now - last.at < SEEN_EVERY_MS) return;
  seen.set(name, { key, at: now });
  await db.write(
    (tx) =>
      tx
        .insert(runners)
        .values({ name, owner, capabilities, registeredAt: now, lastSeen: now })
        .onConflictDoUpdate({ target: runners.name, set: { owner, capabilities, lastSeen: now } }),
    { isolation: "read committed" },
  );
}

/** The registered runners (most recently seen first) with how many jobs each holds now. */
export async function listRunners(db: Database, now: number) {
  const rows = await db.db.select().from(runners).orderBy(sql`${runners.lastSeen} desc`, runners.name);
  const names = rows.map((r) => r.name);
  const held = new Map<string, number>();
  if (names.length > 0) {
    const counts = await db.db
      .select({ runner: jobs.runner, n: count() })
      .from(jobs)
      .where(and(eq(jobs.status, "leased"), inArray(jobs.runner, names)))
      .groupBy(jobs.runner);
    for (const c of counts) if (c.runner !== null) held.set(c.runner, Number(c.n));
  }
  return rows.map((r) => runnerView(r, now, held.get(r.name) ?? 0));
}

export function runnerView(r: RunnerRow, now: number, leasedJobs = 0) {
  return {
    name: r.name,
    owner: r.owner,
    capabilities: r.capabilities,
    registeredAt: new Date(r.registeredAt).toISOString(),
    lastSeen: new Date(r.lastSeen).toISOString(),
    active: now - r.lastSeen <= ACTIVE_WITHIN_MS,
    leasedJobs,
  };
}

/** One runner's row (for the registration's answer). */
export async function runnerRow(db: Database, name: string): Promise<RunnerRow | undefined> {
  const [r] = await db.db.select().from(runners).where(eq(runners.name, name));
  return r;
}
