/**
 * The PostgreSQL form of `schema.ts`: the same tables, columns, keys and indexes in drizzle's
 * pg-core, from which drizzle-kit generates `migrations-pg/` (`npm run db:generate`). The
 * server's queries are written once against `schema.ts`; drizzle renders them for PostgreSQL
 * by column name, so this file only decides the PostgreSQL storage types:
 *
 * - milliseconds since the epoch are `bigint` (read back as numbers: see `pgClient.ts`);
 * - JSON columns are `json` (the text as written, key order kept; filters cast to `jsonb`);
 * - byte columns are `bytea`, reals `double precision`, autoincrement keys identities.
 *
 * `test/db/schema_parity.test.ts` fails when a table, column, nullability, key or index here
 * differs from `schema.ts`, so the two cannot drift.
 */
import { sql } from "drizzle-orm";
import { bigint, customType, doublePrecision, index, integer, json, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";

const now = sql`((extract(epoch from clock_timestamp()) * 1000)::bigint)`;
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => "bytea" });
const ms = (name: string) => bigint(name, { mode: "number" });

export const models = pgTable(
  "models",
  {
    id: text("id").primaryKey(),
    seq: integer("seq").notNull().unique(),
    kind: text("kind", { enum: ["learnware", "model"] }).notNull(),
    namespace: text("namespace").notNull(),
    owner: text("owner").notNull(),
    name: text("name").notNull(),
    task: text("task"),
    description: text("description"),
    semantic: json("semantic"),
    metadata: json("metadata").$type<Record<string, unknown>>().notNull().default({}),
    latestVersion: integer("latest_version").notNull().default(0),
    createdAt: ms("created_at").notNull().default(now),
    updatedAt: ms("updated_at").notNull().default(now),
  },
  (t) => [
    index("models_ns_idx").on(t.namespace),
    index("models_owner_idx").on(t.owner),
    /** Registry model names are unique per namespace (learnwares keep the market's free names). */
    uniqueIndex("models_ns_name_uq").on(t.namespace, t.name).where(sql`kind = 'model'`),
  ],
);

