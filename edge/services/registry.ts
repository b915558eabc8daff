/**
 * The registry's domain (ModelBox / MLflow parity): addressing by `namespace/name[@tag|:version]`,
 * models with their owner, immutable auto-numbered versions with label/name/description,
 * unique tags and metadata. Every write goes through {@link registryWrite}, which runs the
 * change, appends its events in the same transaction and wakes the live feeds, so no route
 * can forget either. Metrics, params and artifacts are in `registryData.ts`.
 */
import { MAX_METADATA_CHARS } from "../../client/requests.ts";
import { and, eq } from "drizzle-orm";
import { isAdmin, type Principal } from "../auth/tokens.ts";
import type { Ctx } from "../context.ts";
import type { Db, Tx } from "../db/client.ts";
import { models, namespaces, tags, versions } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { getModel, insertModel, insertVersion, latestStatuses, type ModelRow, modelView, tagsOf, type VersionRow } from "./catalog.ts";
import type { NewEvent } from "./events.ts";
import { assertCanWrite, MARKET_NAMESPACE } from "./market.ts";
import { assertCanWriteNamespace, ensureNamespace } from "./namespaces.ts";
import { type Owner, type TrackedIn, trackArtifact } from "./registryData.ts";
import { writeChange } from "./write.ts";

/** The namespace of `POST /v1/models` and of a bare model name. */
export const DEFAULT_NAMESPACE = "default";
/** The check log of a registry model version: it is registered as usable and no runner checks it. */
export const REGISTRY_VERSION_LOG = "Registry model version: registered as usable, not checked by a runner (it has no learnware package).";
/** Metadata is shown with every listing: 64 KiB of JSON at most (merged patches included). */

export interface RegistryTx {
  tx: Tx;
  at: number;
  actor: string;
  /** Queues an event; it is appended in this transaction, after the change. */
  emit(e: Omit<NewEvent, "actor">): void;
}

/** A unique index refused the row (SQLite/libSQL and PostgreSQL spell it differently). */
function uniqueViolation(err: unknown): string | null {
  for (let e: unknown = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const msg = String((e as Error).message ?? "");
    const m = /UNIQUE constraint failed: (.+)$/m.exec(msg) ?? /duplicate key value violates unique constraint "([^"]+)"/.exec(msg);
    if (m) return m[1]!;
  }
  return null;
}

/**
 * Runs one registry write: the change, its events (same transaction) and the hub's wake-up
 * once committed. A unique index that refuses the change (a race another instance won)
 * becomes a 409, like the checks made before it.
 */
export async function registryWrite<T>(ctx: Ctx, p: Principal | null, fn: (w: RegistryTx) => Promise<T>): Promise<T> {
  if (p === null) throw new LearnwareError("UNAUTHENTICATED", "A bearer token is required");
  const at = ctx.now();
  try {
    // The catalogue's one write path: the change and its events in one transaction, the hub woken after the commit.
    return await writeChange(ctx, at, async (tx, emit) => {
      const queue: NewEvent[] = [];
      const out = await fn({ tx, at, actor: p.owner, emit: (e) => queue.push({ ...e, actor: p.owner }) });
      for (const e of queue) await emit(e);
      return out;
    });
  } catch (err) {
    const index = uniqueViolation(err);
    if (index === null) throw err;
    const what = /models?[._]ns|namespace, models\.name/.test(index)
      ? "A model with this name already exists in the namespace"
      : /label/.test(index)
        ? "The model already has a version with this label"
        : `The change conflicts with an existing row (${index})`;
    throw new LearnwareError("CONFLICT", what, { index });
  }
}

// ---------------------------------------------------------------- addressing

/** A registry address: `namespace/name`, an id, or a bare name (default namespace), with an optional `@tag` or `:version`. */
export interface ParsedRef {
  model: string;
  /** `@tag` (or `@latest`) */
  tag?: string;
  /** `:N` or `:label` */
  version?: string;
}

/** Splits `ns/name@tag` / `ns/name:version`; the suffix is looked for after the last `/`. */
export function parseRef(ref: string): ParsedRef {
  const slash = ref.lastIndexOf("/");
  const tail = ref.slice(slash + 1);
  const at = tail.lastIndexOf("@");
  if (at > 0) return { model: ref.slice(0, slash + 1 + at), tag: tail.slice(at + 1) };
  const colon = tail.lastIndexOf(":");
  if (colon > 0) return { model: ref.slice(0, slash + 1 + colon), version: tail.slice(colon + 1) };
  return { model: ref };
}

