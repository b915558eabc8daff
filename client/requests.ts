/**
 * The request half of the contract: the JSON body of every operation that takes one, by
 * `operationId`. The server validates each body with these schemas (`edge/http/route.ts`
 * refuses to register a route whose body is not the contract's) and documents them in
 * `/openapi.json`; the typed client (`./client.ts`) types `call(id, { json })` with them,
 * so a caller that sends a field the server does not take fails to compile. Path and
 * query parameters stay with their routes (the client fills paths from strings).
 *
 * The rules a body is checked against (artifact paths, tracked URI schemes, names, tags,
 * labels) live here too, so the server's services and the page read the same ones.
 */
import { z } from "zod";
import { RESOURCE_LABEL } from "../core/package/learnwareYaml.ts";
import { IMAGE_SPEC_TYPE } from "../core/spec/specTypes.ts";
import type { OperationId } from "./routes.ts";

// ---------------------------------------------------------------- rules

/** Token scopes. */
export type Scope = "read" | "write" | "admin" | "runner";
export const SCOPES: readonly Scope[] = ["read", "write", "admin", "runner"];

/** The most JSON characters a model's or version's metadata may take. */
export const MAX_METADATA_CHARS = 64 * 1024;

/** Windows device names, which no file may be called on Windows (with or without an extension). */
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * An artifact path: relative, `/`-separated, no `.`/`..`/empty segments, no backslash, no
 * control characters (NUL included), no Windows device names and no segment ending in a dot
 * or a space, so it names the same file on every system a client may download it to.
 */
export function artifactPathProblem(p: string): string | null {
  // deno-lint-ignore no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(p)) return "must not contain control characters (such as NUL)";
  if (p.includes("\\")) return "must use '/' as the separator, not '\\'";
  if (p.startsWith("/")) return "must be relative";
  if (/^[A-Za-z]:/.test(p)) return "must not start with a drive letter";
  for (const seg of p.split("/")) {
    if (seg === "" || seg === "." || seg === "..") return "must not have '.', '..' or empty segments";
    if (DEVICE.test(seg)) return `must not use the Windows device name '${seg}'`;
    if (/[. ]$/.test(seg)) return `segment '${seg}' must not end in a dot or a space`;
  }
  return null;
}

/** Schemes a tracked artifact may point at (never `javascript:`, `data:`, `blob:` …). */
export const TRACKED_SCHEMES = [
  "http",
  "https",
  "s3",
  "gs",
  "gcs",
  "az",
  "abfs",
  "abfss",
  "wasbs",
  "file",
  "hdfs",
  "ftp",
  "sftp",
  "oci",
  "dbfs",
  "mlflow-artifacts",
  "runs",
  "models",
];

/** ModelBox's artifact file types. */
export const FILE_TYPES = ["MODEL", "CHECKPOINT", "TEXT", "IMAGE", "AUDIO", "VIDEO", "UNDEFINED"] as const;
export type FileType = (typeof FILE_TYPES)[number];

// ---------------------------------------------------------------- field schemas

export const NameSchema = z.string().min(1).max(200);
export const NamespaceSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "Use letters, digits, '.', '_' or '-' (max 64)");
export const TagSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/, "A tag starts with a letter (letters, digits, '.', '_', '-'; max 64), so it never reads as a version number")
  .refine((t) => t.toLowerCase() !== "latest", { message: "'latest' is reserved (it always means the newest version)" });
/** ModelBox's version label: free-form, but never a number (numbers are the registry's own). */
const Label = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^/@:\s]+$/, "A version label has no spaces, '/', '@' or ':'")
  .refine((l) => !/^\d+$/.test(l) && l !== "latest", { message: "A version label must not be a number or 'latest' (they name versions already)" });
const Metadata = z
  .record(z.unknown())
  .refine((m) => JSON.stringify(m).length <= MAX_METADATA_CHARS, { message: `Metadata must be at most ${MAX_METADATA_CHARS} characters of JSON` });
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const ArtifactPath = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((p, ctx) => {
    const problem = artifactPathProblem(p);
    if (problem) ctx.addIssue({ code: "custom", message: `Artifact path ${problem}` });
  });

