/**
 * Catalogue reads and writes shared by the market, the registry and the compat API:
 * models, immutable versions, tags, and their JSON views.
 */
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import { type CheckStatusName, checkStatusCode, checkStatusName } from "../../core/checkStatus.ts";
import type { Db, Tx } from "../db/client.ts";
import { events, models, settings, tags, versions } from "../db/schema.ts";
import { type Dialect, dialectOf, jsonValuesContain, startsWithDigit } from "../db/dialect.ts";
import { LearnwareError } from "../errors.ts";

export type ModelRow = typeof models.$inferSelect;
export type VersionRow = typeof versions.$inferSelect;

export type StatusName = CheckStatusName;

/** The `settings` key of the model id allocator's high-water mark. */
export const MODEL_SEQ_KEY = "model_seq";

/**
 * Allocates the next zero-padded model id (inside a write transaction). Ids are never reused:
 * the high-water mark is kept in `settings` and only grows, so deleting the newest model does
 * not free its id, and a restart continues from the mark. A database from before the mark
 * existed starts from the largest id it has ever seen (models and the event log, which
 * remembers deleted ones).
 */
export async function nextModelId(tx: Tx): Promise<{ id: string; seq: number }> {
  const dialect = dialectOf(tx);
  const [mark] = await tx.select({ v: settings.value }).from(settings).where(eq(settings.key, MODEL_SEQ_KEY));
  let high = mark ? Number(mark.v) : 0;
  const [m] = await tx.select({ m: sql<number | null>`max(${models.seq})` }).from(models);
  high = Math.max(high, Number(m?.m ?? 0));
  if (!mark) {
    const [e] = await tx
      .select({ m: sql<number | null>`max(cast(${events.modelId} as integer))` })
      .from(events)
      .where(startsWithDigit(dialect, events.modelId));
    high = Math.max(high, Number(e?.m ?? 0));
  }
  // One atomic increment of the mark: replicas allocating at once (PostgreSQL) each get their
  // own number, because the upsert waits for the other's row lock and then adds to its value.
  const cur = sql`cast(${settings.value} as integer) + 1`;
  const [row] = await tx
    .insert(settings)
    .values({ key: MODEL_SEQ_KEY, value: String(high + 1) })
    .onConflictDoUpdate({
      target: settings.key,
      set: { value: sql`cast(case when ${cur} > cast(excluded.value as integer) then ${cur} else cast(excluded.value as integer) end as text)` },
    })
    .returning({ v: settings.value });
  const seq = Number(row!.v);
  return { id: String(seq).padStart(8, "0"), seq };
}

export interface NewModel {
  kind: "learnware" | "model";
  namespace: string;
  owner: string;
  name: string;
  task?: string | null;
  description?: string | null;
  semantic?: unknown;
  metadata?: Record<string, unknown>;
}

export async function insertModel(tx: Tx, m: NewModel, at: number): Promise<ModelRow> {
  const { id, seq } = await nextModelId(tx);
  const row = {
    id,
    seq,
    kind: m.kind,
    namespace: m.namespace,
    owner: m.owner,
    name: m.name,
    task: m.task ?? null,
    description: m.description ?? null,
    semantic: m.semantic ?? null,
    metadata: m.metadata ?? {},
    latestVersion: 0,
    createdAt: at,
    updatedAt: at,
  };
  await tx.insert(models).values(row);
  return row;
}

export interface NewVersion {
  packageSha256?: string | null;
  packageSize?: number | null;
  framework?: string | null;
  statSpecs?: unknown[];
  semantic?: unknown;
  metadata?: Record<string, unknown>;
  checkStatus?: number;
  checkLog?: string;
  createdBy: string;
}

