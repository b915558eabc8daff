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
import type { Database, Db, Tx, WriteOptions } from "./client.ts";
import { EVENTS_CHANNEL, LOCK_MIGRATE } from "./pgNames.ts";
import * as pgSchema from "./schema.pg.ts";

export const pgMigrationsFolder = fileURLToPath(new URL("./migrations-pg", import.meta.url));

const RETRY_CODES = new Set(["40001", "40P01"]);

// drizzle's node-postgres session reads with the driver's global parsers (it passes
// `pg.types` per query), so the parsers are set there: process-wide, for every pg user.
const identity = (v: string) => v;
const toNumber = (v: string) => Number(v);
pg.types.setTypeParser(pg.types.builtins.INT8, toNumber);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, toNumber);
pg.types.setTypeParser(pg.types.builtins.JSON, identity);
pg.types.setTypeParser(pg.types.builtins.JSONB, identity);

export function isRetryable(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    if (RETRY_CODES.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

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
  const pdb = drizzle(pool, { schema: pgSchema });
  // The services are written against the SQLite schema's types; drizzle builds the same
  // queries for PostgreSQL from those tables (names and value mapping), so the handle is shared.
  const db = pdb as unknown as Db;

  let tail: Promise<unknown> = Promise.resolve();
  const once = <T>(fn: (tx: Tx) => Promise<T>, o: WriteOptions) =>
    pdb.transaction((tx) => fn(tx as unknown as Tx), { isolationLevel: o.isolation ?? "serializable" });
  const attempt = async <T>(fn: (tx: Tx) => Promise<T>, o: WriteOptions): Promise<T> => {
    for (let i = 0; ; i++) {
      try {
        return await once(fn, o);
      } catch (err) {
        if (!isRetryable(err) || i >= 30) throw err;
        await new Promise((r) => setTimeout(r, Math.min(200, 2 ** i) * Math.random()));
      }
    }
  };
  const write = <T>(fn: (tx: Tx) => Promise<T>, o: WriteOptions = {}): Promise<T> => {
    const run = tail.then(() => attempt(fn, o));
    tail = run.catch(() => undefined);
    return run;
  };

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
    dialect: "postgres",
    db,
    client: {
      async execute(stmt) {
        const { sql: text, args } = typeof stmt === "string" ? { sql: stmt, args: [] } : stmt;
        let n = 0;
        const r = await pool.query(
          text.replace(/\?/g, () => `$${++n}`),
          args as unknown[],
        );
        return { rows: r.rows };
      },
    },
    write,
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
