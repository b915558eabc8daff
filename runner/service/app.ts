/**
 * The model service over HTTP (Hono, web-standard Request/Response):
 *
 * | method | path | body → reply |
 * |---|---|---|
 * | POST | `/v1/models/{model}/versions/{version}/initialize` | JSON config → `{model, version, dataPath, config}` |
 * | POST | `/v1/models/{model}/versions/{version}/train` | frame or JSON `{method?, X, y}` / `{dataFile}` → 202 train state |
 * | GET | `/v1/models/{model}/versions/{version}/train` | → train state (`status`, `progress`, …) |
 * | GET | `/v1/models/{model}/versions/{version}/log` | → `{lines, train}` |
 * | POST | `/v1/models/{model}/versions/{version}/predict` | frame `{X}` → frame `{y}`; or JSON `{X: rows}` → `{y: rows, shape}`; text learnwares: JSON `{texts: string[]}` → `{y: rows, shape}` |
 * | POST | `/v1/models/{model}/versions/{version}/invoke` | JSON `{data: any}` → `{result: any}` (runner learnwares: preprocess → predict → postprocess) |
 * | POST | `…/initialize`, `…/train`, `…/predict`, `…/log` of an AIPOD model | `{kwargs: {...}, binary_data?}` or (train, predict) any JSON object without `X` → `{result}` |
 *
 * AIPOD models (Python `AIModelBase` classes) are driven by keyword arguments: the version is
 * free-form (`exp-a` runs the model's latest market version, or `packageVersion` given at
 * `initialize`), `binary_data` is raw bytes (a frame's byte string, or `{"$bytes": base64}`
 * in JSON, as `lwpy.aipod`'s wire), and bytes in an answer come back the same way.
 * | GET | `/metrics` | pool (size, bytes, hits, misses, evictions), batching, counts |
 * | GET | `/healthz` | `{ok: true}` |
 * | GET | `/openapi.json` | the OpenAPI document of these operations (`client/runnerContract.ts`) |
 * | POST, GET, DELETE | `/mixtures…` | served mixtures of learnwares (when a `MixtureStore` is given; see `mixtures.ts`) |
 *
 * Frames are `application/vnd.lw.frame` (see `protocol.ts`): raw float64/float32 arrays.
 * Errors are the one envelope `{error: {code, message, details?}}` with the status of the one table
 * (`core/errorEnvelope.ts`), as the market server answers.
 */
import { type Context, Hono } from "hono";
import { statusForCode } from "../../core/errorEnvelope.ts";
import { LearnwareError, toErrorPayload } from "../../core/errors.ts";
import { FRAME_TYPE } from "../../client/runnerContract.ts";
import { decodeFrame, encodeFrame } from "../protocol.ts";
import { fromNested, toNested, type Tensor } from "../tensor.ts";
import { type MixtureStore, registerMixtureRoutes } from "./mixtures.ts";
import type { AipodMethod } from "../contract.ts";
import type { InstanceConfig, ModelService, TrainOptions } from "./modelService.ts";
import { callerContext } from "./auth.ts";
import { serviceOpenApiDocument } from "./openapi.ts";

export { FRAME_TYPE };

export async function readBody(req: Request): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (type.startsWith(FRAME_TYPE)) return decodeFrame(new Uint8Array(await req.arrayBuffer())) as Record<string, unknown>;
  const text = await req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new LearnwareError("BAD_REQUEST", "Request body is neither JSON nor a frame");
  }
}

export function asTensor(v: unknown, name: string): Tensor | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "object" && v !== null && "data" in v && ((v as Tensor).data instanceof Float64Array || (v as Tensor).data instanceof Float32Array))
    return v as Tensor;
  if (Array.isArray(v)) {
    checkNumericArray(v, name);
    return fromNested(v);
  }
  throw new LearnwareError("BAD_REQUEST", `'${name}' must be an array (nested rows) or a frame array`);
}

