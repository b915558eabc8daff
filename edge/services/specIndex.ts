/**
 * The market's RKME index (`core/index`), kept in step with the catalogue and persisted in
 * libSQL. Each version's sketch and exact `ip(spec, spec)` live in `spec_sketches` (written
 * when the version is created, or the first time a search meets an older one); the in-memory index
 * of a database is filled from those rows, so a restarted server rebuilds it without parsing
 * a single spec. Every search syncs it incrementally: learnwares whose latest searchable
 * version changed are (re)loaded, learnwares no longer searchable (deleted, demoted, updated
 * to a pending version) are removed. The candidates' specs are then read by version id.
 *
 * Why an in-memory inverted file and not libSQL's native vector index: the exact re-rank
 * needs `ip(L, L) − 2⟨μ_L, μ_U⟩` with exact self terms and one sketch space per
 * (dimension, gamma); the native index ranks plain vector distances. The stored sketches are
 * plain f32 blobs, the same bytes `vector32()` takes (see `test/index/libsql_restart.test.ts`).
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { IvfTrainOptions } from "../../core/index/ivf.ts";
import { type BucketCentroids, RkmeIndex } from "../../core/index/rkmeIndex.ts";
import { sketchSpec } from "../../core/index/sketch.ts";
import type { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { findStatSpec, TABLE_SPEC } from "../../core/spec/statSpecs.ts";
import type { Database } from "../db/client.ts";
import { settings, specSketches, versions } from "../db/schema.ts";
import { centroidKey, centroidsOf, CLAIM_TTL_MS, claimTraining, readCentroids, releaseClaim, renewClaim, storeTrained } from "./ivfCentroids.ts";
import { cachedSpecsOf } from "./kindSpecs.ts";
import type { SearchExecutor } from "./searchPool.ts";

/** A learnware's latest searchable version. */
export interface LiveVersion {
  modelId: string;
  versionId: number;
}

interface State {
  index: RkmeIndex;
  /** Model id → the version id its index entry (or its absence, for a spec-less version) reflects. */
  indexed: Map<string, number>;
  /** Parsed table specs by version id (versions are immutable). */
  specs: Map<number, RKMETableSpecification | null>;
  /** The listing the index was last brought in step with (skip the walk while it holds). */
  syncedWith: string | null;
  /** Syncs run one at a time (a second one waiting for the first usually finds nothing to do). */
  queue: Promise<unknown>;
  /** The inverted file's training, when one runs (in slices, between requests). */
  training: Promise<void> | null;
  /** This database's identity for snapshots (a `settings` row made at first open). */
  dbId: string | null;
  /** Names this process in `ivf_centroids` claims. */
  replica: string;
  /** Bucket row key → the stored generation whose lists this index holds. */
  generations: Map<string, number>;
  /** When the stored generations were last compared with the installed ones (0: not yet). */
  checkedAt: number;
  /** Inverted files trained here / loaded from the catalogue (for tests and logs). */
  counts: { trained: number; loaded: number };
  log: (m: string) => void;
  /** `node:fs`, loaded when a snapshot path is given (edge runtimes have no files and pass none). */
  fs?: typeof import("node:fs");
}

const states = new WeakMap<Database, State>();
const CHUNK = 400;

function stateOf(db: Database, index?: RkmeIndex): State {
  let s = states.get(db);
  if (!s) {
    // Inverted files are trained in slices between requests (a blocking training at 80k or
    // 320k specs would stall the server for seconds).
    s = {
      index: index ?? new RkmeIndex({ autoTrain: false }),
      indexed: new Map(),
      specs: new Map(),
      syncedWith: null,
      queue: Promise.resolve(),
      training: null,
      dbId: null,
      replica: `replica-${crypto.randomUUID().slice(0, 8)}`,
      generations: new Map(),
      checkedAt: 0,
      counts: { trained: 0, loaded: 0 },
      log: () => {},
    };
    states.set(db, s);
  }
  return s;
}

