/**
 * The only database schema (drizzle, SQLite/libSQL dialect). Migrations under
 * `edge/db/migrations/` are generated from this file by drizzle-kit and never hand-edited.
 *
 * One catalogue serves the market and the registry: a learnware is a model of kind
 * `learnware` whose versions carry a package; registry models may have versions without one.
 */
import { sql } from "drizzle-orm";
import { blob, index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

export const models = sqliteTable(
  "models",
  {
    /** Zero-padded sequence, e.g. `00000012` (the Beimingwu id form). */
    id: text("id").primaryKey(),
    seq: integer("seq").notNull().unique(),
    kind: text("kind", { enum: ["learnware", "model"] }).notNull(),
    namespace: text("namespace").notNull(),
    owner: text("owner").notNull(),
    name: text("name").notNull(),
    task: text("task"),
    description: text("description"),
    /** The current semantic spec (the latest version's), JSON. */
    semantic: text("semantic", { mode: "json" }),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    latestVersion: integer("latest_version").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("models_ns_idx").on(t.namespace),
    index("models_owner_idx").on(t.owner),
    /** Registry model names are unique per namespace (learnwares keep the market's free names). */
    uniqueIndex("models_ns_name_uq").on(t.namespace, t.name).where(sql`kind = 'model'`),
  ],
);

export const versions = sqliteTable(
  "versions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    modelId: text("model_id").notNull(),
    number: integer("number").notNull(),
    packageSha256: text("package_sha256"),
    packageSize: integer("package_size"),
    framework: text("framework"),
    /** `[{ className, fileName, json }]` from the package. */
    statSpecs: text("stat_specs", { mode: "json" }).$type<unknown[]>().notNull().default([]),
    /** Snapshot of the semantic spec this version was created with. */
    semantic: text("semantic", { mode: "json" }),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    /** -1 INVALID, 0 NONUSABLE (pending), 1 USABLE. */
    checkStatus: integer("check_status").notNull().default(0),
    checkLog: text("check_log").notNull().default(""),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    /** ModelBox's free-form version label (e.g. `v1`), unique per model when given. */
    label: text("label"),
    name: text("name"),
    description: text("description"),
  },
  (t) => [
    uniqueIndex("versions_model_number_uq").on(t.modelId, t.number),
    index("versions_sha_idx").on(t.packageSha256),
    uniqueIndex("versions_model_label_uq").on(t.modelId, t.label).where(sql`label is not null`),
  ],
);

/**
 * The RKME index's entry of a version: its sketch under the index's feature map and its
 * exact `ip(spec, spec)`, written the first time a search meets the version, so that a
 * restarted server rebuilds the index from these rows without parsing a single spec.
 */
export const specSketches = sqliteTable(
  "spec_sketches",
  {
    versionId: integer("version_id").primaryKey(),
    modelId: text("model_id").notNull(),
    /** Spec dimension; 0 when the version has no RKMETableSpecification. */
    dim: integer("dim").notNull(),
    gamma: real("gamma").notNull(),
    /** The feature map the sketch was made with (the index's `features` and `seed`). */
    features: integer("features").notNull(),
    seed: integer("seed").notNull(),
    selfIp: real("self_ip").notNull(),
    /** The sketch, f32 little-endian; null without a table spec. */
    sketch: blob("sketch", { mode: "buffer" }),
  },
  (t) => [index("spec_sketches_model_idx").on(t.modelId)],
);

export const tags = sqliteTable(
  "tags",
  {
    modelId: text("model_id").notNull(),
    tag: text("tag").notNull(),
    version: integer("version").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("tags_model_tag_uq").on(t.modelId, t.tag)],
);

/** Artifacts of a version, or of the model itself when `version` is 0 (versions count from 1). */
export const artifacts = sqliteTable(
  "artifacts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    modelId: text("model_id").notNull(),
    version: integer("version").notNull(),
    path: text("path").notNull(),
    size: integer("size"),
    sha256: text("sha256"),
    mime: text("mime").notNull(),
    storage: text("storage", { enum: ["stored", "tracked"] }).notNull(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull().default(now),
    /** ModelBox's file type: MODEL, CHECKPOINT, TEXT, IMAGE, AUDIO, VIDEO or UNDEFINED. */
    fileType: text("file_type"),
  },
  (t) => [uniqueIndex("artifacts_path_uq").on(t.modelId, t.version, t.path), index("artifacts_sha_idx").on(t.sha256)],
);

/** Metrics of a version, or of the model itself when `version` is 0. */
export const metrics = sqliteTable(
  "metrics",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    modelId: text("model_id").notNull(),
    version: integer("version").notNull(),
    key: text("key").notNull(),
    valueNumber: real("value_number"),
    valueString: text("value_string"),
    valueBytes: blob("value_bytes", { mode: "buffer" }),
    step: integer("step").notNull().default(0),
    wallClock: integer("wall_clock").notNull(),
  },
  (t) => [index("metrics_key_idx").on(t.modelId, t.version, t.key, t.step)],
);

/**
 * Params (MLflow's): string key/values of a version (or of the model, version 0), written
 * once — logging the same key again with another value is a conflict. Kept apart from
 * metrics, which are numeric series.
 */
