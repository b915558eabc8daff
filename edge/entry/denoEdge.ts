/**
 * Deno with network-only permissions: the edge app (`createEdgeApp()`: listings, searches and
 * downloads; uploads and checks answer 501) over PostgreSQL and S3, served by `Deno.serve`.
 *
 * ```sh
 * LW_DB_URL=postgres://… LW_BLOB_URL=s3://… LW_S3_ENDPOINT=… LW_S3_ACCESS_KEY_ID=… LW_S3_SECRET_ACCESS_KEY=… \
 *   deno run --allow-net --allow-env edge/entry/denoEdge.ts
 * ```
 *
 * No `--allow-read`, `--allow-write`, `--allow-run` or `--allow-ffi`: Deno loads the modules
 * (this repository's files and its node_modules) without a read permission, and nothing here
 * touches a file. `--allow-net` may name the hosts (`--allow-net=db.internal:5432,s3.internal,0.0.0.0:8787`);
 * `--allow-env` is whole because `pg` reads its `PG*` defaults. The Node server (`npm start`) on
 * the same database and bucket runs the migrations and takes the uploads.
 */
import pg from "pg";
import { postgresHandle } from "../db/pgCommon.ts";
import { createEdgeApp } from "./edgeApp.ts";
import { Deno } from "./denoGlobal.ts";

const env = Deno.env.toObject();
const pool = new pg.Pool({ connectionString: env.LW_DB_URL, max: 10 });
// An idle connection that loses its server (a restart) must not end the process.
pool.on("error", () => undefined);
const edge = createEdgeApp(env, { ...postgresHandle(pool), close: () => void pool.end() }, { log: (m) => console.error(m) });
const server = Deno.serve(
  {
    port: edge.config.port,
    hostname: edge.config.host,
    onListen: ({ hostname, port }) => console.log(`learnware edge app (deno, network only) listening on http://${hostname}:${port}`),
  },
  edge.fetch,
);
for (const sig of ["SIGINT", "SIGTERM"]) {
  Deno.addSignalListener(sig, () => {
    server.shutdown().finally(() => {
      void pool.end();
      Deno.exit(0);
    });
  });
}