/** A JSON array must be rectangular and hold finite numbers only (400 `INPUT_SHAPE` / `INPUT_TYPE` naming the cell). */
function checkNumericArray(v: unknown[], name: string): void {
  const walk = (a: unknown, path: string, shape: number[], depth: number): void => {
    if (Array.isArray(a)) {
      if (depth >= shape.length)
        throw new LearnwareError("INPUT_SHAPE", `${path} is an array where a number was expected: '${name}' must be rectangular`, { field: name });
      if (a.length !== shape[depth]) {
        throw new LearnwareError("INPUT_SHAPE", `${path} has ${a.length} entries where the first has ${shape[depth]}: '${name}' must be rectangular`, {
          field: name,
        });
      }
      a.forEach((x, i) => walk(x, `${path}[${i}]`, shape, depth + 1));
      return;
    }
    if (depth < shape.length)
      throw new LearnwareError("INPUT_SHAPE", `${path} is a ${typeof a} where an array was expected: '${name}' must be rectangular`, { field: name });
    if (typeof a !== "number" || !Number.isFinite(a)) {
      throw new LearnwareError("INPUT_TYPE", `${path} is ${JSON.stringify(a)}, not a finite number: '${name}' takes numbers only`, { field: name });
    }
  };
  const shape: number[] = [];
  for (let cur: unknown = v; Array.isArray(cur); cur = cur[0]) shape.push(cur.length);
  walk(v, name, shape, 0);
}

/** What a caller sees of an error: tracebacks and stderr stay in the instance's log. */
function publicError(err: unknown): ReturnType<typeof toErrorPayload> {
  const p = toErrorPayload(err);
  if (p.details && typeof p.details === "object") {
    const { traceback: _t, stderr: _s, stack: _k, ...rest } = p.details as Record<string, unknown>;
    return Object.keys(rest).length > 0 ? { ...p, details: rest } : { code: p.code, message: p.message };
  }
  return p;
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function unb64(s: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    throw new LearnwareError("BAD_REQUEST", "binary_data.$bytes is not base64", { field: "binary_data" });
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Bytes anywhere in an AIPOD answer as `{"$bytes": base64}` (JSON answers). */
function bytesToJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return { $bytes: b64(v) };
  if (Array.isArray(v)) return v.map(bytesToJson);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bytesToJson(x)]));
  return v;
}

/** An AIPOD call's kwargs and binary data: `{kwargs, binary_data}` (lwpy's wire) or the body's own keys. */
function aipodArgs(body: Record<string, unknown>): { kwargs: Record<string, unknown>; binary: Uint8Array | null } {
  const wrapped = body.kwargs !== null && typeof body.kwargs === "object" && !Array.isArray(body.kwargs);
  const { binary_data: raw, ...rest } = body;
  const kwargs = wrapped ? (body.kwargs as Record<string, unknown>) : rest;
  let binary: Uint8Array | null = null;
  if (raw instanceof Uint8Array) binary = raw;
  else if (raw !== null && typeof raw === "object" && typeof (raw as { $bytes?: unknown }).$bytes === "string")
    binary = unb64((raw as { $bytes: string }).$bytes);
  else if (raw !== undefined && raw !== null)
    throw new LearnwareError("BAD_REQUEST", 'binary_data must be raw bytes: a frame byte string or {"$bytes": base64}', { field: "binary_data" });
  return { kwargs, binary };
}

const isAipodBody = (body: Record<string, unknown>) => body.kwargs !== null && typeof body.kwargs === "object" && !Array.isArray(body.kwargs);

