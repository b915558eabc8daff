/**
 * The PostgreSQL schema mirrors the SQLite one: the same tables, columns (name, nullability,
 * key, default present), indexes and unique constraints. The services' queries are built from
 * `schema.ts` and run on both, so any drift would be a runtime error on one dialect only.
 * (A key's default is not compared: SQLite's INTEGER PRIMARY KEY always has one, the rowid.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { is } from "drizzle-orm";
import { getTableConfig as pgConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import * as pgSchema from "../../edge/db/schema.pg.ts";
import * as sqliteSchema from "../../edge/db/schema.ts";

interface Shape {
  columns: string[];
  indexes: string[];
}

function shape(cfg: {
  columns: { name: string; notNull: boolean; primary: boolean; hasDefault: boolean; isUnique: boolean }[];
  indexes: { config: { name?: string; unique: boolean; columns: unknown[] } }[];
  primaryKeys: unknown[];
}): Shape {
  return {
    columns: cfg.columns
      .map(
        (c) =>
          `${c.name} ${c.notNull ? "not null" : "null"}${c.primary ? " pk" : ""}${c.isUnique ? " unique" : ""}${c.hasDefault && !c.primary ? " default" : ""}`,
      )
      .sort(),
    indexes: cfg.indexes
      .map((i) => `${i.config.name} ${i.config.unique ? "unique " : ""}(${i.config.columns.map((c) => (c as { name: string }).name).join(",")})`)
      .sort(),
  };
}

describe("schema parity (SQLite ⇄ PostgreSQL)", () => {
  const sqliteTables = Object.entries(sqliteSchema).filter(([, t]) => is(t, SQLiteTable));
  const pgTables = Object.entries(pgSchema).filter(([, t]) => is(t, PgTable));

  it("has the same tables under the same export names", () => {
    assert.deepEqual(pgTables.map(([k]) => k).sort(), sqliteTables.map(([k]) => k).sort());
    assert.ok(sqliteTables.length >= 12, `expected the whole catalogue, got ${sqliteTables.length} tables`);
  });

  for (const [key, table] of sqliteTables) {
    it(`table ${key}: same name, columns, keys and indexes`, () => {
      const p = (pgSchema as Record<string, unknown>)[key] as PgTable;
      const s = sqliteConfig(table as SQLiteTable);
      const g = pgConfig(p);
      assert.equal(g.name, s.name);
      assert.deepEqual(shape(g as never), shape(s as never));
    });
  }
});
