import { defineConfig } from "drizzle-kit";

/** PostgreSQL migrations, generated from `edge/db/schema.pg.ts` (the mirror of `schema.ts`). */
export default defineConfig({
  dialect: "postgresql",
  schema: "./edge/db/schema.pg.ts",
  out: "./edge/db/migrations-pg",
});
