/**
 * Rate limits (token buckets in memory, per server process): failed authentications per client
 * address, searches and uploads per token (or per address without one). Each limit is a number
 * per minute (`LW_RATE_AUTH_FAILURES`, `LW_RATE_SEARCH`, `LW_RATE_UPLOADS`; 0 turns it off); a
 * client over it gets a 429 `RATE_LIMITED` with `Retry-After` (seconds).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Ctx } from "../context.ts";
import { LearnwareError } from "../errors.ts";

export type RateKind = "auth" | "search" | "upload";

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets of one limit: `perMinute` requests, refilled continuously. */
export class RateLimiter {
  #buckets = new Map<string, Bucket>();
  readonly perMinute: number;
  readonly now: () => number;
  constructor(perMinute: number, now: () => number = Date.now) {
    this.perMinute = perMinute;
    this.now = now;
  }

  #bucket(key: string): Bucket {
    const now = this.now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size > 100_000) this.#prune(now);
      b = { tokens: this.perMinute, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
      b.at = now;
    }
    return b;
  }

  #prune(now: number): void {
    for (const [k, b] of this.#buckets) if (b.tokens + ((now - b.at) / 60_000) * this.perMinute >= this.perMinute) this.#buckets.delete(k);
  }

  /** Seconds until `key` may go again (0: it may now). */
  wait(key: string): number {
    if (this.perMinute <= 0) return 0;
    const b = this.#bucket(key);
    return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil(((1 - b.tokens) * 60) / this.perMinute));
  }

  /** Takes one token for `key`. */
  hit(key: string): void {
    if (this.perMinute <= 0) return;
    this.#bucket(key).tokens -= 1;
  }
}

export interface RateLimits {
  auth: RateLimiter;
  search: RateLimiter;
  upload: RateLimiter;
}

const limits = new WeakMap<Ctx, RateLimits>();

export function rateLimitsOf(ctx: Ctx): RateLimits {
  let l = limits.get(ctx);
  if (!l) {
    l = {
      auth: new RateLimiter(ctx.config.rateAuthFailures, ctx.now),
      search: new RateLimiter(ctx.config.rateSearch, ctx.now),
      upload: new RateLimiter(ctx.config.rateUploads, ctx.now),
    };
    limits.set(ctx, l);
  }
  return l;
}

const WHAT: Record<RateKind, [string, string]> = {
  auth: ["failed authentications", "LW_RATE_AUTH_FAILURES"],
  search: ["searches", "LW_RATE_SEARCH"],
  upload: ["uploads", "LW_RATE_UPLOADS"],
};

export function rateLimited(kind: RateKind, limiter: RateLimiter, retryAfter: number): LearnwareError {
  const [what, variable] = WHAT[kind];
  return new LearnwareError("RATE_LIMITED", `Too many ${what}: the limit is ${limiter.perMinute} per minute (${variable}); retry in ${retryAfter} s`, {
    limit: limiter.perMinute,
    variable,
    retryAfter,
  });
}

/** The client's address: the Node adapter's socket, or `Deno.serve`'s handler info; `unknown` elsewhere. */
export function clientAddress(c: Context<AppEnv>): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }; remoteAddr?: { hostname?: string } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? env?.remoteAddr?.hostname ?? "unknown";
}

/** Throws a 429 when `key` is over `kind`'s limit; otherwise counts the request when `count`. */
export function checkRate(ctx: Ctx, kind: RateKind, key: string, count = true): void {
  const limiter = rateLimitsOf(ctx)[kind];
  const wait = limiter.wait(key);
  if (wait > 0) throw rateLimited(kind, limiter, wait);
  if (count) limiter.hit(key);
}

/** A cheap non-secret key for a bearer token (FNV-1a; the token itself is not kept). */
function tokenKey(header: string | undefined): string | null {
  if (!header) return null;
  let h = 0x811c9dc5;
  for (let i = 0; i < header.length; i++) h = Math.imul(h ^ header.charCodeAt(i), 0x01000193);
  return `t:${(h >>> 0).toString(36)}:${header.length}`;
}

/** Which limited kind a request is, if any. */
function kindOf(method: string, path: string, compat: string): RateKind | null {
  if (method === "POST" && (path === "/v1/search" || path === `${compat}/engine/search_learnware`)) return "search";
  if (
    (method === "POST" && (path === "/v1/learnwares" || path === "/v1/uploads")) ||
    (method === "PATCH" && /^\/v1\/learnwares\/[^/]+$/.test(path)) ||
    (method === "PUT" && /^\/v1\/models\/[^/]+\/versions\/[^/]+\/artifacts$/.test(path)) ||
    (method === "POST" && /\/user\/(add_learnware_uploaded|update_learnware)$/.test(path) && path.startsWith(compat))
  ) {
    return "upload";
  }
  return null;
}

/** Search and upload limits, per token (or per address without one); a 429 with Retry-After. */
export function rateLimitMiddleware(ctx: Ctx): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const kind = kindOf(c.req.method, new URL(c.req.url).pathname, ctx.config.compatPrefix);
    if (kind !== null) checkRate(ctx, kind, tokenKey(c.req.header("authorization")) ?? `a:${clientAddress(c)}`);
    await next();
  };
}
