/**
 * Server configuration: environment variables with defaults, read once at start-up.
 * The app itself never reads the environment; entries pass a `ServerConfig` in.
 */
export interface ServerConfig {
  /** Folder holding the database file, blobs, upload sessions and the admin token. */
  dataDir: string;
  port: number;
  host: string;
  /** libSQL URL; defaults to `file:<dataDir>/lw.db`. */
  dbUrl: string;
  /** `s3://bucket/prefix` puts blobs on S3-compatible storage (else `<dataDir>/blobs`). */
  blobUrl: string | undefined;
  /** The S3 service (path-style base URL), its credentials and region (with `blobUrl`). */
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; timeoutMs: number };
  /** Anonymous GETs on market/registry reads when true. */
  publicReads: boolean;
  /** If set, ensured as an admin token at start (never logged). */
  adminToken: string | undefined;
  /** Prefix of the Beimingwu-compatible API used by the Python client. */
  compatPrefix: string;
  /** Largest package accepted (bytes). */
  maxPackageBytes: number;
  /** Largest JSON body (bytes). */
  maxJsonBytes: number;
  /** Largest single chunk of a resumable upload (bytes). */
  maxChunkBytes: number;
  /** Lifetime of signed download links (seconds). */
  signedLinkSeconds: number;
  /** Package and artifact downloads answer 302 to a presigned URL of the blob store (S3 only). */
  downloadRedirect: boolean;
  /** Secret for signed links (HMAC); generated per data dir when unset. */
  linkSecret: string | undefined;
  /** Seed the demo learnwares when the catalogue is empty. */
  seedDemo: boolean;
  /** Sentence-embedding model folder (transformers.js layout) served read-only at `/v1/text-model/` for the page's text search. */
  textModel: string | undefined;
  /** Attempts before a job fails for good. */
  jobMaxAttempts: number;
  /** Searchable table specs from which on the RKME index answers statistical searches. */
  indexThreshold: number;
  /** Candidates the index hands to the exact re-rank (0: the default, max(100, 4·max²)). */
  indexTopN: number;
  /** Specs of one (dimension, γ) from which the index trains an inverted file. */
  indexIvfMinSize: number;
  /** Search worker threads (0: search on the server's own thread). */
  searchThreads: number;
  /** Heavy searches at once (0: one per search thread). */
  searchConcurrency: number;
  /** Searches waiting for a slot; beyond, 503 with Retry-After. */
  searchQueue: number;
  /** Specs an anonymous exact search may scan at normal priority. */
  anonExactMax: number;
  /** Anonymous exact searches over more specs: `queue` (behind the others) or `refuse` (401). */
  anonExactPolicy: "queue" | "refuse";
  /** Zip limits read from the central directory before anything is inflated. */
  zipMaxEntries: number;
  zipMaxUncompressedBytes: number;
  /** Highest uncompressed / compressed ratio of the whole package (and of any entry over 1 MiB). */
  zipMaxRatio: number;
  /** Packages from this size on are inflated in a worker thread, off the event loop. */
  zipWorkerMinBytes: number;
  /** Open resumable upload sessions per owner. */
  uploadMaxSessions: number;
  /** Bytes held by one owner's open upload sessions (declared or received). */
  uploadMaxBytes: number;
  /** Lifetime of a resumable upload session (seconds). */
  uploadSessionSeconds: number;
  /** Stored bytes (packages and artifacts) per owner; 0 = unlimited. */
  quotaStorageBytes: number;
  /** Rate limits per minute (0 = off): failed authentications per address, searches and uploads per token or address. */
  rateAuthFailures: number;
  rateSearch: number;
  rateUploads: number;
  /** How often the garbage collector and the upload sweeper run (seconds; 0 = only at start). */
  gcIntervalSeconds: number;
  /** Node server: headers must arrive within, a whole request within, a socket may idle (seconds). */
  headersTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  idleTimeoutSeconds: number;
}

const MiB = 1024 * 1024;

function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === "") return dflt;
  return !["0", "false", "no", "off"].includes(v.toLowerCase());
}

