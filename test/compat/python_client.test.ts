/**
 * The Python learnware client's HTTP calls (test/compat/beimingwu_client.py, run with the
 * system python3 + requests) against the Beimingwu-compatible API under `/api`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { PYTHON, requires } from "../_requires.ts";
import { fromRows } from "../../core/matrix.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { ADMIN, api, fixture, mintToken, runChecks, startTestServer, type TestServer, uploadForm } from "../integration/_server.ts";

const PY = PYTHON;
const script = fileURLToPath(new URL("./beimingwu_client.py", import.meta.url));

describe("Python LearnwareClient compatibility", requires("python3-requests"), () => {
  let s: TestServer;
  let work: string;
  before(async () => {
    s = await startTestServer();
    work = await mkdtemp(join(tmpdir(), "lw-py-"));
  });
  after(async () => {
    await s.close();
    await rm(work, { recursive: true, force: true });
  });

  it("uploads in chunks, lists, searches (semantic and RKME), downloads, updates and deletes", { timeout: 120_000 }, async () => {
    const token = await mintToken(s.url, "pyuser", ["read", "write"], { email: "py@example.com" });
    const f = fixture(0, " from python", 2_500_000);
    const zip = join(work, "lw.zip");
    const stat = join(work, "stat.json");
    await writeFile(zip, f.zip);
    await writeFile(stat, JSON.stringify(f.stat));
    const statePath = join(work, "state.json");
    // Asynchronous: the server runs in this process, so the event loop must stay free.
    const run = (phase: string) =>
      new Promise<void>((resolve, reject) => {
        execFile(
          PY,
          [script, `${s.url}/api`, "py@example.com", token, statePath, phase, zip, stat],
          { env: { ...process.env, LW_TEST_SEMANTIC: JSON.stringify(f.semantic) }, encoding: "utf8", timeout: 60_000 },
          (err, stdout, stderr) => {
            if (err || !stdout.includes(`OK ${phase}`)) reject(new Error(`python ${phase} failed:\n${stdout}\n${stderr}`));
            else resolve();
          },
        );
      });
    await run("upload");
    // As a runner would: lease the check job and complete it.
    assert.equal(await runChecks(s.url), 1);
    await run("search");
    const list = await api(s.url, "GET", "/v1/learnwares?owner=pyuser");
    assert.equal(list.data.total, 0, "deleted through the compat API");
  });

  it("the client's documented heterogeneous query (10 of wine's 13 columns + Input.Description) gets is_hetero and the wine learnware", {
    ...requires("python3-sklearn"),
    timeout: 120_000,
  }, async () => {
    const wine = await new Promise<{ X: number[][]; y: number[]; names: string[] }>((resolve, reject) =>
      execFile(
        PY,
        [
          "-c",
          "import json; from sklearn.datasets import load_wine; d = load_wine(); print(json.dumps({'X': d.data.tolist(), 'y': d.target.tolist(), 'names': d.feature_names}))",
        ],
        { encoding: "utf8", maxBuffer: 1 << 24 },
        (err, out) => (err ? reject(err) : resolve(JSON.parse(out))),
      ),
    );
    const describe = (names: string[]) => Object.fromEntries(names.map((n, i) => [String(i), n]));
    const base = {
      Data: { Values: ["Table"], Type: "Class" },
      Task: { Values: ["Classification"], Type: "Class" },
      Library: { Values: ["Scikit-learn"], Type: "Class" },
      Scenario: { Values: ["Business"], Type: "Tag" },
      License: { Values: ["MIT"], Type: "Class" },
      Output: { Dimension: 3, Description: { "0": "cultivar 0", "1": "cultivar 1", "2": "cultivar 2" } },
    };
    // Standardised columns (the market's RKMEs are made on the learnware's own scaled data).
    const mean = wine.names.map((_, j) => wine.X.reduce((a, r) => a + r[j]!, 0) / wine.X.length);
    const sd = wine.names.map((_, j) => Math.sqrt(wine.X.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / wine.X.length));
    const Z = wine.X.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!));
    const market = RKMETableSpecification.generate(fromRows(Z.filter((_, i) => i % 2 === 0)), { K: 20, seed: 0 });
    const semantic = {
      ...base,
      Name: { Values: "wine cultivar", Type: "String" },
      Description: { Values: "wine cultivar classifier", Type: "String" },
      Input: { Dimension: 13, Description: describe(wine.names) },
    };
    const zip = writeLearnwarePackage({
      yaml: {
        model: { class_name: "Model", kwargs: {} },
        stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
      },
      files: { "__init__.py": "from learnware.model import BaseModel\nclass Model(BaseModel):\n    pass\n", "stat.json": market.stringify() },
    });
    const up = await fetch(`${s.url}/v1/learnwares`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: uploadForm(semantic, zip) });
    assert.equal(up.status, 201, await up.clone().text());
    const id = ((await up.json()) as { learnware: { id: string } }).learnware.id;
    assert.equal(await runChecks(s.url), 1);

    const keep = [0, 1, 3, 4, 5, 6, 8, 9, 10, 12];
    const user = RKMETableSpecification.generate(fromRows(Z.filter((_, i) => i % 2 === 1).map((r) => keep.map((j) => r[j]!))), { K: 20, seed: 1 });
    const userSemantic = {
      ...base,
      Name: { Values: "", Type: "String" },
      Description: { Values: "", Type: "String" },
      Input: { Dimension: 10, Description: describe(keep.map((j) => wine.names[j]!)) },
    };
    const stat = join(work, "hetero_stat.json");
    await writeFile(stat, user.stringify());
    const token = await mintToken(s.url, "pyhetero", ["read"], { email: "hetero@example.com" });
    await new Promise<void>((resolve, reject) =>
      execFile(
        PY,
        [script, `${s.url}/api`, "hetero@example.com", token, join(work, "hetero_state.json"), "hetero", stat],
        { env: { ...process.env, LW_TEST_SEMANTIC: JSON.stringify(userSemantic), LW_TEST_LEARNWARE: id }, encoding: "utf8", timeout: 60_000 },
        (err, stdout, stderr) => (err || !stdout.includes("OK hetero") ? reject(new Error(`python hetero failed:\n${stdout}\n${stderr}`)) : resolve()),
      ),
    );

    // /v1/search: hetero when no learnware has 10 columns (auto), with the column map; off: nothing; on without Input: 422.
    const v1 = await api(s.url, "POST", "/v1/search", { json: { semantic: userSemantic, stat: user.toJSON() } });
    assert.equal(v1.status, 200);
    assert.equal(v1.data.path, "hetero");
    assert.equal(v1.data.single.items[0].id, id);
    assert.deepEqual(
      v1.data.single.items[0].columnMap,
      wine.names.map((_, j) => keep.indexOf(j)),
    );
    const off = await api(s.url, "POST", "/v1/search", { json: { semantic: userSemantic, stat: user.toJSON(), hetero: "off" } });
    assert.equal(off.data.path, "exact");
    assert.equal(off.data.single.total, 0);
    const bad = await api(s.url, "POST", "/v1/search", { json: { semantic: { ...userSemantic, Input: undefined }, stat: user.toJSON(), hetero: "on" } });
    assert.equal(bad.status, 422);
    assert.equal(bad.data.error.code, "SEMANTIC_INVALID");
    assert.match(bad.data.error.message, /heterogeneous search needs .*Input with Dimension 10/);
  });

  it("answers in Beimingwu's envelope for bad requests and missing auth", async () => {
    const r = await fetch(`${s.url}/api/user/list_learnware`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(r.status, 401);
    const r2 = await fetch(`${s.url}/api/engine/search_learnware`, { method: "POST", body: new URLSearchParams({ limit: "10" }) });
    assert.deepEqual(await r2.json(), { code: 21, msg: "Request parameters error." });
    const r3 = await fetch(`${s.url}/api/engine/learnware_info?learnware_id=nope`);
    assert.equal((await r3.json()).code, 41);
    const r4 = await fetch(`${s.url}/api/auth/login_by_token`, { method: "POST", body: "not json", headers: { "content-type": "application/json" } });
    assert.equal((await r4.json()).code, 21);
  });
});
