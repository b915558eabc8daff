/**
 * Hardening of the market server: security headers, artifacts as attachments, tracked URI
 * schemes, path and tag rules, degenerate specs and absurd numbers (each a 4xx naming the
 * field), malformed percent-encoding, and a body that never arrives.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { api, fixture, mintToken, runChecks, startTestServer, type TestServer, uploadForm } from "./_server.ts";

describe("hardening", () => {
  let s: TestServer;
  let tok: string;
  let model: string;
  let lw: string;
  before(async () => {
    s = await startTestServer({ LW_IDLE_TIMEOUT_SECONDS: "2" });
    tok = await mintToken(s.url, "hana");
    const m = await api(s.url, "POST", "/v1/namespaces/hana/models", { token: tok, json: { name: "m" } });
    model = m.data.id;
    await api(s.url, "POST", `/v1/models/${model}/versions`, { token: tok, json: {} });
    const f = fixture(0);
    lw = (await api(s.url, "POST", "/v1/learnwares", { token: tok, body: uploadForm(f.semantic, f.zip) })).data.learnware.id;
    await runChecks(s.url);
  });
  after(() => s.close());

  it("sets security headers on every response, errors included", async () => {
    for (const path of ["/healthz", "/v1/learnwares", "/v1/nothing-here", "/docs", "/openapi.json", "/api/engine/semantic_specification"]) {
      const r = await fetch(s.url + path);
      await r.arrayBuffer();
      assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(r.headers.get("x-frame-options"), "DENY", path);
      assert.equal(r.headers.get("referrer-policy"), "no-referrer", path);
      const csp = r.headers.get("content-security-policy") ?? "";
      assert.match(csp, /frame-ancestors 'none'/, path);
      if (path === "/docs") assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
      else assert.match(csp, /default-src 'none'.*sandbox/, path);
    }
  });

  it("serves artifacts as attachments, never inline, even HTML", async () => {
    const html = new TextEncoder().encode("<script>alert(document.cookie)</script>");
    const put = await api(s.url, "PUT", `/v1/models/${model}/versions/1/artifacts?path=report.html`, {
      token: tok,
      body: html,
      headers: { "content-type": "text/html" },
    });
    assert.equal(put.status, 201, JSON.stringify(put.data));
    const r = await fetch(`${s.url}/v1/models/${model}/versions/1/artifacts/content?path=report.html`);
    await r.text();
    assert.match(r.headers.get("content-disposition") ?? "", /^attachment; filename="report.html"/);
    assert.match(r.headers.get("content-security-policy") ?? "", /sandbox/);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    const pkg = await fetch(`${s.url}/v1/learnwares/${lw}/download`);
    await pkg.arrayBuffer();
    assert.match(pkg.headers.get("content-disposition") ?? "", /^attachment/);
  });

  it("tracks only URIs of allowed schemes", async () => {
    for (const [uri, ok] of [
      ["javascript:alert(1)", false],
      ["data:text/html,<script>alert(1)</script>", false],
      ["vbscript:msgbox", false],
      ["https://example.org/w.bin", true],
      ["s3://bucket/w.bin", true],
      ["gs://bucket/w.bin", true],
      ["file:///data/w.bin", true],
      ["hdfs://nn:8020/w.bin", true],
    ] as const) {
      const r = await api(s.url, "POST", `/v1/models/${model}/versions/1/artifacts`, {
        token: tok,
        json: { path: `t/${encodeURIComponent(uri).slice(0, 40).replace(/%/g, "_")}`, uri },
      });
      assert.equal(r.status, ok ? 201 : 400, `${uri}: ${JSON.stringify(r.data)}`);
      if (!ok) assert.equal(r.data.error.details.field, "body.uri");
    }
  });

  it("refuses artifact paths with NUL, backslashes, '..' or device names, naming the field", async () => {
    for (const path of ["a\u0000b", "a\\..\\..\\b", "../x", "a/../../b", "con", "dir/NUL.txt", "lpt1", "x/aux.json", "trailing.", "/abs", "C:/x"]) {
      const r = await api(s.url, "PUT", `/v1/models/${model}/versions/1/artifacts?path=${encodeURIComponent(path)}`, { token: tok, body: new Uint8Array([1]) });
      assert.equal(r.status, 400, `${JSON.stringify(path)} → ${r.status}`);
      assert.equal(r.data.error.details.field, "query.path");
    }
  });

  it("reserves the tag 'latest' (and tags that read as numbers)", async () => {
    for (const tag of ["latest", "LATEST", "1", "2a"]) {
      const r = await api(s.url, "PUT", `/v1/models/${model}/tags/${tag}`, { token: tok, json: { version: 1 } });
      assert.equal(r.status, 400, tag);
      assert.equal(r.data.error.details.field, "path.tag");
    }
    const v = await api(s.url, "POST", `/v1/models/${model}/versions`, { token: tok, json: { tags: ["latest"] } });
    assert.equal(v.status, 400);
  });

  it("answers malformed percent-encoding with a 400, not a 500", async () => {
    for (const path of ["/%ff%fe/x", "/v1/models/%ff", "/v1/learnwares/%E0%A4%A", "/api/engine/learnware_info?learnware_id=%ff"]) {
      const r = await fetch(s.url + path);
      const body = await r.json();
      assert.ok(r.status === 400 || (path.startsWith("/api") && r.status === 200), `${path} → ${r.status}`);
      if (r.status === 400) assert.equal(body.error.details.field, "path");
    }
  });

  it("refuses absurd semantic numbers and sizes with a 4xx naming the field", async () => {
    const f = fixture(1);
    const sem = (patch: (s: any) => void) => {
      const c = structuredClone(f.semantic) as any;
      patch(c);
      return c;
    };
    const cases: [string, unknown, string][] = [
      ["Input.Dimension 1e999", sem((c) => (c.Input.Dimension = Number.POSITIVE_INFINITY)), "semantic.Input.Dimension"],
      ["Input.Dimension 0", sem((c) => (c.Input.Dimension = 0)), "semantic.Input.Dimension"],
      ["7 MiB description", sem((c) => (c.Description.Values = "x".repeat(7 * 1024 * 1024))), "semantic"],
      ["long name", sem((c) => (c.Name.Values = "n".repeat(300))), "semantic.Name"],
    ];
    for (const [what, semantic, field] of cases) {
      // JSON text with a literal 1e999 (JSON.stringify would write null).
      const text = JSON.stringify(semantic).replace('"Dimension":null', '"Dimension":1e999');
      const fd = new FormData();
      fd.set("semantic", text);
      fd.set("package", new Blob([f.zip as Uint8Array<ArrayBuffer>]), "lw.zip");
      const r = await api(s.url, "POST", "/v1/learnwares", { token: tok, body: fd });
      assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status}`);
      assert.ok(String(r.data.error.details?.field ?? "").startsWith(field), `${what}: ${JSON.stringify(r.data.error).slice(0, 300)}`);
      const patch = await api(s.url, "PATCH", `/v1/learnwares/${lw}`, {
        token: tok,
        body: text.length < 8e6 ? `{"semantic":${text}}` : "{}",
        headers: { "content-type": "application/json" },
      });
      assert.ok(patch.status >= 400 && patch.status < 500, `${what} (PATCH): ${patch.status}`);
    }
    // The learnware still takes a new package afterwards.
    const ok = await api(s.url, "PATCH", `/v1/learnwares/${lw}`, { token: tok, body: uploadForm(fixture(0).semantic, fixture(0).zip) });
    assert.equal(ok.status, 200, JSON.stringify(ok.data));
  });

  it("caps metadata (shown in every listing) at 64 KiB, merged patches included", async () => {
    const big = await api(s.url, "PATCH", `/v1/models/${model}/metadata`, { token: tok, json: { metadata: { blob: "x".repeat(7 * 1024 * 1024) } } });
    assert.equal(big.status, 400);
    assert.equal(big.data.error.details.field, "body.metadata");
    for (let i = 0; i < 2; i++)
      assert.equal(
        (await api(s.url, "PATCH", `/v1/models/${model}/metadata`, { token: tok, json: { metadata: { [`k${i}`]: "y".repeat(40_000) } } })).status,
        i === 0 ? 200 : 413,
      );
  });

  it("refuses degenerate stat specs in search and upload", async () => {
    const f = fixture(0);
    const st = (patch: (s: any) => void) => {
      const c = structuredClone(f.stat) as any;
      patch(c);
      return c;
    };
    const cases: [string, string, string][] = [
      ["β all zero", JSON.stringify(st((c) => (c.beta = c.beta.map(() => 0)))), "stat.beta"],
      ["β negative", JSON.stringify(st((c) => (c.beta[0] = -0.5))), "stat.beta[0]"],
      ["γ 1e-320", JSON.stringify(st((c) => (c.gamma = 1e-320))), "stat.gamma"],
      ["γ 1e300", JSON.stringify(st((c) => (c.gamma = 1e300))), "stat.gamma"],
      ["z 1e308", JSON.stringify(st((c) => (c.z[0][0] = 1e308))), "stat.z[0][0]"],
      ["z 1e999", JSON.stringify(st((c) => (c.z[0][0] = 123456))).replace("123456", "1e999"), "body.stat.z[0][0]"],
    ];
    for (const [what, stat, field] of cases) {
      const r = await api(s.url, "POST", "/v1/search", { body: `{"stat":${stat}}`, headers: { "content-type": "application/json" } });
      assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status} ${JSON.stringify(r.data).slice(0, 200)}`);
      assert.equal(r.data.error.details.field, field, what);
    }
  });

  it("closes a request whose body never arrives after the idle timeout", async () => {
    const { port } = new URL(s.url);
    const t0 = performance.now();
    const closed = await new Promise<number>((resolve) => {
      const sock = connect(Number(port), "127.0.0.1", () => {
        sock.write(`POST /v1/search HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"stat":`);
      });
      sock.on("data", () => {});
      sock.on("close", () => resolve(performance.now() - t0));
      sock.on("error", () => {});
    });
    assert.ok(closed < 10_000, `closed after ${closed.toFixed(0)} ms`);
    assert.ok(closed >= 1500, `closed after ${closed.toFixed(0)} ms`);
  });
});
