/**
 * The module worker for workerd (Cloudflare's runtime): `export default { fetch }` over
 * `createEdgeApp()` (listings, searches, downloads; uploads and checks answer 501 and go to the
 * Node server). Settings are the worker's `env` bindings, the same `LW_*` names as the server's
 * variables: `LW_DB_URL` (postgres://…), `LW_BLOB_URL` (s3://bucket/prefix), `LW_S3_ENDPOINT`,
 * `LW_S3_ACCESS_KEY_ID`, `LW_S3_SECRET_ACCESS_KEY`, `LW_S3_REGION`, and any other `LW_*`.
 *
 * Built into one file by `edge/entry/buildWorker.ts` (esbuild), run with the `workerd.capnp` it
 * writes beside it; needs the `nodejs_compat` flag (for `pg` and this file's AsyncLocalStorage).
 *
 * One PostgreSQL connection per request: workerd ties a socket to the request that opened it
 * (another request may not use it), so the app, its caches and its search index live as long as
 * the isolate, while its database handle reaches the current request's connection through an
 * AsyncLocalStorage. The connection opens at the first query and closes when the response
 * (its body, for streams such as the event feed) is done. workerd notices a client that left a
 * feed only when it next writes to it, so that connection closes at the feed's next keep-alive
 * (within 15 s; measured 14.2 s).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import type { Database } from "../db/client.ts";
import { postgresHandle, type Queryable } from "../db/pgCommon.ts";
import { createEdgeApp, type EdgeApp } from "./edgeApp.ts";

/** The current request's connection, opened on first use. */
class RequestConnection {
  #client: Promise<pg.Client> | null = null;
  #ended = false;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  get(): Promise<pg.Client> {
    if (this.#ended) return Promise.reject(new Error("The request's database connection is closed (a query after its response ended)"));
    this.#client ??= (async () => {
      const c = new pg.Client({ connectionString: this.url });
      c.on("error", () => undefined);
      await c.connect();
      return c;
    })();
    return this.#client;
  }

  async end(): Promise<void> {
    this.#ended = true;
    const c = await this.#client?.catch(() => null);
    await c?.end().catch(() => undefined);
  }
}

const scope = new AsyncLocalStorage<RequestConnection>();

/** Forwards every query to the current request's connection. */
const perRequest: Queryable = {
  query: ((...args: unknown[]) => {
    const conn = scope.getStore();
    if (!conn) return Promise.reject(new Error("A database query outside of a request"));
    return conn.get().then((c) => (c.query as (...a: unknown[]) => unknown)(...args));
  }) as Queryable["query"],
};

let built: { app: EdgeApp; url: string } | null = null;

function appFor(env: Record<string, unknown>): { app: EdgeApp; url: string } {
  if (!built) {
    const db: Database = { ...postgresHandle(perRequest), close: () => {} };
    built = { app: createEdgeApp(env, db, { log: (m) => console.error(m) }), url: String(env.LW_DB_URL) };
  }
  return built;
}

/** A streamed response (the event feed) that keeps its connection until its body ends. */
function closingWhenDone(res: Response & { body: ReadableStream<Uint8Array> }, conn: RequestConnection): Response {
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          ctrl.close();
          void conn.end();
        } else ctrl.enqueue(value);
      } catch (err) {
        ctrl.error(err);
        void conn.end();
      }
    },
    cancel(reason) {
      void conn.end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

export default {
  async fetch(req: Request, env: Record<string, unknown>): Promise<Response> {
    let edge: { app: EdgeApp; url: string };
    try {
      edge = appFor(env);
    } catch (err) {
      // A missing or wrong binding: say which, on every request, instead of a bare 500.
      return Response.json({ error: { code: "UNAVAILABLE", message: `The edge worker is not configured: ${(err as Error).message}` } }, { status: 503 });
    }
    const conn = new RequestConnection(edge.url);
    const res = await scope
      .run(conn, () => edge.app.fetch(req))
      .catch(async (err: unknown) => {
        await conn.end();
        throw err;
      });
    // A body streamed from the store (a download) needs no connection: close it now.
    if (res.body === null || !/^text\/event-stream/.test(res.headers.get("content-type") ?? "")) {
      void conn.end();
      return res;
    }
    return closingWhenDone(res as Response & { body: ReadableStream<Uint8Array> }, conn);
  },
};