/** Characters a registry model name may not contain (they delimit addresses). */
export function modelNameProblem(name: string): string | null {
  if (name.trim() !== name || name === "") return "must not be empty or start/end with spaces";
  if (/[/@:]/.test(name)) return "must not contain '/', '@' or ':' (they delimit `namespace/name@tag` addresses)";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) return "must not contain control characters";
  return null;
}

/** The model a ref names: an id (digits), `namespace/name`, or a name in the default namespace. */
export async function resolveModel(db: Db | Tx, ref: string): Promise<ModelRow> {
  const { model } = parseRef(ref);
  if (/^\d+$/.test(model)) return getModel(db, model);
  const slash = model.indexOf("/");
  const namespace = slash < 0 ? DEFAULT_NAMESPACE : model.slice(0, slash);
  const name = slash < 0 ? model : model.slice(slash + 1);
  const rows = await db
    .select()
    .from(models)
    .where(and(eq(models.namespace, namespace), eq(models.name, name)))
    .limit(3);
  if (rows.length === 0) throw new LearnwareError("NOT_FOUND", `No model '${name}' in namespace '${namespace}'`, { field: "id", ref });
  const own = rows.filter((r) => r.kind === "model");
  if (own.length === 1) return own[0]!;
  if (rows.length === 1) return rows[0]!;
  throw new LearnwareError("CONFLICT", `'${namespace}/${name}' names ${rows.length} learnwares; address one by its id`, {
    field: "id",
    ids: rows.map((r) => r.id),
  });
}

/**
 * A version by reference: a number, `latest`, a tag, or a ModelBox label (`v1`). `how`
 * narrows it: `tag` (`@x`: a tag or `latest`) or `version` (`:x`: a number or a label).
 */
export async function findVersion(db: Db | Tx, m: ModelRow, ref: string, how: "any" | "tag" | "version" = "any"): Promise<VersionRow> {
  let number: number | undefined;
  if (how !== "tag" && /^\d+$/.test(ref)) number = Number(ref);
  else if (how !== "version" && ref === "latest") number = m.latestVersion;
  if (number === undefined && how !== "version") {
    const [t] = await db
      .select()
      .from(tags)
      .where(and(eq(tags.modelId, m.id), eq(tags.tag, ref)));
    number = t?.version;
  }
  if (number === undefined && how !== "tag") {
    const [v] = await db
      .select()
      .from(versions)
      .where(and(eq(versions.modelId, m.id), eq(versions.label, ref)));
    if (v) return v;
  }
  if (number === undefined) {
    const kind = how === "tag" ? "tag" : how === "version" ? "version number or label" : "version, tag or label";
    throw new LearnwareError("NOT_FOUND", `Model '${m.namespace}/${m.name}' has no ${kind} '${ref}'`, { field: "version", model: m.id });
  }
  const [v] = await db
    .select()
    .from(versions)
    .where(and(eq(versions.modelId, m.id), eq(versions.number, number)));
  if (!v) throw new LearnwareError("NOT_FOUND", `Model '${m.namespace}/${m.name}' has no version ${number}`, { field: "version", model: m.id });
  return v;
}

/**
 * The owner of the artifacts, metrics or params a request names: the model (no `ref`) or one of
 * its versions. `write` is the caller when it means to write (checked), `false` for a read.
 */
export async function resolveOwner(db: Db, id: string, ref: string | undefined, write: Principal | null | false): Promise<Owner> {
  const model = await resolveModel(db, id);
  if (write !== false) assertCanWrite(write, model);
  return { model, version: ref === undefined ? 0 : (await findVersion(db, model, ref)).number };
}

/** One model as the API shows it: its latest version's status and its tags. */
export async function modelDetail(db: Db, ref: string) {
  const m = await resolveModel(db, ref);
  const st = await latestStatuses(db, [m.id]);
  return modelView(m, { status: st.get(m.id), tags: await tagsOf(db, m.id) });
}

/** `ns/name@tag`, `ns/name:3` or `ns/name` (latest) → model and version. */
export async function resolveAddress(db: Db | Tx, ref: string): Promise<{ model: ModelRow; version: VersionRow }> {
  const parsed = parseRef(ref);
  const model = await resolveModel(db, parsed.model);
  const version =
    parsed.tag !== undefined
      ? await findVersion(db, model, parsed.tag, "tag")
      : parsed.version !== undefined
        ? await findVersion(db, model, parsed.version, "version")
        : await findVersion(db, model, "latest", "tag");
  return { model, version };
}

