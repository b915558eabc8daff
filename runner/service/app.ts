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
 * | GET | `/metrics` | pool (size, bytes, hits, misses, evictions), batching, counts |
 * | GET | `/healthz` | `{ok: true}` |
 * | POST, GET, DELETE | `/mixtures…` | served mixtures of learnwares (when a `MixtureStore` is given; see `mixtures.ts`) |
 *
 * Frames are `application/vnd.lw.frame` (see `protocol.ts`): raw float64/float32 arrays.
 * Errors are `{code, message, details?}` with the status chosen in `statusOf`.
 */
import { Hono } from "hono";
import { LearnwareError, toErrorPayload } from "../../core/errors.ts";
import { decodeFrame, encodeFrame } from "../protocol.ts";
import { fromNested, toNested, type Tensor } from "../tensor.ts";
import { type MixtureStore, registerMixtureRoutes } from "./mixtures.ts";
import type { InstanceConfig, ModelService, TrainOptions } from "./modelService.ts";
import { callerContext } from "./auth.ts";

export const FRAME_TYPE = "application/vnd.lw.frame";

/** The one place error codes map to HTTP statuses. */
export function statusOf(code: string): 400 | 401 | 403 | 404 | 409 | 422 | 500 | 503 | 504 | 507 {
  switch (code) {
    case "BAD_REQUEST":
    case "TYPE_ERROR":
    case "RANGE_ERROR":
    case "PACKAGE_INVALID":
    case "PACKAGE_UNSAFE":
    case "INPUT_SHAPE":
    case "INPUT_TYPE":
      return 400;
    case "UNAUTHENTICATED":
      return 401;
    case "FORBIDDEN":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "CONFLICT":
      return 409;
    case "LOAD_FAILED":
    case "MODEL_ERROR":
    case "MODEL_CLASS_MISSING":
    case "WORKER_CRASHED":
    case "NOT_SUPPORTED":
    case "OUTPUT_NOT_NUMERIC":
    case "OUTPUT_NOT_ARRAY":
    case "OUTPUT_NOT_JSON":
      return 422;
    case "BACKEND_UNAVAILABLE":
    case "UPSTREAM_ERROR":
    case "SANDBOX_UNAVAILABLE":
    case "SANDBOX_FAILED":
      return 503;
    case "TIMEOUT":
      return 504;
    case "MEMORY_LIMIT":
      return 507;
    default:
      return 500;
  }
}

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

export function createServiceApp(service: ModelService, options: { mixtures?: MixtureStore } = {}): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    const p = publicError(err);
    return c.json(p, statusOf(p.code));
  });
  // The caller's token goes with the request to every authorisation the service makes.
  app.use("*", (c, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    return callerContext.run({ token: m ? m[1]! : null }, next);
  });
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/metrics", (c) => c.json(service.metrics()));
  const base = "/v1/models/:model/versions/:version";
  app.post(`${base}/initialize`, async (c) => {
    const body = (await readBody(c.req.raw)) as InstanceConfig;
    return c.json(await service.initialize(c.req.param("model"), c.req.param("version"), body));
  });
  app.post(`${base}/train`, async (c) => {
    const body = await readBody(c.req.raw);
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