/** Appends version `latest + 1` to a model and makes it the latest. */
export async function insertVersion(tx: Tx, modelId: string, v: NewVersion, at: number): Promise<VersionRow> {
  // Touching the model first takes its row lock (PostgreSQL), so two replicas adding a version
  // to one model number them one after the other instead of both reading the same max().
  await tx.update(models).set({ updatedAt: at }).where(eq(models.id, modelId));
  const r = await tx
    .select({ m: sql<number | null>`max(${versions.number})` })
    .from(versions)
    .where(eq(versions.modelId, modelId));
  const number = Number(r[0]?.m ?? 0) + 1;
  const row = {
    modelId,
    number,
    packageSha256: v.packageSha256 ?? null,
    packageSize: v.packageSize ?? null,
    framework: v.framework ?? null,
    statSpecs: v.statSpecs ?? [],
    semantic: v.semantic ?? null,
    metadata: v.metadata ?? {},
    checkStatus: v.checkStatus ?? 0,
    checkLog: v.checkLog ?? "",
    createdBy: v.createdBy,
    createdAt: at,
  };
  const [ins] = await tx.insert(versions).values(row).returning();
  await tx.update(models).set({ latestVersion: number, updatedAt: at }).where(eq(models.id, modelId));
  return ins!;
}

export async function getModel(db: Db | Tx, id: string): Promise<ModelRow> {
  const [m] = await db.select().from(models).where(eq(models.id, id));
  if (!m) throw new LearnwareError("NOT_FOUND", `Model '${id}' not found`, { field: "id" });
  return m;
}

export async function findModel(db: Db | Tx, id: string): Promise<ModelRow | undefined> {
  const [m] = await db.select().from(models).where(eq(models.id, id));
  return m;
}

/** Resolves a version reference: a number, `latest`, or a tag/alias. */
export async function resolveVersion(db: Db | Tx, model: ModelRow, ref: string | number): Promise<VersionRow> {
  let number: number | undefined;
  if (typeof ref === "number") number = ref;
  else if (/^\d+$/.test(ref)) number = Number(ref);
  else if (ref === "latest") number = model.latestVersion;
  else {
    const [t] = await db
      .select()
      .from(tags)
      .where(and(eq(tags.modelId, model.id), eq(tags.tag, ref)));
    if (!t) throw new LearnwareError("NOT_FOUND", `Model '${model.id}' has no version or tag '${ref}'`, { field: "version" });
    number = t.version;
  }
  const [v] = await db
    .select()
    .from(versions)
    .where(and(eq(versions.modelId, model.id), eq(versions.number, number)));
  if (!v) throw new LearnwareError("NOT_FOUND", `Model '${model.id}' has no version ${number}`, { field: "version" });
  return v;
}

export async function listVersions(db: Db, modelId: string): Promise<VersionRow[]> {
  return db.select().from(versions).where(eq(versions.modelId, modelId)).orderBy(asc(versions.number));
}

/** A model's versions, oldest first, each with its tags (both version trees answer this). */
export async function versionsView(db: Db, m: ModelRow) {
  const t = await tagsOf(db, m.id);
  return { items: (await listVersions(db, m.id)).map((v) => versionView(v, t)) };
}

export async function tagsOf(db: Db | Tx, modelId: string): Promise<Record<string, number>> {
  const rows = await db.select().from(tags).where(eq(tags.modelId, modelId)).orderBy(asc(tags.tag));
  return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
}

/** Latest version's check status, per model id. */
export async function latestStatuses(db: Db, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: versions.modelId, status: versions.checkStatus })
    .from(versions)
    .innerJoin(models, and(eq(models.id, versions.modelId), eq(models.latestVersion, versions.number)))
    .where(sql`${versions.modelId} in ${ids}`);
  return new Map(rows.map((r) => [r.id, r.status]));
}

/**
 * Latest version's runtime (`python`, `onnx`, `js`; the package's model kind), per model id.
 * The Python client's `load_learnware` imports a package's `__init__.py`: only `python` ones load there.
 */
export async function latestRuntimes(db: Db, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: versions.modelId, framework: versions.framework })
    .from(versions)
    .innerJoin(models, and(eq(models.id, versions.modelId), eq(models.latestVersion, versions.number)))
    .where(sql`${versions.modelId} in ${ids}`);
  return new Map(rows.map((r) => [r.id, r.framework]));
}

const iso = (ms: number) => new Date(ms).toISOString();

export function modelView(m: ModelRow, extra: { status?: number | undefined; tags?: Record<string, number> } = {}) {
  return {
    id: m.id,
    kind: m.kind,
    namespace: m.namespace,
    owner: m.owner,
    name: m.name,
    task: m.task,
    description: m.description,
    semantic: m.semantic,
    metadata: m.metadata,
    latestVersion: m.latestVersion,
    ...(extra.status !== undefined ? { checkStatus: extra.status, status: checkStatusName(extra.status) } : {}),
    ...(extra.tags ? { tags: extra.tags } : {}),
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
  };
}

