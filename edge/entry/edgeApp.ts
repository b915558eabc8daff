/**
 * `createApp()` for an edge runtime (workerd, network-only Deno): the configuration from the
 * environment's `LW_*` values, the catalogue on PostgreSQL and the blobs on S3, and nothing of a
 * machine: no data folder, no migrations (the Node server runs them), no worker threads, no page
 * folder, no garbage collection. It serves listings, searches and downloads from the same
 * catalogue as the Node replicas; what needs the Node server (package uploads, whose inflation
 * and checks run there and on the runners, and the runners' job API) answers 501
 * `NEEDS_NODE_SERVER`. Web-standard code only: `edge/entry/worker.ts` bundles it for workerd.
 *
 * @example
 * ```ts ignore
 * const app = createEdgeApp(env, { ...postgresHandle(pool), close: () => pool.end() });
 * Deno.serve(app.fetch);
 * ```
 */
import { createApp } from "../app.ts";
import { S3BlobStore } from "../blobs/s3Store.ts";
import { loadConfig, type ServerConfig } from "../config.ts";
import type { App } from "../context.ts";
import type { Database } from "../db/client.ts";
import { LearnwareError, renderError } from "../errors.ts";

export interface EdgeApp {
  app: App;
  config: ServerConfig;
  /** The app's fetch behind the Node-only routes' 501. */
  fetch(req: Request): Promise<Response>;
}

/** Reads and checks the edge settings: `LW_DB_URL` must be PostgreSQL and `LW_BLOB_URL` S3. */
export function edgeConfig(env: Record<string, unknown>): ServerConfig {
  const text: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") text[k] = v;
  const config = loadConfig(text, {
    dataDir: "",
    // Searches run on the request's own thread; the inverted file is trained by the Node
    // replicas (an edge isolate prunes with the flat index, the same answers).
    searchThreads: 0,
    indexIvfMinSize: Number.MAX_SAFE_INTEGER,
    seedDemo: false,
    gcIntervalSeconds: 0,
  });
  if (!/^postgres(ql)?:\/\//.test(text.LW_DB_URL ?? "")) {
    throw new RangeError(`LW_DB_URL must be a postgres:// URL on an edge runtime (it has no files for libSQL), got '${text.LW_DB_URL ?? ""}'`);
  }
  if (!config.blobUrl) throw new RangeError("LW_BLOB_URL must be an s3://bucket/prefix URL on an edge runtime (it has no folder for blobs)");
  return config;
}

/** The routes whose work the Node server does, by method and path. */
function nodeOnly(method: string, path: string, compat: string): string | null {
  if (method === "POST" && /^\/v1\/learnwares\/?$/.test(path)) return "Uploading a learnware";
  if (/^\/v1\/uploads(\/|$)/.test(path)) return "A resumable upload";
  if (method !== "GET" && /^\/v1\/jobs(\/|$)/.test(path)) return "The runners' job API (checks)";
  if (method === "POST" && compat && new RegExp(`^${compat}/user/(chunked_upload|add_learnware_uploaded|update_learnware)$`).test(path)) {
    return "Uploading through the compat API";
  }
  return null;
}

/** Builds the app over `db` (PostgreSQL) and the S3 bucket the environment names. */
export function createEdgeApp(env: Record<string, unknown>, db: Database, opts: { log?: (m: string) => void } = {}): EdgeApp {
  const config = edgeConfig(env);
  // The bucket exists: the Node server created it (its init); an edge isolate only reads and writes objects.
  const blobs = new S3BlobStore({ url: config.blobUrl!, ...config.s3 });
  const app = createApp({ db, blobs, config, ...(opts.log ? { log: opts.log } : {}) });
  return {
    app,
    config,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const what = nodeOnly(req.method, path, config.compatPrefix);
      if (what === null) return app.fetch(req);
      // Read what the client sends before answering: workerd resets a connection whose request
      // body was left unread, and the client would see that instead of the 501.
      if (req.body) for (const r = req.body.getReader(); !(await r.read()).done; );
      const err = new LearnwareError(
        "NEEDS_NODE_SERVER",
        `${what} (${req.method} ${path}) needs the Node server (npm start): this edge runtime serves listings, searches and downloads`,
        {
          needs: "node-server",
        },
      );
      const [status, body] = renderError(err);
      return Response.json(body, { status, headers: { "x-content-type-options": "nosniff", "cache-control": "no-store" } });
    },
  };
}
