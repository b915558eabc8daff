/**
 * Market operations shared by `/v1` and the Beimingwu-compatible API: submit a learnware
 * (checks at once, then a check job), update (a new version, status back to pending),
 * delete, and the search over the catalogue.
 */
import { and, asc, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import { type PackedSearchResult, userSpecData } from "../../core/search/packedMarket.ts";
import { search, type SearchResult } from "../../core/search/search.ts";
import { semanticSearch } from "../../core/search/semanticSearch.ts";
import type { SemanticSpec } from "../../core/semantic/types.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { isAdmin, type Principal } from "../auth/tokens.ts";
import type { StagedBlob } from "../blobs/store.ts";
import type { Ctx } from "../context.ts";
import type { Database } from "../db/client.ts";
import { artifacts, events, jobs, metrics, models, tags, versions } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { getModel, insertModel, insertVersion, type ModelRow, semanticString, type VersionRow } from "./catalog.ts";
import { appendEvent } from "./events.ts";
import { collectBlobs } from "./gc.ts";
import { assertSemantic, checkStatic, type Inspected } from "./inspect.ts";
import { enqueueCheck } from "./jobs.ts";
import type { SearchExecutor } from "./searchPool.ts";
import { type SpecSlab, specSlabOf } from "./specSlab.ts";
import { inspectPackageBytes } from "./packageInspect.ts";
import { assertStorageQuota } from "./quota.ts";
import { deleteSketchRows, indexedVersion, type LiveVersion, storeSketches, type SyncListing, syncSpecIndex } from "./specIndex.ts";
import { assertSaneStatSpec } from "./validate.ts";

export { assertSemantic, checkStatic, type Inspected, inspectPackage } from "./inspect.ts";

export const MARKET_NAMESPACE = "market";

/** The new version's index row now (a failure only defers it to the next search's sync). */
async function sketchCreated(ctx: Ctx, modelId: string, versionId: number): Promise<void> {
  try {
    await storeSketches(ctx.db, [{ modelId, versionId }], ctx.search.executor);
  } catch {
    /* the search path sketches it on demand */
  }
}

/** Ownership: the owner or an admin may write. */
export function assertCanWrite(p: Principal | null, m: ModelRow): void {
  if (p === null) throw new LearnwareError("UNAUTHENTICATED", "A bearer token is required");
  if (!isAdmin(p) && p.owner !== m.owner) {
    throw new LearnwareError("FORBIDDEN", `Model '${m.id}' belongs to another owner`);
  }
}

function describeFromSemantic(semantic: unknown) {
  return {
    name: semanticString(semantic, "Name") ?? "unnamed",
    description: semanticString(semantic, "Description"),
    task: semanticString(semantic, "Task"),
  };
}

/** Commits a staged package and creates learnware + version 1 + check job, in one transaction. */
export async function submitLearnware(
  ctx: Ctx,
  args: { owner: string; semantic: unknown; staged: StagedBlob; namespace?: string; inspected?: Inspected },
): Promise<{ model: ModelRow; version: VersionRow; jobId: string }> {
  let info = args.inspected;
  if (!info) {
    try {
      await assertStorageQuota(ctx, args.owner, args.staged.size);
      info = await inspectPackageBytes(await ctx.blobs.readStaged(args.staged), args.semantic, ctx.config);
    } catch (err) {
      await ctx.blobs.discard(args.staged);
      throw err;
    }
  }
  const at = ctx.now();
  const inspected = info;
  const d = describeFromSemantic(args.semantic);
  const res = await ctx.db.write(async (tx) => {
    await ctx.blobs.commit(args.staged);
    const model = await insertModel(
      tx,
      { kind: "learnware", namespace: args.namespace ?? MARKET_NAMESPACE, owner: args.owner, ...d, semantic: args.semantic, metadata: {} },
      at,
    );
    const version = await insertVersion(
      tx,
      model.id,
      {
        packageSha256: args.staged.sha256,
        packageSize: args.staged.size,
        framework: inspected.framework,
        statSpecs: inspected.statSpecs,
        semantic: args.semantic,
        checkStatus: 0,
        checkLog: "Static checks passed (semantic spec, package, stat specs); waiting for the runner\n",
        createdBy: args.owner,
      },
      at,
    );
    const jobId = await enqueueCheck(tx, model.id, version.number, at, ctx.config.jobMaxAttempts, args.staged.sha256);
    await appendEvent(tx, at, {
      type: "model.created",
      namespace: model.namespace,
      modelId: model.id,
      actor: args.owner,
      data: { kind: "learnware", name: model.name },
    });
    await appendEvent(tx, at, {
      type: "version.created",
      namespace: model.namespace,
      modelId: model.id,
      version: version.number,
      actor: args.owner,
      data: { packageSha256: args.staged.sha256, status: "pending" },
    });
    return { model: { ...model, latestVersion: version.number }, version, jobId };
  });
  ctx.hub.notify();
  await sketchCreated(ctx, res.model.id, res.version.id);
  return res;
}

/** Creates a new version with a new semantic spec and/or package; status back to pending. */
export async function updateLearnware(
  ctx: Ctx,
  args: { id: string; principal: Principal | null; semantic?: unknown; staged?: StagedBlob },
): Promise<{ model: ModelRow; version: VersionRow; jobId: string }> {
  const discard = async () => {
    if (args.staged) await ctx.blobs.discard(args.staged);
  };
  let model: ModelRow;
  let base: VersionRow | undefined;
  let semantic: unknown;
  let inspected: Inspected;
  try {
    model = await getModel(ctx.db.db, args.id);
    assertCanWrite(args.principal, model);
    if (model.kind !== "learnware") throw new LearnwareError("BAD_REQUEST", `Model '${model.id}' is not a learnware`, { field: "id" });
    if (args.semantic === undefined && args.staged === undefined) {
      throw new LearnwareError("BAD_REQUEST", "Give a semantic spec, a package, or both", { field: "semantic" });
    }
    semantic = args.semantic ?? model.semantic;
    [base] = await ctx.db.db
      .select()
      .from(versions)
      .where(and(eq(versions.modelId, model.id), eq(versions.number, model.latestVersion)));
    if (args.staged) {
      await assertStorageQuota(ctx, model.owner, args.staged.size);
      inspected = await inspectPackageBytes(await ctx.blobs.readStaged(args.staged), semantic, ctx.config);
    } else {
      if (!base || base.packageSha256 === null) throw new LearnwareError("BAD_REQUEST", "The learnware has no package yet", { field: "package" });
      assertSemantic(semantic);
      const statSpecs = base.statSpecs as Inspected["statSpecs"];
      checkStatic(statSpecs, semantic);
      inspected = { statSpecs, framework: base.framework ?? "python", packageName: undefined };
    }
  } catch (err) {
    await discard();
    throw err;
  }
  const actor = args.principal!.owner;
  const at = ctx.now();
  const d = describeFromSemantic(semantic);
  const res = await ctx.db.write(async (tx) => {
    const current = await getModel(tx, model.id);
    let sha = base?.packageSha256 ?? null;
    let size = base?.packageSize ?? null;
    if (args.staged) {
      await ctx.blobs.commit(args.staged);
      sha = args.staged.sha256;
      size = args.staged.size;
    }
    const version = await insertVersion(
      tx,
      current.id,
      {
        packageSha256: sha,
        packageSize: size,
        framework: inspected.framework,
        statSpecs: inspected.statSpecs,
        semantic,
        checkStatus: 0,
        checkLog: "Static checks passed; waiting for the runner\n",
        createdBy: actor,
      },
      at,
    );
    await tx
      .update(models)
      .set({ semantic, ...d, updatedAt: at })
      .where(eq(models.id, current.id));
    const jobId = await enqueueCheck(tx, current.id, version.number, at, ctx.config.jobMaxAttempts, sha);
    await appendEvent(tx, at, {
      type: "version.created",
      namespace: current.namespace,
      modelId: current.id,
      version: version.number,
      actor,
      data: { packageSha256: sha, status: "pending", newPackage: args.staged !== undefined },
    });
    await appendEvent(tx, at, { type: "model.updated", namespace: current.namespace, modelId: current.id, actor, data: { latestVersion: version.number } });
    return { model: { ...current, semantic, ...d, latestVersion: version.number, updatedAt: at }, version, jobId };
  });
  ctx.hub.notify();
  await sketchCreated(ctx, res.model.id, res.version.id);
  return res;
}

export { isBlobReferenced } from "./gc.ts";

/**
 * Deletes a model with its versions, tags, metrics, artifacts and jobs in one transaction;
 * the blobs only they referenced are collected after the commit (a crash in between leaves
 * garbage for the next collection, never a row without its blob).
 */
export async function deleteModel(ctx: Ctx, id: string, principal: Principal | null): Promise<void> {
  const model = await getModel(ctx.db.db, id);
  assertCanWrite(principal, model);
  const at = ctx.now();
  const shas = await ctx.db.write(async (tx) => {
    const shas = new Set<string>();
    for (const v of await tx.select({ s: versions.packageSha256 }).from(versions).where(eq(versions.modelId, id))) if (v.s) shas.add(v.s);
    for (const a of await tx
      .select({ s: artifacts.sha256 })
      .from(artifacts)
      .where(and(eq(artifacts.modelId, id), eq(artifacts.storage, "stored"))))
      if (a.s) shas.add(a.s);
    await tx.delete(versions).where(eq(versions.modelId, id));
    await deleteSketchRows(tx, id);
    await tx.delete(tags).where(eq(tags.modelId, id));
    await tx.delete(metrics).where(eq(metrics.modelId, id));
    await tx.delete(artifacts).where(eq(artifacts.modelId, id));
    await tx.delete(jobs).where(or(eq(jobs.modelId, id)));
    await tx.delete(models).where(eq(models.id, id));
    await appendEvent(tx, at, { type: "model.deleted", namespace: model.namespace, modelId: id, actor: principal?.owner ?? null, data: { name: model.name } });
    return shas;
  });
  ctx.hub.notify();
  try {
    await collectBlobs(ctx, shas);
  } catch (err) {
    ctx.log(`blob collection after deleting '${id}' deferred: ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------- search

export interface MarketSearchRequest {
  semantic?: unknown;
  stat?: unknown;
  /** Check statuses searched; default usable only. */
  statuses?: number[];
  maxSearchNum?: number;
  method?: "greedy" | "auto" | "none";
  searcher?: "fuzzy" | "exact";
  /**
   * Answer from the RKME index's candidates (faster on large markets, but not the market's
   * answer: scores are converted over the candidates, near-ties may be missed). Default false:
   * the exact scan, the Python market's answer at any size.
   */
  approximate?: boolean;
  /** Searchable table specs from which an `approximate` search uses the index (default 2000, `LW_INDEX_THRESHOLD`). */
  indexThreshold?: number;
  /** Candidates re-ranked exactly on the approximate path (default max(100, 4·max²)). */
  indexTopN?: number;
  /** Who asks (admission: anonymous scans over `anonExactMax` specs queue behind, or are refused). */
  principal?: Principal | null;
}

export interface MarketSearchResult extends SearchResult {
  /** The rows of the returned ids, looked up when asked (an exact answer may hold thousands); ask only for those ids. */
  models: Pick<ReadonlyMap<string, ModelRow>, "get">;
  /** Which path answered the statistical search: the exact scan, the index's candidates, or none (semantic only). */
  path: "exact" | "approximate" | "semantic";
  /** Table specs of the user's dimension the answer was ranked over (what the scores were converted over). */
  ranked?: number;
}

type SearchRow = { model: ModelRow; versionId: number };

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

  constructor(eventId: number, statuses: readonly number[], rows: SearchRow[]) {
    this.statuses = statuses.join();
    this.eventId = eventId;
    this.key = `${eventId}/${this.statuses}`;
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
    for (const r of fresh) this.byId.set(r.model.id, r);
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

/** Per listing: its slots of the last dimension searched, in market order, and their model ids. */
const slotLists = new WeakMap<Listing, { key: string; slots: Int32Array; ids: string[] }>();

/** Searches of more specs than this are split into one scan task per search thread. */
const SHARD_MIN = 2048;

/** The core's combined search over the learnwares whose latest version has an allowed status. */
export async function searchMarket(ctx: Ctx, req: MarketSearchRequest): Promise<MarketSearchResult> {
  const statuses = req.statuses ?? [1];
  const listing = await searchableListing(ctx.db, statuses);
  const rows = listing.rows;
  // The rows of the returned ids as they are now (the listing may be patched meanwhile).
  // Callers ask only for ids of the answer (no per-search set of ~10⁵ ids is built).
  const models: MarketSearchResult["models"] = { get: (id: string) => listing.byId.get(id)?.model };
  let userStat: RKMETableSpecification | undefined;
  if (req.stat !== undefined && req.stat !== null) {
    assertSaneStatSpec(req.stat);
    try {
      userStat = RKMETableSpecification.fromJSON(req.stat);
    } catch (err) {
      throw new LearnwareError("STAT_SPEC_INVALID", (err as Error).message, { field: "stat" });
    }
  }
  const semantic = req.semantic !== undefined && req.semantic !== null ? (req.semantic as SemanticSpec) : undefined;
  const rethrow = (err: unknown): never => {
    if (err instanceof LearnwareError)
      throw new LearnwareError(err.code === "SPEC_INVALID" ? "STAT_SPEC_INVALID" : err.code, err.message, err.details ?? { field: "stat" });
    throw err;
  };
  if (!userStat) {
    // Semantic only: no kernel work.
    const market = rows.map((r) => ({ id: r.model.id, semantic: (r.model.semantic ?? {}) as SemanticSpec }));
    const result = search({
      user: semantic ? { semantic } : {},
      market,
      ...(req.searcher !== undefined ? { searcher: req.searcher } : {}),
    });
    return { ...result, path: "semantic", models };
  }
  // The semantic stage first (its result order is the statistical stage's market order, as in
  // the core's `search`), then the statistical search over the matches' table specs.
  let pool: readonly SearchRow[] = rows;
  if (semantic) {
    const r = semanticSearch(
      semantic,
      rows.map((x) => ({ id: x.model.id, semantic: (x.model.semantic ?? {}) as SemanticSpec })),
      req.searcher ?? "fuzzy",
    );
    pool = r.ids.map((id) => listing.byId.get(id)!).filter((x) => x !== undefined);
  }
  const user = userStat;
  const slab = specSlabOf(ctx.db);
  const exec = ctx.search.executor;
  const options = { maxSearchNum: req.maxSearchNum ?? 5, method: req.method ?? "greedy" } as const;
  if (!Number.isInteger(options.maxSearchNum) || options.maxSearchNum < 1) {
    throw new RangeError(`maxSearchNum must be a positive integer, got ${options.maxSearchNum}`);
  }
  const run = async (candidates: readonly SearchRow[], path: "exact" | "approximate"): Promise<MarketSearchResult> => {
    // The whole listing's slots of one dimension are kept per listing state (most searches have no semantic filter).
    const whole = candidates === rows;
    const key = `${listing.key}#${user.z.cols}`;
    let hit = whole ? slotLists.get(listing) : undefined;
    if (hit?.key !== key) {
      await slab.ensure(
        ctx.db,
        exec,
        candidates.map((r) => r.versionId),
      );
      const list: number[] = [],
        ids: string[] = [];
      for (const r of candidates) {
        const slot = slab.slotOf.get(r.versionId);
        if (slot === undefined || slot < 0 || slab.colsOf(slot) !== user.z.cols) continue;
        list.push(slot);
        ids.push(r.model.id);
      }
      hit = { key, slots: Int32Array.from(list), ids };
      if (whole) slotLists.set(listing, hit);
    }
    const { slots, ids } = hit;
    const out = await admit(ctx, req.principal ?? null, path === "exact" ? slots.length : 0, () => rankSlots(exec, slab, slots, user, options));
    const result: SearchResult = {
      single: Array.from(out.order, (pos, i) => ({ id: ids[pos]!, score: out.scores[i]!, dist: out.dists[i]! })),
      multiple:
        out.mixture === null
          ? null
          : { ids: out.mixture.positions.map((pos) => ids[pos]!), weights: out.mixture.weights, score: out.mixture.score, dist: out.mixture.dist },
    };
    return { ...result, path, ranked: out.ranked, models };
  };
  try {
    if (req.approximate) {
      // The index holds every searchable table spec's sketch and exact ip(L, L) (persisted, synced per search).
      const index = await syncSpecIndex(ctx.db, listing, exec);
      const threshold = req.indexThreshold ?? 2000;
      const within = semantic ? new Set(pool.map((r) => r.model.id)) : undefined;
      const searchable = within ? pool.filter((r) => index.has(r.model.id) && index.entryDim(r.model.id) === user.z.cols).length : index.sizeOfDim(user.z.cols);
      const topN = req.indexTopN || Math.max(100, 4 * options.maxSearchNum * options.maxSearchNum);
      if (searchable >= threshold && searchable > topN) {
        const found = new Set(index.search(user, { topN, ...(within ? { filter: (id: string) => within.has(id) } : {}) }).map((c) => c.id));
        // Market order for the exact stage, so equal distances tie as in the linear scan.
        return await run(
          pool.filter((r) => found.has(r.model.id) && indexedVersion(ctx.db, r.model.id) === r.versionId),
          "approximate",
        );
      }
    }
    return await run(pool, "exact");
  } catch (err) {
    return rethrow(err);
  }
}

/**
 * Admission of one statistical search (`ctx.search.gate`): authenticated callers and small
 * scans at normal priority; anonymous scans of more than `anonExactMax` specs behind them
 * (`LW_ANON_EXACT_POLICY=queue`, the default) or refused with 401 (`refuse`).
 */
async function admit<T>(ctx: Ctx, principal: Principal | null, scanned: number, fn: () => Promise<T>): Promise<T> {
  const { anonExactMax, anonExactPolicy } = ctx.config;
  let priority: "high" | "low" = "high";
  if (principal === null && scanned > anonExactMax) {
    if (anonExactPolicy === "refuse") {
      throw new LearnwareError(
        "AUTH_REQUIRED",
        `An exact search over ${scanned} specs (more than ${anonExactMax}) needs a bearer token; send one, narrow the search semantically, or ask for approximate: true`,
        {
          field: "approximate",
          limit: anonExactMax,
        },
      );
    }
    priority = "low";
  }
  return ctx.search.gate.run(priority, fn);
}

/**
 * The exact ranking of `slots` on the executor: one task, or — for a large market on a
 * multi-threaded pool — one scan task per thread (each spec's MMD² is computed alone, so
 * shard boundaries do not change a bit) and a finishing task (rank, mixture, scores).
 */
async function rankSlots(
  exec: SearchExecutor,
  slab: SpecSlab,
  slots: Int32Array,
  user: RKMETableSpecification,
  options: { maxSearchNum: number; method: "greedy" | "auto" | "none" },
): Promise<PackedSearchResult> {
  const packed = slab.packed();
  const u = userSpecData(user);
  if (exec.threads < 2 || slots.length < SHARD_MIN) return exec.run({ kind: "search", packed, slots, user: u, ...options });
  const parts = splitRange(slots.length, exec.threads);
  const shards = await Promise.all(parts.map(([from, to]) => exec.run({ kind: "scan", packed, slots, from, to, user: u })));
  const dists = new Float64Array(slots.length);
  parts.forEach(([from], k) => dists.set(shards[k]!, from));
  return exec.run({ kind: "finish", packed, slots, dists, user: u, ...options });
}

/** Contiguous, balanced `[start, end)` ranges of `n` items for `parts` workers. */
function splitRange(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < parts; t++) {
    const a = Math.floor((n * t) / parts),
      b = Math.floor((n * (t + 1)) / parts);
    if (b > a) out.push([a, b]);
  }
  return out;
}
