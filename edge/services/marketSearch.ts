import type { ResultExplanation } from "../../core/search/fit.ts";
import { type PackedSearchResult, userSpecData } from "../../core/search/packedMarket.ts";
import { composeSearch, type SearchPath, type StatIndex, type StatStage } from "../../core/search/composeSearch.ts";
import type { SearchResult } from "../../core/search/search.ts";
import { searchStatistical } from "../../core/search/statSearch.ts";
import type { SemanticSpec } from "../../core/semantic/types.ts";
import type { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { kindOfEntry, type LoadedStatSpec, loadStatSpec, TABLE_SPEC } from "../../core/spec/statSpecs.ts";
import type { Principal } from "../auth/tokens.ts";
import type { Ctx } from "../context.ts";
import { splitRange } from "../../core/kernel/backend.ts";
import { LearnwareError } from "../errors.ts";
import type { ModelRow } from "./catalog.ts";
import type { SearchExecutor } from "./searchPool.ts";
import { type SpecSlab, specSlabOf } from "./specSlab.ts";
import { indexedVersion, syncSpecIndex } from "./specIndex.ts";
import { assertSaneStatSpec } from "./validate.ts";
import { specsOfKind } from "./kindSpecs.ts";
import { heteroUserInput, searchHeteroMarket } from "./searchHetero.ts";
import { type Listing, type SearchRow, searchableListing } from "./listing.ts";

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
  /**
   * The heterogeneous search (learnwares of other feature spaces, matched by their column
   * descriptions): `auto` (default) when no learnware has the user's dimension and the user's
   * semantic spec describes every column and the Task is Classification or Regression (the
   * Python HeteroSearcher's rule), `on` always (any task; 422 when the user's `Input` does not
   * describe every column), `off` never.
   */
  hetero?: "auto" | "on" | "off";
  /** Who asks (admission: anonymous scans over `anonExactMax` specs queue behind, or are refused). */
  principal?: Principal | null;
  /**
   * Only this page of the ranked singles is wanted: the table scan then builds just these
   * (`singlesTotal` in the answer counts them all) instead of one object per ranked learnware,
   * which at 10⁵ learnwares cost the event loop ~10 ms a search. Other paths answer whole.
   */
  page?: { offset: number; limit: number };
}

export interface MarketSearchResult extends SearchResult {
  /** The rows of the returned ids, looked up when asked (an exact answer may hold thousands); ask only for those ids. */
  models: Pick<ReadonlyMap<string, ModelRow>, "get">;
  /** Which path answered the statistical search: the exact scan, the index's candidates, or none (semantic only). */
  path: SearchPath;
  /** Table specs of the user's dimension the answer was ranked over (what the scores were converted over). */
  ranked?: number;
  /** Hetero answers: each result's fit, measured in the shared space where it was ranked. */
  fit?: ResultExplanation;
  /** With `page` on the table scan: how many singles the answer ranks; `single` then holds only the page. */
  singlesTotal?: number;
}

/** Per listing: its slots of the last dimension searched, in market order, and their model ids. */
const slotLists = new WeakMap<Listing, { key: string; slots: Int32Array; ids: string[] }>();

/** Searches of more specs than this are split into one scan task per search thread. */
const SHARD_MIN = 2048;

/** A listing row as the core's composed search sees it (id and semantic spec), with the row. */
type Item = { id: string; semantic: SemanticSpec; row: SearchRow };
/** Per rows array of a listing (a new one after each patch): its rows as search items. */
const itemLists = new WeakMap<readonly SearchRow[], Item[]>();

function itemsOf(listing: Listing): Item[] {
  const rows = listing.rows;
  let items = itemLists.get(rows);
  if (!items) {
    items = rows.map((row) => ({ id: row.model.id, semantic: (row.model.semantic ?? {}) as SemanticSpec, row }));
    itemLists.set(rows, items);
  }
  return items;
}

/**
 * The market's search over the learnwares whose latest version has an allowed status: the
 * core's `composeSearch` (semantic, then statistical; exact or the index's candidates) with
 * this server's executors — for table specs the packed slab ranked on the search pool and the
 * RKME index; for other registered kinds (text) an exact in-process scan of that kind's specs.
 */
