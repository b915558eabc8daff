/**
 * The RKME index's inverted files in the catalogue (table `ivf_centroids`), so that every
 * replica on one database probes the same lists: the first replica that needs a bucket's
 * lists claims its row (a conditional UPDATE: one winner on libSQL and on PostgreSQL), trains,
 * and stores the centroids with the bucket size they were trained for; the others wait for the
 * row and load it. A retraining (the bucket grew 4×) goes through the same claim and bumps
 * `generation`. A claim expires (`CLAIM_TTL_MS`, renewed while the training runs), so a
 * replica that dies mid-training does not block the others for long.
 */
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { ivfCentroids } from "../db/schema.ts";

export type CentroidRow = typeof ivfCentroids.$inferSelect;

/** How long a claim holds without renewal. */
export const CLAIM_TTL_MS = 120_000;

/**
 * A bucket's row key: the index options that shape its lists (feature map and list count) and
 * the bucket's (dimension, γ). Replicas configured alike share rows; others never mix them.
 */
export function centroidKey(o: { features: number; seed: number; ivfLists?: number | undefined }, dim: number, gamma: number): string {
  return `f${o.features}:s${o.seed}:l${o.ivfLists ?? "auto"}:d${dim}:g${gamma}`;
}

/** The stored row of `bucket` (undefined: none yet). */
export async function readCentroids(db: Database, bucket: string): Promise<CentroidRow | undefined> {
  const [row] = await db.db.select().from(ivfCentroids).where(eq(ivfCentroids.bucket, bucket));
  return row;
}

/**
 * Claims the training of `bucket` for `by`, unless another process holds a live claim or a
 * newer generation than `seen` was stored meanwhile. True when `by` holds the claim.
 */
export async function claimTraining(db: Database, bucket: string, by: string, seen: number, now: number): Promise<boolean> {
  return db.write(
    async (tx) => {
      await tx.insert(ivfCentroids).values({ bucket }).onConflictDoNothing();
      const won = await tx
        .update(ivfCentroids)
        .set({ claimedBy: by, claimedUntil: now + CLAIM_TTL_MS })
        .where(
          and(
            eq(ivfCentroids.bucket, bucket),
            eq(ivfCentroids.generation, seen),
            or(isNull(ivfCentroids.claimedUntil), lt(ivfCentroids.claimedUntil, now), eq(ivfCentroids.claimedBy, by)),
          ),
        )
        .returning({ bucket: ivfCentroids.bucket });
      return won.length > 0;
    },
    { isolation: "read committed" },
  );
}

/** Extends `by`'s claim (while its training runs); false when it no longer holds it. */
export async function renewClaim(db: Database, bucket: string, by: string, now: number): Promise<boolean> {
  const r = await db.write(
    (tx) =>
      tx
        .update(ivfCentroids)
        .set({ claimedUntil: now + CLAIM_TTL_MS })
        .where(and(eq(ivfCentroids.bucket, bucket), eq(ivfCentroids.claimedBy, by)))
        .returning({ bucket: ivfCentroids.bucket }),
    { isolation: "read committed" },
  );
  return r.length > 0;
}

/** Gives up `by`'s claim without storing (its training failed). */
export async function releaseClaim(db: Database, bucket: string, by: string): Promise<void> {
  await db.write(
    (tx) =>
      tx
        .update(ivfCentroids)
        .set({ claimedBy: null, claimedUntil: null })
        .where(and(eq(ivfCentroids.bucket, bucket), eq(ivfCentroids.claimedBy, by))),
    { isolation: "read committed" },
  );
}

/**
 * Stores `by`'s training as the next generation and ends its claim; returns that generation,
 * or null when `by` lost the claim meanwhile (its lists are then not the shared ones).
 */
export async function storeTrained(
  db: Database,
  bucket: string,
  by: string,
  trained: { centroids: Float32Array; trainedSize: number; lists: number },
  now: number,
): Promise<number | null> {
  const c = trained.centroids;
  const r = await db.write(
    (tx) =>
      tx
        .update(ivfCentroids)
        .set({
          generation: sql`${ivfCentroids.generation} + 1`,
          trainedSize: trained.trainedSize,
          lists: trained.lists,
          // Bytes as they are (drizzle types buffer-mode blobs as Buffer; both drivers take any Uint8Array).
          centroids: new Uint8Array(c.buffer, c.byteOffset, c.byteLength) as Buffer,
          trainedBy: by,
          trainedAt: now,
          claimedBy: null,
          claimedUntil: null,
        })
        .where(and(eq(ivfCentroids.bucket, bucket), eq(ivfCentroids.claimedBy, by)))
        .returning({ generation: ivfCentroids.generation }),
    { isolation: "read committed" },
  );
  if (r[0]) return r[0].generation;
  // A commit whose answer was lost (a retried transaction finds the claim already ended by it).
  const row = await readCentroids(db, bucket);
  return row && row.trainedBy === by && row.trainedAt === now ? row.generation : null;
}

/** The stored centroids as f32 (a copy: a blob's bytes need not be 4-byte aligned). */
export function centroidsOf(row: CentroidRow): Float32Array | null {
  const b = row.centroids;
  if (b === null || b.byteLength === 0 || b.byteLength % 4 !== 0) return null;
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}
