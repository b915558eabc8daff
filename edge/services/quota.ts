/**
 * Per-owner storage quota (`LW_QUOTA_STORAGE_BYTES`, 0 = unlimited): the bytes of every package
 * version and stored artifact of the owner's models. A new package or artifact that would take
 * the owner past it is refused with a 413 `QUOTA_EXCEEDED` before it is committed.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Ctx } from "../context.ts";
import { artifacts, models, versions } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";

/** Stored bytes attributed to `owner` (packages of all versions, stored artifacts). */
export async function storageUsed(ctx: Pick<Ctx, "db">, owner: string): Promise<number> {
  const [p] = await ctx.db.db
    .select({ n: sql<number | null>`sum(${versions.packageSize})` })
    .from(versions)
    .innerJoin(models, eq(models.id, versions.modelId))
    .where(eq(models.owner, owner));
  const [a] = await ctx.db.db
    .select({ n: sql<number | null>`sum(${artifacts.size})` })
    .from(artifacts)
    .innerJoin(models, eq(models.id, artifacts.modelId))
    .where(and(eq(models.owner, owner), eq(artifacts.storage, "stored")));
  return (p?.n ?? 0) + (a?.n ?? 0);
}

/** Throws QUOTA_EXCEEDED (413) when `add` more bytes would take `owner` past the quota. */
export async function assertStorageQuota(ctx: Pick<Ctx, "db" | "config">, owner: string, add: number): Promise<void> {
  const quota = ctx.config.quotaStorageBytes;
  if (quota <= 0) return;
  const used = await storageUsed(ctx, owner);
  if (used + add > quota) {
    throw new LearnwareError(
      "QUOTA_EXCEEDED",
      `Owner '${owner}' stores ${used} bytes; ${add} more would exceed the quota of ${quota} bytes (LW_QUOTA_STORAGE_BYTES)`,
      {
        field: "owner",
        used,
        add,
        limit: quota,
      },
    );
  }
}
