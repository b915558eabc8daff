/**
 * The catalogue on PostgreSQL (`LW_DB_URL=postgres://…`), through node-postgres and drizzle.
 *
 * The queries are the ones written against `schema.ts`; what differs from libSQL is here:
 * - write transactions run SERIALIZABLE and are retried on serialization failures and
 *   deadlocks (40001, 40P01), so the read-then-write code that SQLite's single writer made
 *   safe stays safe across replicas; within one process they still run one at a time;
 * - numbers come back as numbers (`bigint`/`count(*)` and `numeric` are parsed), JSON columns
 *   as their text (the schema's JSON mode parses it, as on SQLite);
 * - migrations (`migrations-pg/`) run under an advisory lock, so replicas may start together;
 * - a LISTEN connection on `lw_events` wakes this process when another one commits events.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Database } from "./client.ts";
import { postgresHandle } from "./pgCommon.ts";
import { EVENTS_CHANNEL, LOCK_MIGRATE } from "./pgNames.ts";

export const pgMigrationsFolder = fileURLToPath(new URL("./migrations-pg", import.meta.url));

export { isRetryable } from "./pgCommon.ts";

export async function openPostgres(url: string, opts: { poolSize?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  // An idle client that loses its server (a restart) must not crash the process.
  pool.on("error", () => undefined);
  const lock = await pool.connect();
  try {
    await lock.query("select pg_advisory_lock($1)", [LOCK_MIGRATE]);
    await migrate(drizzle(lock), { migrationsFolder: pgMigrationsFolder });
  } finally {
    await lock.query("select pg_advisory_unlock($1)", [LOCK_MIGRATE]).catch(() => undefined);
    lock.release();
  }
  const handle = postgresHandle(pool);

  // Wake-ups from other processes' commits.
  const listeners = new Set<() => void>();
  let listener: pg.Client | null = null;
  let closed = false;
  const listen = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on("error", () => undefined);
    c.on("notification", () => {
      for (const f of listeners) f();
    });
    c.on("end", () => {
      listener = null;
      if (!closed) setTimeout(() => void listen().catch(() => undefined), 500);
    });
    await c.connect();
    await c.query(`listen ${EVENTS_CHANNEL}`);
    if (closed) await c.end();
    else listener = c;
  };
  await listen();

  return {
    ...handle,
    onCommitted(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    close() {
      closed = true;
      void listener?.end().catch(() => undefined);
      void pool.end().catch(() => undefined);
    },
  };
}