export function versionView(v: VersionRow, tagMap: Record<string, number> = {}) {
  return {
    modelId: v.modelId,
    learnwareId: v.modelId,
    number: v.number,
    /** ModelBox's version label, name and description (null when not given). */
    label: v.label,
    name: v.name,
    description: v.description,
    packageSha256: v.packageSha256,
    packageSize: v.packageSize,
    framework: v.framework,
    statSpecs: v.statSpecs,
    semantic: v.semantic,
    metadata: v.metadata,
    checkStatus: v.checkStatus,
    status: checkStatusName(v.checkStatus),
    tags: Object.entries(tagMap)
      .filter(([, n]) => n === v.number)
      .map(([t]) => t),
    createdBy: v.createdBy,
    createdAt: iso(v.createdAt),
  };
}

export interface ModelFilter {
  kind?: "learnware" | "model";
  namespace?: string | undefined;
  owner?: string | undefined;
  /** semantic key → value the model's `Values` must contain. */
  semantic?: Partial<Record<"Data" | "Task" | "Library" | "Scenario" | "License", string>>;
  status?: StatusName | undefined;
  q?: string | undefined;
  /** List order: newest first (default), oldest first, by name, or last updated first. */
  sort?: "newest" | "oldest" | "name" | "updated" | undefined;
}

export function modelWhere(f: ModelFilter, dialect: Dialect = "sqlite"): SQL | undefined {
  const conds: SQL[] = [];
  if (f.kind) conds.push(eq(models.kind, f.kind));
  if (f.namespace !== undefined) conds.push(eq(models.namespace, f.namespace));
  if (f.owner !== undefined) conds.push(eq(models.owner, f.owner));
  for (const [key, value] of Object.entries(f.semantic ?? {})) {
    if (value === undefined) continue;
    conds.push(jsonValuesContain(dialect, models.semantic, key, value));
  }
  if (f.status !== undefined) {
    conds.push(
      sql`(select ${versions.checkStatus} from ${versions} where ${versions.modelId} = ${models.id} and ${versions.number} = ${models.latestVersion}) = ${checkStatusCode(f.status)}`,
    );
  }
  if (f.q !== undefined && f.q !== "") {
    const like = `%${f.q.toLowerCase().replace(/[%_\\]/g, (c) => "\\" + c)}%`;
    conds.push(sql`(lower(${models.name}) like ${like} escape '\\' or lower(coalesce(${models.description}, '')) like ${like} escape '\\')`);
  }
  return conds.length ? and(...conds) : undefined;
}

export async function listModels(db: Db, f: ModelFilter, limit: number, offset: number): Promise<{ rows: ModelRow[]; total: number }> {
  const where = modelWhere(f, dialectOf(db));
  const order =
    f.sort === "oldest"
      ? [asc(models.seq)]
      : f.sort === "name"
        ? [asc(sql`lower(${models.name})`), asc(models.seq)]
        : f.sort === "updated"
          ? [desc(models.updatedAt), desc(models.seq)]
          : [desc(models.seq)];
  const rows = await db
    .select()
    .from(models)
    .where(where)
    .orderBy(...order)
    .limit(limit)
    .offset(offset);
  const [c] = await db.select({ n: sql<number>`count(*)` }).from(models).where(where);
  return { rows, total: c?.n ?? 0 };
}

/** A page of models as the API lists them: each with its latest version's check status. */
/** One page of the catalogue as the API lists it (both `/v1/learnwares` and the registry's listings). */
export async function listPage(db: Db, f: ModelFilter, limit: number, offset: number) {
  return modelListView(db, await listModels(db, f, limit, offset), limit, offset);
}

export async function modelListView(db: Db, page: { rows: ModelRow[]; total: number }, limit: number, offset: number) {
  const st = await latestStatuses(
    db,
    page.rows.map((r) => r.id),
  );
  return { items: page.rows.map((m) => modelView(m, { status: st.get(m.id) })), total: page.total, limit, offset };
}

/** One model as the API shows it: its latest version's status and its tags. */
export async function modelDetailView(db: Db, id: string) {
  const m = await getModel(db, id);
  const st = await latestStatuses(db, [m.id]);
  return modelView(m, { status: st.get(m.id), tags: await tagsOf(db, m.id) });
}