/**
 * Sets up the index of `db` at start: its inverted-file size, and the snapshot a clean
 * shutdown left in `snapshotPath` (`saveSpecIndex`) when it was made with the same options —
 * sketches, exact self terms and trained lists back in one read, instead of every sketch row
 * and a new training. The first sync then reconciles it with the catalogue by version id.
 * Returns how many entries the snapshot brought back (0 without a usable one).
 */
export async function openSpecIndex(db: Database, opts: { ivfMinSize?: number; snapshotPath?: string; log?: (m: string) => void } = {}): Promise<number> {
  if (states.has(db)) throw new Error("openSpecIndex: the index of this database is already open");
  const fresh = new RkmeIndex({ autoTrain: false, ...(opts.ivfMinSize !== undefined ? { ivfMinSize: opts.ivfMinSize } : {}) });
  const dbId = await databaseId(db);
  const path = opts.snapshotPath;
  const fs = path === undefined ? undefined : await import("node:fs");
  const start = (index: RkmeIndex): State => {
    const st = stateOf(db, index);
    st.dbId = dbId;
    if (opts.log) st.log = opts.log;
    if (fs) st.fs = fs;
    return st;
  };
  if (path === undefined || !fs?.existsSync(path) || !fs.existsSync(`${path}.json`)) {
    start(fresh);
    return 0;
  }
  try {
    const meta = JSON.parse(await fs.promises.readFile(`${path}.json`, "utf8")) as {
      format: number;
      dbId: string;
      entries: [string, number][];
      generations?: [string, number][];
    };
    const index = RkmeIndex.deserialize(new Uint8Array(await fs.promises.readFile(path)));
    const same = (["features", "seed", "ivfMinSize", "probeLists", "probeFraction"] as const).every((k) => index.options[k] === fresh.options[k]);
    // Version ids name immutable versions only within one database that never went back in
    // time: a snapshot of another database, or of versions this one does not have (restored
    // from an older backup), is not used.
    const [mx] = await db.db.select({ id: sql<number | null>`max(${versions.id})` }).from(versions);
    const newest = meta.entries.reduce((m, [, v]) => Math.max(m, v), 0);
    // Entries: every learnware the index reflected, those without a table spec included.
    if (meta.format !== 1 || meta.dbId !== dbId || newest > (mx?.id ?? 0) || !same || index.options.autoTrain || meta.entries.length < index.size) {
      start(fresh);
      return 0;
    }
    const st = start(index);
    for (const [id, v] of meta.entries) st.indexed.set(id, v);
    // The stored generations its lists were; the first sync compares them with the catalogue's.
    for (const [k, g] of meta.generations ?? []) st.generations.set(k, g);
    return index.size;
  } catch {
    start(fresh); // a damaged snapshot: rebuild from the rows
    return 0;
  }
}

/** A random identity of this database, made once (snapshots name the database they index). */
async function databaseId(db: Database): Promise<string> {
  const read = async () => (await db.db.select().from(settings).where(eq(settings.key, "index_db_id")))[0]?.value;
  const have = await read();
  if (have) return have;
  const made = crypto.randomUUID();
  await db.write((tx) => tx.insert(settings).values({ key: "index_db_id", value: made }).onConflictDoNothing());
  return (await read()) ?? made;
}

/** Writes the index of `db` for `openSpecIndex` (at a clean shutdown); false when there is none. */
export function saveSpecIndex(db: Database, snapshotPath: string): boolean {
  const st = states.get(db);
  if (!st || st.syncedWith === null || st.dbId === null || !st.fs) return false;
  const { writeFileSync, renameSync } = st.fs;
  const entries: [string, number][] = [...st.indexed];
  writeFileSync(`${snapshotPath}.tmp`, st.index.serialize());
  writeFileSync(`${snapshotPath}.json.tmp`, JSON.stringify({ format: 1, dbId: st.dbId, entries, generations: [...st.generations] }));
  renameSync(`${snapshotPath}.tmp`, snapshotPath);
  renameSync(`${snapshotPath}.json.tmp`, `${snapshotPath}.json`);
  return true;
}

