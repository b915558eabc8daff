/**
 * The sentence-embedding model the page's text search runs in the browser: the folder of the
 * server setting `LW_TEXT_MODEL` (transformers.js layout: `config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, `onnx/model_quantized.onnx`, …) served read-only.
 *
 *   GET /v1/text-model          → `{ name, files: [{ path, size }] }`, or 404 TEXT_MODEL_NOT_CONFIGURED
 *   GET /v1/text-model/<path>   → the file (ETag; revalidated, so a replaced model is fetched again)
 *
 * Public (no token: the model is not the market's data, and transformers.js fetches without
 * one); GET and HEAD only (405 otherwise); a path with `..`, `.`, empty segments, backslashes or
 * NUL is refused with 400, and a file reached through a symbolic link out of the folder is not
 * served (404), so nothing outside the folder can be read.
 */
import { realpath, readdir, stat } from "node:fs/promises";
import { readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import type { Context } from "hono";
import type { App, AppEnv, Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";

/** Where the page's worker loads the model from (transformers.js `localModelPath` = `/v1/`, model `text-model`). */
export const TEXT_MODEL_PATH = "/v1/text-model";

const TYPES: Record<string, string> = {
  ".json": "application/json",
  ".onnx": "application/octet-stream",
  ".txt": "text/plain; charset=utf-8",
  ".model": "application/octet-stream",
};

function notConfigured(): LearnwareError {
  return new LearnwareError(
    "TEXT_MODEL_NOT_CONFIGURED",
    "This server has no text embedding model: start it with LW_TEXT_MODEL set to a model folder (transformers.js layout) to search with texts in the page",
    { setting: "LW_TEXT_MODEL" },
  );
}

/** The folder's files (relative paths, `/`-separated), at most `limit`, hidden ones left out. */
async function listFiles(root: string, limit = 200): Promise<{ path: string; size: number }[]> {
  const out: { path: string; size: number }[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= limit || e.name.startsWith(".")) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push({ path: relative(root, p).split(sep).join("/"), size: (await stat(p)).size });
    }
  };
  await walk(root);
  return out;
}

/** The file a request path names inside the model folder, or why not. */
async function resolveFile(root: string, rel: string): Promise<string> {
  const segments = rel.split("/");
  if (rel === "" || rel.includes("\\") || rel.includes("\0") || segments.some((s) => s === "" || s === "." || s === ".."))
    throw new LearnwareError("BAD_REQUEST", `Model file path ${JSON.stringify(rel)} is not a plain relative path inside the model folder`, { field: "path" });
  const missing = () => new LearnwareError("NOT_FOUND", `The text model has no file ${rel}`, { path: rel });
  let real: string;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(join(realRoot, ...segments));
  } catch {
    throw missing();
  }
  // A symbolic link inside the folder must not lead out of it.
  if (!real.startsWith(realRoot + sep)) throw missing();
  const s = await stat(real);
  if (!s.isFile()) throw missing();
  return real;
}

async function serveFile(c: Context<AppEnv>, root: string, rel: string): Promise<Response> {
  const file = await resolveFile(root, rel);
  const s = await stat(file);
  const etag = `"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    etag,
    // Revalidate every time: a replaced model folder is fetched again, an unchanged one is a 304.
    "cache-control": "no-cache",
  };
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  headers["content-length"] = String(s.size);
  return new Response(c.req.method === "HEAD" ? null : await readFile(file), { headers });
}

export function textModelRoutes(app: App, ctx: Ctx): void {
  const root = ctx.config.textModel;
  app.get(TEXT_MODEL_PATH, async (c) => {
    if (!root) throw notConfigured();
    let files;
    try {
      files = await listFiles(root);
    } catch (e) {
      throw new LearnwareError(
        "TEXT_MODEL_NOT_CONFIGURED",
        `The text model folder LW_TEXT_MODEL cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
        {
          setting: "LW_TEXT_MODEL",
        },
      );
    }
    const name =
      root
        .replace(/[\\/]+$/, "")
        .split(/[\\/]/)
        .pop() ?? "";
    return c.json({ name, path: `${TEXT_MODEL_PATH}/`, files });
  });
  app.get(`${TEXT_MODEL_PATH}/*`, async (c) => {
    if (!root) throw notConfigured();
    // The raw path (still percent-encoded), so an encoded "%2e%2e" or "%2f" is judged after decoding.
    const raw = new URL(c.req.url).pathname.slice(TEXT_MODEL_PATH.length + 1);
    return serveFile(c, root, decodeURIComponent(raw));
  });
  app.on(["POST", "PUT", "PATCH", "DELETE"], [TEXT_MODEL_PATH, `${TEXT_MODEL_PATH}/*`], (c) => {
    c.header("allow", "GET, HEAD");
    throw new LearnwareError("METHOD_NOT_ALLOWED", `The text model is read-only: ${c.req.method} is not allowed (GET or HEAD)`);
  });
}
