/**
 * Served mixtures: a search result turned into one endpoint of the model service in one
 * call. The learnwares of a mixture run as the service's pooled instances (same backends,
 * LRU pool and micro-batching as `/v1/models/…/predict`); a reuser from `core/reuse`
 * combines their outputs.
 *
 * | method | path | body → reply |
 * |---|---|---|
 * | POST | `/mixtures` | `{result, kind, mode?, topK?, version?, id?}` → 201 `MixtureInfo` |
 * | GET | `/mixtures/{id}` | → `MixtureInfo` (`fitted: false` after a restart: fitted state is in memory only) |
 * | POST | `/mixtures/{id}/fit` | frame or JSON `{X, y}` → `MixtureInfo` (ensemble_pruning, feature_augment) |
 * | POST | `/mixtures/{id}/predict` | frame `{X}` → frame `{y}`; or JSON `{X: rows}` → `{y: rows, shape}` |
 * | DELETE | `/mixtures/{id}` | → `{deleted: id}` |
 *
 * `kind` is `job_selector`, `averaging`, `ensemble_pruning` or `feature_augment`. `averaging`
 * is unweighted, as the Python market's `AveragingReuser` (every learnware counts once in the
 * mean or the vote); `weighted: true` weights it by the search's mixture weights. `version`
 * maps learnware ids to versions (default `"latest"`, which the market server resolves).
 * Descriptors persist as `<dataDir>/mixtures/<id>.json`, so a mixture survives a restart.
 * Errors: unknown learnware → 404 naming it; predict before a required fit → 409; bad
 * bodies and shapes → 400.
 *
 * @example
 * ```ts ignore
 * import { createMixture, MixtureClient } from "./mixtures.ts";
 * const info = await createMixture("http://127.0.0.1:8790", { result, kind: "averaging" });
 * const y = await new MixtureClient("http://127.0.0.1:8790", info.id).predict([[0.1, 0.2]]);
 * ```
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hono } from "hono";
import { RunnerClient } from "../../client/runnerClient.ts";
import { LearnwareError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { currentToken } from "./auth.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { HeteroAlignedLearnware } from "../../core/hetero/featureAlign.ts";
import { buildReuser, describeReuse, type ReuseDescriptor } from "../../core/reuse/fromSearchResult.ts";
import type { Learnware, Predictor } from "../../core/reuse/types.ts";
import type { SearchResult } from "../../core/search/statSearch.ts";
import type { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { findStatSpec, TABLE_SPEC } from "../../core/spec/statSpecs.ts";
import { decodeFrame, encodeFrame } from "../protocol.ts";
import { fromNested, rowCount, rowSize, toNested, type Tensor } from "../tensor.ts";
import { asTensor, FRAME_TYPE, readBody } from "./app.ts";
import type { ModelService } from "./modelService.ts";
import type { PackageSource } from "./packageSource.ts";

export type MixtureKind = "job_selector" | "averaging" | "ensemble_pruning" | "feature_augment";
export const MIXTURE_KINDS: readonly MixtureKind[] = ["job_selector", "averaging", "ensemble_pruning", "feature_augment"];
const NEEDS_FIT: ReadonlySet<string> = new Set(["ensemble_pruning", "feature_augment"]);
const AVERAGING_MODES = ["mean", "vote_by_label", "vote_by_prob"];
const TASK_MODES = ["classification", "regression"];
const SAFE = /^[A-Za-z0-9._-]{1,128}$/;

/** The body of `POST /mixtures`. */
export interface CreateMixtureBody {
  result: SearchResult;
  kind: MixtureKind;
  /** averaging: mean | vote_by_label | vote_by_prob; ensemble_pruning / feature_augment: classification | regression. */
  mode?: string;
  /** Use the top `topK` singles when the result has no mixture (default 1; 2+ for a real mixture). */
  topK?: number;
  /** Versions per learnware id (default `"latest"`). */
  version?: Record<string, string | number>;
  /** Choose the mixture's id (letters, digits, `.`, `_`, `-`); default a random one. */
  id?: string;
  /** averaging: weight the mean/vote by the search's mixture weights (default false: unweighted, as Python's AveragingReuser). */
  weighted?: boolean;
}

