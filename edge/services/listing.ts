/**
 * The searchable listing of the catalogue (latest version per learnware with an allowed
 * status), cached per database and patched from the event log.
 */
import { and, asc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Ctx } from "../context.ts";
import type { Database } from "../db/client.ts";
import type { ModelRow } from "./catalog.ts";
import { events, models, versions } from "../db/schema.ts";
import { specSlabOf } from "./specSlab.ts";
import { type LiveVersion, type SyncListing, syncSpecIndex } from "./specIndex.ts";

export type SearchRow = { model: ModelRow; versionId: number };

/** Changes remembered per listing, for index syncs that are a few patches behind. */
const DELTAS_KEPT = 64;
/** Above this many changed learnwares a listing is read again whole. */
const PATCH_LIMIT = 2000;

/**
 * The searchable learnwares of one status set (latest version with an allowed status), cached
 * per database. Every catalogue change appends an event (also when another process makes it),
 * so the newest event id tells whether the listing is current, and the events since then name
 * the learnwares to re-read: a change costs a few rows and patches the listing in place, not a
 * read of the whole catalogue (2.5 s at 100k learnwares); the index sync then looks at just
 * those learnwares too (`changesSince`).
 */
export class Listing implements SyncListing {
  key: string;
  eventId: number;
  readonly statuses: string;
  /** Model id → its searchable row (mutated by patches; read it, do not keep it). */
  readonly byId: Map<string, SearchRow>;
  #rows: SearchRow[] | null;
  #deltas: { from: string; ids: string[] }[] = [];

  /** Shared copies of repeated values (semantic fields, metadata, owners) across the rows. */
  #interner = new Interner();

  constructor(eventId: number, statuses: readonly number[], rows: SearchRow[]) {
    this.statuses = statuses.join();
    this.eventId = eventId;
    this.key = `${eventId}/${this.statuses}`;
    for (const r of rows) this.#interner.row(r);
    this.byId = new Map(rows.map((r) => [r.model.id, r]));
    this.#rows = rows;
  }

