/** The app's dependencies and the per-request context variables. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Principal } from "./auth/tokens.ts";
import type { BlobStore, StagedPackage } from "./blobs/store.ts";
import type { ServerConfig } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { EventHub } from "./services/events.ts";
import type { Inspected } from "./services/inspect.ts";
import type { AdmissionGate, SearchExecutor } from "./services/searchPool.ts";

export interface AppDeps {
  db: Database;
  blobs: BlobStore;
  config: ServerConfig;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** Serves the static page at `/` (web/), when present (the Node server reads it from a folder). */
  staticFiles?: MiddlewareHandler<AppEnv>;
  /**
   * Parses and checks an uploaded package (the Node server's zip inflation, on worker threads
   * for large ones). Without it (edge runtimes) uploads answer 501 `NEEDS_NODE_SERVER`.
   */
  inspect?: PackageInspector;
  /**
   * Routes that read the Node server's own files (the text-embedding model of `LW_TEXT_MODEL`,
   * `routes/textModel.ts`); edge runtimes have no filesystem and leave them out.
   */
  fileRoutes?: (app: App, ctx: Ctx) => void;
  /** Diagnostic log sink (never receives tokens). */
  log?: (msg: string) => void;
  /** Where search work runs (default: on the calling thread; the Node server passes a worker pool). */
  searchExecutor?: SearchExecutor;
}

/** Reads an uploaded package against its semantic spec (throws the package's problems). */
export type PackageInspector = (pkg: StagedPackage, semantic: unknown) => Promise<Inspected>;

/** Resolved dependencies shared by every route. */
export interface Ctx {
  db: Database;
  blobs: BlobStore;
  config: ServerConfig;
  now: () => number;
  hub: EventHub;
  log: (msg: string) => void;
  linkSecret: () => Promise<string>;
  inspect: PackageInspector;
  /** The search threads and the admission of heavy searches. */
  search: { executor: SearchExecutor; gate: AdmissionGate };
}

export type AppEnv = { Variables: { principal: Principal | null } };
export type App = OpenAPIHono<AppEnv>;