export const params = sqliteTable(
  "params",
  {
    modelId: text("model_id").notNull(),
    version: integer("version").notNull(),
    key: text("key").notNull(),
    value: text("value").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("params_key_uq").on(t.modelId, t.version, t.key)],
);

export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    type: text("type").notNull(),
    namespace: text("namespace"),
    modelId: text("model_id"),
    version: integer("version"),
    actor: text("actor"),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("events_model_idx").on(t.modelId), index("events_ns_idx").on(t.namespace)],
);

export const tokens = sqliteTable(
  "tokens",
  {
    id: text("id").primaryKey(),
    /** sha256 (hex) of the whole token; the token itself is never stored. */
    hash: text("hash").notNull().unique(),
    owner: text("owner").notNull(),
    email: text("email"),
    name: text("name").notNull().default(""),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    /** Tokens minted by `login_by_token` point at their parent personal token. */
    parentId: text("parent_id"),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("tokens_owner_idx").on(t.owner)],
);

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    modelId: text("model_id").notNull(),
    version: integer("version").notNull(),
    status: text("status", { enum: ["queued", "leased", "done", "failed"] })
      .notNull()
      .default("queued"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(5),
    runner: text("runner"),
    /** The token that holds the lease: a runner token reads the package of the jobs it holds only. */
    leaseToken: text("lease_token"),
    leaseUntil: integer("lease_until"),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    log: text("log").notNull().default(""),
    result: text("result", { mode: "json" }),
    /** GPU devices per instance the job's learnware needs (a runner with fewer never leases it). */
    needsGpu: integer("needs_gpu").notNull().default(0),
    /** Runner labels it needs, as `,a,b,` (sorted; `""`: none) — matched with REPLACE, the same SQL on both dialects. */
    needsLabels: text("needs_labels").notNull().default(""),
    /**
     * The backend the job needs (`""`: any): the learnware's model kind (`python`, `onnx`, `js`),
     * or a Python backend an admin asked for (`docker`, `python-venv`, `conda`). A runner that
     * reports its backends leases only jobs it has the backend for.
     */
    needsBackend: text("needs_backend").notNull().default(""),
    /** Higher first, then the oldest (default 0). */
    priority: integer("priority").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("jobs_status_idx").on(t.status, t.kind)],
);

/** Resumable upload sessions (and the Beimingwu `chunked_upload` files, keyed by md5). */
export const uploads = sqliteTable(
  "uploads",
  {
    id: text("id").primaryKey(),
    owner: text("owner").notNull(),
    /** Declared total size, when the client gave one. */
    size: integer("size"),
    received: integer("received").notNull().default(0),
    /** For compat sessions, the client's md5 file hash. */
    clientHash: text("client_hash"),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    /** `open` while chunks arrive; `finished` keeps the answer so a repeated finish gets it again. */
    state: text("state", { enum: ["open", "finished"] })
      .notNull()
      .default("open"),
    /** The finish answer (`{ status, body }`), kept until the session expires. */
    result: text("result", { mode: "json" }).$type<{ status: number; body: unknown }>(),
  },
  (t) => [index("uploads_owner_idx").on(t.owner, t.state)],
);

/**
 * Registry namespaces: owned by the user who created the first model in them (or named by
 * an admin); only the owner, the members and admins may create models in them.
 */
export const namespaces = sqliteTable("namespaces", {
  name: text("name").primaryKey(),
  owner: text("owner").notNull(),
  members: text("members", { mode: "json" }).$type<string[]>().notNull().default([]),
  createdAt: integer("created_at").notNull().default(now),
});

/** Key/value settings of the server (e.g. the link-signing secret). */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * The RKME index's inverted files, one row per sketch bucket (feature map, dimension, γ):
 * trained once, by the replica that claims the row, and loaded by every other one, so all
 * replicas probe the same lists (`edge/services/ivfCentroids.ts`). `generation` counts the
 * trainings stored; a claim (`claimed_by` until `claimed_until`) marks a training under way.
 */
export const ivfCentroids = sqliteTable("ivf_centroids", {
  bucket: text("bucket").primaryKey(),
  generation: integer("generation").notNull().default(0),
  /** The bucket's size when trained (it retrains at 4× that). */
  trainedSize: integer("trained_size").notNull().default(0),
  lists: integer("lists").notNull().default(0),
  /** L×D unit centroids, f32 little-endian; null until the first training is stored. */
  centroids: blob("centroids", { mode: "buffer" }),
  trainedBy: text("trained_by"),
  trainedAt: integer("trained_at"),
  claimedBy: text("claimed_by"),
  claimedUntil: integer("claimed_until"),
});

/** Runners as they last leased or registered: what each offers (`GET /v1/runners`). */
export const runners = sqliteTable("runners", {
  name: text("name").primaryKey(),
  /** The owner of the token it last used. */
  owner: text("owner"),
  capabilities: text("capabilities", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  registeredAt: integer("registered_at").notNull().default(now),
  lastSeen: integer("last_seen").notNull().default(now),
});