/** A tracked URI: a scheme of the allow-list, or a plain absolute path (kept as `file://`). */
const TrackedUri = z
  .string()
  .min(1)
  .max(4096)
  .transform((u) => (u.startsWith("/") && !u.startsWith("//") ? `file://${encodeURI(u)}` : u))
  .superRefine((u, ctx) => {
    let scheme: string;
    try {
      scheme = new URL(u).protocol.slice(0, -1).toLowerCase();
    } catch {
      ctx.addIssue({ code: "custom", message: `'${u.slice(0, 80)}' is neither a URI nor an absolute path` });
      return;
    }
    if (!TRACKED_SCHEMES.includes(scheme))
      ctx.addIssue({ code: "custom", message: `URI scheme '${scheme}:' is not allowed; use one of ${TRACKED_SCHEMES.join(", ")}` });
  });

export const FileTypeSchema = z.enum(FILE_TYPES);

/** A tracked artifact in a request (also accepted at model and version creation). */
export const TrackedArtifact = z.object({
  path: ArtifactPath,
  uri: TrackedUri,
  mime: z.string().max(200).optional(),
  fileType: FileTypeSchema.optional(),
  size: z.number().int().min(0).optional(),
  sha256: Sha256.optional(),
});

const ModelBody = z.object({
  name: NameSchema,
  owner: z.string().min(1).max(200).optional().describe("Default the caller; another owner only for an admin"),
  task: z.string().max(200).optional(),
  description: z.string().max(10_000).optional(),
  metadata: Metadata.optional(),
  semantic: z.record(z.unknown()).optional(),
  artifacts: z.array(TrackedArtifact).max(100).optional().describe("Artifacts tracked on the model itself"),
});

const Metric = z
  .object({
    key: z.string().min(1).max(200),
    value: z.union([z.number(), z.string().max(100_000)]).optional(),
    bytes: z.string().max(1_400_000).optional().describe("base64"),
    step: z.number().int().min(0).optional(),
    wallClock: z.number().optional().describe("milliseconds since the epoch; default now"),
  })
  .refine((m) => (m.value === undefined) !== (m.bytes === undefined), { message: "Give exactly one of value or bytes" });
const LogMetrics = z.object({ metrics: z.array(Metric).min(1).max(10_000) });
const LogParams = z.object({
  params: z
    .record(z.string().min(1).max(250), z.string().max(6000))
    .refine((p) => Object.keys(p).length >= 1 && Object.keys(p).length <= 1000, { message: "Give 1 to 1000 params" }),
});
const MetadataPatch = z.object({ metadata: Metadata });

export const SearchBody = z.object({
  semantic: z.record(z.unknown()).optional().describe("A (partial) semantic specification"),
  stat: z
    .union([
      z
        .object({
          z: z.array(z.array(z.number())),
          beta: z.array(z.number()),
          gamma: z.number(),
          num_points: z.number().int().optional(),
          type: z.string().optional(),
        })
        .passthrough(),
      // An image RKME: K images of C×32×32 values, no RBF gamma.
      z
        .object({
          z: z.array(z.array(z.array(z.array(z.number())))),
          beta: z.array(z.number()),
          num_points: z.number().int().optional(),
          type: z.literal(IMAGE_SPEC_TYPE),
        })
        .passthrough(),
    ])
    .optional()
    .describe("A stat spec of a registered type (RKMETableSpecification, RKMETextSpecification, RKMEImageSpecification) as it is saved"),
  statuses: z
    .array(z.enum(["usable", "pending", "invalid"]))
    .optional()
    .describe("Default: usable only; others need admin"),
  maxSearchNum: z.number().int().min(1).max(20).default(5),
  method: z
    .string()
    .min(1)
    .max(64)
    .default("greedy")
    .describe("greedy, auto or none; any other method is accepted as the Python market accepts it: a warning, and single results only"),
  searcher: z.enum(["fuzzy", "exact"]).default("fuzzy"),
  approximate: z
    .boolean()
    .default(false)
    .describe(
      "Answer from the RKME index's candidates on large markets (faster; scores converted over the candidates only, near-ties may be missed). Default: the exact scan, the Python market's answer at any size",
    ),
  exact: z.boolean().optional().describe("The default; kept for older clients (contradicts approximate: true)"),
  hetero: z
    .enum(["auto", "on", "off"])
    .default("auto")
    .describe(
      "Heterogeneous search (learnwares of other columns, matched by Input descriptions): auto when no learnware has the table spec's dimension and semantic Input describes every column; on: always; off: never",
    ),
  limit: z.number().int().min(1).max(500).default(20),
  offset: z.number().int().min(0).default(0),
});

/** Python backends: a runner with any of them runs `python` learnwares; an admin may pin a job to one. */
export const PYTHON_BACKENDS = ["python-venv", "conda", "docker"] as const;

