/**
 * Opens the libSQL database, applies the generated migrations, and serialises write
 * transactions in-process (libSQL's embedded client opens one connection per transaction;
 * serialising writes avoids SQLITE_BUSY between them, while WAL keeps reads concurrent).
 */
// The explicit node build: under Deno the bare specifier resolves to the web client, which has no `file:` URLs.
import { createClient, type Client } from "@libsql/client/node";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { fileURLToPath } from "node:url";
import * as schema from "./schema.ts";

export type Db = LibSQLDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface Database {
  db: Db;
  client: Client;
  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE), one at a time per process. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): void;
}

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** Opens (and migrates) the database at `url` (`file:...`, `:memory:` or a libSQL server URL). */
export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const client = createClient(authToken === undefined ? { url } : { url, authToken });
  if (url.startsWith("file:")) {
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA busy_timeout = 10000");
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  let tail: Promise<unknown> = Promise.resolve();
  const write = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    const run = tail.then(() => db.transaction(fn));
    tail = run.catch(() => undefined);
    return run;
  };
  return { db, client, write, close: () => client.close() };
}