  /** The rows in market order (a new array after each patch; earlier ones stay as they were). */
  get rows(): SearchRow[] {
    return (this.#rows ??= [...this.byId.values()].sort((a, b) => a.model.seq - b.model.seq));
  }

  /** Applies the re-read rows `fresh` of the learnwares `ids` (those not among them left the listing). */
  patch(eventId: number, ids: readonly string[], fresh: readonly SearchRow[]): void {
    for (const id of ids) this.byId.delete(id);
    for (const r of fresh) this.byId.set(r.model.id, this.#interner.row(r));
    if (ids.length > 0) this.#rows = null;
    this.#deltas.push({ from: this.key, ids: [...ids] });
    if (this.#deltas.length > DELTAS_KEPT) this.#deltas.shift();
    this.eventId = eventId;
    this.key = `${eventId}/${this.statuses}`;
  }

  *live(): Iterable<LiveVersion> {
    for (const r of this.byId.values()) yield { modelId: r.model.id, versionId: r.versionId };
  }

  versionOf(modelId: string): number | undefined {
    return this.byId.get(modelId)?.versionId;
  }

  changesSince(key: string): string[] | null {
    const at = this.#deltas.findIndex((d) => d.from === key);
    if (at < 0) return null;
    return [...new Set(this.#deltas.slice(at).flatMap((d) => d.ids))];
  }
}

/**
 * Makes the rows of a listing share equal values: most learnwares repeat the same semantic
 * fields (data type, task, library, scenario, licence, input) and owners, and the listing keeps
 * one row per learnware on the server's main thread for as long as it runs. Unshared, 100k rows
 * held ~107 MB of small objects and a full GC of them took ~190 ms; shared, ~32 MB and ~45 ms
 * (the main thread's GC pauses were what kept /healthz p99 above 20 ms at 100k learnwares).
 * Values are shared, not frozen: the rows are read-only by contract ("read it, do not keep it").
 */
class Interner {
  #values = new Map<string, unknown>();
  #strings = new Map<string, string>();

  str(s: string): string {
    const hit = this.#strings.get(s);
    if (hit !== undefined) return hit;
    if (this.#strings.size < 100_000) this.#strings.set(s, s);
    return s;
  }

  value<T>(v: T): T {
    if (v === null || typeof v !== "object") return v;
    const key = JSON.stringify(v);
    if (key.length > 512) return v; // long values (descriptions) are rarely repeated
    const hit = this.#values.get(key);
    if (hit !== undefined) return hit as T;
    if (this.#values.size < 100_000) this.#values.set(key, v);
    return v;
  }

  row(r: SearchRow): SearchRow {
    const m = r.model;
    m.kind = this.str(m.kind) as typeof m.kind;
    m.namespace = this.str(m.namespace);
    m.owner = this.str(m.owner);
    if (m.task !== null) m.task = this.str(m.task);
    m.metadata = this.value(m.metadata);
    const sem = m.semantic;
    if (sem !== null && typeof sem === "object" && !Array.isArray(sem)) {
      const whole = this.value(sem);
      if (whole !== sem) m.semantic = whole;
      else {
        const o = sem as Record<string, unknown>;
        for (const k of Object.keys(o)) o[k] = this.value(o[k]);
      }
    }
    return r;
  }
}

const listings = new WeakMap<Database, Map<string, Listing>>();

function searchableQuery(db: Database, statuses: readonly number[], ids?: readonly string[]) {
  const where = and(eq(models.kind, "learnware"), sql`${versions.checkStatus} in ${statuses}`, ids ? inArray(models.id, [...ids]) : undefined);
  return db.db
    .select({ model: models, versionId: versions.id })
    .from(models)
    .innerJoin(versions, and(eq(versions.modelId, models.id), eq(versions.number, models.latestVersion)))
    .where(where)
    .orderBy(asc(models.seq));
}

/** The cached listing, brought up to date; `fresh` reads it whole and leaves the cache alone (tests). */
export async function searchableListing(db: Database, statuses: readonly number[], opts: { fresh?: boolean } = {}): Promise<Listing> {
  const [ev] = await db.db.select({ id: sql<number | null>`max(${events.id})` }).from(events);
  const eventId = ev?.id ?? 0;
  if (opts.fresh) return new Listing(eventId, statuses, await searchableQuery(db, statuses));
  let byStatus = listings.get(db);
  if (!byStatus) listings.set(db, (byStatus = new Map()));
  const hit = byStatus.get(statuses.join());
  // Patch forwards until the listing reflects `eventId` (a concurrent search may move it too:
  // only the patch that starts from the listing's current state applies, the other retries).
  while (hit && hit.eventId < eventId) {
    const from = hit.eventId;
    const changed = await db.db
      .selectDistinct({ id: events.modelId })
      .from(events)
      .where(and(sql`${events.id} > ${from}`, sql`${events.id} <= ${eventId}`, isNotNull(events.modelId)))
      .limit(PATCH_LIMIT + 1);
    if (changed.length > PATCH_LIMIT) break;
    const ids = changed.map((c) => c.id!);
    const fresh = ids.length > 0 ? await searchableQuery(db, statuses, ids) : [];
    if (hit.eventId === from) hit.patch(eventId, ids, fresh);
  }
  if (hit && hit.eventId >= eventId) return hit;
  const entry = new Listing(eventId, statuses, await searchableQuery(db, statuses));
  byStatus.set(statuses.join(), entry);
  return entry;
}

/**
 * Brings the search index and the packed specs of the usable learnwares in step ahead of the
 * first search (run in the background at start: a catalogue never searched before parses and
 * sketches every version, on the search threads).
 */
export async function warmSearchIndex(ctx: Ctx): Promise<number> {
  const listing = await searchableListing(ctx.db, [1]);
  const index = await syncSpecIndex(ctx.db, listing, ctx.search.executor);
  // The exact scan's packed specs too (parsed on the search threads), so the first search does not wait for them.
  await specSlabOf(ctx.db).ensure(
    ctx.db,
    ctx.search.executor,
    listing.rows.map((r) => r.versionId),
  );
  return index.size;
}
