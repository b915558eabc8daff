/**
 * Bearer tokens: random secrets shown once, stored as sha256 hashes, scoped
 * (read / write / admin / runner), expiring and revocable. Web Crypto only.
 */
import type { Scope } from "../../client/requests.ts";

export { SCOPES, type Scope } from "../../client/requests.ts";

export interface Principal {
  tokenId: string;
  owner: string;
  scopes: readonly Scope[];
}

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomId(bytes = 9): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A new token secret: `lw_` + 32 random bytes (base64url). */
export function newTokenSecret(): string {
  return "lw_" + b64url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether `p` holds `scope` (admin holds every scope; write implies read). */
export function hasScope(p: Principal | null, scope: Scope): boolean {
  if (p === null) return false;
  if (p.scopes.includes("admin")) return true;
  if (scope === "read") return p.scopes.includes("read") || p.scopes.includes("write");
  return p.scopes.includes(scope);
}

export function isAdmin(p: Principal | null): boolean {
  return p?.scopes.includes("admin") ?? false;
}

/** HMAC-SHA256 (hex) for signed download links. */
export async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return Array.from(sig, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let r = 0;
  for (let i = 0; i < a.length; i++) r |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return r === 0;
}
