/**
 * The few places where SQLite and PostgreSQL need different SQL, behind one switch: the
 * queries are written once against `schema.ts`, and these helpers give the dialect's form.
 */
import { is, type SQL, sql } from "drizzle-orm";
import { PgDatabase } from "drizzle-orm/pg-core";

export type Dialect = "sqlite" | "postgres";

/** The dialect of a database or transaction handle. */
export function dialectOf(db: object): Dialect {
  return is(db, PgDatabase) ? "postgres" : "sqlite";
}

/** Runs a statement whose result is not needed, on either dialect. */
export async function execute(db: object, q: SQL): Promise<void> {
  const d = db as { run?: (q: SQL) => Promise<unknown>; execute?: (q: SQL) => Promise<unknown> };
  if (dialectOf(db) === "postgres") await d.execute!(q);
  else await d.run!(q);
}

/**
 * Whether the JSON document in `column` has `key.Values` containing `value` (an array
 * holding it, or the string itself): `json_each` on SQLite, `jsonb` containment on PostgreSQL.
 */
export function jsonValuesContain(dialect: Dialect, column: SQL | object, key: string, value: string): SQL {
  if (dialect === "postgres") {
    return sql`((${column})::jsonb -> ${key} -> 'Values') @> to_jsonb(${value}::text)`;
  }
  const path = `$.${key}.Values`;
  return sql`(exists (select 1 from json_each(${column}, ${path}) where value = ${value}) or json_extract(${column}, ${path}) = ${value})`;
}

/** Whether a text column starts with a digit (`glob '[0-9]*'` on SQLite). */
export function startsWithDigit(dialect: Dialect, column: SQL | object): SQL {
  return dialect === "postgres" ? sql`(${column}) ~ '^[0-9]+$'` : sql`(${column}) glob '[0-9]*'`;
}
