/**
 * Upload sessions as the domain sees them (the tus-like rules of `routes/uploads.ts`): one
 * writer per session, the owner's caps, expiry and the sweep of expired sessions and orphaned
 * partial files. The resumable-upload routes and the Beimingwu chunked upload share these.
 */
import { and, eq, gt, lt, ne, sql } from "drizzle-orm";
import type { Principal } from "../auth/tokens.ts";
import type { Ctx } from "../context.ts";
import { uploads } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";

/** One writer per session (in this process): the session ids being written or finished. */
const busy = new WeakMap<Ctx, Set<string>>();
function busySet(ctx: Ctx): Set<string> {
  let s = busy.get(ctx);
  if (!s) busy.set(ctx, (s = new Set()));
  return s;
}

/** Runs `fn` holding the session's writer lock; a second writer gets a 409 at once (tus: one writer per upload). */
export async function withSessionLock<T>(ctx: Ctx, id: string, fn: () => Promise<T>): Promise<T> {
  const set = busySet(ctx);
  if (set.has(id)) {
    throw new LearnwareError("UPLOAD_BUSY", `Upload session '${id}' is being written by another request; one writer per session`, { field: "id" });
  }
  set.add(id);
  try {
    return await fn();
  } finally {
    set.delete(id);
  }
}

export type SessionRow = typeof uploads.$inferSelect;

/** Closes a session (row and partial file). */
export async function closeSession(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.write((tx) => tx.delete(uploads).where(eq(uploads.id, id)));
  await ctx.blobs.partialRemove(id);
}

export async function getSession(ctx: Ctx, id: string, p: Principal | null): Promise<SessionRow> {
  const [s] = await ctx.db.db.select().from(uploads).where(eq(uploads.id, id));
  if (!s) throw new LearnwareError("NOT_FOUND", `Upload session '${id}' not found`, { field: "id" });
  if (p === null || (p.owner !== s.owner && !p.scopes.includes("admin"))) throw new LearnwareError("FORBIDDEN", "The upload session belongs to another owner");
  if (s.expiresAt < ctx.now()) {
    await closeSession(ctx, s.id);
    throw new LearnwareError("GONE", `Upload session '${id}' expired at ${new Date(s.expiresAt).toISOString()}; start a new one`, { field: "id" });
  }
  return s;
}

/** The partial file's size; a session whose file is lost is closed with a 410. */
export async function partialSizeOr410(ctx: Ctx, s: SessionRow): Promise<number> {
  const size = await ctx.blobs.partialSize(s.id);
  if (size === null) {
    await closeSession(ctx, s.id);
    throw new LearnwareError("GONE", `The data of upload session '${s.id}' is lost; the session is closed, start a new one`, { field: "id" });
  }
  return size;
}

/** Open sessions and the bytes they hold (declared size or received), of one owner. */
export async function openUsage(ctx: Ctx, owner: string, except?: string): Promise<{ sessions: number; bytes: number }> {
  const [r] = await ctx.db.db
    .select({
      n: sql<number>`count(*)`,
      // The larger of declared and received (CASE: SQLite's scalar max() is not PostgreSQL's greatest()).
      bytes: sql<
        number | null
      >`sum(case when coalesce(${uploads.size}, 0) > ${uploads.received} then coalesce(${uploads.size}, 0) else ${uploads.received} end)`,
    })
    .from(uploads)
    .where(
      and(eq(uploads.owner, owner), eq(uploads.state, "open"), gt(uploads.expiresAt, ctx.now()), except === undefined ? undefined : ne(uploads.id, except)),
    );
  return { sessions: r?.n ?? 0, bytes: r?.bytes ?? 0 };
}

/** Per-owner caps on open sessions (429) and the bytes they hold (413). */
export async function assertUploadCaps(ctx: Ctx, owner: string, add: { sessions: number; bytes: number; except?: string }): Promise<void> {
  const u = await openUsage(ctx, owner, add.except);
  const { uploadMaxSessions: maxS, uploadMaxBytes: maxB } = ctx.config;
  if (maxS > 0 && add.sessions > 0 && u.sessions + add.sessions > maxS) {
    throw new LearnwareError(
      "TOO_MANY_UPLOADS",
      `Owner '${owner}' has ${u.sessions} open upload sessions, the limit is ${maxS} (LW_UPLOAD_MAX_SESSIONS); finish or delete one first`,
      {
        field: "owner",
        limit: maxS,
        open: u.sessions,
      },
    );
  }
  if (maxB > 0 && u.bytes + add.bytes > maxB) {
    throw new LearnwareError(
      "QUOTA_EXCEEDED",
      `Open upload sessions of '${owner}' would hold ${u.bytes + add.bytes} bytes, more than the limit of ${maxB} (LW_UPLOAD_MAX_BYTES)`,
      {
        field: "size",
        limit: maxB,
        held: u.bytes,
      },
    );
  }
}

/**
 * Removes expired sessions and their partial files, and partial files without a session row.
 * Runs at start and periodically; safe while serving (a session's row is written before its
 * file, and the files are listed before the rows are read).
 */
export async function sweepUploads(ctx: Ctx): Promise<number> {
  const files = await ctx.blobs.partialList();
  const old = await ctx.db.db.select({ id: uploads.id }).from(uploads).where(lt(uploads.expiresAt, ctx.now()));
  for (const s of old) {
    if (busySet(ctx).has(s.id)) continue;
    await closeSession(ctx, s.id);
  }
  const ids = new Set((await ctx.db.db.select({ id: uploads.id }).from(uploads)).map((r) => r.id));
  for (const f of files) if (!ids.has(f) && !busySet(ctx).has(f)) await ctx.blobs.partialRemove(f);
  return old.length;
}
