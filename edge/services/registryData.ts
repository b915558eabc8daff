/**
 * What the registry records about a model or a version (version 0 = the model itself;
 * versions count from 1): metrics (ModelBox's typed values with step and wall clock),
 * params (MLflow's write-once strings, kept apart from metrics) and artifacts (uploaded and
 * checksummed, or tracked by URI within the allow-list), with ModelBox's id, parent and file type.
 */
import type { FileType } from "../../client/requests.ts";
import { and, asc, eq } from "drizzle-orm";
import type { StagedBlob } from "../blobs/store.ts";
import type { Ctx } from "../context.ts";
import type { Db, Tx } from "../db/client.ts";
import { artifacts, metrics, params } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import type { ModelRow } from "./catalog.ts";
import { assertStorageQuota } from "./quota.ts";
import type { RegistryTx } from "./registry.ts";

/** Where a metric, param or artifact hangs: the model (version 0) or one of its versions. */
export interface Owner {
  model: ModelRow;
  version: number;
}

export const parentId = (o: { modelId: string; version: number }) => (o.version === 0 ? o.modelId : `${o.modelId}/versions/${o.version}`);
const where = (o: Owner) => (o.version === 0 ? "the model" : `version ${o.version}`);

// ---------------------------------------------------------------- metrics

export interface MetricIn {
  key: string;
  value?: number | string | undefined;
  bytes?: Uint8Array | undefined;
  step?: number | undefined;
  wallClock?: number | undefined;
}

export async function logMetrics(w: RegistryTx, o: Owner, rows: MetricIn[]): Promise<number> {
  const values = rows.map((x) => ({
    modelId: o.model.id,
    version: o.version,
    key: x.key,
    valueNumber: typeof x.value === "number" ? x.value : null,
    valueString: typeof x.value === "string" ? x.value : null,
    valueBytes: (x.bytes ?? null) as Buffer | null,
    step: x.step ?? 0,
    wallClock: x.wallClock ?? w.at,
  }));
  for (let i = 0; i < values.length; i += 500) await w.tx.insert(metrics).values(values.slice(i, i + 500));
  w.emit({
    type: "metrics.logged",
    namespace: o.model.namespace,
    modelId: o.model.id,
    version: o.version || null,
    data: { count: rows.length, keys: [...new Set(rows.map((r) => r.key))] },
  });
  return rows.length;
}

function b64encode(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

/** Per key, in step order and, within a step (or without one), in wall-clock order. */
export async function readMetrics(db: Db, o: Owner, key?: string) {
  const conds = [eq(metrics.modelId, o.model.id), eq(metrics.version, o.version)];
  if (key !== undefined) conds.push(eq(metrics.key, key));
  const rows = await db
    .select()
    .from(metrics)
    .where(and(...conds))
    .orderBy(asc(metrics.key), asc(metrics.step), asc(metrics.wallClock), asc(metrics.id));
  const out: Record<string, { value?: number | string; bytes?: string; step: number; wallClock: number }[]> = {};
  for (const r of rows) {
    const item =
      r.valueBytes !== null
        ? { bytes: b64encode(new Uint8Array(r.valueBytes)), step: r.step, wallClock: r.wallClock }
        : { value: (r.valueNumber ?? r.valueString)!, step: r.step, wallClock: r.wallClock };
    (out[r.key] ??= []).push(item);
  }
  return out;
}

// ---------------------------------------------------------------- params

/** Logs string params; a key already logged with another value is a 409 (params are write-once). */
export async function logParams(w: RegistryTx, o: Owner, values: Record<string, string>): Promise<Record<string, string>> {
  const existing = await readParams(w.tx, o);
  const fresh: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key in existing) {
      if (existing[key] !== value) {
        throw new LearnwareError("CONFLICT", `Param '${key}' of ${where(o)} is already '${existing[key]}'; params are written once`, {
          field: `body.params.${key}`,
        });
      }
      continue;
    }
    fresh[key] = value;
  }
  const rows = Object.entries(fresh).map(([key, value]) => ({ modelId: o.model.id, version: o.version, key, value, createdAt: w.at }));
  if (rows.length) await w.tx.insert(params).values(rows);
  w.emit({ type: "params.logged", namespace: o.model.namespace, modelId: o.model.id, version: o.version || null, data: { keys: Object.keys(fresh) } });
  return { ...existing, ...fresh };
}

