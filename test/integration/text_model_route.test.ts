/**
 * The text model route (`/v1/text-model/…`, the page's text search loads its embedding model
 * there): the real server on loopback serves the folder of `LW_TEXT_MODEL` read-only, refuses
 * every way out of the folder (dot segments raw and percent-encoded, backslashes, a symbolic
 * link), answers other methods 405, and without the setting a 404 naming it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildTinyModel, TINY_MODEL_NAME } from "../../runner/text/buildTinyModel.ts";
import { scratch } from "../_util.ts";
import { ADMIN, startTestServer, type TestServer } from "./_server.ts";

/** A GET with the path exactly as given (fetch would resolve dot segments before sending). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("GET /v1/text-model with LW_TEXT_MODEL set", () => {
  const dir = scratch("lw-textmodel-");
  const model = buildTinyModel(join(dir, "models"));
  writeFileSync(join(dir, "secret.txt"), "outside the model folder");
  symlinkSync(join(dir, "secret.txt"), join(model, "leak.json"));
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ LW_TEXT_MODEL: model });
  });
  after(() => s.close());

  test("lists the folder and serves its files byte for byte, with an ETag that revalidates to 304", async () => {
    const info = (await (await fetch(`${s.url}/v1/text-model`)).json()) as { name: string; path: string; files: { path: string; size: number }[] };
    assert.equal(info.name, TINY_MODEL_NAME);
    assert.equal(info.path, "/v1/text-model/");
    const paths = info.files.map((f) => f.path);
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model_quantized.onnx"])
      assert.ok(paths.includes(f), `${f} listed in ${paths}`);

    const r = await fetch(`${s.url}/v1/text-model/onnx/model_quantized.onnx`);
    assert.equal(r.status, 200);
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), new Uint8Array(readFileSync(join(model, "onnx", "model_quantized.onnx"))));
    const cfg = await fetch(`${s.url}/v1/text-model/config.json`);
    assert.equal(cfg.headers.get("content-type"), "application/json");
    assert.deepEqual(await cfg.json(), JSON.parse(readFileSync(join(model, "config.json"), "utf8")));
    const etag = cfg.headers.get("etag");
    assert.ok(etag);
    const again = await fetch(`${s.url}/v1/text-model/config.json`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    // A token is not needed, and a valid one does not hurt.
    assert.equal((await fetch(`${s.url}/v1/text-model/tokenizer.json`, { headers: { authorization: `Bearer ${ADMIN}` } })).status, 200);
  });

  test("a missing file is a 404 naming it", async () => {
    const r = await fetch(`${s.url}/v1/text-model/onnx/nope.onnx`);
    assert.equal(r.status, 404);
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "NOT_FOUND");
    assert.match(body.error.message, /no file onnx\/nope\.onnx/);
  });

  test("path traversal is refused: raw and encoded dot segments, backslashes, a symbolic link out of the folder", async () => {
    for (const path of [
      "/v1/text-model/../../../../etc/passwd",
      "/v1/text-model/onnx/../../secret.txt",
      "/v1/text-model/%2e%2e/%2e%2e/secret.txt",
      "/v1/text-model/..%2f..%2fsecret.txt",
      "/v1/text-model/onnx%2f..%2f..%2f..%2fsecret.txt",
      "/v1/text-model/..%5c..%5csecret.txt",
      "/v1/text-model//etc/passwd",
      "/v1/text-model/%00",
    ]) {
      const r = await rawGet(s.url, path);
      assert.ok(r.status === 400 || r.status === 404, `${path} → ${r.status} ${r.body}`);
      assert.doesNotMatch(r.body, /outside the model folder|root:/, path);
      assert.ok((JSON.parse(r.body) as { error: { code: string } }).error.code, `${path}: the error envelope`);
    }
    // Dot segments are resolved by URL parsing before routing (they leave /v1/text-model/: no route);
    // encoded slashes and backslashes reach the route and are refused by it.
    const dots = await rawGet(s.url, "/v1/text-model/%2e%2e/%2e%2e/secret.txt");
    assert.equal(dots.status, 404);
    assert.match(dots.body, /No route for GET \/secret\.txt/);
    for (const path of ["/v1/text-model/..%2f..%2fsecret.txt", "/v1/text-model/..%5c..%5csecret.txt", "/v1/text-model//etc/passwd"]) {
      const r = await rawGet(s.url, path);
      assert.equal(r.status, 400, path);
      const e = (JSON.parse(r.body) as { error: { code: string; message: string } }).error;
      assert.equal(e.code, "BAD_REQUEST");
      assert.match(e.message, /not a plain relative path inside the model folder/);
    }
    const link = await fetch(`${s.url}/v1/text-model/leak.json`);
    assert.equal(link.status, 404, "a symbolic link out of the folder is not followed");
    assert.doesNotMatch(await link.text(), /outside the model folder/);
  });

  test("read-only: other methods are 405", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const r = await fetch(`${s.url}/v1/text-model/config.json`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}` },
        body: method === "DELETE" ? null : "{}",
      });
      assert.equal(r.status, 405, method);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, "METHOD_NOT_ALLOWED");
    }
    assert.equal(readFileSync(join(model, "config.json"), "utf8").length > 0, true);
  });
});

describe("GET /v1/text-model without LW_TEXT_MODEL", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  test("404 TEXT_MODEL_NOT_CONFIGURED naming the setting, for the listing and for any file", async () => {
    for (const path of ["/v1/text-model", "/v1/text-model/config.json"]) {
      const r = await fetch(`${s.url}${path}`);
      assert.equal(r.status, 404, path);
      const body = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "TEXT_MODEL_NOT_CONFIGURED");
      assert.match(body.error.message, /LW_TEXT_MODEL/);
    }
  });
});
