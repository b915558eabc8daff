/**
 * The searchable table specs of a database, packed once into shared memory for the search
 * workers (`core/search/packedMarket.ts` layout): every version's spec is parsed (on a worker)
 * the first time a search needs it, appended to growable `SharedArrayBuffer`s with its exact
 * `ip(L, L)`, and found again by version id (versions are immutable). A search sends the
 * workers views over these buffers — a reference, not a copy — plus the list of slots to scan.
 *
 * Append-only: a grown buffer is a new one (the old stays valid for tasks holding it), and
 * versions that leave the catalogue keep their slot until the process restarts (memory grows
 * with every version ever searched, like the parsed-spec cache it replaces).
 */
import { inArray, sql } from "drizzle-orm";
import type { PackedSpecs } from "../../core/search/packedMarket.ts";
import type { Database } from "../db/client.ts";
import { versions } from "../db/schema.ts";
import type { SearchExecutor } from "./searchPool.ts";
import type { ParsedSpec } from "./searchTasks.ts";

const Shared: typeof SharedArrayBuffer | typeof ArrayBuffer = typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : ArrayBuffer;

/** A growable f64 array over shared memory. */
class Column {
  arr: Float64Array;
  used = 0;
  constructor(capacity: number) {
    this.arr = new Float64Array(new Shared(capacity * 8) as ArrayBuffer);
  }
  reserve(n: number): number {
    const at = this.used;
    if (at + n > this.arr.length) {
      let cap = this.arr.length;
      while (cap < at + n) cap *= 2;
      const next = new Float64Array(new Shared(cap * 8) as ArrayBuffer);
      next.set(this.arr.subarray(0, at));
      this.arr = next;
    }
    this.used += n;
    return at;
  }
}

/** Parsed versions per task: a few milliseconds of a worker's time each. */
const PARSE_CHUNK = 200;

export class SpecSlab {
  #z = new Column(1 << 16);
  #beta = new Column(1 << 13);
  #meta = new Column(1 << 12);
  #self = new Column(1 << 10);
  #betaStart = new Column(1 << 10);
  /** Version id → slot (−1: the version has no usable table spec). */
  readonly slotOf = new Map<number, number>();
  #loading = new Map<number, Promise<void>>();

  get size(): number {
    return this.#self.used;
  }

  /** Views over the current buffers (valid for every slot added so far). */
  packed(): PackedSpecs {
    return { z: this.#z.arr, beta: this.#beta.arr, meta: this.#meta.arr, self: this.#self.arr, betaStart: this.#betaStart.arr };
  }

  /** Dimension of a slot's spec. */
  colsOf(slot: number): number {
    return this.#meta.arr[4 * slot + 2]!;
  }

  add(p: ParsedSpec): number {
    const have = this.slotOf.get(p.versionId);
    if (have !== undefined) return have;
    if (p.spec === null) {
      this.slotOf.set(p.versionId, -1);
      return -1;
    }
    const { z, beta, rows, cols, gamma, self } = p.spec;
    const slot = this.#self.reserve(1);
    this.#self.arr[slot] = self;
    const zAt = this.#z.reserve(rows * cols);
    this.#z.arr.set(z.subarray(0, rows * cols), zAt);
    const bAt = this.#beta.reserve(rows);
    this.#beta.arr.set(beta.subarray(0, rows), bAt);
    this.#betaStart.reserve(1);
    this.#betaStart.arr[slot] = bAt;
    const mAt = this.#meta.reserve(4);
    this.#meta.arr.set([zAt, rows, cols, gamma], mAt);
    this.slotOf.set(p.versionId, slot);
    return slot;
  }

  /**
   * Makes sure these versions are in the slab: the missing ones are read from the database
   * as raw JSON text and parsed on the executor's threads, a chunk per task. Concurrent
   * callers share the loads in flight.
   */
  async ensure(db: Database, exec: SearchExecutor, versionIds: readonly number[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const missing: number[] = [];
    for (const id of versionIds) {
      if (this.slotOf.has(id)) continue;
      const pending = this.#loading.get(id);
      if (pending) waits.push(pending);
      else missing.push(id);
    }
    for (let c = 0; c < missing.length; c += PARSE_CHUNK) {
      const part = missing.slice(c, c + PARSE_CHUNK);
      const load = this.#load(db, exec, part).finally(() => {
        for (const id of part) this.#loading.delete(id);
      });
      for (const id of part) this.#loading.set(id, load);
      waits.push(load);
    }
    await Promise.all(waits);
  }

  async #load(db: Database, exec: SearchExecutor, ids: number[]): Promise<void> {
    // The stored JSON text as it is (drizzle's json mode would parse it on this thread).
    const rows = await db.db.select({ id: versions.id, text: sqlText }).from(versions).where(inArray(versions.id, ids));
    const text = new Map(rows.map((r) => [r.id, r.text]));
    const parsed = await exec.run({ kind: "parse", items: ids.map((versionId) => ({ versionId, text: text.get(versionId) ?? null })) });
    for (const p of parsed) this.add(p);
  }
}

/** `stat_specs` as raw text. */
const sqlText = sql<string | null>`${versions.statSpecs}`.mapWith((v: unknown) => (v === null || v === undefined ? null : String(v)));

const slabs = new WeakMap<Database, SpecSlab>();

/** The slab of `db` (one per database per process). */
export function specSlabOf(db: Database): SpecSlab {
  let s = slabs.get(db);
  if (!s) slabs.set(db, (s = new SpecSlab()));
  return s;
}