function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got '${v}'`);
  return n;
}

/** Reads the configuration from an environment map (e.g. `process.env` or `Deno.env.toObject()`). */
export function loadConfig(env: Record<string, string | undefined>, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const dataDir = env.LW_DATA_DIR || "./.lw-data";
  const cfg: ServerConfig = {
    dataDir,
    port: int("LW_PORT", env.LW_PORT, 8787),
    host: env.LW_HOST || "127.0.0.1",
    dbUrl: env.LW_DB_URL || `file:${dataDir.replace(/\/+$/, "")}/lw.db`,
    blobUrl: env.LW_BLOB_URL || undefined,
    s3: {
      endpoint: env.LW_S3_ENDPOINT || "https://s3.amazonaws.com",
      accessKeyId: env.LW_S3_ACCESS_KEY_ID || env.AWS_ACCESS_KEY_ID || "",
      secretAccessKey: env.LW_S3_SECRET_ACCESS_KEY || env.AWS_SECRET_ACCESS_KEY || "",
      region: env.LW_S3_REGION || env.AWS_REGION || "us-east-1",
      timeoutMs: 1000 * int("LW_S3_TIMEOUT_SECONDS", env.LW_S3_TIMEOUT_SECONDS, 120),
    },
    publicReads: bool(env.LW_PUBLIC_READS, true),
    adminToken: env.LW_ADMIN_TOKEN || undefined,
    compatPrefix: normalizePrefix(env.LW_COMPAT_PREFIX ?? "/api"),
    maxPackageBytes: int("LW_MAX_PACKAGE_BYTES", env.LW_MAX_PACKAGE_BYTES, 256 * MiB),
    maxJsonBytes: int("LW_MAX_JSON_BYTES", env.LW_MAX_JSON_BYTES, 8 * MiB),
    maxChunkBytes: int("LW_MAX_CHUNK_BYTES", env.LW_MAX_CHUNK_BYTES, 16 * MiB),
    signedLinkSeconds: int("LW_SIGNED_LINK_SECONDS", env.LW_SIGNED_LINK_SECONDS, 300),
    downloadRedirect: bool(env.LW_DOWNLOAD_REDIRECT, false),
    linkSecret: env.LW_LINK_SECRET || undefined,
    seedDemo: bool(env.LW_SEED_DEMO, true),
    textModel: env.LW_TEXT_MODEL || undefined,
    jobMaxAttempts: int("LW_JOB_MAX_ATTEMPTS", env.LW_JOB_MAX_ATTEMPTS, 5),
    indexThreshold: int("LW_INDEX_THRESHOLD", env.LW_INDEX_THRESHOLD, 2000),
    indexTopN: int("LW_INDEX_TOP_N", env.LW_INDEX_TOP_N, 0),
    indexIvfMinSize: int("LW_INDEX_IVF_MIN_SIZE", env.LW_INDEX_IVF_MIN_SIZE, 20000),
    searchThreads: int("LW_SEARCH_THREADS", env.LW_SEARCH_THREADS, defaultSearchThreads()),
    searchConcurrency: int("LW_SEARCH_CONCURRENCY", env.LW_SEARCH_CONCURRENCY, 0),
    searchQueue: int("LW_SEARCH_QUEUE", env.LW_SEARCH_QUEUE, 64),
    anonExactMax: int("LW_ANON_EXACT_MAX", env.LW_ANON_EXACT_MAX, 20000),
    anonExactPolicy: policy(env.LW_ANON_EXACT_POLICY),
    zipMaxEntries: int("LW_ZIP_MAX_ENTRIES", env.LW_ZIP_MAX_ENTRIES, 10_000),
    zipMaxUncompressedBytes: int("LW_ZIP_MAX_UNCOMPRESSED_BYTES", env.LW_ZIP_MAX_UNCOMPRESSED_BYTES, 1024 * MiB),
    zipMaxRatio: int("LW_ZIP_MAX_RATIO", env.LW_ZIP_MAX_RATIO, 100),
    zipWorkerMinBytes: int("LW_ZIP_WORKER_MIN_BYTES", env.LW_ZIP_WORKER_MIN_BYTES, 4 * MiB),
    uploadMaxSessions: int("LW_UPLOAD_MAX_SESSIONS", env.LW_UPLOAD_MAX_SESSIONS, 50),
    uploadMaxBytes: int("LW_UPLOAD_MAX_BYTES", env.LW_UPLOAD_MAX_BYTES, 2048 * MiB),
    uploadSessionSeconds: int("LW_UPLOAD_SESSION_SECONDS", env.LW_UPLOAD_SESSION_SECONDS, 24 * 3600),
    quotaStorageBytes: int("LW_QUOTA_STORAGE_BYTES", env.LW_QUOTA_STORAGE_BYTES, 0),
    rateAuthFailures: int("LW_RATE_AUTH_FAILURES", env.LW_RATE_AUTH_FAILURES, 300),
    rateSearch: int("LW_RATE_SEARCH", env.LW_RATE_SEARCH, 3000),
    rateUploads: int("LW_RATE_UPLOADS", env.LW_RATE_UPLOADS, 3000),
    gcIntervalSeconds: int("LW_GC_INTERVAL_SECONDS", env.LW_GC_INTERVAL_SECONDS, 600),
    headersTimeoutSeconds: int("LW_HEADERS_TIMEOUT_SECONDS", env.LW_HEADERS_TIMEOUT_SECONDS, 20),
    requestTimeoutSeconds: int("LW_REQUEST_TIMEOUT_SECONDS", env.LW_REQUEST_TIMEOUT_SECONDS, 900),
    idleTimeoutSeconds: int("LW_IDLE_TIMEOUT_SECONDS", env.LW_IDLE_TIMEOUT_SECONDS, 30),
  };
  return { ...cfg, ...overrides };
}

function policy(v: string | undefined): "queue" | "refuse" {
  if (v === undefined || v === "" || v === "queue") return "queue";
  if (v === "refuse") return "refuse";
  throw new RangeError(`LW_ANON_EXACT_POLICY must be queue or refuse, got '${v}'`);
}

/**
 * One search thread per core but one (at most 8), so the event loop keeps a core to itself; a
 * machine of one core still gets one. On the 2-core development machine one thread gave both a
 * lower /healthz p99 (13.8 vs 120 ms) and more searches per second (9.6 vs 6.7) than two under
 * 4 clients (bench/server/responsiveness.ts).
 */
function defaultSearchThreads(): number {
  return Math.max(1, Math.min(8, cores() - 1));
}

/**
 * The machine's cores without importing `node:os` (this file is read on edge runtimes too):
 * `navigator.hardwareConcurrency` (Node 21+, Deno, workerd), else Node 20's built-in `os`.
 */
function cores(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (m: string) => unknown } };
  const n =
    g.navigator?.hardwareConcurrency ?? (g.process?.getBuiltinModule?.("node:os") as { availableParallelism(): number } | undefined)?.availableParallelism();
  return n && n > 0 ? n : 1;
}

function normalizePrefix(p: string): string {
  if (p === "" || p === "/") return "";
  return "/" + p.replace(/^\/+|\/+$/g, "");
}