/** The table spec of a version's `stat_specs` JSON (null when it has none or it does not parse). */
export function tableSpecOfJson(statSpecs: unknown): RKMETableSpecification | null {
  if (!Array.isArray(statSpecs)) return null;
  const entries = (statSpecs as unknown[]).filter((s): s is { className?: string; json?: unknown } => s !== null && typeof s === "object");
  const found = findStatSpec(entries, TABLE_SPEC.dataType);
  if (found?.kind !== TABLE_SPEC) return null;
  try {
    return TABLE_SPEC.fromJSON(found.entry.json);
  } catch {
    return null;
  }
}

/** The searchable learnwares as the sync reads them (`Listing` in `market.ts`). */
export interface SyncListing {
  /** Names this state of the listing; a second sync with the same key does nothing. */
  readonly key: string;
  /** Every searchable learnware with its version, in market order. */
  live(): Iterable<LiveVersion>;
  versionOf(modelId: string): number | undefined;
  /** The learnwares changed since the listing had `key` (null when it cannot tell). */
  changesSince(key: string): string[] | null;
}

/**
 * The index of `db`, brought in step with `listing`: only the learnwares changed since the
 * last sync when the listing can name them, else a walk over all of it.
 */
export async function syncSpecIndex(db: Database, listing: SyncListing, exec?: SearchExecutor): Promise<RkmeIndex> {
  const st = stateOf(db);
  if (st.syncedWith === listing.key) {
    // Another replica may have stored newer lists: compared now and then, off the search's path.
    if (st.checkedAt === 0 || Date.now() - st.checkedAt > RECHECK_MS) coordinateTraining(db, st, exec, true);
    return st.index;
  }
  const run = st.queue.then(() => syncNow(db, st, listing, exec));
  st.queue = run.catch(() => undefined);
  return run;
}

async function syncNow(db: Database, st: State, listing: SyncListing, exec: SearchExecutor | undefined): Promise<RkmeIndex> {
  const listingKey = listing.key;
  if (st.syncedWith === listingKey) return st.index;
  const changed: LiveVersion[] = [];
  const ids = st.syncedWith === null ? null : listing.changesSince(st.syncedWith);
  if (ids !== null) {
    for (const id of ids) {
      const v = listing.versionOf(id);
      if (v === undefined) {
        st.index.remove(id);
        st.indexed.delete(id);
      } else if (st.indexed.get(id) !== v) {
        changed.push({ modelId: id, versionId: v });
      }
    }
  } else {
    const live = [...listing.live()];
    if (st.indexed.size === 0) await preload(db, st, live);
    const liveIds = new Set<string>();
    for (const v of live) {
      liveIds.add(v.modelId);
      if (st.indexed.get(v.modelId) !== v.versionId) changed.push(v);
    }
    for (const id of [...st.indexed.keys()]) {
      if (!liveIds.has(id)) {
        st.index.remove(id);
        st.indexed.delete(id);
      }
    }
  }
  const { features, seed } = st.index.options;
  const fresh = (r: SketchRow) => isFresh(r, features, seed);
  for (let c = 0; c < changed.length; c += CHUNK) {
    const part = changed.slice(c, c + CHUNK);
    const rows = await db.db
      .select()
      .from(specSketches)
      .where(
        inArray(
          specSketches.versionId,
          part.map((v) => v.versionId),
        ),
      );
    const stored = new Map(rows.filter(fresh).map((r) => [r.versionId, r]));
    const missing = part.filter((v) => !stored.has(v.versionId));
    if (missing.length > 0) {
      for (const r of await computeEntries(db, st, missing, exec)) stored.set(r.versionId, r);
    }
    for (const v of part) {
      const r = stored.get(v.versionId)!;
      if (r.sketch === null || r.dim === 0) st.index.remove(v.modelId);
      else st.index.addEntry({ id: v.modelId, dim: r.dim, gamma: r.gamma, sketch: f32(r.sketch), selfInnerProduct: r.selfIp });
      st.indexed.set(v.modelId, v.versionId);
    }
  }
  st.syncedWith = listingKey;
  coordinateTraining(db, st, exec, st.checkedAt === 0 || Date.now() - st.checkedAt > RECHECK_MS);
  return st.index;
}

