/**
 * The Beimingwu REST API subset used by the Python package's `LearnwareClient`, under a
 * configurable prefix (default `/api`): envelope `{code, msg, data}` with code 0 = OK and
 * Beimingwu's codes (21 bad parameters, 31 permission, 41 spec / engine error, 51 check
 * failure, 53 invalid token, 61/62 unverified download). Field names and encodings follow
 * `learnware/client/learnware_client.py` byte for byte.
 */
import { eq } from "drizzle-orm";
import type { Context, Hono } from "hono";
import { beimingwuStatus } from "../../core/checkStatus.ts";
import { semanticOptions } from "../../core/semantic/config.ts";
import { semanticValues } from "../../core/semantic/read.ts";
import { statSpecKind, typeOfJson } from "../../core/spec/statSpecs.ts";
import { type Principal, sha256Hex } from "../auth/tokens.ts";
import type { StagedBlob } from "../blobs/store.ts";
import type { App, AppEnv, Ctx } from "../context.ts";
import { tokens, uploads } from "../db/schema.ts";
import { LearnwareError, statusForCode } from "../errors.ts";
import { readBodyBytes } from "../http/body.ts";
import { MultipartReader } from "../http/multipart.ts";
import { bearerOf, principalForToken } from "../middleware/auth.ts";
import { checkRate, clientAddress } from "../middleware/rateLimit.ts";
import { findModel, latestStatuses, listModels, type ModelRow, resolveVersion } from "../services/catalog.ts";
import { deleteModel, searchMarket, submitLearnware, updateLearnware } from "../services/market.ts";
import { createToken, revokeToken } from "../services/tokens.ts";
import { assertUploadCaps, withSessionLock } from "../services/uploads.ts";
import { assertCanReadVersion } from "../services/access.ts";
import { packageResponse } from "../http/packageResponse.ts";
import { isAdmin } from "../auth/tokens.ts";

type Env = { code: number; msg: string; data?: unknown };

