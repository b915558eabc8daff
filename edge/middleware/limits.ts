/**
 * Request size limit by declared Content-Length (bodies are also bounded while read,
 * see `http/body.ts` and the blob store's `maxBytes`).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { LearnwareError } from "../errors.ts";

export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const len = c.req.header("content-length");
    if (len !== undefined && Number(len) > maxBytes) {
      throw new LearnwareError("PAYLOAD_TOO_LARGE", `Request body of ${len} bytes exceeds the limit of ${maxBytes} bytes`, { limit: maxBytes });
    }
    await next();
  };
}
