/**
 * Blob garbage collection. Rows are the truth: a blob is garbage when no version and no
 * stored artifact names its sha256. Deletes and replacements only remove rows (in one
 * transaction); the blobs they leave behind are removed here, after the commit, at start and
 * every `LW_GC_INTERVAL_SECONDS`. A kill at any point therefore loses no referenced blob: the
 * worst case is garbage that the next run collects.
 *
 * Each candidate is checked again and deleted under the write lock (`db.write`), the same lock
 * under which uploads rename a staged blob into place and insert its row, so a blob that an
 * upload is about to reference is never collected.
 */
import { eq, sql } from "drizzle-orm";
import type { Ctx } from "../context.ts";
import type { Database, Db, Tx } from "../db/client.ts";
import { artifacts, versions } from "../db/schema.ts";

/** True when a version's package or a stored artifact is the blob `sha`. */
export async function blobReferenced(db: Tx | Db, sha: string): Promise<boolean> {
  const [v] = await db.select({ n: sql<number>`1` }).from(versions).where(eq(versions.packageSha256, sha)).limit(1);
  if (v) return true;
  const [a] = await db.select({ n: sql<number>`1` }).from(artifacts).where(eq(artifacts.sha256, sha)).limit(1);
  return a !== undefined;
}

export function isBlobReferenced(db: Database): (sha: string) => Promise<boolean> {
  return (sha) => blobReferenced(db.db, sha);
}

/**
 * Removes the blobs among `candidates` (default: every blob in the store) that no row
 * references. Returns how many were removed.
 */
export async function collectBlobs(ctx: Pick<Ctx, "db" | "blobs">, candidates?: Iterable<string>): Promise<number> {
  let removed = 0;
  const unreferenced: string[] = [];
  const source: AsyncIterable<string> | Iterable<string> = candidates ?? ctx.blobs.list();
  for await (const sha of source) if (!(await blobReferenced(ctx.db.db, sha))) unreferenced.push(sha);
  for (const sha of unreferenced) {
    const gone = await ctx.db.write(async (tx) => {
      if (await blobReferenced(tx, sha)) return false;
      await ctx.blobs.delete(sha);
      return true;
    });
    if (gone) removed++;
  }
  return removed;
}