/** How often a replica compares its lists with the stored ones when nothing is due. */
const RECHECK_MS = 30_000;
/** How often a replica waiting for another one's training looks at the row. */
const WAIT_MS = 250;

/**
 * Starts (unless one runs) bringing the inverted files in line with `ivf_centroids`: a due
 * bucket loads the stored lists when they fit its size, else claims the row, trains (on a
 * search thread when there are some, else in slices between requests), stores the result and
 * installs it — or, when another replica holds the claim, waits for its row. With `recheck`,
 * buckets that have lists are also compared with the stored generation.
 */
function coordinateTraining(db: Database, st: State, exec: SearchExecutor | undefined, recheck: boolean): void {
  if (st.training !== null || (!recheck && !st.index.needsTraining())) return;
  st.checkedAt = Date.now();
  st.training = coordinate(db, st, exec, recheck)
    .catch((err: unknown) => {
      st.checkedAt = 0; // the next search tries again
      st.log(`search index: inverted-file coordination failed (retried at the next search): ${(err as Error).message}`);
    })
    .finally(() => {
      st.training = null;
    });
}

async function coordinate(db: Database, st: State, exec: SearchExecutor | undefined, recheck: boolean): Promise<void> {
  const index = st.index;
  const o = index.options;
  for (let round = 0; ; round++) {
    const targets = new Map<string, { dim: number; gamma: number; size: number; due: boolean }>();
    for (const b of index.dueBuckets()) targets.set(centroidKey(o, b.dim, b.gamma), { ...b, due: true });
    if (recheck && round === 0) {
      for (const b of index.stats()) {
        const key = centroidKey(o, b.dim, b.gamma);
        if (b.ivfLists !== null && !targets.has(key)) targets.set(key, { dim: b.dim, gamma: b.gamma, size: b.size, due: false });
      }
    }
    if (targets.size === 0) return;
    let waiting = false;
    for (const [key, t] of targets) {
      const row = await readCentroids(db, key);
      const stored = row && row.generation > 0 ? centroidsOf(row) : null;
      const name = `d=${t.dim} γ=${t.gamma}`;
      if (row && stored && t.size < 4 * row.trainedSize) {
        // Lists another replica (or this one, before a restart) stored for this size: use them.
        if (st.generations.get(key) === row.generation && index.bucketCentroids(t.dim, t.gamma) !== null) continue;
        const got = await index.trainBucketInBackground(t.dim, t.gamma, { centroids: { centroids: stored, trainedSize: row.trainedSize } });
        if (got) {
          st.generations.set(key, row.generation);
          st.counts.loaded++;
          st.log(
            `search index: inverted file ${name} loaded from the catalogue (generation ${row.generation}, ${stored.length / o.features} lists for ${row.trainedSize} specs, trained by ${row.trainedBy}; centroids sha256 ${await digest(stored)})`,
          );
        }
        continue;
      }
      if (!t.due) {
        // Lists of this process that the catalogue does not hold (made before it stored them): share them.
        const mine = index.bucketCentroids(t.dim, t.gamma);
        if (!mine || (row && row.generation > 0)) continue;
        if (await claimTraining(db, key, st.replica, row?.generation ?? 0, Date.now())) {
          const g = await storeTrained(db, key, st.replica, { ...mine, lists: mine.centroids.length / o.features }, Date.now());
          if (g !== null) st.generations.set(key, g);
        }
        continue;
      }
      if (!(await claimTraining(db, key, st.replica, row?.generation ?? 0, Date.now()))) {
        waiting = true; // another replica trains it (or stored a newer generation): look again
        continue;
      }
      const renew = setInterval(() => void renewClaim(db, key, st.replica, Date.now()).catch(() => undefined), CLAIM_TTL_MS / 4);
      (renew as { unref?: () => void }).unref?.();
      let trained: BucketCentroids | null = null;
      try {
        trained = await index.trainBucketInBackground(t.dim, t.gamma, workerTrain(exec) ?? {});
      } finally {
        clearInterval(renew);
        if (trained === null) await releaseClaim(db, key, st.replica).catch(() => undefined);
      }
      if (trained === null) continue;
      st.counts.trained++;
      const g = await storeTrained(db, key, st.replica, { ...trained, lists: trained.centroids.length / o.features }, Date.now());
      if (g === null) {
        waiting = true; // the claim expired and another replica took over: load what it stores
        st.generations.delete(key);
        continue;
      }
      st.generations.set(key, g);
      st.log(
        `search index: inverted file ${name} trained here and stored (generation ${g}, ${trained.centroids.length / o.features} lists for ${trained.trainedSize} specs, as ${st.replica}; centroids sha256 ${await digest(trained.centroids)})`,
      );
    }
    if (!waiting) return;
    await new Promise((r) => setTimeout(r, WAIT_MS));
  }
}

