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
import { api, fixture, mintToken, runChecks, startTestServer, type TestServer } from "../integration/_server.ts";

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