/** The model a write addresses, checked for the caller's ownership. */
export async function writableModel(db: Db | Tx, ref: string, p: Principal | null): Promise<ModelRow> {
  const m = await resolveModel(db, ref);
  assertCanWrite(p, m);
  return m;
}

// ---------------------------------------------------------------- writes

export function mergeMetadata(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  const size = JSON.stringify(out).length;
  if (size > MAX_METADATA_CHARS) {
    throw new LearnwareError("PAYLOAD_TOO_LARGE", `Merged metadata would be ${size} characters of JSON, more than the limit of ${MAX_METADATA_CHARS}`, {
      field: "body.metadata",
      limit: MAX_METADATA_CHARS,
    });
  }
  return out;
}

/** Points `tag` at `version` (insert or move) and logs the move. */
export async function moveTag(w: RegistryTx, m: ModelRow, tag: string, version: number): Promise<number | null> {
  const [old] = await w.tx
    .select()
    .from(tags)
    .where(and(eq(tags.modelId, m.id), eq(tags.tag, tag)));
  await w.tx
    .insert(tags)
    .values({ modelId: m.id, tag, version, updatedAt: w.at })
    .onConflictDoUpdate({ target: [tags.modelId, tags.tag], set: { version, updatedAt: w.at } });
  w.emit({ type: "tag.moved", namespace: m.namespace, modelId: m.id, version, data: { tag, from: old?.version ?? null, to: version } });
  return old?.version ?? null;
}

/** Points a tag at an existing version (404 when the number is not one), moving it from where it was. */
export async function tagVersion(w: RegistryTx, m: ModelRow, tag: string, version: number): Promise<number | null> {
  await findVersion(w.tx, m, String(version), "version");
  return moveTag(w, m, tag, version);
}

export async function removeTag(w: RegistryTx, m: ModelRow, tag: string): Promise<void> {
  const [old] = await w.tx
    .select()
    .from(tags)
    .where(and(eq(tags.modelId, m.id), eq(tags.tag, tag)));
  if (!old) throw new LearnwareError("NOT_FOUND", `Model '${m.namespace}/${m.name}' has no tag '${tag}'`, { field: "tag" });
  await w.tx.delete(tags).where(and(eq(tags.modelId, m.id), eq(tags.tag, tag)));
  w.emit({ type: "tag.moved", namespace: m.namespace, modelId: m.id, data: { tag, from: old.version, to: null } });
}

export interface NewRegistryModel {
  namespace: string;
  name: string;
  owner?: string | undefined;
  task?: string | undefined;
  description?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  semantic?: Record<string, unknown> | undefined;
  /** Tracked artifacts of the model, recorded in the same write. */
  artifacts?: TrackedIn[] | undefined;
}

/**
 * Creates a registry model. `owner` is kept when it is the caller, or anyone when the caller
 * is an admin; otherwise 403 (never silently replaced by the token's owner).
 */
export async function createModel(w: RegistryTx, p: Principal, body: NewRegistryModel): Promise<ModelRow> {
  if (body.namespace === MARKET_NAMESPACE && !isAdmin(p)) {
    throw new LearnwareError("FORBIDDEN", `Namespace '${MARKET_NAMESPACE}' holds the market's learnwares; upload them through /v1/learnwares`, {
      field: "namespace",
    });
  }
  const owner = body.owner ?? p.owner;
  if (owner !== p.owner && !isAdmin(p)) {
    throw new LearnwareError("FORBIDDEN", `Owner '${owner}' is not the caller ('${p.owner}'); only an admin may create models for another owner`, {
      field: "body.owner",
    });
  }
  const problem = modelNameProblem(body.name);
  if (problem) throw new LearnwareError("VALIDATION_FAILED", `Model name '${body.name}' ${problem}`, { field: "body.name" });
  assertCanWriteNamespace(p, await ensureNamespace(w.tx, body.namespace, owner, w.at));
  const [dup] = await w.tx
    .select({ id: models.id })
    .from(models)
    .where(and(eq(models.namespace, body.namespace), eq(models.name, body.name), eq(models.kind, "model")));
  if (dup) {
    throw new LearnwareError("CONFLICT", `Namespace '${body.namespace}' already has a model named '${body.name}' (${dup.id})`, {
      field: "body.name",
      id: dup.id,
    });
  }
  const m = await insertModel(
    w.tx,
    {
      kind: "model",
      namespace: body.namespace,
      owner,
      name: body.name,
      task: body.task ?? null,
      description: body.description ?? null,
      semantic: body.semantic ?? null,
      metadata: body.metadata ?? {},
    },
    w.at,
  );
  w.emit({ type: "model.created", namespace: m.namespace, modelId: m.id, data: { kind: "model", name: m.name, owner } });
  for (const a of body.artifacts ?? []) await trackArtifact(w, { model: m, version: 0 }, a);
  return m;
}

