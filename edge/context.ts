/** The app's dependencies and the per-request context variables. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Principal } from "./auth/tokens.ts";
import type { BlobStore } from "./blobs/store.ts";
import type { ServerConfig } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { EventHub } from "./services/events.ts";
import type { AdmissionGate, SearchExecutor } from "./services/searchPool.ts";

export interface AppDeps {
  db: Database;
  blobs: BlobStore;
  config: ServerConfig;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** Folder of the static page served at `/` (web/), when present. */
  staticRoot?: string;
  /** Diagnostic log sink (never receives tokens). */
  log?: (msg: string) => void;
  /** Where search work runs (default: on the calling thread; the Node server passes a worker pool). */
  searchExecutor?: SearchExecutor;
}

/** Resolved dependencies shared by every route. */
export interface Ctx {
  db: Database;
  blobs: BlobStore;
  config: ServerConfig;
  now: () => number;
  hub: EventHub;
  log: (msg: string) => void;
  linkSecret: () => Promise<string>;
  /** The search threads and the admission of heavy searches. */
  search: { executor: SearchExecutor; gate: AdmissionGate };
}

export type AppEnv = { Variables: { principal: Principal | null } };
export type App = OpenAPIHono<AppEnv>;
