/**
 * `createApp(deps)`: the whole HTTP API as a Hono app over web-standard Request/Response.
 * Runtime specifics (listening, files of the data folder) live in `entry/`.
 *
 * @example
 * ```ts ignore
 * const app = createApp({ db, blobs, config });
 * const res = await app.request("/v1/semantic-options");
 * ```
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { App, AppDeps, AppEnv, Ctx } from "./context.ts";
import { settings } from "./db/schema.ts";
import { renderError } from "./errors.ts";
import { authMiddleware } from "./middleware/auth.ts";
import { securityHeaders } from "./middleware/securityHeaders.ts";
import { rateLimitMiddleware } from "./middleware/rateLimit.ts";
import { artifactRoutes } from "./routes/artifacts.ts";
import { compatRoutes } from "./routes/compat.ts";
import { docRoutes } from "./routes/docs.ts";
import { eventRoutes } from "./routes/events.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { learnwareRoutes } from "./routes/learnwares.ts";
import { metricRoutes } from "./routes/metrics.ts";
import { modelRoutes } from "./routes/models.ts";
import { searchRoutes } from "./routes/search.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { uploadRoutes } from "./routes/uploads.ts";
import { EventHub } from "./services/events.ts";
import { randomId } from "./auth/tokens.ts";
import { LearnwareError } from "./errors.ts";
import { AdmissionGate, inProcessExecutor } from "./services/searchPool.ts";

function searchContext(deps: AppDeps): Ctx["search"] {
  const executor = deps.searchExecutor ?? inProcessExecutor();
  const c = deps.config;
  return { executor, gate: new AdmissionGate({ concurrency: c.searchConcurrency || executor.threads, queue: c.searchQueue }) };
}

export type { AppDeps } from "./context.ts";

/** Builds the shared route context from the dependencies. */
export function createContext(deps: AppDeps): Ctx {
  let secret: Promise<string> | null = deps.config.linkSecret ? Promise.resolve(deps.config.linkSecret) : null;
  const ctx: Ctx = {
    db: deps.db,
    blobs: deps.blobs,
    config: deps.config,
    now: deps.clock ?? (() => Date.now()),
    hub: new EventHub(),
    search: searchContext(deps),
    log: deps.log ?? (() => {}),
    inspect:
      deps.inspect ??
      (async () => {
        throw new LearnwareError(
          "NEEDS_NODE_SERVER",
          "Uploading a package needs the Node server (npm start): this runtime does not inflate or check packages",
          {
            needs: "node-server",
          },
        );
      }),
    linkSecret: () =>
      (secret ??= (async () => {
        const [row] = await deps.db.db.select().from(settings).where(eq(settings.key, "link_secret"));
        if (row) return row.value;
        const value = randomId(32);
        await deps.db.write((tx) => tx.insert(settings).values({ key: "link_secret", value }).onConflictDoNothing());
        const [again] = await deps.db.db.select().from(settings).where(eq(settings.key, "link_secret"));
        return again!.value;
      })()),
  };
  // Other replicas' commits (PostgreSQL LISTEN/NOTIFY) wake this process's followers too.
  deps.db.onCommitted?.(() => ctx.hub.notify());
  return ctx;
}

export function createApp(deps: AppDeps, shared?: Ctx): App {
  const ctx = shared ?? createContext(deps);
  const app: App = new OpenAPIHono<AppEnv>();
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

  app.onError((err, c) => {
    const [status, body] = renderError(err);
    const d = body.error.details as { retryAfterSeconds?: unknown; retryAfter?: number } | undefined;
    if (typeof d?.retryAfterSeconds === "number") c.header("Retry-After", String(d.retryAfterSeconds));
    else if (status === 429) c.header("retry-after", String(d?.retryAfter ?? 60));
    if (status >= 500) ctx.log(`error on ${c.req.method} ${new URL(c.req.url).pathname}: ${(err as Error)?.stack ?? String(err)}`);
    return c.json(body, status as 400);
  });
  app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}` } }, 404));

  app.use("*", securityHeaders(ctx.config.compatPrefix));
  app.use("*", rateLimitMiddleware(ctx));
  // Compat routes carry their own envelope and their own auth handling.
  compatRoutes(app, ctx);

  app.use("/v1/*", authMiddleware(ctx));
  tokenRoutes(app, ctx);
  learnwareRoutes(app, ctx);
  uploadRoutes(app, ctx);
  searchRoutes(app, ctx);
  modelRoutes(app, ctx);
  metricRoutes(app, ctx);
  artifactRoutes(app, ctx);
  eventRoutes(app, ctx);
  jobRoutes(app, ctx);
  docRoutes(app, ctx);
  deps.fileRoutes?.(app, ctx);
  app.get("/healthz", (c) => c.json({ ok: true }));
  if (deps.staticFiles) app.use("*", deps.staticFiles);
  else app.get("/", (c) => c.redirect("/docs"));
  return app;
}
