/**
 * Market writes shared by `/v1` and the Beimingwu-compatible API: submit a learnware
 * (checks at once, then a check job), update (a new version, status back to pending) and
 * delete. The searchable listing lives in `listing.ts`, the search in `marketSearch.ts`.
 */
import { and, eq, or } from "drizzle-orm";
import { isAdmin, type Principal } from "../auth/tokens.ts";
import { type StagedBlob, stagedPackage } from "../blobs/store.ts";
import type { Ctx } from "../context.ts";
import { artifacts, jobs, metrics, models, params, tags, versions } from "../db/schema.ts";
import { LearnwareError } from "../errors.ts";
import { semanticString } from "../../core/semantic/read.ts";
import { getModel, insertModel, insertVersion, type ModelRow, type VersionRow } from "./catalog.ts";
import { writeChange } from "./write.ts";
import { collectBlobs } from "./gc.ts";
import { assertSemantic, checkStatic, type Inspected } from "./inspect.ts";
import { enqueueCheck, NO_NEEDS, needsOfVersion } from "./jobs.ts";
import { assertStorageQuota } from "./quota.ts";
import { deleteSketchRows, storeSketches } from "./specIndex.ts";

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
      info = await ctx.inspect(await stagedPackage(ctx.blobs, args.staged), args.semantic);
    } catch (err) {
      await ctx.blobs.discard(args.staged);
      throw err;
    }
  }
  const at = ctx.now();
  const inspected = info;
  const d = describeFromSemantic(args.semantic);
  const res = await writeChange(ctx, at, async (tx, emit) => {
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
    const jobId = await enqueueCheck(tx, model.id, version.number, at, ctx.config.jobMaxAttempts, args.staged.sha256, inspected.resources ?? NO_NEEDS);
    await emit({
      type: "model.created",
      namespace: model.namespace,
      modelId: model.id,
      actor: args.owner,
      data: { kind: "learnware", name: model.name },
    });
    await emit({
      type: "version.created",
      namespace: model.namespace,
      modelId: model.id,
      version: version.number,
      actor: args.owner,
      data: { packageSha256: args.staged.sha256, status: "pending" },
    });
    return { model: { ...model, latestVersion: version.number }, version, jobId };
  });
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
      inspected = await ctx.inspect(await stagedPackage(ctx.blobs, args.staged), semantic);
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
  const res = await writeChange(ctx, at, async (tx, emit) => {
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
    // A new package declares its own needs; the same package keeps the previous version's.
    const needs = inspected.resources ?? (base ? await needsOfVersion(tx, current.id, base.number) : NO_NEEDS);
    const jobId = await enqueueCheck(tx, current.id, version.number, at, ctx.config.jobMaxAttempts, sha, needs);
    await emit({
      type: "version.created",
      namespace: current.namespace,
      modelId: current.id,
      version: version.number,
      actor,
      data: { packageSha256: sha, status: "pending", newPackage: args.staged !== undefined },
    });
    await emit({ type: "model.updated", namespace: current.namespace, modelId: current.id, actor, data: { latestVersion: version.number } });
    return { model: { ...current, semantic, ...d, latestVersion: version.number, updatedAt: at }, version, jobId };
  });
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
  const shas = await writeChange(ctx, at, async (tx, emit) => {
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
    await tx.delete(params).where(eq(params.modelId, id));
    await tx.delete(artifacts).where(eq(artifacts.modelId, id));
    await tx.delete(jobs).where(or(eq(jobs.modelId, id)));
    await tx.delete(models).where(eq(models.id, id));
    await emit({ type: "model.deleted", namespace: model.namespace, modelId: id, actor: principal?.owner ?? null, data: { name: model.name } });
    return shas;
  });
  try {
    await collectBlobs(ctx, shas);
  } catch (err) {
    ctx.log(`blob collection after deleting '${id}' deferred: ${(err as Error).message}`);
  }
}

export { type Listing, searchableListing, warmSearchIndex } from "./listing.ts";
export { type MarketSearchRequest, type MarketSearchResult, searchMarket } from "./marketSearch.ts";
