/**
 * Namespace ownership: a registry namespace belongs to the user who created its first model
 * (or to whom an admin names); only its owner, its members and admins create models in it.
 * Namespaces used before ownership existed are claimed for the owner of their oldest model.
 * `market` holds the learnwares and is written only through the market routes.
 */
import { asc, eq } from "drizzle-orm";
import { isAdmin, type Principal } from "../auth/tokens.ts";
import type { Db, Tx } from "../db/client.ts";
import { models, namespaces } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";

export type NamespaceRow = typeof namespaces.$inferSelect;

/** The namespace's row, creating it for `claimant` (or for its oldest model's owner) when new. */
export async function ensureNamespace(tx: Tx, name: string, claimant: string, at: number): Promise<NamespaceRow> {
  const [row] = await tx.select().from(namespaces).where(eq(namespaces.name, name));
  if (row) return row;
  const [oldest] = await tx.select({ owner: models.owner }).from(models).where(eq(models.namespace, name)).orderBy(asc(models.seq)).limit(1);
  const fresh = { name, owner: oldest?.owner ?? claimant, members: [] as string[], createdAt: at };
  await tx.insert(namespaces).values(fresh);
  return fresh;
}

export async function findNamespace(db: Db | Tx, name: string): Promise<NamespaceRow | undefined> {
  const [row] = await db.select().from(namespaces).where(eq(namespaces.name, name));
  return row;
}

export function canWriteNamespace(p: Principal | null, ns: NamespaceRow): boolean {
  return p !== null && (isAdmin(p) || ns.owner === p.owner || ns.members.includes(p.owner));
}

/** 403 unless `p` may create models in `ns`. */
export function assertCanWriteNamespace(p: Principal | null, ns: NamespaceRow): void {
  if (!canWriteNamespace(p, ns)) {
    throw new LearnwareError("FORBIDDEN", `Namespace '${ns.name}' belongs to '${ns.owner}'; only its owner, its members and admins may create models in it`, {
      field: "namespace",
    });
  }
}

export const namespaceView = (n: NamespaceRow) => ({ name: n.name, owner: n.owner, members: n.members, createdAt: new Date(n.createdAt).toISOString() });
