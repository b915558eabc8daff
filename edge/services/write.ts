/**
 * The one write path of the catalogue: a change runs in one transaction, the events it
 * emits are appended inside that transaction, and live feeds (the event hub, the search
 * cache's invalidation) are woken once it has committed. Services make every catalogue
 * change through `writeChange`, so no caller can forget the event or the notification.
 *
 * @example
 * ```ts ignore
 * const row = await writeChange(ctx, ctx.now(), async (tx, emit) => {
 *   await tx.update(tokens).set({ revokedAt: at }).where(eq(tokens.id, id));
 *   await emit({ type: "token.revoked", actor, data: { tokenId: id } });
 * });
 * ```
 */
import type { Database, Tx, WriteOptions } from "../db/client.ts";
import { appendEvent, type NewEvent } from "./events.ts";

/** What a write needs: the database, and the hub to wake (absent in offline tools such as `admin.ts`). */
export interface Writer {
  db: Database;
  hub?: { notify(): void } | undefined;
}

/** Appends an event to the change's transaction. */
export type Emit = (e: NewEvent) => Promise<void>;

/** Runs `change` in one transaction with `emit` for its events; notifies the hub after the commit when it emitted any. */
export async function writeChange<T>(w: Writer, at: number, change: (tx: Tx, emit: Emit) => Promise<T>, opts?: WriteOptions): Promise<T> {
  let emitted = 0;
  const out = await w.db.write(
    (tx) =>
      change(tx, async (e) => {
        emitted++;
        await appendEvent(tx, at, e);
      }),
    opts,
  );
  if (emitted > 0) w.hub?.notify();
  return out;
}
