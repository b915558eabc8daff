/**
 * The catalogue on PostgreSQL without the process around it: value parsing, serializable
 * writes retried on serialization failures, raw SQL. `pgClient.ts` (the Node server: a pool,
 * migrations, LISTEN) and the edge entries (`edge/entry/edgeApp.ts`: no files, no migrations,
 * on workerd one connection per request) build their `Database` from this. No Node import of its
 * own: it bundles for edge runtimes (`pg` itself needs workerd's `nodejs_compat`).
 */
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { Database, Db, Tx, WriteOptions } from "./client.ts";
import * as pgSchema from "./schema.pg.ts";

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

/** What drizzle and the raw `execute` need of a connection: a `pg.Pool`, a `pg.Client`, or a stand-in for one. */
export type Queryable = Pick<pg.Pool, "query">;

/**
 * The `Database` over `client` (its `close` and `onCommitted` are the caller's): write
 * transactions SERIALIZABLE (or as asked), one at a time in this process, retried on
 * serialization failures and deadlocks.
 */
export function postgresHandle(client: Queryable): Omit<Database, "close"> {
  const pdb = drizzle(client as pg.Pool, { schema: pgSchema });
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
  return {
    dialect: "postgres",
    db,
    client: {
      async execute(stmt) {
        const { sql: text, args } = typeof stmt === "string" ? { sql: stmt, args: [] } : stmt;
        let n = 0;
        const r = await client.query(
          text.replace(/\?/g, () => `$${++n}`),
          args as unknown[],
        );
        return { rows: r.rows };
      },
    },
    write,
  };
}