/** Python's `"%Y-%m-%d %H:%M:%S.%f %Z"` of a naive UTC datetime (empty %Z → trailing space). */
export function pyTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000 `;
}

/** Beimingwu's `parse_semantic_specification`: JSON text; Input/Output may be JSON strings. */
export function parseBeimingwuSemantic(text: string | undefined | null): [Record<string, unknown> | null, string] {
  if (typeof text !== "string") return [null, "Semantic specification error"];
  let spec: Record<string, unknown>;
  try {
    spec = JSON.parse(text);
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) return [null, "Semantic specification error"];
  } catch {
    return [null, "Semantic specification error"];
  }
  const values = (k: string) => {
    const v = semanticValues(spec, k);
    return Array.isArray(v) ? (v as unknown[]) : null;
  };
  const data = values("Data");
  if (data === null || data.length !== 1) return [null, "data type values is not 1"];
  for (const [key, needs] of [
    ["Input", data[0] === "Table"],
    ["Output", null],
  ] as const) {
    const task = values("Task");
    if (key === "Output") {
      if (task === null || task.length !== 1) return [null, "Output is not 1"];
    }
    const required = key === "Input" ? needs : task![0] === "Classification" || task![0] === "Regression";
    if (required) {
      let io = spec[key];
      if (typeof io === "string") {
        try {
          io = JSON.parse(io);
        } catch {
          return [null, `${key} section of semantic is not a json`];
        }
      }
      if (io === null || typeof io !== "object" || Array.isArray(io)) return [null, `${key} section of semantic is not a json or dict`];
      if ((io as Record<string, unknown>).Dimension === undefined) return [null, `${key} has no dimension`];
      spec[key] = io;
    } else {
      spec[key] = {};
    }
  }
  return [spec, ""];
}

interface Form {
  fields: Map<string, string>;
  file: { name: string; bytes?: Uint8Array; staged?: StagedBlob } | null;
}

/** Reads a urlencoded or multipart form; the file named `stageFile` is streamed to the blob store. */
async function readForm(ctx: Ctx, req: Request, opts: { stageFile?: string; bufferFile?: string; maxFile: number }): Promise<Form> {
  const ct = req.headers.get("content-type") ?? "";
  const fields = new Map<string, string>();
  if (/^application\/x-www-form-urlencoded/i.test(ct) || ct === "") {
    const text = new TextDecoder().decode(await readBodyBytes(req, ctx.config.maxJsonBytes));
    for (const [k, v] of new URLSearchParams(text)) fields.set(k, v);
    return { fields, file: null };
  }
  if (/^application\/json/i.test(ct)) {
    const body = JSON.parse(new TextDecoder().decode(await readBodyBytes(req, ctx.config.maxJsonBytes)));
    for (const [k, v] of Object.entries(body ?? {})) fields.set(k, typeof v === "string" ? v : JSON.stringify(v));
    return { fields, file: null };
  }
  const mp = MultipartReader.fromRequest(req);
  let file: Form["file"] = null;
  try {
    for (let part = await mp.next(); part; part = await mp.next()) {
      if (part.filename !== undefined && part.name === opts.stageFile) {
        const staged = await ctx.blobs.stage(part.stream(), { maxBytes: opts.maxFile, md5: true });
        file = { name: part.name, staged };
      } else if (part.filename !== undefined && part.name === opts.bufferFile) {
        file = { name: part.name, bytes: await part.bytes(opts.maxFile) };
      } else if (part.filename === undefined) {
        fields.set(part.name, await part.text(ctx.config.maxJsonBytes));
      }
    }
  } catch (err) {
    await mp.cancel();
    if (file?.staged) await ctx.blobs.discard(file.staged);
    throw err;
  }
  return { fields, file };
}

async function jsonBody(ctx: Ctx, req: Request): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readBodyBytes(req, ctx.config.maxJsonBytes));
  if (text.trim() === "") return {};
  const v = JSON.parse(text);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};
}

/** The Python config's `semantic_specs` shape: `{Key: {Values, Type}}`. */
export function beimingwuSemanticConfig(): Record<string, { Values: string[] | string; Type: string }> {
  const out: Record<string, { Values: string[] | string; Type: string }> = {};
  for (const [k, o] of Object.entries(semanticOptions())) out[k] = { Values: o.type === "String" ? "" : o.values, Type: o.type };
  return out;
}

function dump(m: ModelRow, matching?: number) {
  const out: Record<string, unknown> = {
    learnware_id: m.id,
    username: m.owner,
    semantic_specification: m.semantic,
    last_modify: pyTimestamp(m.updatedAt),
  };
  if (matching !== undefined) out.matching = matching;
  return out;
}

export function compatRoutes(app: App, ctx: Ctx): void {
  const prefix = ctx.config.compatPrefix;
  const r = app as unknown as Hono<AppEnv>;
  const ok = (c: Context<AppEnv>, msg: string, data?: unknown) => c.json(data === undefined ? { code: 0, msg } : { code: 0, msg, data });
  const fail = (c: Context<AppEnv>, code: number, msg: string, status = 200) => c.json({ code, msg } satisfies Env, status as 200);
  /** Limits (sizes, quotas, rates) keep their HTTP status (413 / 429) under the envelope; other domain errors are 200 + code, as Beimingwu answers. */
  const failWith = (c: Context<AppEnv>, code: number, err: LearnwareError) => {
    const status = statusForCode(err.code);
    if (status === 429) c.header("retry-after", String((err.details as { retryAfter?: number } | undefined)?.retryAfter ?? 60));
    return fail(c, code, err.message, status === 413 || status === 429 ? status : 200);
  };

  /** Wraps a handler: domain errors become envelopes (never a 500 for bad input). */
  const handle =
    (auth: "required" | "optional" | "none", fn: (c: Context<AppEnv>, p: Principal | null) => Promise<Response>) =>
    async (c: Context<AppEnv>): Promise<Response> => {
      let p: Principal | null = null;
      if (auth !== "none") {
        const token = bearerOf(c.req.header("authorization"));
        if (token !== null) {
          const addr = `a:${clientAddress(c)}`;
          try {
            checkRate(ctx, "auth", addr, false);
          } catch (err) {
            return failWith(c, 11, err as LearnwareError);
          }
          p = await principalForToken(ctx, token);
          if (p === null) checkRate(ctx, "auth", addr, true);
        }
        if (auth === "required" && p === null) {
          return c.json({ code: 11, msg: token === null ? "Missing Authorization Header" : "Token has expired or is invalid" }, 401);
        }
      }
      try {
        return await fn(c, p);
      } catch (err) {
        if (err instanceof LearnwareError && err.code === "BUSY") {
          c.header("Retry-After", String((err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 1));
          return c.json({ code: 51, msg: err.message }, 503);
        }
        if (err instanceof LearnwareError && err.code === "AUTH_REQUIRED") return c.json({ code: 11, msg: err.message }, 401);
        if (err instanceof LearnwareError) {
          const code =
            err.code === "NOT_FOUND"
              ? 41
              : err.code === "FORBIDDEN" || err.code === "UNAUTHENTICATED"
                ? 31
                : err.code === "SEMANTIC_INVALID"
                  ? 41
                  : err.code === "BAD_REQUEST" || err.code === "VALIDATION_FAILED"
                    ? 21
                    : 51;
          return failWith(c, code, err);
        }
        if (err instanceof SyntaxError) return fail(c, 21, "Request parameters error.");
        throw err;
      }
    };

  // ---------------------------------------------------------------- auth
  r.post(
    `${prefix}/auth/login_by_token`,
    handle("none", async (c) => {
      const body = await jsonBody(ctx, c.req.raw).catch(() => ({}) as Record<string, unknown>);
      const email = body.email;
      const token = body.token;
      if (typeof email !== "string" || typeof token !== "string") return fail(c, 21, "Request parameters error.");
      const addr = `a:${clientAddress(c)}`;
      checkRate(ctx, "auth", addr, false);
      const [row] = await ctx.db.db
        .select()
        .from(tokens)
        .where(eq(tokens.hash, await sha256Hex(token)));
      const now = ctx.now();
      if (
        !row ||
        row.parentId !== null ||
        row.revokedAt !== null ||
        (row.expiresAt !== null && row.expiresAt <= now) ||
        (row.email !== email && row.owner !== email)
      ) {
        checkRate(ctx, "auth", addr);
        return fail(c, 53, "Invalid token.");
      }
      const session = await createToken(ctx, now, {
        owner: row.owner,
        email: row.email,
        scopes: row.scopes as Principal["scopes"][number][],
        name: "login_by_token session",
        parentId: row.id,
        expiresAt: Math.min(now + 24 * 3600 * 1000, row.expiresAt ?? Infinity),
      });
      return ok(c, "Login success.", { token: session.secret });
    }),
  );

  r.post(
    `${prefix}/auth/logout`,
    handle("required", async (c, p) => {
      await revokeToken(ctx, ctx.now(), p!.tokenId, { owner: p!.owner, admin: isAdmin(p!) });
      return ok(c, "Logout success.");
    }),
  );

  // ---------------------------------------------------------------- user
  r.post(
    `${prefix}/user/chunked_upload`,
    handle("required", async (c, p) => {
      const form = await readForm(ctx, c.req.raw, { bufferFile: "chunk_file", maxFile: ctx.config.maxChunkBytes });
      const fileHash = form.fields.get("file_hash");
      const beginText = form.fields.get("chunk_begin");
      if (!form.file?.bytes || fileHash === undefined || beginText === undefined || !/^\d+$/.test(beginText.trim()) || !/^[0-9a-fA-F]{32}$/.test(fileHash)) {
        return fail(c, 21, "Request parameters error.");
      }
      const begin = Number(beginText.trim());
      if (begin + form.file.bytes.byteLength > ctx.config.maxPackageBytes)
        return fail(c, 51, `Upload exceeds the limit of ${ctx.config.maxPackageBytes} bytes`);
      const id = await compatUploadId(p!.owner, fileHash.toLowerCase());
      const at = ctx.now();
      const fresh = (await ctx.blobs.partialSize(id)) === null;
      await assertUploadCaps(ctx, p!.owner, {
        sessions: fresh ? 1 : 0,
        bytes: fresh ? begin + form.file.bytes.byteLength : Math.max(0, begin + form.file.bytes.byteLength - ((await ctx.blobs.partialSize(id)) ?? 0)),
        except: id,
      });
      await withSessionLock(ctx, id, async () => {
        if (fresh) {
          // The row first, then the file (the sweeper never takes a fresh file for an orphan).
          await ctx.db.write((tx) =>
            tx
              .insert(uploads)
              .values({
                id,
                owner: p!.owner,
                clientHash: fileHash.toLowerCase(),
                received: 0,
                createdAt: at,
                expiresAt: at + ctx.config.uploadSessionSeconds * 1000,
              })
              .onConflictDoUpdate({
                target: uploads.id,
                set: { state: "open", result: null, received: 0, createdAt: at, expiresAt: at + ctx.config.uploadSessionSeconds * 1000 },
              }),
          );
          await ctx.blobs.partialCreate(id).catch(() => {});
        }
        const size = await ctx.blobs.partialWriteAt(id, begin, form.file!.bytes!);
        await ctx.db.write((tx) => tx.update(uploads).set({ received: size }).where(eq(uploads.id, id)));
      });
      return ok(c, "success");
    }),
  );

  r.post(
    `${prefix}/user/add_learnware_uploaded`,
    handle("required", async (c, p) => {
      const body = await jsonBody(ctx, c.req.raw);
      const [semantic, err] = parseBeimingwuSemantic(body.semantic_specification as string | undefined);
      if (semantic === null) return fail(c, 41, err);
      const fileHash = typeof body.file_hash === "string" ? body.file_hash.toLowerCase() : "";
      if (!/^[0-9a-f]{32}$/.test(fileHash)) return fail(c, 21, "Request parameters error.");
      const id = await compatUploadId(p!.owner, fileHash);
      if ((await ctx.blobs.partialSize(id)) === null) return fail(c, 51, "No uploaded file with this file_hash");
      const staged = await withSessionLock(ctx, id, async () => {
        const st = await ctx.blobs.partialStage(id);
        await ctx.db.write((tx) => tx.delete(uploads).where(eq(uploads.id, id)));
        return st;
      });
      if (staged.md5 !== fileHash) {
        await ctx.blobs.discard(staged);
        return fail(c, 51, `file_hash mismatch: received file md5 is ${staged.md5}`);
      }
      try {
        const res = await submitLearnware(ctx, { owner: p!.owner, semantic, staged });
        return ok(c, "Add success.", { learnware_id: res.model.id });
      } catch (e) {
        if (e instanceof LearnwareError) return failWith(c, 51, e);
        throw e;
      }
    }),
  );

  r.post(
    `${prefix}/user/update_learnware`,
    handle("required", async (c, p) => {
      const form = await readForm(ctx, c.req.raw, { stageFile: "learnware_file", maxFile: ctx.config.maxPackageBytes });
      const staged = form.file?.staged;
      const discard = async () => {
        if (staged) await ctx.blobs.discard(staged);
      };
      const id = form.fields.get("learnware_id");
      const m = id === undefined ? undefined : await findModel(ctx.db.db, id);
      if (!m) {
        await discard();
        return fail(c, 21, "Request parameters error.");
      }
      if (m.owner !== p!.owner && !isAdmin(p)) {
        await discard();
        return fail(c, 31, "Permission denied.");
      }
      const [semantic, err] = parseBeimingwuSemantic(form.fields.get("semantic_specification"));
      if (semantic === null) {
        await discard();
        return fail(c, 41, err);
      }
      try {
        await updateLearnware(ctx, { id: m.id, principal: p, semantic, ...(staged && staged.size > 0 ? { staged } : {}) });
      } catch (e) {
        if (e instanceof LearnwareError) return failWith(c, e.code === "SEMANTIC_INVALID" ? 41 : 51, e);
        throw e;
      }
      if (staged && staged.size === 0) await discard();
      return ok(c, "success");
    }),
  );

  r.post(
    `${prefix}/user/delete_learnware`,
    handle("required", async (c, p) => {
      const body = await jsonBody(ctx, c.req.raw);
      const id = body.learnware_id;
      if (typeof id !== "string") return fail(c, 21, "Request parameters error.");
      const m = await findModel(ctx.db.db, id);
      if (m?.kind !== "learnware") return fail(c, 51, "Learnware not exist.");
      if (m.owner !== p!.owner && !isAdmin(p)) return fail(c, 41, "You do not own this learnware.");
      await deleteModel(ctx, id, p);
      return ok(c, "Delete success.");
    }),
  );

  r.post(
    `${prefix}/user/list_learnware`,
    handle("required", async (c, p) => {
      const body = await jsonBody(ctx, c.req.raw);
      const limit = Number(body.limit);
      const page = Number(body.page);
      if (!Number.isInteger(limit) || !Number.isInteger(page) || limit <= 0 || page < 0 || page > 1_000_000) return fail(c, 21, "Request parameters error.");
      const isVerified = body.is_verified;
      const cap = Math.min(limit, 10_000);
      const { rows, total } = await listModels(
        ctx.db.db,
        { kind: "learnware", owner: p!.owner, ...(isVerified === true || isVerified === "true" ? { status: "usable" as const } : {}) },
        cap,
        page * cap,
      );
      const st = await latestStatuses(
        ctx.db.db,
        rows.map((m) => m.id),
      );
      const list = rows.map((m) => ({
        learnware_id: m.id,
        last_modify: pyTimestamp(m.updatedAt),
        verify_status: beimingwuStatus(st.get(m.id) ?? 0),
        semantic_specification: m.semantic,
      }));
      return ok(c, "Ok.", { learnware_list: list, page, limit, total_pages: Math.floor((total + limit - 1) / limit) });
    }),
  );

  // ---------------------------------------------------------------- engine
  r.get(
    `${prefix}/engine/semantic_specification`,
    handle("optional", async (c) => ok(c, "Ok", { semantic_specification: beimingwuSemanticConfig() })),
  );

  r.get(
    `${prefix}/engine/learnware_info`,
    handle("optional", async (c) => {
      const id = c.req.query("learnware_id");
      if (id === undefined) return fail(c, 21, "Request parameters error.");
      const m = await findModel(ctx.db.db, id);
      if (m?.kind !== "learnware") return fail(c, 41, "Learnware not found.");
      const st = await latestStatuses(ctx.db.db, [m.id]);
      // The Python client's load_learnware imports the package's __init__.py: ONNX and JS
      // learnwares have none, so they are marked (they run through our runner instead).
      const runtime = (await resolveVersion(ctx.db.db, m, "latest").catch(() => null))?.framework ?? "python";
      return ok(c, "Ok", {
        learnware_info: {
          learnware_id: m.id,
          user_id: m.owner,
          username: m.owner,
          last_modify: pyTimestamp(m.updatedAt),
          verify_status: beimingwuStatus(st.get(m.id) ?? 0),
          semantic_specification: m.semantic,
          runtime,
          python_loadable: runtime === "python",
        },
      });
    }),
  );

  r.get(
    `${prefix}/engine/download_learnware`,
    handle("optional", async (c, p) => {
      const id = c.req.query("learnware_id");
      if (id === undefined) return fail(c, 21, "Request parameters error.", 400);
      const m = await findModel(ctx.db.db, id);
      if (m?.kind !== "learnware") return fail(c, 41, "Learnware not found.", 404);
      const v = await resolveVersion(ctx.db.db, m, "latest");
      try {
        await assertCanReadVersion(ctx, p, m, v);
      } catch {
        return fail(c, p === null ? 61 : 62, "cannot download unverified learnware.", p === null ? 401 : 403);
      }
      return packageResponse(ctx, m, v);
    }),
  );

  r.post(
    `${prefix}/engine/search_learnware`,
    handle("optional", async (c, p) => {
      const form = await readForm(ctx, c.req.raw, { bufferFile: "statistical_specification", maxFile: ctx.config.maxJsonBytes });
      const semanticText = form.fields.get("semantic_specification");
      if (semanticText === undefined) return fail(c, 21, "Request parameters error.");
      let semantic: unknown;
      try {
        semantic = JSON.parse(semanticText);
      } catch {
        return fail(c, 41, "Semantic specification error");
      }
      const verified = form.fields.get("is_verified") ?? "true";
      if (verified === "false" && !isAdmin(p)) return fail(c, 61, "cannot search unverified learnware.");
      let stat: unknown;
      if (form.file?.bytes && form.file.bytes.byteLength > 0) {
        try {
          stat = JSON.parse(new TextDecoder().decode(form.file.bytes).replace(/\bNaN\b|-?\bInfinity\b/g, "null"));
        } catch {
          return fail(c, 41, "Statistical specification error.");
        }
        // Any registered spec type (an old table file carries no type); others: the Python server's engine error.
        const type = typeOfJson(stat);
        if (type !== undefined && statSpecKind(type) === undefined) return fail(c, 41, "Engine search learnware error.");
      }
      let result;
      try {
        result = await searchMarket(ctx, { semantic: semantic ?? {}, stat, statuses: verified === "false" ? [0] : [1], principal: p });
      } catch (e) {
        if (e instanceof LearnwareError && (e.code === "BUSY" || e.code === "AUTH_REQUIRED")) throw e; // 503 + Retry-After / 401 (handle)
        if (e instanceof LearnwareError)
          return fail(c, 41, e.code === "STAT_SPEC_INVALID" ? "Statistical specification error." : "Engine search learnware error.");
        throw e;
      }
      const withStat = stat !== undefined;
      const single = result.single.flatMap((s) => {
        const m = result.models.get(s.id);
        return m ? [dump(m, withStat ? s.score : 0)] : [];
      });
      const multi =
        result.multiple === null
          ? []
          : result.multiple.ids.flatMap((id) => {
              const m = result.models.get(id);
              return m ? [dump(m, result.multiple!.score)] : [];
            });
      const limitText = form.fields.get("limit");
      const limit = limitText !== undefined && /^-?\d+$/.test(limitText.trim()) ? Number(limitText) : null;
      if (limit === null) return ok(c, "Ok", { learnware_list_multi: multi, learnware_list_single: single, is_hetero: result.path === "hetero" });
      if (limit === 0) return fail(c, 52, "Limit cannot be 0.");
      const pageText = form.fields.get("page");
      const page = pageText !== undefined && /^-?\d+$/.test(pageText.trim()) ? Number(pageText) : 0;
      const n = single.length;
      return ok(c, "Ok", {
        learnware_list_multi: page === 0 ? multi : [],
        learnware_list_single: single.slice(Math.max(0, page * limit), Math.max(0, Math.min(n, page * limit + limit))),
        is_hetero: result.path === "hetero",
        page,
        limit,
        total_pages: Math.floor((n + limit - 1) / limit),
      });
    }),
  );
}

/** One partial file per (owner, md5), like Beimingwu's `upload_path/<file_hash>`, but per owner. */
async function compatUploadId(owner: string, md5: string): Promise<string> {
  return "bm_" + (await sha256Hex(`${owner}:${md5}`)).slice(0, 40);
}