export interface NewRegistryVersion {
  label?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  framework?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  tags?: string[] | undefined;
  /** Tracked artifacts of the version, recorded in the same write (after its tags). */
  artifacts?: TrackedIn[] | undefined;
}

/** Creates the next version (label unique per model) and points its tags at it. */
export async function createVersion(w: RegistryTx, m: ModelRow, body: NewRegistryVersion): Promise<VersionRow> {
  if (body.label !== undefined) {
    const [dup] = await w.tx
      .select({ n: versions.number })
      .from(versions)
      .where(and(eq(versions.modelId, m.id), eq(versions.label, body.label)));
    if (dup) {
      throw new LearnwareError("CONFLICT", `Model '${m.namespace}/${m.name}' already has a version labelled '${body.label}' (number ${dup.n})`, {
        field: "body.version",
        number: dup.n,
      });
    }
  }
  const v = await insertVersion(
    w.tx,
    m.id,
    {
      framework: body.framework ?? null,
      metadata: body.metadata ?? {},
      semantic: m.semantic,
      checkStatus: m.kind === "model" ? 1 : 0,
      // Said where the check log is shown, so a registry version never reads as "queued for a runner".
      ...(m.kind === "model" ? { checkLog: REGISTRY_VERSION_LOG } : {}),
      createdBy: w.actor,
    },
    w.at,
  );
  const described = { label: body.label ?? null, name: body.name ?? null, description: body.description ?? null };
  if (described.label !== null || described.name !== null || described.description !== null) {
    await w.tx.update(versions).set(described).where(eq(versions.id, v.id));
  }
  w.emit({ type: "version.created", namespace: m.namespace, modelId: m.id, version: v.number, data: { framework: v.framework, label: described.label } });
  for (const tag of new Set(body.tags ?? [])) await moveTag(w, m, tag, v.number);
  for (const a of body.artifacts ?? []) await trackArtifact(w, { model: m, version: v.number }, a);
  return { ...v, ...described };
}

/** Merges metadata into a model, or into one of its versions. */
export async function patchMetadata(w: RegistryTx, m: ModelRow, v: VersionRow | null, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
  const base = v ? v.metadata : (await getModel(w.tx, m.id)).metadata;
  const metadata = mergeMetadata(base, patch);
  if (v) await w.tx.update(versions).set({ metadata }).where(eq(versions.id, v.id));
  else await w.tx.update(models).set({ metadata, updatedAt: w.at }).where(eq(models.id, m.id));
  w.emit({ type: "metadata.updated", namespace: m.namespace, modelId: m.id, version: v?.number ?? null, data: { keys: Object.keys(patch) } });
  return metadata;
}

/** Claims a namespace or (owner/admin) sets its owner and members. */
export async function putNamespace(w: RegistryTx, p: Principal, name: string, body: { owner?: string | undefined; members?: string[] | undefined }) {
  if (name === MARKET_NAMESPACE && !isAdmin(p)) throw new LearnwareError("FORBIDDEN", `Namespace '${MARKET_NAMESPACE}' is reserved`, { field: "namespace" });
  if (body.owner !== undefined && body.owner !== p.owner && !isAdmin(p)) {
    throw new LearnwareError("FORBIDDEN", "Only an admin may name another user as a namespace's owner", { field: "body.owner" });
  }
  const ns = await ensureNamespace(w.tx, name, body.owner ?? p.owner, w.at);
  if (!isAdmin(p) && ns.owner !== p.owner) {
    throw new LearnwareError("FORBIDDEN", `Namespace '${ns.name}' belongs to '${ns.owner}'`, { field: "namespace" });
  }
  const next = { owner: body.owner ?? ns.owner, members: body.members ? [...new Set(body.members)] : ns.members };
  await w.tx.update(namespaces).set(next).where(eq(namespaces.name, ns.name));
  return { ...ns, ...next };
}
