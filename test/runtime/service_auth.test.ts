/**
 * The runner holds no admin secret and its model service runs nothing a caller may not
 * run: tokens are checked against the market server (anonymous or `read`: USABLE versions
 * only; the owner or an admin: pending and invalid ones too), the backend, limits and
 * sandbox cannot be chosen by a caller, a runner token reads only the packages of the
 * check jobs it holds, and where no sandbox can start the runner checks nothing (versions
 * stay pending) and serves nothing (503). Real server, real daemon, real HTTP.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../../runner/config.ts";
import { startDaemon, type Daemon } from "../../runner/daemon/main.ts";
import { writeFileSync } from "node:fs";
import { ADMIN, spawnDaemon, startEdge } from "./_edge.ts";
import { jsPackage, pythonPackage, scratch, semantic } from "./_fixtures.ts";
import { needsSandbox } from "./_sandbox.ts";

const dir = scratch("lw-auth-");
const edge = await startEdge(join(dir, "server"));
const daemons: Daemon[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
  await edge.close();
});

const alice = await edge.token("alice", ["read", "write"]);
const bob = await edge.token("bob", ["read"]);
const runnerA = await edge.token("runner", ["runner"]);
const runnerB = await edge.token("runner", ["runner"]);
const lines: string[] = [];
const start = (env: Record<string, string>) =>
  startDaemon(loadConfig({ LW_SERVER_URL: edge.url, LW_DATA_DIR: join(dir, "runner"), LW_RUNNER_PORT: "0", LW_POLL_MS: "100", ...env }), (l) =>
    lines.push(l),
  ).then((d) => {
    daemons.push(d);
    return d;
  });
const bearer = (t: string | null): Record<string, string> => (t ? { authorization: `Bearer ${t}` } : {});
const sem = semantic({ task: "Regression", inDim: 3, outDim: 1 });
const badSem = semantic({ task: "Regression", inDim: 3, outDim: 2 });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("the runner refuses an admin token: it leases nothing and says why", async () => {
  const d = await start({ LW_TOKEN: ADMIN, LW_RUNNER_NAME: "with-admin" });
  assert.ok(
    lines.some((l) => /no check jobs are leased: the token has scopes \[admin\]; the runner takes a token with the 'runner' scope only/.test(l)),
    lines.join("\n"),
  );
  const lw = await edge.upload(sem, jsPackage(3), alice);
  await wait(1000);
  const c = await edge.check(lw.id, lw.version);
  assert.equal(c.status, "pending");
  assert.equal(c.jobs[0]!.attempts, 0);
  await d.stop();
  daemons.splice(daemons.indexOf(d), 1);
});

test("model service: read callers run USABLE versions; pending or invalid ones only their owner and admins; limits are the runner's", {
  skip: needsSandbox,
}, async () => {
  const d = await start({ LW_TOKEN: runnerA, LW_RUNNER_NAME: "runner-a" });
  const good = await edge.upload(sem, jsPackage(3), alice);
  const bad = await edge.upload(badSem, jsPackage(3), alice);
  assert.equal((await edge.waitFor(good.id, good.version)).status, "usable");
  assert.equal((await edge.waitFor(bad.id, bad.version)).status, "invalid");
  const predict = (id: string, token: string | null) =>
    fetch(`${d.address}/v1/models/${id}/versions/1/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(token) },
      body: JSON.stringify({ X: [[1, 2, 3]] }),
    });
  assert.equal((await predict(good.id, null)).status, 200);
  assert.equal((await predict(good.id, bob)).status, 200);
  const anon = await predict(bad.id, null);
  assert.equal(anon.status, 401, await anon.text());
  const other = await predict(bad.id, bob);
  assert.equal(other.status, 403);
  assert.match(JSON.stringify(await other.json()), /not usable yet/);
  assert.equal((await predict(bad.id, alice)).status, 200, "the owner runs her own invalid version");
  assert.equal((await predict(bad.id, ADMIN)).status, 200);
  assert.equal((await predict("99999999", alice)).status, 404);

  const init = (body: unknown, token: string | null = alice) =>
    fetch(`${d.address}/v1/models/${good.id}/versions/1/initialize`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(token) },
      body: JSON.stringify(body),
    });
  for (const body of [{ backend: "python-venv" }, { memoryLimitBytes: 1e15, timeoutMs: 1e12 }, { sandbox: "none" }]) {
    const r = await init(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(JSON.stringify(await r.json()), /cannot be set by a caller/);
  }
  const ok = await init({ temperature: 0.5 });
  assert.equal(ok.status, 200);
  assert.equal((await init({}, null)).status, 200, "anonymous may initialise a USABLE version (public reads)");
  const badInit = await fetch(`${d.address}/v1/models/${bad.id}/versions/1/initialize`, {
    method: "POST",
    headers: { "content-type": "application/json", ...bearer(bob) },
    body: "{}",
  });
  assert.equal(badInit.status, 403);
  await d.stop();
  daemons.splice(daemons.indexOf(d), 1);
});

test("a runner token leases jobs and reads only the packages of the jobs it holds (and USABLE ones); it cannot mint tokens or upload", async () => {
  const pending = await edge.upload(sem, jsPackage(3), alice);
  const pkg = (token: string) => fetch(`${edge.url}/v1/learnwares/${pending.id}/versions/1/package`, { headers: bearer(token) });
  assert.equal((await pkg(runnerA)).status, 403, "no lease yet");
  let job: { id: string; learnwareId: string } | null = null;
  for (let i = 0; i < 20 && job?.learnwareId !== pending.id; i++) {
    const r = await fetch(`${edge.url}/v1/jobs/lease`, {
      method: "POST",
      headers: { ...bearer(runnerA), "content-type": "application/json" },
      body: JSON.stringify({ runner: "manual-a", kinds: ["check"], leaseSeconds: 60 }),
    });
    assert.equal(r.status, 200);
    job = ((await r.json()) as { job: { id: string; learnwareId: string } }).job;
  }
  assert.equal(job!.learnwareId, pending.id);
  assert.equal((await pkg(runnerA)).status, 200, "the lease holder reads the package");
  assert.equal((await pkg(runnerB)).status, 403, "another runner token does not");
  const done = await fetch(`${edge.url}/v1/jobs/${job!.id}/complete`, {
    method: "POST",
    headers: { ...bearer(runnerA), "content-type": "application/json" },
    body: JSON.stringify({ runner: "manual-a", status: "invalid", log: "manual" }),
  });
  assert.equal(done.status, 200);
  assert.equal((await pkg(runnerA)).status, 403, "the lease is over");
  const mint = await fetch(`${edge.url}/v1/tokens`, {
    method: "POST",
    headers: { ...bearer(runnerA), "content-type": "application/json" },
    body: JSON.stringify({ owner: "x", scopes: ["admin"] }),
  });
  assert.equal(mint.status, 403);
  await assert.rejects(edge.upload(sem, jsPackage(3), runnerA), /403/);
});

test("without a sandbox the runner checks nothing (the version stays pending) and serves nothing (503), saying why", async () => {
  lines.length = 0;
  const d = await start({ LW_TOKEN: runnerA, LW_RUNNER_NAME: "no-sandbox", LW_BWRAP: "/nonexistent/bwrap" });
  assert.ok(
    lines.some((l) => /refusing to check or serve uploaded learnwares: no sandbox can start: \/nonexistent\/bwrap is missing/.test(l)),
    lines.join("\n"),
  );
  const lw = await edge.upload(sem, jsPackage(3), alice);
  await wait(1500);
  const c = await edge.check(lw.id, lw.version);
  assert.equal(c.status, "pending");
  assert.ok(
    c.jobs.every((j) => j.attempts === 0 && j.status === "queued"),
    JSON.stringify(c.jobs),
  );
  assert.ok(
    lines.some((l) => /not leasing check jobs: no sandbox can start/.test(l)),
    lines.join("\n"),
  );
  const r = await fetch(`${d.address}/v1/models/${lw.id}/versions/1/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", ...bearer(alice) },
    body: JSON.stringify({ X: [[1, 2, 3]] }),
  });
  assert.equal(r.status, 503);
  assert.match(JSON.stringify(await r.json()), /refuses to run uploaded code/);
});

test("end to end: a learnware uploaded with a write token, checked by a runner daemon as npm start runs it, finds neither the admin token nor the runner's", {
  skip: needsSandbox,
}, async () => {
  const adminFile = join(dir, "server", "admin-token");
  writeFileSync(adminFile, `${ADMIN}\n`, { mode: 0o600 });
  const src = `import os
import numpy as np
from learnware.model import BaseModel

def loot(admin_file):
    found = []
    try:
        found.append(open(admin_file).read().strip())
    except OSError:
        pass
    for pid in os.listdir("/proc"):
        try:
            env = open("/proc/%s/environ" % pid, "rb").read().split(b"\\0")
            found += [e.decode() for e in env if e.startswith(b"LW_TOKEN=") or e.startswith(b"LW_ADMIN_TOKEN=")]
        except OSError:
            pass
    return found

class Model(BaseModel):
    def __init__(self, admin_file):
        super().__init__(input_shape=(3,), output_shape=(1,))
        found = loot(admin_file)
        if found:
            raise RuntimeError("STOLEN " + " ".join(found))
    def predict(self, X):
        return X[:, :1]
`;
  const lw = await edge.upload(sem, pythonPackage(src, { d: 3, kwargs: { admin_file: adminFile } }), alice);
  const runnerToken = await edge.token("runner", ["runner"]);
  const d = spawnDaemon({ LW_SERVER_URL: edge.url, LW_TOKEN: runnerToken, LW_DATA_DIR: join(dir, "server"), LW_RUNNER_NAME: "e2e" });
  try {
    const c = await edge.waitFor(lw.id, lw.version, 120_000);
    assert.equal(c.status, "usable", c.log ?? "");
    assert.doesNotMatch(c.log ?? "", /STOLEN|lw_|lw-test-admin/);
  } finally {
    await d.stop();
  }
  // The same code without the sandbox does find them: the probe works.
  const none = await loadNone();
  await assert.rejects(none(src, adminFile), /STOLEN/);
});

/** Loads a Python learnware once with LW_SANDBOX=none (the control of the test above). */
async function loadNone() {
  const { VenvBackend } = await import("../../runner/backends/pythonVenv.ts");
  const { createSandbox } = await import("../../runner/sandbox/sandbox.ts");
  const { materializePackage } = await import("../../runner/learnwareDir.ts");
  const backend = new VenvBackend({ sandbox: createSandbox({ mode: "none" }), envDir: join(dir, "envs") });
  return async (src: string, adminFile: string) => {
    const h = await backend.load(await materializePackage(pythonPackage(src, { d: 3, kwargs: { admin_file: adminFile } }), join(dir, "pkgs")));
    await h.dispose();
  };
}
