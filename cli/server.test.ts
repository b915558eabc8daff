// The `lw` server commands, run as a user runs them (the real cli/lw.js in a child process)
// against a real server on loopback (libSQL file in a temp folder, demo market seeded).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoMixtureQuery } from "../core/demo/synthetic.ts";
import { ADMIN, api, fixture, startTestServer, type TestServer } from "../test/integration/_server.ts";
import { repoRoot } from "../test/_util.ts";

const lwBin = join(repoRoot, "cli", "lw.js");
let server: TestServer;
let dir: string;

/** Runs lw asynchronously (the server lives in this process, so never spawnSync). */
function lw(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [lwBin, ...args], {
      cwd: dir,
      env: { ...process.env, LW_SERVER: "", LW_TOKEN: "", LW_CONFIG: join(dir, "no-lw-config.json"), ...env },
    });
    let out = "",
      err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}
const withServer = (token = ADMIN) => ({ LW_SERVER: server.url, LW_TOKEN: token });

function assertOneLineFailure(r: { code: number; err: string }, mentions: RegExp, code = 2): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.err}`);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected, got: ${r.err}`);
  assert.match(lines[0]!, /^lw: /);
  assert.match(lines[0]!, mentions);
}

describe("lw server commands", { timeout: 300_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "lw-cli-server-"));
    server = await startTestServer({ LW_SEED_DEMO: "true" });
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("help lists the server commands", async () => {
    const r = await lw(["help"]);
    assert.equal(r.code, 0);
    for (const c of ["lw upload", "lw download", "lw models list", "lw tokens create", "lw watch", "lw search --server"]) assert.ok(r.out.includes(c), c);
  });

  test("no server, a bad URL, an unreachable server: one line each, non-zero exit", async () => {
    assertOneLineFailure(await lw(["download", "00000001"]), /No server: pass --server URL, set LW_SERVER .* or run lw login/);
    assertOneLineFailure(await lw(["download", "00000001", "--server", "not a url"]), /--server must be an http\(s\) URL/);
    assertOneLineFailure(await lw(["tokens", "whoami", "--server", "http://127.0.0.1:9"]), /Cannot reach the server at http:\/\/127\.0\.0\.1:9/, 1);
    assertOneLineFailure(await lw(["models", "frobnicate"], withServer()), /Unknown models command "frobnicate"/);
    assertOneLineFailure(await lw(["tokens"], withServer()), /Unknown tokens command ""/);
    assertOneLineFailure(await lw(["upload"], withServer()), /upload needs one package zip/);
  });

  test("tokens: create, whoami, list, revoke; bad scopes and missing rights", async () => {
    const c = await lw(["tokens", "create", "--owner", "alice", "--scopes", "read,write"], withServer());
    assert.equal(c.code, 0, c.err);
    const secret = c.out.trim();
    assert.match(secret, /^\S{20,}$/);
    const who = await lw(["tokens", "whoami"], withServer(secret));
    assert.equal(who.out.trim(), "alice (read, write)");
    const list = await lw(["tokens", "list", "--json"], withServer());
    const mine = JSON.parse(list.out).items.find((t: any) => t.owner === "alice");
    assert.ok(mine);
    assertOneLineFailure(await lw(["tokens", "create", "--owner", "bob", "--scopes", "read,fly"], withServer()), /unknown scope "fly"/);
    assertOneLineFailure(await lw(["tokens", "create", "--owner", "bob"], withServer(secret)), /POST \/v1\/tokens failed: 403 FORBIDDEN/, 1);
    const rev = await lw(["tokens", "revoke", mine.id], withServer());
    assert.equal(rev.code, 0, rev.err);
    assertOneLineFailure(await lw(["tokens", "list"], withServer(secret)), /401 UNAUTHENTICATED.*--token, set LW_TOKEN or run lw login/, 1);
  });

  test("runners: the registered runners as a table and as JSON; admins only", async () => {
    const caps = {
      gpus: 1,
      labels: ["cuda12"],
      backends: ["onnx", "js", "python-venv"],
      sandbox: "bwrap",
      cpus: 8,
      memoryBytes: 32 * 2 ** 30,
      gpuDevices: [{ uuid: "GPU-1", name: "NVIDIA L4", memoryMiB: 23034 }],
    };
    assert.equal((await api(server.url, "POST", "/v1/runners", { token: ADMIN, json: { runner: "box-7", capabilities: caps } })).status, 200);
    const table = await lw(["runners"], withServer());
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^NAME\s+STATE\s+JOBS\s+SANDBOX/);
    assert.match(table.out, /box-7\s+active\s+0 bwrap\s+8\s+32\.0G\s+1\s+cuda12 \/ onnx,js,python-venv\s+\[NVIDIA L4 22G\]/);
    const json = await lw(["runners", "--json"], withServer());
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out).items.find((r: { name: string }) => r.name === "box-7").capabilities, caps);
    assertOneLineFailure(await lw(["runners", "extra"], withServer()), /Unknown runners argument "extra"/);
    const alice = (await api(server.url, "POST", "/v1/tokens", { token: ADMIN, json: { owner: "alice", scopes: ["read"] } })).data.token;
    assertOneLineFailure(await lw(["runners"], withServer(alice)), /GET \/v1\/runners failed: 403 FORBIDDEN/, 1);
  });

  test("upload (resumable chunks) → v1, again with --learnware → v2, download verifies the checksum", async () => {
    const fx = fixture(5, " (cli)", 1_200_000);
    writeFileSync(join(dir, "pkg.zip"), fx.zip);
    writeFileSync(join(dir, "semantic.json"), JSON.stringify(fx.semantic));
    const up = await lw(["upload", "pkg.zip", "--semantic", "semantic.json", "--chunk-mb", "0.25", "--json"], withServer());
    assert.equal(up.code, 0, up.err);
    const r = JSON.parse(up.out);
    assert.equal(r.version.number, 1);
    assert.equal(r.version.status, "pending");
    const id = r.learnware.id;
    const up2 = await lw(["upload", "pkg.zip", "--learnware", id], withServer());
    assert.equal(up2.code, 0, up2.err);
    assert.match(up2.out, new RegExp(`^${id} v2 pending `));
    const versions = await api(server.url, "GET", `/v1/learnwares/${id}/versions`, { token: ADMIN });
    assert.deepEqual(
      versions.data.items.map((v: any) => v.number),
      [1, 2],
    );

    const dl = await lw(["download", id, "--version", "2", "--output", "got.zip"], withServer());
    assert.equal(dl.code, 0, dl.err);
    assert.equal(
      createHash("sha256")
        .update(readFileSync(join(dir, "got.zip")))
        .digest("hex"),
      createHash("sha256").update(fx.zip).digest("hex"),
    );
    assertOneLineFailure(await lw(["download", "99999999"], withServer()), /404 NOT_FOUND: Model '99999999' not found/, 1);
  });

  test("upload: bad inputs fail before sending, API refusals name the problem", async () => {
    const fx = fixture(0, " (bad)");
    writeFileSync(join(dir, "ok.zip"), fx.zip);
    writeFileSync(join(dir, "junk.zip"), "not a zip at all");
    writeFileSync(join(dir, "sem.json"), JSON.stringify(fx.semantic));
    writeFileSync(join(dir, "bad-sem.json"), JSON.stringify({ ...fx.semantic, Data: { Type: "Class", Values: ["Spreadsheet"] } }));
    writeFileSync(join(dir, "wrong-dim.json"), JSON.stringify({ ...fx.semantic, Input: { Dimension: 3, Description: {} } }));
    assertOneLineFailure(await lw(["upload", "ok.zip", "--semantic", "sem.json"], { LW_SERVER: server.url }), /upload needs a token/);
    assertOneLineFailure(await lw(["upload", "junk.zip", "--semantic", "sem.json"], withServer()), /Package junk\.zip: /);
    assertOneLineFailure(await lw(["upload", "ok.zip", "--semantic", "bad-sem.json"], withServer()), /Spreadsheet/);
    assertOneLineFailure(await lw(["upload", "ok.zip", "--semantic", "wrong-dim.json"], withServer()), /dimension/i);
    assertOneLineFailure(await lw(["upload", "ok.zip", "--semantic", "missing.json"], withServer()), /Cannot find semantic spec missing\.json/);
    assertOneLineFailure(await lw(["upload", "ok.zip", "--learnware", "00000001"], withServer("lw_not_a_token")), /401 UNAUTHENTICATED/, 1);
  });

  test("search --server ranks like the server's API on the CLI's spec", async () => {
    const X = demoMixtureQuery(300);
    const lines: string[] = [];
    for (let i = 0; i < X.rows; i++) lines.push(Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols), (v) => v.toFixed(5)).join(","));
    writeFileSync(join(dir, "q.csv"), lines.join("\n") + "\n");
    const g = await lw(["spec", "generate", "--input", "q.csv", "--output", "q.json"]);
    assert.equal(g.code, 0, g.err);
    const s = await lw(["search", "--server", server.url, "--spec", "q.json", "--json"]);
    assert.equal(s.code, 0, s.err);
    const got = JSON.parse(s.out);
    const ref = await api(server.url, "POST", "/v1/search", { json: { stat: JSON.parse(readFileSync(join(dir, "q.json"), "utf8")), limit: 500 } });
    assert.deepEqual(
      got.single.map((x: any) => x.id),
      ref.data.single.items.map((x: any) => x.id),
    );
    assert.ok(["00000001", "00000003"].includes(got.single[0].id));
    assert.deepEqual(got.multiple.ids, ref.data.multiple.ids);
    const table = await lw(["search", "--server", server.url, "--spec", "q.json"]);
    assert.match(table.out, /mixture: score/);
    assert.match(table.out, /00000002 .*\d\.\d % {2}\(negligible/, "plant B, a few of the query's rows, is flagged negligible");
    assert.match(table.out, /mixture: score .*fit 0\.9\d fits/, "the demo query fits plants A and C's mixture");
    assert.match(table.out, /^ID +NAME +SCORE +MMD² +FIT/);
    assert.match(table.out, /Sensor fault classifier \(plant [AC]\)/, "names beside ids");
    assert.match(table.out, /score: relative/, "the legend says what scores mean");
    assert.ok(got.fit.single.every((f: any) => f.fit === null || ["fits", "fits partly", "does not fit"].includes(f.fit.band)));
    // An unknown method: accepted as the Python market accepts it, a warning and singles only.
    const magic = await lw(["search", "--server", server.url, "--spec", "q.json", "--method", "magic", "--json"]);
    assert.equal(magic.code, 0, magic.err);
    assert.match(magic.err, /warning: Unknown search method "magic": single results only/);
    assert.equal(JSON.parse(magic.out).multiple, null);
  });

  test("models: create, versions with tags, metrics, artifacts, list", async () => {
    const c = await lw(["models", "create", "vision", "resnet-tiny", "--task", "classification"], withServer());
    assert.equal(c.code, 0, c.err);
    const id = c.out.trim();
    assert.equal((await lw(["models", "new-version", id, "--framework", "onnx", "--tag", "staging"], withServer())).out.trim(), `${id} v1`);
    assert.equal((await lw(["models", "new-version", id, "--framework", "onnx", "--metadata", '{"epochs":3}'], withServer())).out.trim(), `${id} v2`);
    assert.equal((await lw(["models", "tag", id, "staging", "2"], withServer())).code, 0);
    const vs = await lw(["models", "versions", id, "--json"], withServer());
    assert.deepEqual(
      JSON.parse(vs.out).items.map((v: any) => v.tags),
      [[], ["staging"]],
    );
    assert.equal((await lw(["models", "log", id, "2", "acc=0.9", "--step", "3"], withServer())).code, 0);
    const m = JSON.parse((await lw(["models", "metrics", id, "staging", "--json"], withServer())).out);
    assert.deepEqual(m.metrics.acc, [{ value: 0.9, step: 3, wallClock: m.metrics.acc[0].wallClock }]);
    // strings are params, never metrics (MLflow's split); names are unique per namespace; addresses namespace/name@tag|:version
    assertOneLineFailure(await lw(["models", "log", id, "2", "auc=abc"], withServer()), /Metric auc: "abc" is not a number/);
    const p = await lw(["models", "param", "vision/resnet-tiny@staging", "note=fine"], withServer());
    assert.equal(p.code, 0, p.err);
    assert.equal(p.out.trim(), "logged 1 param(s) on vision/resnet-tiny@staging");
    assert.equal((await lw(["models", "params", "vision/resnet-tiny:2"], withServer())).out.trim(), "note=fine");
    assertOneLineFailure(await lw(["models", "create", "vision/resnet-tiny"], withServer()), /409 CONFLICT: .*already has a model named 'resnet-tiny'/, 1);
    writeFileSync(join(dir, "weights.bin"), Buffer.alloc(300_000, 7));
    const a = await lw(["models", "put-artifact", id, "2", "weights.bin", "--path", "model/weights.bin"], withServer());
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /^model\/weights\.bin 300000 bytes sha256 [0-9a-f]{64}/);
    assert.match((await lw(["models", "artifacts", id, "2"], withServer())).out, /model\/weights\.bin {2}300000 {2}[0-9a-f]{64}/);
    const list = await lw(["models", "list", "--namespace", "vision"], withServer());
    assert.match(list.out, new RegExp(`${id} {2}model +vision/resnet-tiny`));
    assertOneLineFailure(await lw(["models", "tag", id, "staging", "9"], withServer()), /404 NOT_FOUND: Model '.*' has no version 9/, 1);
    assertOneLineFailure(await lw(["models", "log", id, "2", "oops"], withServer()), /A metric is key=value, got "oops"/);
  });

  test("models --model-level: the model's own metrics, params and artifacts, apart from its versions'", async () => {
    const c = await lw(["models", "create", "vision", "resnet-own"], withServer());
    assert.equal(c.code, 0, c.err);
    const id = c.out.trim();
    assert.equal((await lw(["models", "new-version", id], withServer())).code, 0);
    const l = await lw(["models", "log", "--model-level", "vision/resnet-own", "best_acc=0.93", "--step", "1"], withServer());
    assert.equal(l.code, 0, l.err);
    assert.equal(l.out.trim(), "logged 1 metric(s) on model vision/resnet-own");
    const mm = JSON.parse((await lw(["models", "metrics", "--model-level", id, "--json"], withServer())).out);
    assert.deepEqual(
      mm.metrics.best_acc.map((x: any) => [x.value, x.step]),
      [[0.93, 1]],
    );
    // the version holds none of it
    assert.deepEqual(JSON.parse((await lw(["models", "metrics", id, "1", "--json"], withServer())).out).metrics, {});
    assert.equal((await lw(["models", "param", "--model-level", id, "dataset=imagenet"], withServer())).code, 0);
    assert.equal((await lw(["models", "params", "--model-level", id], withServer())).out.trim(), "dataset=imagenet");
    assert.equal((await lw(["models", "params", id, "1"], withServer())).out.trim(), "");
    writeFileSync(join(dir, "card.md"), "# resnet-own\n");
    const a = await lw(["models", "put-artifact", "--model-level", id, join(dir, "card.md"), "--path", "README.md"], withServer());
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /^README\.md 13 bytes sha256 [0-9a-f]{64}/);
    assert.match((await lw(["models", "artifacts", "--model-level", id], withServer())).out, /README\.md {2}13 {2}[0-9a-f]{64}/);
    assert.doesNotMatch((await lw(["models", "artifacts", id, "1"], withServer())).out, /README\.md/);
    // the version form is unchanged, and --model-level names the commands it applies to
    assertOneLineFailure(await lw(["models", "metrics", "--model-level", id, "1"], withServer()), /Usage: lw models metrics --model-level MODEL/);
    assertOneLineFailure(await lw(["models", "tag", "--model-level", id, "x", "1"], withServer()), /--model-level applies to log, metrics/);
    assertOneLineFailure(await lw(["models", "log", "--model-level", "vision/no-such", "a=1"], withServer()), /404/, 1);
  });

  test("watch prints the event feed from an event id", async () => {
    const w = await lw(["watch", "--after", "0", "--count", "3", "--json"], withServer());
    assert.equal(w.code, 0, w.err);
    const events = w.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(events.length, 3);
    assert.deepEqual(
      events.map((e) => e.id),
      [...events.map((e) => e.id)].sort((x, y) => x - y),
    );
    assert.ok(events.every((e) => typeof e.type === "string" && e.id > 0));
    const text = await lw(["watch", "--after", "0", "--count", "1", "--type", "tag.moved"], withServer());
    assert.match(text.out, /#\d+ +tag\.moved/);
    assertOneLineFailure(await lw(["watch", "--count", "0"], withServer()), /--count must be a positive integer/);
  });
});