/**
 * What a runner offers; absent: a CPU runner without labels (older runners send none). `gpus`,
 * `labels` and `backends` decide what it may lease; the rest is reported (`GET /v1/runners`).
 */
export const Capabilities = z.object({
  /** GPU devices it offers (default: as many as `gpuDevices` lists, else 0). */
  gpus: z.number().int().min(0).max(1024).optional(),
  labels: z.array(z.string().regex(RESOURCE_LABEL, "a runner label: letters, digits and . _ + : -, at most 63")).max(64).default([]),
  /** Backends it runs: `onnx`, `js`, `python-venv`, `conda`, `docker` (absent: not filtered by backend). */
  backends: z.array(z.string().min(1).max(64)).max(16).optional(),
  /** Where it runs uploaded code: bubblewrap, docker containers, or no sandbox. */
  sandbox: z.enum(["bwrap", "docker", "none"]).optional(),
  cpus: z.number().int().min(1).max(65536).optional(),
  memoryBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  gpuDevices: z
    .array(
      z.object({
        uuid: z.string().min(1).max(128),
        name: z.string().max(200).optional(),
        memoryMiB: z.number().min(0).max(1e9).optional(),
      }),
    )
    .max(1024)
    .optional(),
});

// ---------------------------------------------------------------- bodies by operation

/** The JSON body of every operation that takes one, by `operationId`. */
export const REQUESTS = {
  // auth
  createToken: z.object({
    owner: z.string().min(1).max(128),
    email: z.string().max(256).optional(),
    name: z.string().max(128).optional(),
    scopes: z.array(z.enum(SCOPES as unknown as [Scope, ...Scope[]])).min(1),
    expiresInSeconds: z.number().int().positive().optional(),
  }),
  // market
  search: SearchBody,
  // uploads
  createUpload: z.object({ size: z.number().int().positive().optional() }),
  finishUpload: z.object({ sha256: Sha256, semantic: z.record(z.unknown()).optional(), learnwareId: z.string().max(64).optional() }),
  // registry
  createModel: ModelBody,
  createDefaultModel: ModelBody.extend({ namespace: NamespaceSchema.optional() }),
  putNamespace: z.object({ owner: z.string().min(1).max(200).optional(), members: z.array(z.string().min(1).max(200)).max(1000).optional() }),
  createModelVersion: z.object({
    label: Label.optional().describe("ModelBox's `version` (e.g. `v1`), unique per model"),
    name: z.string().max(200).optional(),
    description: z.string().max(10_000).optional(),
    framework: z.string().max(100).optional(),
    metadata: Metadata.optional(),
    tags: z.array(TagSchema).max(32).optional(),
    artifacts: z.array(TrackedArtifact).max(100).optional(),
  }),
  moveTag: z.object({ version: z.number().int().positive() }),
  patchModelMetadata: MetadataPatch,
  patchVersionMetadata: MetadataPatch,
  logMetrics: LogMetrics,
  logModelMetrics: LogMetrics,
  logParams: LogParams,
  logModelParams: LogParams,
  trackArtifact: TrackedArtifact,
  trackModelArtifact: TrackedArtifact,
  // jobs (runner)
  leaseJob: z.object({
    runner: z.string().min(1).max(128),
    kinds: z.array(z.string()).min(1).default(["check"]),
    leaseSeconds: z.number().int().positive().optional(),
    capabilities: Capabilities.optional(),
  }),
  heartbeatJob: z.object({ runner: z.string().min(1), leaseSeconds: z.number().int().positive().optional() }),
  completeJob: z.object({
    runner: z.string().min(1),
    status: z.enum(["usable", "invalid", "error"]),
    log: z.string().max(1_000_000).default(""),
    details: z.record(z.unknown()).optional(),
  }),
  setJobPriority: z.object({
    priority: z.number().int().min(-1000).max(1000).optional(),
    backend: z.enum(PYTHON_BACKENDS).optional().describe("The Python backend the job must run in (a runner without it never leases it)"),
  }),
  registerRunner: z.object({ runner: z.string().min(1).max(128), capabilities: Capabilities }),
} as const satisfies Partial<Record<OperationId, z.ZodTypeAny>>;

type Requests = typeof REQUESTS;

/** The JSON body a caller sends to operation `id` (before defaults: optional fields may be left out). */
export type BodyOf<Id extends OperationId> = Id extends keyof Requests ? z.input<Requests[Id]> : unknown;