export function createServiceApp(service: ModelService, options: { mixtures?: MixtureStore; maxConcurrentRequests?: number } = {}): Hono {
  const app = new Hono();
  // AIPOD_RPC_MAX_WORKERS: at most this many requests are handled at once; the rest wait in order.
  const limit = options.maxConcurrentRequests ?? 0;
  if (limit > 0) {
    let active = 0;
    const waiting: (() => void)[] = [];
    app.use("*", async (_c, next) => {
      if (active >= limit) await new Promise<void>((r) => waiting.push(r));
      else active++;
      try {
        await next();
      } finally {
        const wake = waiting.shift();
        if (wake) wake();
        else active--;
      }
    });
  }
  app.onError((err, c) => {
    const p = publicError(err);
    return c.json({ error: p }, statusForCode(p.code) as 400);
  });
  // The caller's token goes with the request to every authorisation the service makes.
  app.use("*", (c, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    return callerContext.run({ token: m ? m[1]! : null }, next);
  });
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/metrics", (c) => c.json(service.metrics()));
  app.get("/openapi.json", (c) => c.json(serviceOpenApiDocument() as object));
  const base = "/v1/models/:model/versions/:version";
  const aipodAnswer = async (c: Context, method: AipodMethod, body: Record<string, unknown>, frame: boolean) => {
    const { kwargs, binary } = aipodArgs(body);
    const result = await service.aipod(c.req.param("model")!, c.req.param("version")!, method, kwargs, binary);
    if (frame) return new Response(encodeFrame({ result }) as Uint8Array<ArrayBuffer>, { headers: { "content-type": FRAME_TYPE } });
    return c.json({ result: bytesToJson(result) });
  };
  const isFrame = (c: Context) => (c.req.header("content-type") ?? "").startsWith(FRAME_TYPE);
  app.post(`${base}/initialize`, async (c) => {
    const body = (await readBody(c.req.raw)) as InstanceConfig;
    if (isAipodBody(body)) return aipodAnswer(c, "initialize", body, isFrame(c));
    return c.json(await service.initialize(c.req.param("model"), c.req.param("version"), body));
  });
  app.post(`${base}/log`, async (c) => aipodAnswer(c, "log", await readBody(c.req.raw), isFrame(c)));
  app.post(`${base}/train`, async (c) => {
    const body = await readBody(c.req.raw);
    if (body !== null && typeof body === "object" && !Array.isArray(body) && !("X" in body) && !("dataFile" in body) && Object.keys(body).length > 0)
      return aipodAnswer(c, "train", body, isFrame(c));
    const opts: TrainOptions = {};
    const X = asTensor(body.X, "X"),
      y = asTensor(body.y, "y");
    if (X) opts.X = X;
    if (y) opts.y = y;
    if (body.method === "fit" || body.method === "finetune") opts.method = body.method;
    if (typeof body.dataFile === "string") opts.dataFile = body.dataFile;
    return c.json(await service.train(c.req.param("model"), c.req.param("version"), opts), 202);
  });
  app.get(`${base}/train`, async (c) => c.json(await service.trainStatus(c.req.param("model"), c.req.param("version"))));
  app.get(`${base}/log`, async (c) => c.json(await service.log(c.req.param("model"), c.req.param("version"))));
  app.post(`${base}/predict`, async (c) => {
    const binary = (c.req.header("content-type") ?? "").startsWith(FRAME_TYPE);
    const body = await readBody(c.req.raw);
    if (!binary && body !== null && typeof body === "object" && "texts" in body) {
      const texts = (body as { texts: unknown }).texts;
      if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === "string"))
        throw new LearnwareError("BAD_REQUEST", "predict texts must be a non-empty array of strings", { field: "texts" });
      const y = await service.predictTexts(c.req.param("model"), c.req.param("version"), texts as string[]);
      return c.json({ y: toNested(y), shape: y.shape });
    }
    if (body !== null && typeof body === "object" && !Array.isArray(body) && !("X" in body) && Object.keys(body).length > 0)
      return aipodAnswer(c, "predict", body, binary);
    const X = asTensor(body.X, "X");
    if (!X) throw new LearnwareError("BAD_REQUEST", "predict needs X (or texts for a text learnware)");
    const y = await service.predict(c.req.param("model"), c.req.param("version"), X);
    if (binary) return new Response(encodeFrame({ y }) as Uint8Array<ArrayBuffer>, { headers: { "content-type": FRAME_TYPE } });
    return c.json({ y: toNested(y), shape: y.shape });
  });
  app.post(`${base}/invoke`, async (c) => {
    if (!(c.req.header("content-type") ?? "").includes("json")) throw new LearnwareError("BAD_REQUEST", "invoke takes a JSON body {data: any}");
    const body = await readBody(c.req.raw);
    if (body === null || typeof body !== "object" || Array.isArray(body) || !("data" in body))
      throw new LearnwareError("BAD_REQUEST", "invoke takes a JSON body {data: any}");
    return c.json({ result: await service.invoke(c.req.param("model"), c.req.param("version"), body.data) });
  });
  if (options.mixtures) registerMixtureRoutes(app, options.mixtures);
  return app;
}