export const versions = pgTable(
  "versions",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    modelId: text("model_id").notNull(),
    number: integer("number").notNull(),
    packageSha256: text("package_sha256"),
    packageSize: bigint("package_size", { mode: "number" }),
    framework: text("framework"),
    statSpecs: json("stat_specs").$type<unknown[]>().notNull().default([]),
    semantic: json("semantic"),
    metadata: json("metadata").$type<Record<string, unknown>>().notNull().default({}),
    checkStatus: integer("check_status").notNull().default(0),
    checkLog: text("check_log").notNull().default(""),
    createdBy: text("created_by").notNull(),
    createdAt: ms("created_at").notNull().default(now),
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

export const specSketches = pgTable(
  "spec_sketches",
  {
    versionId: integer("version_id").primaryKey(),
    modelId: text("model_id").notNull(),
    dim: integer("dim").notNull(),
    gamma: doublePrecision("gamma").notNull(),
    features: integer("features").notNull(),
    seed: bigint("seed", { mode: "number" }).notNull(),
    selfIp: doublePrecision("self_ip").notNull(),
    sketch: bytea("sketch"),
  },
  (t) => [index("spec_sketches_model_idx").on(t.modelId)],
);

export const tags = pgTable(
  "tags",
  {
    modelId: text("model_id").notNull(),
    tag: text("tag").notNull(),
    version: integer("version").notNull(),
    updatedAt: ms("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("tags_model_tag_uq").on(t.modelId, t.tag)],
);

/** Artifacts of a version, or of the model itself when `version` is 0 (versions count from 1). */
export const artifacts = pgTable(
  "artifacts",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    modelId: text("model_id").notNull(),
    version: integer("version").notNull(),
    path: text("path").notNull(),
    size: bigint("size", { mode: "number" }),
    sha256: text("sha256"),
    mime: text("mime").notNull(),
    storage: text("storage", { enum: ["stored", "tracked"] }).notNull(),
    uri: text("uri"),
    createdAt: ms("created_at").notNull().default(now),
    /** ModelBox's file type: MODEL, CHECKPOINT, TEXT, IMAGE, AUDIO, VIDEO or UNDEFINED. */
    fileType: text("file_type"),
  },
  (t) => [uniqueIndex("artifacts_path_uq").on(t.modelId, t.version, t.path), index("artifacts_sha_idx").on(t.sha256)],
);

/** Metrics of a version, or of the model itself when `version` is 0. */
export const metrics = pgTable(
  "metrics",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    modelId: text("model_id").notNull(),
    version: integer("version").notNull(),
    key: text("key").notNull(),
    valueNumber: doublePrecision("value_number"),
    valueString: text("value_string"),
    valueBytes: bytea("value_bytes"),
    step: bigint("step", { mode: "number" }).notNull().default(0),
    wallClock: ms("wall_clock").notNull(),
  },
  (t) => [index("metrics_key_idx").on(t.modelId, t.version, t.key, t.step)],
);

/**
 * Params (MLflow's): string key/values of a version (or of the model, version 0), written
 * once — logging the same key again with another value is a conflict. Kept apart from
 * metrics, which are numeric series.
 */
export const params = pgTable(
  "params",
  {
    modelId: text("model_id").notNull(),
    version: integer("version").notNull(),
    key: text("key").notNull(),
    value: text("value").notNull(),
    createdAt: ms("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("params_key_uq").on(t.modelId, t.version, t.key)],
);

export const events = pgTable(
  "events",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    at: ms("at").notNull(),
    type: text("type").notNull(),
    namespace: text("namespace"),
    modelId: text("model_id"),
    version: integer("version"),
    actor: text("actor"),
    data: json("data").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("events_model_idx").on(t.modelId), index("events_ns_idx").on(t.namespace)],
);

export const tokens = pgTable(
  "tokens",
  {
    id: text("id").primaryKey(),
    hash: text("hash").notNull().unique(),
    owner: text("owner").notNull(),
    email: text("email"),
    name: text("name").notNull().default(""),
    scopes: json("scopes").$type<string[]>().notNull(),
    parentId: text("parent_id"),
    createdAt: ms("created_at").notNull().default(now),
    expiresAt: ms("expires_at"),
    revokedAt: ms("revoked_at"),
    lastUsedAt: ms("last_used_at"),
  },
  (t) => [index("tokens_owner_idx").on(t.owner)],
);

export const jobs = pgTable(
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
    leaseToken: text("lease_token"),
    leaseUntil: ms("lease_until"),
    payload: json("payload").$type<Record<string, unknown>>().notNull().default({}),
    log: text("log").notNull().default(""),
    result: json("result"),
    needsGpu: integer("needs_gpu").notNull().default(0),
    needsLabels: text("needs_labels").notNull().default(""),
    needsBackend: text("needs_backend").notNull().default(""),
    priority: integer("priority").notNull().default(0),
    createdAt: ms("created_at").notNull().default(now),
    updatedAt: ms("updated_at").notNull().default(now),
  },
  (t) => [index("jobs_status_idx").on(t.status, t.kind)],
);

export const uploads = pgTable(
  "uploads",
  {
    id: text("id").primaryKey(),
    owner: text("owner").notNull(),
    size: bigint("size", { mode: "number" }),
    received: bigint("received", { mode: "number" }).notNull().default(0),
    clientHash: text("client_hash"),
    createdAt: ms("created_at").notNull().default(now),
    expiresAt: ms("expires_at").notNull(),
    state: text("state", { enum: ["open", "finished"] })
      .notNull()
      .default("open"),
    result: json("result").$type<{ status: number; body: unknown }>(),
  },
  (t) => [index("uploads_owner_idx").on(t.owner, t.state)],
);

export const namespaces = pgTable("namespaces", {
  name: text("name").primaryKey(),
  owner: text("owner").notNull(),
  members: json("members").$type<string[]>().notNull().default([]),
  createdAt: ms("created_at").notNull().default(now),
});

export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export const ivfCentroids = pgTable("ivf_centroids", {
  bucket: text("bucket").primaryKey(),
  generation: integer("generation").notNull().default(0),
  trainedSize: integer("trained_size").notNull().default(0),
  lists: integer("lists").notNull().default(0),
  centroids: bytea("centroids"),
  trainedBy: text("trained_by"),
  trainedAt: ms("trained_at"),
  claimedBy: text("claimed_by"),
  claimedUntil: ms("claimed_until"),
});

export const runners = pgTable("runners", {
  name: text("name").primaryKey(),
  owner: text("owner"),
  capabilities: json("capabilities").$type<Record<string, unknown>>().notNull().default({}),
  registeredAt: ms("registered_at").notNull().default(now),
  lastSeen: ms("last_seen").notNull().default(now),
});