/** What the service stores and reports about a mixture. */
export interface MixtureInfo {
  id: string;
  kind: ReuseDescriptor["kind"];
  mode?: string;
  /** `columnMap`: a heterogeneous mixture's user column per learnware column (−1: imputed). */
  learnwares: { id: string; version: string; weight?: number; columnMap?: number[] }[];
  /** averaging: whether the search weights weight the mean/vote (they are reported either way). */
  weighted?: boolean;
  needsFit: boolean;
  fitted: boolean;
  createdAt: string;
  fittedAt?: string;
}

interface StoredMixture {
  id: string;
  descriptor: ReuseDescriptor;
  versions: string[];
  /** averaging only; absent (older files) means unweighted. */
  weighted?: boolean;
  /**
   * Heterogeneous mixtures: per learnware id, for each of its columns the user column that
   * feeds it or −1 (imputed from its RKME) — the `columnMap` of a `path: "hetero"` search.
   */
  columnMaps?: Record<string, number[]>;
  createdAt: string;
}

interface LiveMixture {
  stored: StoredMixture;
  /** Built lazily; for fittable kinds, only after a successful fit. */
  reuser: (Predictor & { fit?: (X: Matrix, y: Matrix) => Promise<void> }) | null;
  fittedAt: string | null;
}

export interface MixtureStoreOptions {
  service: ModelService;
  /** Where packages come from (for the learnwares' stat specs); the service's own source. */
  source: PackageSource;
  /** The service's data folder: descriptors live under `<dataDir>/mixtures`. */
  dataDir: string;
}

function bad(message: string): LearnwareError {
  return new LearnwareError("BAD_REQUEST", message);
}

function toMatrix(t: Tensor, name: string, allowVector = true): Matrix {
  if (t.shape.length === 0 || t.shape.length > 2 || (!allowVector && t.shape.length !== 2))
    throw bad(`'${name}' must be a 2-D array of rows (got shape [${t.shape.join(", ")}])`);
  const rows = rowCount(t),
    cols = t.shape.length === 1 ? 1 : rowSize(t);
  if (rows === 0 || cols === 0) throw bad(`'${name}' must hold at least one row and one column`);
  return { rows, cols, data: t.data instanceof Float64Array ? t.data : Float64Array.from(t.data) };
}

function toTensor(m: Matrix): Tensor {
  return { dtype: "float64", shape: [m.rows, m.cols], data: m.data };
}

function checkResult(v: unknown): SearchResult {
  if (v === null || typeof v !== "object")
    throw bad("'result' must be a search result {single: [{id, score, dist}], multiple: {ids, weights, score, dist} | null}");
  const r = v as Record<string, unknown>;
  if (!Array.isArray(r.single) || r.single.some((s) => s === null || typeof s !== "object" || typeof (s as { id?: unknown }).id !== "string")) {
    throw bad("'result.single' must be an array of {id, score, dist}");
  }
  for (const s of r.single as { id: string; columnMap?: unknown }[]) {
    const cm = s.columnMap;
    if (cm !== undefined && (!Array.isArray(cm) || cm.length === 0 || !cm.every((j) => Number.isInteger(j) && j >= -1 && j < 100_000))) {
      throw bad(`'result.single[].columnMap' of '${s.id}' must be a non-empty array of user column indices (or -1 for an imputed column)`);
    }
  }
  const m = r.multiple;
  if (m !== null && m !== undefined) {
    const mm = m as Record<string, unknown>;
    if (
      typeof m !== "object" ||
      !Array.isArray(mm.ids) ||
      !mm.ids.every((x) => typeof x === "string") ||
      !Array.isArray(mm.weights) ||
      mm.weights.length !== mm.ids.length ||
      !mm.weights.every((x) => typeof x === "number" && Number.isFinite(x))
    ) {
      throw bad("'result.multiple' must be null or {ids: string[], weights: number[] (one per id), score, dist}");
    }
    const cms = mm.columnMaps;
    if (
      cms !== undefined &&
      (!Array.isArray(cms) ||
        cms.length !== mm.ids.length ||
        !cms.every((cm) => Array.isArray(cm) && cm.length > 0 && cm.every((j) => Number.isInteger(j) && j >= -1 && j < 100_000)))
    ) {
      throw bad("'result.multiple.columnMaps' must hold one column map per id: arrays of user column indices (or -1 for an imputed column)");
    }
  }
  return { single: r.single as SearchResult["single"], multiple: (m ?? null) as SearchResult["multiple"] };
}

