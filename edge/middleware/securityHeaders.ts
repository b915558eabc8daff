/**
 * Headers on every response (OWASP secure headers): `nosniff`, no framing, no referrer, and a
 * content security policy — the page's (its own scripts, the wasm kernels, its module worker;
 * nothing from other origins) on HTML, and a locked-down sandbox on everything else, so an
 * uploaded artifact or any API body never runs as a page of this origin. Also turns a path
 * with malformed percent-encoding (`/%ff%fe/x`) into a 400 before any route decodes it.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { LearnwareError, renderError } from "../errors.ts";

/** The page: same-origin scripts and worker, wasm compilation, inline styles (charts set them). */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Anything that is not the page: nothing may load, run or frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

export function securityHeaders(compatPrefix = "/api"): MiddlewareHandler<AppEnv> {
  const compat = compatPrefix === "" ? null : `${compatPrefix}/`;
  return async (c, next) => {
    const raw = c.req.url;
    const q = raw.indexOf("?");
    const pathStart = raw.indexOf("/", raw.indexOf("//") + 2);
    const path = raw.slice(pathStart, q < 0 ? undefined : q);
    let malformed = false;
    try {
      decodeURIComponent(path);
    } catch {
      malformed = true;
    }
    if (malformed) {
      const [status, body] = renderError(
        new LearnwareError("BAD_REQUEST", `The request path '${path.slice(0, 200)}' has malformed percent-encoding`, { field: "path" }),
      );
      c.res = c.json(body, status as 400);
    } else {
      await next();
    }
    const h = c.res.headers;
    // The page's files (its HTML, scripts, module worker, wasm) and the docs carry the page's
    // policy (a worker runs under the policy of its own script's response); anything under the
    // API, artifacts and packages included, is data.
    const api =
      path.startsWith("/v1/") ||
      (compat !== null && path.startsWith(compat)) ||
      !/^(text\/html|text\/javascript|application\/javascript|application\/wasm)/i.test(h.get("content-type") ?? "");
    if (!h.has("content-security-policy")) h.set("content-security-policy", api ? API_CSP : PAGE_CSP);
    h.set("x-content-type-options", "nosniff");
    h.set("x-frame-options", "DENY");
    h.set("referrer-policy", "no-referrer");
  };
}
