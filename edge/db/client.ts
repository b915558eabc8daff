/**
 * Opens the catalogue database and applies the generated migrations: libSQL (`file:`, the
 * default) here, PostgreSQL (`postgres://`) in `pgClient.ts`. On libSQL write transactions
 * are serialised in-process (libSQL's embedded client opens one connection per transaction;
 * serialising writes avoids SQLITE_BUSY between them, while WAL keeps reads concurrent).
 */
// The explicit node build: under Deno the bare specifier resolves to the web client, which has no `file:` URLs.
import { createClient } from "@libsql/client/node";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { fileURLToPath } from "node:url";
import type { Dialect } from "./dialect.ts";
import * as schema from "./schema.ts";

export type Db = LibSQLDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** Raw SQL with `?` placeholders, for tests and diagnostics (both dialects). */
export interface SqlClient {
  execute(stmt: string | { sql: string; args: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface WriteOptions {
  /**
   * PostgreSQL: READ COMMITTED instead of SERIALIZABLE, for a transaction that locks the rows
   * it changes itself (FOR UPDATE SKIP LOCKED), where a serialization failure would only be
   * a needless retry. libSQL ignores it (one writer).
   */
  isolation?: "read committed" | "serializable";
}

export interface Database {
  dialect: Dialect;
  db: Db;
  client: SqlClient;
  /**
   * Runs `fn` in one write transaction, one at a time per process (libSQL: BEGIN IMMEDIATE,
   * retried while another process holds the file's write lock; PostgreSQL: SERIALIZABLE,
   * retried on serialization failures; so `fn` may run again).
   */
  write<T>(fn: (tx: Tx) => Promise<T>, opts?: WriteOptions): Promise<T>;
  /** Subscribes to commits of events by other processes (PostgreSQL LISTEN); returns the unsubscribe. */
  onCommitted?(f: () => void): () => void;
  close(): void;
}

/** Whether an error (or its cause) is SQLite's "database is locked" (another process writes). */
export function isBusy(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (String(code).startsWith("SQLITE_BUSY") || /SQLITE_BUSY|database is locked/.test(String(message))) return true;
  }
  return false;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** Opens (and migrates) the database at `url` (`file:...`, `:memory:` or a libSQL server URL). */
export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  if (isPostgresUrl(url)) return (await import("./pgClient.ts")).openPostgres(url);
  const client = createClient(authToken === undefined ? { url } : { url, authToken });
  if (url.startsWith("file:")) {
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA busy_timeout = 10000");
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  let tail: Promise<unknown> = Promise.resolve();
  // Another process writing the same file (replicas on one libSQL file): the client opens a
  // connection per transaction without the busy timeout, so BEGIN IMMEDIATE answers
  // SQLITE_BUSY at once; the transaction (rolled back) is run again after a short wait.
  const attempt = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    for (let i = 0; ; i++) {
      try {
        return await db.transaction(fn);
      } catch (err) {
        if (!isBusy(err) || i >= 80) throw err;
        // SQLITE_BUSY_SNAPSHOT: the client's idle connection still holds a read snapshot older
        // than the other process's commit, and would fail the same way forever. Taking it as a
        // (deferred, at once rolled back) transaction makes the client open a fresh one.
        if (/BUSY_SNAPSHOT/.test(String((err as { code?: unknown }).code ?? (err as Error).message))) {
          await client.transaction("deferred").then(
            (t) => t.close(),
            () => undefined,
          );
        }
        await new Promise((r) => setTimeout(r, 5 + Math.min(250, 2 ** i) * Math.random()));
      }
    }
  };
  const write = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    const run = tail.then(() => attempt(fn));
    tail = run.catch(() => undefined);
    return run;
  };
  const raw: SqlClient = {
    execute: async (stmt) => ({ rows: (await client.execute(stmt as string)).rows as unknown as Record<string, unknown>[] }),
  };
  return { dialect: "sqlite", db, client: raw, write, close: () => client.close() };
}
