/**
 * Start-up shared by the Node and Deno entries: data folder, database (migrated), blob
 * store, crash recovery (temp files, orphan blobs, expired upload sessions), the admin
 * token, and the demo seed. Uses `node:` modules, which both runtimes provide.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { createApp, createContext } from "./app.ts";
import { sha256Hex } from "./auth/tokens.ts";
import { DiskBlobStore } from "./blobs/diskStore.ts";
import { S3BlobStore } from "./blobs/s3Store.ts";
import type { BlobStore } from "./blobs/store.ts";
import type { ServerConfig } from "./config.ts";
import type { App, AppDeps, Ctx } from "./context.ts";
import { openDatabase } from "./db/client.ts";
import { tokens } from "./db/schema.ts";
import { createToken } from "./services/tokens.ts";
import { sweepUploads } from "./services/uploads.ts";
import { seedDemo } from "./seed/seed.ts";
import { staticFiles } from "./middleware/static.ts";
import { textModelRoutes } from "./routes/textModel.ts";
import { inspectStagedPackage } from "./services/packageInspect.ts";
import { collectBlobs, isBlobReferenced } from "./services/gc.ts";
import { warmSearchIndex } from "./services/market.ts";
import { inProcessExecutor, type SearchExecutor } from "./services/searchPool.ts";
import { createPiscinaExecutor } from "./services/searchPoolNode.ts";
import { openSpecIndex, saveSpecIndex } from "./services/specIndex.ts";

export interface Started {
  app: App;
  deps: AppDeps;
  ctx: Ctx;
  /** Set when an admin token was generated and written to this file at this start. */
  adminTokenFile: string | null;
  recovered: { temps: number; blobs: number; uploads: number };
  seeded: string[];
  /** Runs the upload sweeper and the blob collector now (they also run every `LW_GC_INTERVAL_SECONDS`). */
  collect(): Promise<void>;
  close(): void;
}

export async function ensureAdminToken(ctx: Ctx, config: ServerConfig): Promise<string | null> {
  if (config.adminToken) {
    const hash = await sha256Hex(config.adminToken);
    const [row] = await ctx.db.db.select().from(tokens).where(eq(tokens.hash, hash));
    if (!row) {
      try {
        await createToken(ctx, ctx.now(), { owner: "admin", scopes: ["admin"], name: "LW_ADMIN_TOKEN", secret: config.adminToken });
      } catch (err) {
        // Replicas starting together on one database: another one created it first.
        const [again] = await ctx.db.db.select().from(tokens).where(eq(tokens.hash, hash));
        if (!again) throw err;
      }
    }
    return null;
  }
  const file = join(config.dataDir, "admin-token");
  try {
    const existing = (await readFile(file, "utf8")).trim();
    const [row] = await ctx.db.db
      .select()
      .from(tokens)
      .where(eq(tokens.hash, await sha256Hex(existing)));
    if (row && row.revokedAt === null) return null;
  } catch {
    /* no file yet */
  }
  const { secret } = await createToken(ctx, ctx.now(), { owner: "admin", scopes: ["admin"], name: "generated admin token" });
  await writeFile(file, secret + "\n", { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/** Opens everything under `config.dataDir` and builds the app. */
export async function startServer(
  config: ServerConfig,
  opts: { log?: (m: string) => void; staticRoot?: string; searchExecutor?: SearchExecutor } = {},
): Promise<Started> {
  await mkdir(config.dataDir, { recursive: true });
  const db = await openDatabase(config.dbUrl);
  // The search index: back from the snapshot a clean shutdown left, else rebuilt from the rows.
  const snapshotPath = join(config.dataDir, "rkme-index.bin");
  const reopened = await openSpecIndex(db, { ivfMinSize: config.indexIvfMinSize, snapshotPath, ...(opts.log ? { log: opts.log } : {}) });
  if (reopened > 0) opts.log?.(`search index reopened from ${snapshotPath} (${reopened} learnwares)`);
  const blobs: BlobStore = config.blobUrl
    ? await new S3BlobStore({ url: config.blobUrl, ...config.s3 }).init()
    : await new DiskBlobStore(join(config.dataDir, "blobs")).init();
  // Search work off the event loop: a piscina pool on Node (Deno searches on its own thread for now).
  const searchExecutor =
    opts.searchExecutor ?? (config.searchThreads > 0 && !("Deno" in globalThis) ? await createPiscinaExecutor(config.searchThreads) : inProcessExecutor());
  const deps: AppDeps = {
    db,
    blobs,
    config,
    searchExecutor,
    ...(opts.log ? { log: opts.log } : {}),
    inspect: (pkg, semantic) => inspectStagedPackage(pkg, semantic, config),
    ...(opts.staticRoot ? { staticFiles: staticFiles(opts.staticRoot) } : {}),
    fileRoutes: textModelRoutes,
  };
  // Crash recovery before serving: half-written uploads never became versions (one
  // transaction commits a version), so only temp files and unreferenced blobs remain.
  const swept = await blobs.sweep(isBlobReferenced(db));
  const ctx = createContext(deps);
  const uploads = await sweepUploads(ctx);
  const adminTokenFile = await ensureAdminToken(ctx, config);
  const seeded = config.seedDemo ? await seedDemo(ctx) : [];
  const app = createApp(deps, ctx);
  let closed = false;
  // While serving: expired upload sessions and unreferenced blobs (left by deletes, or by a
  // crash between a blob's rename and its transaction) are collected periodically.
  let collecting = false;
  const collect = async () => {
    if (collecting || closed) return;
    collecting = true;
    try {
      const u = await sweepUploads(ctx);
      const b = await collectBlobs(ctx);
      if (u + b > 0) opts.log?.(`collected ${b} unreferenced blob(s), ${u} expired upload session(s)`);
    } catch (err) {
      if (!closed) opts.log?.(`collection failed (retried at the next interval): ${(err as Error).message}`);
    } finally {
      collecting = false;
    }
  };
  const timer = config.gcIntervalSeconds > 0 ? setInterval(() => void collect(), config.gcIntervalSeconds * 1000) : null;
  (timer as { unref?: () => void } | null)?.unref?.();
  // The search index, ahead of the first search (sketch rows are written once per version).
  void warmSearchIndex(ctx).then(
    (n) => opts.log?.(`search index ready: ${n} table specs`),
    (err: unknown) => {
      if (!closed) opts.log?.(`search index warm-up failed (the first search retries): ${(err as Error).message}`);
    },
  );
  return {
    app,
    deps,
    ctx,
    adminTokenFile,
    recovered: { ...swept, uploads },
    seeded,
    collect,
    close: () => {
      closed = true;
      if (timer) clearInterval(timer);
      try {
        saveSpecIndex(db, snapshotPath);
      } catch (err) {
        opts.log?.(`search index snapshot not written: ${(err as Error).message}`);
      }
      db.close();
      if (!opts.searchExecutor) void searchExecutor.close();
    },
  };
}
