/** Rate limits (429 + Retry-After) on auth failures, searches and uploads; per-owner storage quota. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { api, fixture, mintToken, startTestServer, uploadForm } from "./_server.ts";

describe("rate limits and quotas", () => {
  it("limits failed authentications per address, on /v1 and on /api", async () => {
    const s = await startTestServer({ LW_RATE_AUTH_FAILURES: "5" });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await api(s.url, "GET", "/v1/whoami", { token: `lw_wrong_${i}` })).status, 401);
      const r = await api(s.url, "GET", "/v1/whoami", { token: "lw_wrong_again" });
      assert.equal(r.status, 429);
      assert.equal(r.data.error.code, "RATE_LIMITED");
      assert.match(r.data.error.message, /LW_RATE_AUTH_FAILURES/);
      assert.ok(Number(r.headers.get("retry-after")) >= 1);
      const bm = await api(s.url, "POST", "/api/auth/login_by_token", { json: { email: "x@y", token: "nope" } });
      assert.equal(bm.status, 429);
      assert.ok(Number(bm.headers.get("retry-after")) >= 1);
      // Anonymous reads are not failures and still work.
      assert.equal((await api(s.url, "GET", "/v1/learnwares")).status, 200);
    } finally {
      await s.close();
    }
  });

  it("limits searches per token (or address) and uploads per token", async () => {
    const s = await startTestServer({ LW_RATE_SEARCH: "10", LW_RATE_UPLOADS: "2" });
    try {
      const a = await mintToken(s.url, "ann");
      const b = await mintToken(s.url, "ben");
      const search = (token?: string) => api(s.url, "POST", "/v1/search", { ...(token ? { token } : {}), json: { semantic: {} } });
      for (let i = 0; i < 10; i++) assert.equal((await search(a)).status, 200);
      const over = await search(a);
      assert.equal(over.status, 429);
      assert.ok(Number(over.headers.get("retry-after")) >= 1);
      assert.equal((await search(b)).status, 200, "another token has its own budget");
      for (let i = 0; i < 10; i++) await search();
      assert.equal((await search()).status, 429, "anonymous searches are limited per address");
      const f = fixture(0);
      for (let i = 0; i < 2; i++) assert.equal((await api(s.url, "POST", "/v1/learnwares", { token: a, body: uploadForm(f.semantic, f.zip) })).status, 201);
      const up = await api(s.url, "POST", "/v1/learnwares", { token: a, body: uploadForm(f.semantic, f.zip) });
      assert.equal(up.status, 429);
      assert.match(up.data.error.message, /LW_RATE_UPLOADS/);
      assert.equal((await api(s.url, "POST", "/v1/uploads", { token: a, json: {} })).status, 429);
    } finally {
      await s.close();
    }
  });

  it("enforces a per-owner storage quota with a 413 naming it", async () => {
    const f = fixture(0);
    const s = await startTestServer({ LW_QUOTA_STORAGE_BYTES: String(Math.floor(f.zip.length * 1.5)) });
    try {
      const t = await mintToken(s.url, "quinn");
      assert.equal((await api(s.url, "POST", "/v1/learnwares", { token: t, body: uploadForm(f.semantic, f.zip) })).status, 201);
      const r = await api(s.url, "POST", "/v1/learnwares", { token: t, body: uploadForm(f.semantic, f.zip) });
      assert.equal(r.status, 413);
      assert.equal(r.data.error.code, "QUOTA_EXCEEDED");
      assert.match(r.data.error.message, /LW_QUOTA_STORAGE_BYTES/);
      const other = await mintToken(s.url, "rita");
      assert.equal((await api(s.url, "POST", "/v1/learnwares", { token: other, body: uploadForm(f.semantic, f.zip) })).status, 201);
    } finally {
      await s.close();
    }
  });
});