/** Live mixtures over a model service, persisted as descriptors. */
export class MixtureStore {
  #opts: MixtureStoreOptions;
  #live = new Map<string, LiveMixture>();
  #specs = new Map<string, Promise<RKMETableSpecification | undefined>>();

  constructor(opts: MixtureStoreOptions) {
    this.#opts = opts;
  }

  get dir(): string {
    return join(this.#opts.dataDir, "mixtures");
  }

  #file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** The learnware's table RKME from its package's stat file (cached per id@version); 404 if the package is unknown. */
  async spec(id: string, version: string): Promise<RKMETableSpecification | undefined> {
    await this.#opts.service.authorize(id, version);
    const key = `${id}@${version}`;
    let p = this.#specs.get(key);
    if (!p) {
      p = (async () => {
        let zip: Uint8Array;
        try {
          zip = await this.#opts.source(id, version, currentToken());
        } catch (e) {
          if (e instanceof LearnwareError && e.code === "NOT_FOUND")
            throw new LearnwareError("NOT_FOUND", `Unknown learnware '${id}' (version ${version}): ${e.message}`, { learnware: id, version });
          throw e;
        }
        const pkg = readLearnwarePackage(zip);
        const found = findStatSpec(pkg.statSpecs, TABLE_SPEC.dataType);
        return found?.kind === TABLE_SPEC ? TABLE_SPEC.fromJSON(found.entry.json) : undefined;
      })();
      this.#specs.set(key, p);
      p.catch(() => this.#specs.delete(key));
    }
    return p;
  }

  /** A reuse `Learnware` whose predict goes through the service's pooled instance. */
  async learnware(id: string, version: string): Promise<Learnware> {
    const spec = await this.spec(id, version);
    const service = this.#opts.service;
    return {
      id,
      spec,
      async predict(X: Matrix): Promise<Matrix> {
        return toMatrix(await service.predict(id, version, toTensor(X)), `output of ${id}`);
      },
    };
  }

  /** Creates (and persists) a mixture from a search result: one call. */
  async create(body: unknown): Promise<MixtureInfo> {
    if (body === null || typeof body !== "object") throw bad("POST /mixtures needs a JSON body {result, kind, mode?, topK?, version?}");
    const b = body as Record<string, unknown>;
    const result = checkResult(b.result);
    const kind = b.kind;
    if (typeof kind !== "string" || !(MIXTURE_KINDS as readonly string[]).includes(kind)) {
      throw bad(`'kind' must be one of ${MIXTURE_KINDS.join(", ")}, got ${JSON.stringify(kind)}`);
    }
    const mode = b.mode;
    if (mode !== undefined) {
      const allowed = kind === "averaging" ? AVERAGING_MODES : kind === "job_selector" ? [] : TASK_MODES;
      if (typeof mode !== "string" || !allowed.includes(mode)) {
        throw bad(
          allowed.length === 0
            ? `'mode' does not apply to kind ${kind}`
            : `'mode' of kind ${kind} must be one of ${allowed.join(", ")}, got ${JSON.stringify(mode)}`,
        );
      }
    }
    const topK = b.topK;
    if (topK !== undefined && (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1))
      throw bad(`'topK' must be a positive integer, got ${JSON.stringify(topK)}`);
    const versionMap = b.version ?? {};
    if (versionMap === null || typeof versionMap !== "object" || Array.isArray(versionMap))
      throw bad("'version' must be an object mapping learnware ids to versions");
    for (const [k, v] of Object.entries(versionMap)) {
      if ((typeof v !== "string" && typeof v !== "number") || !SAFE.test(String(v)))
        throw bad(`'version.${k}' must be a version number or tag, got ${JSON.stringify(v)}`);
    }
    if (b.id !== undefined && (typeof b.id !== "string" || !SAFE.test(b.id))) throw bad("'id' must be 1–128 letters, digits, '.', '_' or '-'");
    if (b.weighted !== undefined && typeof b.weighted !== "boolean") throw bad(`'weighted' must be true or false, got ${JSON.stringify(b.weighted)}`);
    if (b.weighted !== undefined && kind !== "averaging") throw bad(`'weighted' applies to kind averaging only, not ${kind}`);
    const id = typeof b.id === "string" ? b.id : `mx-${randomBytes(6).toString("hex")}`;
    if (this.#live.has(id) || existsSync(this.#file(id))) throw new LearnwareError("CONFLICT", `Mixture '${id}' already exists`);

    let descriptor: ReuseDescriptor;
    try {
      descriptor = describeReuse(result, {
        kind: kind as MixtureKind,
        ...(mode !== undefined ? { mode: mode as "mean" } : {}),
        ...(topK !== undefined ? { topK } : {}),
      });
    } catch (e) {
      if (e instanceof LearnwareError && e.code === "SEARCH_EMPTY") throw bad(e.message);
      throw e;
    }
    // One learnware still makes a meaningful feature-augmented (or averaged) mixture: keep the asked kind.
    if (descriptor.kind === "single") descriptor = { ...descriptor, kind: kind as MixtureKind, ...(mode !== undefined ? { mode: mode as "mean" } : {}) };
    for (const lid of descriptor.ids) if (!SAFE.test(lid)) throw bad(`Learnware id '${lid}' must be 1–128 letters, digits, '.', '_' or '-'`);
    const vm = versionMap as Record<string, string | number>;
    const versions = descriptor.ids.map((lid) => String(vm[lid] ?? "latest"));
    // Every learnware must exist (404 naming it) before the mixture is stored.
    const specs = await Promise.all(descriptor.ids.map((lid, i) => this.spec(lid, versions[i]!)));
    // A heterogeneous result: each learnware is fed the user's columns through its columnMap.
    const maps = new Map((result.single as { id: string; columnMap?: number[] }[]).flatMap((x) => (x.columnMap ? [[x.id, x.columnMap] as const] : [])));
    // A heterogeneous mixture carries its members' maps (a member need not be among the kept singles).
    const mixMaps = (result.multiple as { columnMaps?: number[][] } | null)?.columnMaps;
    result.multiple?.ids.forEach((lid, i) => {
      if (mixMaps?.[i]) maps.set(lid, mixMaps[i]);
    });
    let columnMaps: Record<string, number[]> | undefined;
    if (maps.size > 0) {
      if (descriptor.kind === "job_selector")
        throw bad(
          "A heterogeneous result (columnMap) cannot make a job_selector mixture (it assigns rows by the learnwares' own feature spaces); use averaging, ensemble_pruning or feature_augment",
        );
      columnMaps = {};
      for (const [i, lid] of descriptor.ids.entries()) {
        const cm = maps.get(lid);
        if (!cm) throw bad(`Learnware '${lid}' has no columnMap, but others in the result do (a heterogeneous result maps every learnware)`);
        const dim = specs[i]?.dim;
        if (dim === undefined) throw bad(`Learnware '${lid}' has no table RKME, which aligning the user's columns needs`);
        if (cm.length !== dim) throw bad(`columnMap of '${lid}' has ${cm.length} entries, but the learnware takes ${dim} columns`);
        if (cm.every((j) => j < 0))
          throw bad(`Learnware '${lid}' cannot be aligned to the user's table: its columnMap feeds none of its ${dim} columns from a user column`);
        columnMaps[lid] = cm;
      }
    }
    const stored: StoredMixture = {
      id,
      descriptor,
      versions,
      ...(kind === "averaging" ? { weighted: b.weighted === true } : {}),
      ...(columnMaps ? { columnMaps } : {}),
      createdAt: new Date().toISOString(),
    };
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.#file(id)}.tmp-${randomBytes(4).toString("hex")}`;
    await writeFile(tmp, JSON.stringify(stored, null, 2));
    await rename(tmp, this.#file(id));
    const live: LiveMixture = { stored, reuser: null, fittedAt: null };
    this.#live.set(id, live);
    return this.#info(live);
  }

  async #get(id: string): Promise<LiveMixture> {
    if (!SAFE.test(id)) throw new LearnwareError("NOT_FOUND", `Unknown mixture '${id}'`);
    const live = this.#live.get(id);
    if (live) return live;
    let text: string;
    try {
      text = await readFile(this.#file(id), "utf8");
    } catch {
      throw new LearnwareError("NOT_FOUND", `Unknown mixture '${id}'`);
    }
    const stored = JSON.parse(text) as StoredMixture;
    const restored: LiveMixture = this.#live.get(id) ?? { stored, reuser: null, fittedAt: null };
    this.#live.set(id, restored);
    return restored;
  }

  #info(m: LiveMixture): MixtureInfo {
    const d = m.stored.descriptor;
    const info: MixtureInfo = {
      id: m.stored.id,
      kind: d.kind,
      learnwares: d.ids.map((lid, i) => ({
        id: lid,
        version: m.stored.versions[i]!,
        ...(d.weights ? { weight: d.weights[i]! } : {}),
        ...(m.stored.columnMaps?.[lid] ? { columnMap: m.stored.columnMaps[lid] } : {}),
      })),
      needsFit: NEEDS_FIT.has(d.kind),
      fitted: m.fittedAt !== null,
      createdAt: m.stored.createdAt,
    };
    if (d.mode !== undefined) info.mode = d.mode;
    if (d.kind === "averaging") info.weighted = m.stored.weighted === true;
    if (m.fittedAt !== null) info.fittedAt = m.fittedAt;
    return info;
  }

  async #build(m: LiveMixture) {
    const { versions } = m.stored;
    let descriptor = m.stored.descriptor;
    if (descriptor.kind === "averaging" && m.stored.weighted !== true) {
      // Python's AveragingReuser: every learnware counts once; the search weights are reported, not used.
      const { weights: _unused, ...unweighted } = descriptor;
      descriptor = unweighted;
    }
    const index = new Map(descriptor.ids.map((lid, i) => [lid, versions[i]!]));
    const maps = m.stored.columnMaps;
    return buildReuser(descriptor, async (lid) => {
      const lw = await this.learnware(lid, index.get(lid) ?? "latest");
      // Heterogeneous: the user's rows are mapped into the learnware's columns (missing ones imputed from its RKME).
      return maps?.[lid] ? new HeteroAlignedLearnware(lw, maps[lid]) : lw;
    });
  }

  async #checkWidth(m: LiveMixture, X: Matrix): Promise<void> {
    const { descriptor, versions } = m.stored;
    for (let i = 0; i < descriptor.ids.length; i++) {
      const cm = m.stored.columnMaps?.[descriptor.ids[i]!];
      if (cm) {
        const need = Math.max(...cm) + 1;
        if (X.cols < need) throw bad(`X has ${X.cols} columns but the columnMap of learnware '${descriptor.ids[i]}' reads user column ${need - 1}`);
        continue;
      }
      const spec = await this.spec(descriptor.ids[i]!, versions[i]!);
      if (spec && spec.dim !== X.cols) {
        throw bad(`X has ${X.cols} columns but learnware '${descriptor.ids[i]}' takes ${spec.dim} (its stat spec's dimension)`);
      }
    }
  }

  async info(id: string): Promise<MixtureInfo> {
    return this.#info(await this.#get(id));
  }

  async list(): Promise<MixtureInfo[]> {
    const ids = new Set(this.#live.keys());
    if (existsSync(this.dir)) for (const f of await readdir(this.dir)) if (f.endsWith(".json")) ids.add(f.slice(0, -5));
    const out: MixtureInfo[] = [];
    for (const id of [...ids].sort()) {
      try {
        out.push(await this.info(id));
      } catch {
        // a descriptor deleted meanwhile, or unreadable: not listed
      }
    }
    return out;
  }

  /** Fits a fittable mixture on labelled rows (ensemble_pruning: validation data; feature_augment: the user's labels). */
  async fit(id: string, X: Matrix, y: Matrix): Promise<MixtureInfo> {
    const m = await this.#get(id);
    const kind = m.stored.descriptor.kind;
    if (!NEEDS_FIT.has(kind)) throw bad(`Mixture '${id}' is ${kind}, which takes no fit (only ensemble_pruning and feature_augment do)`);
    if (y.rows !== X.rows) throw bad(`fit got ${y.rows} labels for ${X.rows} rows of X`);
    await this.#checkWidth(m, X);
    const reuser = await this.#build(m);
    await reuser.fit!(X, y);
    m.reuser = reuser;
    m.fittedAt = new Date().toISOString();
    return this.#info(m);
  }

  async predict(id: string, X: Matrix): Promise<Matrix> {
    const m = await this.#get(id);
    const kind = m.stored.descriptor.kind;
    if (NEEDS_FIT.has(kind) && m.fittedAt === null) {
      throw new LearnwareError(
        "CONFLICT",
        `Mixture '${id}' (${kind}) must be fitted before it predicts: POST /mixtures/${id}/fit with {X, y} first (fitted state is not kept across service restarts)`,
      );
    }
    await this.#checkWidth(m, X);
    m.reuser ??= await this.#build(m);
    return m.reuser.predict(X);
  }

  async delete(id: string): Promise<void> {
    await this.#get(id);
    this.#live.delete(id);
    await rm(this.#file(id), { force: true });
  }
}

/** Adds the `/mixtures` routes to the model service's Hono app. */
export function registerMixtureRoutes(app: Hono, store: MixtureStore): void {
  const matrixOf = (body: Record<string, unknown>, name: "X" | "y"): Matrix => {
    let t: Tensor | undefined;
    try {
      t = asTensor(body[name], name);
    } catch (e) {
      if (e instanceof RangeError) throw bad(`'${name}' is not a rectangular array: ${e.message}`);
      throw e;
    }
    if (!t) throw bad(`the body needs '${name}'`);
    const m = toMatrix(t, name, name === "y");
    if (name === "y" && !m.data.every(Number.isFinite)) throw bad("'y' must hold finite numbers");
    return m;
  };
  app.get("/mixtures", async (c) => c.json({ mixtures: await store.list() }));
  app.post("/mixtures", async (c) => c.json(await store.create(await readBody(c.req.raw)), 201));
  app.get("/mixtures/:id", async (c) => c.json(await store.info(c.req.param("id"))));
  app.delete("/mixtures/:id", async (c) => {
    await store.delete(c.req.param("id"));
    return c.json({ deleted: c.req.param("id") });
  });
  app.post("/mixtures/:id/fit", async (c) => {
    const body = await readBody(c.req.raw);
    const X = matrixOf(body, "X"),
      y = matrixOf(body, "y");
    return c.json(await store.fit(c.req.param("id"), X, y));
  });
  app.post("/mixtures/:id/predict", async (c) => {
    const binary = (c.req.header("content-type") ?? "").startsWith(FRAME_TYPE);
    const body = await readBody(c.req.raw);
    const y = toTensor(await store.predict(c.req.param("id"), matrixOf(body, "X")));
    if (binary) return new Response(encodeFrame({ y }) as Uint8Array<ArrayBuffer>, { headers: { "content-type": FRAME_TYPE } });
    return c.json({ y: toNested(y), shape: y.shape });
  });
}

// ---- clients ----

/** `POST /mixtures`: a search result → a served mixture, in one call. */
export async function createMixture(address: string, body: CreateMixtureBody, opts: { token?: string } = {}): Promise<MixtureInfo> {
  return (await new RunnerClient({ baseUrl: address, token: opts.token }).call("createMixture", { json: body })) as MixtureInfo;
}

/** A client bound to one served mixture (arrays travel as binary frames). */
export class MixtureClient {
  readonly address: string;
  readonly id: string;
  readonly #http: RunnerClient;

  constructor(address: string, id: string, opts: { token?: string } = {}) {
    this.#http = new RunnerClient({ baseUrl: address, token: opts.token });
    this.address = this.#http.baseUrl;
    this.id = id;
  }

  /** Creates the mixture and returns a client for it. */
  static async create(address: string, body: CreateMixtureBody, opts: { token?: string } = {}): Promise<MixtureClient & { info: MixtureInfo }> {
    const info = await createMixture(address, body, opts);
    return Object.assign(new MixtureClient(address, info.id, opts), { info });
  }

  #frame(msg: Record<string, unknown>) {
    return { params: { id: this.id }, body: encodeFrame(msg), headers: { "content-type": FRAME_TYPE } };
  }

  async info(): Promise<MixtureInfo> {
    return (await this.#http.call("getMixture", { params: { id: this.id } })) as MixtureInfo;
  }

  async fit(X: Tensor | number[][], y: Tensor | number[] | number[][]): Promise<MixtureInfo> {
    return (await this.#http.call(
      "fitMixture",
      this.#frame({ X: Array.isArray(X) ? fromNested(X) : X, y: Array.isArray(y) ? fromNested(y) : y }),
    )) as MixtureInfo;
  }

  /** Predicts; the result is a tensor (`toNested` for rows). */
  async predict(X: Tensor | number[][]): Promise<Tensor> {
    const res = await this.#http.response("predictMixture", this.#frame({ X: Array.isArray(X) ? fromNested(X) : X }));
    return (decodeFrame(new Uint8Array(await res.arrayBuffer())) as { y: Tensor }).y;
  }

  async delete(): Promise<void> {
    await this.#http.call("deleteMixture", { params: { id: this.id } });
  }
}
