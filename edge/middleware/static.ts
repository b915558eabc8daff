/**
 * Serves the static page folder (web/) for GETs outside the API, when configured. The page is
 * cross-origin isolated (COOP same-origin + COEP require-corp: it loads nothing from other
 * origins), which gives its Web Worker `SharedArrayBuffer`, so the wasm kernels run on every
 * core there too.
 */
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

export function staticFiles(root: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    let rel = decodeURIComponent(new URL(c.req.url).pathname);
    if (rel.endsWith("/")) rel += "index.html";
    const path = normalize(join(root, rel));
    if (!path.startsWith(normalize(root))) return next();
    try {
      const s = await stat(path);
      if (!s.isFile()) return next();
      const body = await readFile(path);
      return new Response(c.req.method === "HEAD" ? null : body, {
        headers: {
          "content-type": MIME[extname(path)] ?? "application/octet-stream",
          "content-length": String(s.size),
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-embedder-policy": "require-corp",
        },
      });
    } catch {
      return next();
    }
  };
}