export async function readParams(db: Db | Tx, o: Owner): Promise<Record<string, string>> {
  const rows = await db
    .select()
    .from(params)
    .where(and(eq(params.modelId, o.model.id), eq(params.version, o.version)))
    .orderBy(asc(params.key));
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

// ---------------------------------------------------------------- artifacts

const MODEL_EXTS = new Set(["onnx", "pt", "pth", "pkl", "pickle", "joblib", "h5", "keras", "pb", "safetensors", "bin", "tflite", "mlmodel"]);

/** ModelBox's file type from the path and mime type, when the client gave none. */
export function fileTypeOf(path: string, mime: string): FileType {
  const p = path.toLowerCase();
  const ext = p.includes(".") ? p.slice(p.lastIndexOf(".") + 1) : "";
  if (ext === "ckpt" || p.includes("checkpoint")) return "CHECKPOINT";
  if (MODEL_EXTS.has(ext)) return "MODEL";
  const major = mime.split("/")[0];
  if (major === "image") return "IMAGE";
  if (major === "audio") return "AUDIO";
  if (major === "video") return "VIDEO";
  if (major === "text" || ["application/json", "application/yaml", "application/x-yaml"].includes(mime)) return "TEXT";
  return "UNDEFINED";
}

const MIME_BY_EXT: Record<string, string> = {
  json: "application/json",
  txt: "text/plain",
  csv: "text/csv",
  onnx: "application/onnx",
  zip: "application/zip",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  wav: "audio/wav",
  mp3: "audio/mpeg",
  mp4: "video/mp4",
  yaml: "application/yaml",
  yml: "application/yaml",
  pkl: "application/octet-stream",
  pt: "application/octet-stream",
  npy: "application/octet-stream",
  html: "text/html",
  md: "text/markdown",
};

export function guessMime(path: string, header: string | undefined): string {
  if (header && header !== "application/octet-stream" && !header.startsWith("multipart/")) return header.split(";")[0]!.trim();
  const ext = path.split(".").pop()?.toLowerCase() ?? "";
  return MIME_BY_EXT[ext] ?? header ?? "application/octet-stream";
}

export type ArtifactRow = typeof artifacts.$inferSelect;

export const artifactView = (a: ArtifactRow) => ({
  id: String(a.id),
  parent: parentId(a),
  path: a.path,
  size: a.size,
  sha256: a.sha256,
  mime: a.mime,
  fileType: (a.fileType ?? fileTypeOf(a.path, a.mime)) as FileType,
  storage: a.storage,
  uri: a.uri,
  version: a.version === 0 ? null : a.version,
  createdAt: new Date(a.createdAt).toISOString(),
});

async function assertFreePath(w: RegistryTx, o: Owner, path: string): Promise<void> {
  const [dup] = await w.tx
    .select({ id: artifacts.id })
    .from(artifacts)
    .where(and(eq(artifacts.modelId, o.model.id), eq(artifacts.version, o.version), eq(artifacts.path, path)));
  if (dup)
    throw new LearnwareError("CONFLICT", `${o.version === 0 ? "The model" : `Version ${o.version}`} already has an artifact at '${path}'`, { field: "path" });
}

export interface TrackedIn {
  path: string;
  uri: string;
  mime?: string | undefined;
  size?: number | undefined;
  sha256?: string | undefined;
  fileType?: FileType | undefined;
}

/** Inserts an artifact row of `o` and logs its event (the one place artifacts are added). */
async function addArtifact(
  w: RegistryTx,
  o: Owner,
  a: {
    path: string;
    mime: string;
    fileType?: FileType | undefined;
    size: number | null;
    sha256: string | null;
    storage: "tracked" | "stored";
    uri: string | null;
  },
  data: Record<string, unknown>,
): Promise<ArtifactRow> {
  const [row] = await w.tx
    .insert(artifacts)
    .values({
      modelId: o.model.id,
      version: o.version,
      path: a.path,
      size: a.size,
      sha256: a.sha256,
      mime: a.mime,
      fileType: a.fileType ?? fileTypeOf(a.path, a.mime),
      storage: a.storage,
      uri: a.uri,
      createdAt: w.at,
    })
    .returning();
  w.emit({ type: "artifact.added", namespace: o.model.namespace, modelId: o.model.id, version: o.version || null, data: { path: a.path, ...data } });
  return row!;
}

/** Records an artifact that stays where it is (its URI already passed the allow-list). */
export async function trackArtifact(w: RegistryTx, o: Owner, a: TrackedIn): Promise<ArtifactRow> {
  await assertFreePath(w, o, a.path);
  const mime = a.mime ?? guessMime(a.path, undefined);
  return addArtifact(w, o, { ...a, mime, size: a.size ?? null, sha256: a.sha256 ?? null, storage: "tracked", uri: a.uri }, { uri: a.uri });
}

/**
 * Stores an uploaded artifact whose bytes are staged (the quota is checked first; the
 * staged blob is discarded on any refusal and committed with the row).
 */
export async function storeArtifact(
  ctx: Ctx,
  w: RegistryTx,
  o: Owner,
  a: { path: string; mime: string; fileType?: FileType | undefined; staged: StagedBlob },
): Promise<ArtifactRow> {
  try {
    await assertFreePath(w, o, a.path);
  } catch (err) {
    await ctx.blobs.discard(a.staged);
    throw err;
  }
  await ctx.blobs.commit(a.staged);
  const { sha256, size } = a.staged;
  return addArtifact(w, o, { ...a, size, sha256, storage: "stored", uri: null }, { sha256, size });
}

/** Stages an upload's bytes, checking the client's sha256 and the owner's quota. */
export async function stageArtifact(ctx: Ctx, o: Owner, body: ReadableStream<Uint8Array>, expected: string | undefined): Promise<StagedBlob> {
  const staged = await ctx.blobs.stage(body, { maxBytes: ctx.config.maxPackageBytes });
  if (expected !== undefined && expected !== staged.sha256) {
    await ctx.blobs.discard(staged);
    throw new LearnwareError("CHECKSUM_MISMATCH", `Artifact sha256 is ${staged.sha256}, the client declared ${expected}`, {
      field: "x-checksum-sha256",
      actual: staged.sha256,
    });
  }
  try {
    await assertStorageQuota(ctx, o.model.owner, staged.size);
  } catch (err) {
    await ctx.blobs.discard(staged);
    throw err;
  }
  return staged;
}

export async function listArtifacts(db: Db, o: Owner): Promise<ArtifactRow[]> {
  return db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.modelId, o.model.id), eq(artifacts.version, o.version)))
    .orderBy(asc(artifacts.path));
}

export async function findArtifact(db: Db, o: Owner, path: string): Promise<ArtifactRow> {
  const [a] = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.modelId, o.model.id), eq(artifacts.version, o.version), eq(artifacts.path, path)));
  if (!a) throw new LearnwareError("NOT_FOUND", `No artifact '${path}' on ${where(o)}`, { field: "path" });
  return a;
}