/** A bucket's training on a search thread (the sketches copied into shared memory a slice at a time). */
function workerTrain(exec: SearchExecutor | undefined): Parameters<RkmeIndex["trainBucketInBackground"]>[2] | null {
  if (exec?.kind !== "workers") return null;
  return {
    train: async (store: Float32Array, dim: number, slots: Int32Array, options: IvfTrainOptions) => {
      const shared = new Float32Array(new SharedArrayBuffer(store.byteLength));
      for (let at = 0; at < store.length; at += 1 << 22) {
        shared.set(store.subarray(at, at + (1 << 22)), at);
        await new Promise((r) => setTimeout(r, 0));
      }
      return exec.run({ kind: "trainIvf", store: shared, dim, slots, options });
    },
  };
}

async function digest(c: Float32Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(c.buffer, c.byteOffset, c.byteLength) as Uint8Array<ArrayBuffer>));
  return Array.from(d.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Inverted files this process trained and loaded (for tests). */
export function ivfCounts(db: Database): { trained: number; loaded: number; replica: string } {
  const st = stateOf(db);
  return { ...st.counts, replica: st.replica };
}

/** Resolves when the index's background training (if one runs) has finished. */
export async function indexTrained(db: Database): Promise<void> {
  await stateOf(db).training;
}

/**
 * A fresh process's first sync: every stored row in one query (far fewer round trips than
 * the per-chunk lookups), entered for the live versions in market order (ties in the exact
 * stage break by it).
 */
async function preload(db: Database, st: State, live: readonly LiveVersion[]): Promise<void> {
  const { features, seed } = st.index.options;
  const rows = new Map((await db.db.select().from(specSketches)).map((r) => [r.versionId, r]));
  for (const v of live) {
    const r = rows.get(v.versionId);
    if (r === undefined || !isFresh(r, features, seed)) continue;
    if (r.sketch !== null && r.dim !== 0) st.index.addEntry({ id: v.modelId, dim: r.dim, gamma: r.gamma, sketch: f32(r.sketch), selfInnerProduct: r.selfIp });
    st.indexed.set(v.modelId, v.versionId);
  }
}

/**
 * Sketches new versions as they are created (an upload pays about a millisecond), so that no
 * search has to: the next sync finds their rows stored.
 */
export async function storeSketches(db: Database, created: readonly LiveVersion[], exec?: SearchExecutor): Promise<void> {
  await computeEntries(db, stateOf(db), created, exec);
}

type SketchRow = typeof specSketches.$inferSelect;

/** A stored row made with this feature map and intact; anything else is sketched again. */
function isFresh(r: SketchRow, features: number, seed: number): boolean {
  return r.features === features && r.seed === seed && (r.sketch === null || r.sketch.byteLength === features * 4);
}

/**
 * Sketches the versions `missing` from their stored specs and persists the rows: on the
 * executor's threads when one is given (parsed from the stored text there), else here.
 */
async function computeEntries(db: Database, st: State, missing: readonly LiveVersion[], exec?: SearchExecutor): Promise<SketchRow[]> {
  const { features, seed } = st.index.options;
  const empty = (v: LiveVersion): SketchRow => ({ versionId: v.versionId, modelId: v.modelId, dim: 0, gamma: 0, features, seed, selfIp: 0, sketch: null });
  const row = (v: LiveVersion, dim: number, gamma: number, selfIp: number, sketch: Float32Array): SketchRow => ({
    versionId: v.versionId,
    modelId: v.modelId,
    dim,
    gamma,
    features,
    seed,
    selfIp,
    // Bytes as they are (drizzle types buffer-mode blobs as Buffer; libSQL takes any Uint8Array).
    sketch: new Uint8Array(sketch.buffer, sketch.byteOffset, sketch.byteLength) as Buffer,
  });
  let out: SketchRow[];
  if (exec) {
    const raw = await db.db
      .select({ id: versions.id, text: sql<string | null>`${versions.statSpecs}`.mapWith((x: unknown) => (x == null ? null : String(x))) })
      .from(versions)
      .where(
        inArray(
          versions.id,
          missing.map((v) => v.versionId),
        ),
      );
    const text = new Map(raw.map((r) => [r.id, r.text]));
    const parsed = await exec.run({
      kind: "parse",
      items: missing.map((v) => ({ versionId: v.versionId, text: text.get(v.versionId) ?? null })),
      sketch: { features, seed },
    });
    out = missing.map((v, i) => {
      const p = parsed[i]!.spec;
      return p === null || !p.sketch ? empty(v) : row(v, p.cols, p.gamma, p.self, p.sketch);
    });
  } else {
    const specs = await tableSpecsOf(
      db,
      missing.map((v) => v.versionId),
    );
    out = missing.map((v) => {
      const spec = specs.get(v.versionId) ?? null;
      if (!spec) return empty(v);
      return row(v, spec.z.cols, spec.gamma, spec.innerProduct(spec), sketchSpec(spec, st.index.featureMap(spec.z.cols, spec.gamma)));
    });
  }
  // One statement per 100 rows: a first search over a bulk-filled catalogue writes thousands,
  // and a statement per row kept the event loop busy for seconds.
  await db.write(async (tx) => {
    for (let c = 0; c < out.length; c += 100) {
      await tx
        .insert(specSketches)
        .values(out.slice(c, c + 100))
        .onConflictDoUpdate({
          target: specSketches.versionId,
          set: {
            modelId: sql`excluded.model_id`,
            dim: sql`excluded.dim`,
            gamma: sql`excluded.gamma`,
            features: sql`excluded.features`,
            seed: sql`excluded.seed`,
            selfIp: sql`excluded.self_ip`,
            sketch: sql`excluded.sketch`,
          },
        });
    }
  });
  return out;
}

/** The table specs of these versions, read from the catalogue (cached: versions never change). */
export function tableSpecsOf(db: Database, versionIds: readonly number[]): Promise<Map<number, RKMETableSpecification | null>> {
  return cachedSpecsOf(db, stateOf(db).specs, versionIds, tableSpecOfJson, 200_000);
}

/** The version id the index holds for `modelId` (undefined when it holds none). */
export function indexedVersion(db: Database, modelId: string): number | undefined {
  return stateOf(db).indexed.get(modelId);
}

/** Forgets the sketch rows of a model's versions (inside the deleting transaction). */
export async function deleteSketchRows(tx: Pick<Database["db"], "delete">, modelId: string): Promise<void> {
  await tx.delete(specSketches).where(eq(specSketches.modelId, modelId));
}

function f32(b: Uint8Array): Float32Array {
  // A copy: a blob's bytes need not sit at a 4-byte aligned offset.
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}