export async function searchMarket(ctx: Ctx, req: MarketSearchRequest): Promise<MarketSearchResult> {
  const statuses = req.statuses ?? [1];
  const listing = await searchableListing(ctx.db, statuses);
  // The rows of the returned ids as they are now (the listing may be patched meanwhile).
  // Callers ask only for ids of the answer (no per-search set of ~10⁵ ids is built).
  const models: MarketSearchResult["models"] = { get: (id: string) => listing.byId.get(id)?.model };
  let user: LoadedStatSpec | undefined;
  if (req.stat !== undefined && req.stat !== null) {
    const kind = kindOfEntry({ json: req.stat }) ?? TABLE_SPEC;
    if (kind === TABLE_SPEC) assertSaneStatSpec(req.stat);
    try {
      user = loadStatSpec({ json: req.stat });
    } catch (err) {
      throw new LearnwareError("STAT_SPEC_INVALID", (err as Error).message, { field: "stat" });
    }
  }
  const semantic = req.semantic !== undefined && req.semantic !== null ? (req.semantic as SemanticSpec) : undefined;
  const options = { maxSearchNum: req.maxSearchNum ?? 5, method: req.method ?? "greedy" } as const;
  if (user !== undefined && (!Number.isInteger(options.maxSearchNum) || options.maxSearchNum < 1)) {
    throw new RangeError(`maxSearchNum must be a positive integer, got ${options.maxSearchNum}`);
  }
  let hetero: { when: "auto" | "always"; run(pool: readonly Item[]): Promise<SearchResult> } | undefined;
  if (user?.kind === TABLE_SPEC && (req.hetero ?? "auto") !== "off") {
    const spec = user.spec as RKMETableSpecification;
    const input = heteroUserInput(semantic, spec, req.hetero === "on");
    if (input === null && req.hetero === "on") {
      throw new LearnwareError(
        "SEMANTIC_INVALID",
        `A heterogeneous search needs semantic Input with Dimension ${spec.dim} and one Description per column (the stat spec has ${spec.dim} columns)`,
        { field: "semantic.Input" },
      );
    }
    if (input !== null) {
      hetero = {
        when: req.hetero === "on" ? "always" : "auto",
        run: (pool) => admit(ctx, req.principal ?? null, pool.length, () => searchHeteroMarket(ctx, listing.rows, pool, spec, input, options)),
      };
    }
  }
  const paged: { total?: number } = {};
  const stat =
    user === undefined
      ? undefined
      : user.kind === TABLE_SPEC
        ? tableStage(ctx, req, listing, user.spec as RKMETableSpecification, options, paged)
        : kindStage(ctx, req, user, options);
  try {
    const result = await composeSearch({
      market: itemsOf(listing),
      semantic,
      ...(req.searcher !== undefined ? { searcher: req.searcher } : {}),
      stat,
      ...(req.approximate ? { approximate: true } : {}),
      hetero,
    });
    // The page was built by the table scan only if it answered (not a hetero search after it).
    const scanned = paged.total !== undefined && (result.path === "exact" || result.path === "approximate");
    return { ...result, models, ...(scanned ? { singlesTotal: paged.total } : {}) };
  } catch (err) {
    if (err instanceof LearnwareError)
      throw new LearnwareError(err.code === "SPEC_INVALID" ? "STAT_SPEC_INVALID" : err.code, err.message, err.details ?? { field: "stat" });
    throw err;
  }
}

type StageOptions = { maxSearchNum: number; method: "greedy" | "auto" | "none" };

