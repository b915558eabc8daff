/**
 * The append-only event log (table `events`) and an in-process hub that wakes live
 * feeds when an event is committed. Feeds re-read the table, so events written by another
 * instance are seen too (a slow poll covers that case).
 */
import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import type { Db, Tx } from "../db/client.ts";
import { dialectOf, execute } from "../db/dialect.ts";
import { EVENTS_CHANNEL, LOCK_EVENTS } from "../db/pgNames.ts";
import { events } from "../db/schema.ts";

export type EventType =
  | "model.created"
  | "model.updated"
  | "model.deleted"
  | "version.created"
  | "version.checked"
  | "tag.moved"
  | "metadata.updated"
  | "metrics.logged"
  | "params.logged"
  | "artifact.added"
  | "token.created"
  | "token.revoked"
  | "job.leased"
  | "job.completed";

export interface NewEvent {
  type: EventType;
  namespace?: string | null;
  modelId?: string | null;
  version?: number | null;
  actor?: string | null;
  data?: Record<string, unknown>;
}

export interface EventRow {
  id: number;
  at: number;
  type: string;
  namespace: string | null;
  modelId: string | null;
  version: number | null;
  actor: string | null;
  data: Record<string, unknown>;
}

/**
 * Appends an event inside the caller's transaction. On PostgreSQL, appends take a
 * transaction-scoped advisory lock first, so an event's id is drawn only after every earlier
 * appender has committed: ids are in commit order and a follower reading `id > cursor` never
 * skips one that commits late. The NOTIFY wakes other replicas' followers at commit.
 */
export async function appendEvent(tx: Tx | Db, at: number, e: NewEvent): Promise<void> {
  if (dialectOf(tx) === "postgres") {
    await execute(tx, sql`select pg_advisory_xact_lock(${LOCK_EVENTS}), pg_notify(${EVENTS_CHANNEL}, '')`);
  }
  await tx.insert(events).values({
    at,
    type: e.type,
    namespace: e.namespace ?? null,
    modelId: e.modelId ?? null,
    version: e.version ?? null,
    actor: e.actor ?? null,
    data: e.data ?? {},
  });
}

export interface EventFilter {
  namespace?: string | undefined;
  modelId?: string | undefined;
  type?: string | undefined;
  after?: number | undefined;
}

/** Who reads the log: admins see everything; others see what the catalogue shows them. */
export interface EventViewer {
  owner: string | null;
  admin: boolean;
  runner: boolean;
}

/**
 * The events `v` may read: token events (owners, scopes) only for admins, job events for admins
 * and runners. Catalogue events (created, updated, deleted, checked, tags, metrics, artifacts)
 * describe the public catalogue and stay readable to everyone who may read it: watchers and
 * replicas follow deletions through them.
 */
export function visibleTo(v: EventViewer): SQL | undefined {
  if (v.admin) return undefined;
  return sql`(${events.type} not like 'token.%' and (${events.type} not like 'job.%' or ${v.runner ? sql`true` : sql`false`}))`;
}

export async function listEvents(db: Db, f: EventFilter, limit: number, viewer?: EventViewer): Promise<EventRow[]> {
  const conds: SQL[] = [];
  const vis = viewer ? visibleTo(viewer) : undefined;
  if (vis) conds.push(vis);
  if (f.namespace !== undefined) conds.push(eq(events.namespace, f.namespace));
  if (f.modelId !== undefined) conds.push(eq(events.modelId, f.modelId));
  if (f.type !== undefined) conds.push(eq(events.type, f.type));
  if (f.after !== undefined) conds.push(gt(events.id, f.after));
  return (await db
    .select()
    .from(events)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(events.id))
    .limit(limit)) as EventRow[];
}

/** Wakes subscribers after commits. */
export class EventHub {
  #waiters = new Set<() => void>();
  notify(): void {
    const w = [...this.#waiters];
    this.#waiters.clear();
    for (const f of w) f();
  }
  /** Resolves at the next notify or after `ms`, whichever is first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.#waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