/** The table kind's executors: the packed slab ranked on the search pool, and the RKME index. */
function tableStage(
  ctx: Ctx,
  req: MarketSearchRequest,
  listing: Listing,
  user: RKMETableSpecification,
  options: StageOptions,
  paged: { total?: number },
): StatStage<Item> {
  const slab = specSlabOf(ctx.db);
  const exec = ctx.search.executor;
  const exact = async (candidates: readonly Item[], whole: boolean, path: "exact" | "approximate"): Promise<SearchResult & { ranked: number }> => {
    // The whole listing's slots of one dimension are kept per listing state (most searches have no semantic filter).
    const key = `${listing.key}#${user.z.cols}`;
    let hit = whole ? slotLists.get(listing) : undefined;
    if (hit?.key !== key) {
      await slab.ensure(
        ctx.db,
        exec,
        candidates.map((c) => c.row.versionId),
      );
      const list: number[] = [],
        ids: string[] = [];
      for (const c of candidates) {
        const slot = slab.slotOf.get(c.row.versionId);
        if (slot === undefined || slot < 0 || slab.colsOf(slot) !== user.z.cols) continue;
        list.push(slot);
        ids.push(c.id);
      }
      hit = { key, slots: Int32Array.from(list), ids };
      if (whole) slotLists.set(listing, hit);
    }
    const { slots, ids } = hit;
    const out = await admit(ctx, req.principal ?? null, path === "exact" ? slots.length : 0, () => rankSlots(exec, slab, slots, user, options));
    // One object per returned single: the requested page's, or all of them.
    const n = out.order.length;
    const from = req.page ? Math.min(req.page.offset, n) : 0,
      to = req.page ? Math.min(from + req.page.limit, n) : n;
    const single = new Array<{ id: string; score: number; dist: number }>(to - from);
    for (let i = from; i < to; i++) single[i - from] = { id: ids[out.order[i]!]!, score: out.scores[i]!, dist: out.dists[i]! };
    if (req.page) paged.total = n;
    return {
      single,
      multiple:
        out.mixture === null
          ? null
          : { ids: out.mixture.positions.map((pos) => ids[pos]!), weights: out.mixture.weights, score: out.mixture.score, dist: out.mixture.dist },
      ranked: out.ranked,
    };
  };
  const topN = req.indexTopN || Math.max(100, 4 * options.maxSearchNum * options.maxSearchNum);
  return {
    exact,
    topN,
    index: async (): Promise<StatIndex<Item>> => {
      // The index holds every searchable table spec's sketch and exact ip(L, L) (persisted, synced per search).
      const index = await syncSpecIndex(ctx.db, listing, exec);
      return {
        threshold: req.indexThreshold ?? 2000,
        searchable: (pool, whole) =>
          whole ? index.sizeOfDim(user.z.cols) : pool.filter((c) => index.has(c.id) && index.entryDim(c.id) === user.z.cols).length,
        candidates: (pool, whole, n) => {
          const within = whole ? undefined : new Set(pool.map((c) => c.id));
          const found = new Set(index.search(user, { topN: n, ...(within ? { filter: (id: string) => within.has(id) } : {}) }).map((c) => c.id));
          // Market order for the exact stage, so equal distances tie as in the linear scan.
          return pool.filter((c) => found.has(c.id) && indexedVersion(ctx.db, c.id) === c.row.versionId);
        },
      };
    },
  };
}

/**
 * Other registered kinds searched in an RBF space (text: the sentence embeddings' RKME):
 * the pool's specs of the user's kind that are comparable with it (same embedding size,
 * languages covering the user's), ranked exactly in process (such markets are small).
 */
function kindStage(ctx: Ctx, req: MarketSearchRequest, user: LoadedStatSpec, options: StageOptions): StatStage<Item> {
  const { kind } = user;
  const userEmb = kind.embedding(user.spec);
  const specsOf = (pool: readonly { row: { versionId: number } }[]) =>
    specsOfKind(
      ctx.db,
      kind,
      pool.map((c) => c.row.versionId),
    );
  if (userEmb === null) {
    // A kind with its own kernel (image): the pool's comparable specs ranked by the kind's
    // distance, scored by its transform; singles only.
    const toScore = kind.distToScore;
    if (!toScore) throw new LearnwareError("STAT_SPEC_INVALID", `Statistical search of ${kind.type} specs is not available on this server`, { field: "stat" });
    return {
      exact: async (pool) => {
        const specs = await specsOf(pool);
        const comparable = pool.flatMap((c) => {
          const spec = specs.get(c.row.versionId);
          return spec && kind.compatible(user.spec, spec) ? [{ id: c.id, spec }] : [];
        });
        const ranked = await admit(ctx, req.principal ?? null, comparable.length, async () =>
          comparable.map((m, order) => ({ id: m.id, order, dist: kind.dist(user.spec, m.spec) })).sort((a, b) => a.dist - b.dist || a.order - b.order),
        );
        return { single: ranked.map((r) => ({ id: r.id, score: toScore(r.dist), dist: r.dist })), multiple: null, ranked: ranked.length };
      },
    };
  }
  return {
    exact: async (pool) => {
      const specs = await specsOf(pool);
      const market: { id: string; spec: RKMETableSpecification }[] = [];
      for (const c of pool) {
        const spec = specs.get(c.row.versionId);
        if (!spec || !kind.compatible(user.spec, spec)) continue;
        const emb = kind.embedding(spec);
        if (emb) market.push({ id: c.id, spec: emb as RKMETableSpecification });
      }
      const result = await admit(ctx, req.principal ?? null, market.length, async () => searchStatistical(userEmb as RKMETableSpecification, market, options));
      return { ...result, ranked: market.length };
    },
  };
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
