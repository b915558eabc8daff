/**
 * The runner registry and backend-aware leases (issue #17) on a real server over loopback, on
 * libSQL and (with `LW_TEST_DB=postgres`) PostgreSQL: a runner registers its capabilities
 * (backends, sandbox, CPUs, memory, GPUs with model and memory, labels), leases keep the row
 * fresh, admins list them; a job carries the backend its learnware needs (its model kind, or a
 * Python backend an admin asks for) and is never leased by a runner that reports its backends
 * without that one.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildDenseOnnx } from "../../core/onnx/onnxBuilder.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { requires } from "../_requires.ts";
import { ADMIN, api, type Fixture, fixture, mintToken, startTestServer, TEST_DB, type TestServer, uploadForm } from "./_server.ts";

/** The fixture as an ONNX learnware (same specs, a 1-layer model of its input dimension). */
function onnxZip(f: Fixture): Uint8Array {
  const pkg = readLearnwarePackage(f.zip);
  const yaml = pkg.yaml as Record<string, unknown>;
  const files = Object.fromEntries([...pkg.files].filter(([p]) => p !== "learnware.yaml" && !p.endsWith(".py") && p !== "requirements.txt"));
  const dim = (f.stat as { z: number[][] }).z[0]!.length;
  files["model.onnx"] = buildDenseOnnx({ layers: [{ weights: Array.from({ length: dim }, () => [1]), bias: [0] }] });
  return writeLearnwarePackage({ yaml: { ...yaml, model: { kind: "onnx", file: "model.onnx" } }, files });
}

const FULL = {
  gpus: 2,
  labels: ["cuda12"],
  backends: ["onnx", "js", "docker"],
  sandbox: "docker",
  cpus: 16,
  memoryBytes: 64 * 2 ** 30,
  gpuDevices: [
    { uuid: "GPU-aaaa", name: "NVIDIA L4", memoryMiB: 23034 },
    { uuid: "GPU-bbbb", name: "NVIDIA L4", memoryMiB: 23034 },
  ],
};

describe(`runner registry and backend-aware leases (${TEST_DB})`, TEST_DB === "postgres" ? requires("postgresql") : {}, () => {
  let s: TestServer;
  let alice: string;
  let runnerToken: string;
  before(async () => {
    s = await startTestServer();
    alice = await mintToken(s.url, "alice");
    runnerToken = await mintToken(s.url, "fleet", ["runner"]);
  });
  after(async () => {
    await s?.close();
  });

  const lease = (runner: string, capabilities?: Record<string, unknown>) =>
    api(s.url, "POST", "/v1/jobs/lease", {
      token: runnerToken,
      json: { runner, kinds: ["check"], leaseSeconds: 60, ...(capabilities ? { capabilities } : {}) },
    });
  const complete = (id: string, runner: string) =>
    api(s.url, "POST", `/v1/jobs/${id}/complete`, { token: runnerToken, json: { runner, status: "usable", log: "ok" } });
  const runners = async () => {
    const r = await api(s.url, "GET", "/v1/runners", { token: ADMIN });
    assert.equal(r.status, 200, JSON.stringify(r.data));
    return new Map<string, any>(r.data.items.map((x: { name: string }) => [x.name, x]));
  };

  it("a runner registers its capabilities; admins list them; only admins may list", async () => {
    const r = await api(s.url, "POST", "/v1/runners", { token: runnerToken, json: { runner: "gpu-box-1", capabilities: FULL } });
    assert.equal(r.status, 200, JSON.stringify(r.data));
    assert.equal(r.data.runner.name, "gpu-box-1");
    assert.equal(r.data.runner.owner, "fleet");
    assert.deepEqual(r.data.runner.capabilities, FULL);
    const got = (await runners()).get("gpu-box-1");
    assert.deepEqual(got.capabilities, FULL);
    assert.equal(got.active, true);
    assert.equal(got.leasedJobs, 0);
    assert.ok(Date.parse(got.lastSeen) >= Date.parse(got.registeredAt));
    // gpus defaults to the devices listed
    const { gpus: _, ...noCount } = FULL;
    const d = await api(s.url, "POST", "/v1/runners", { token: runnerToken, json: { runner: "gpu-box-2", capabilities: noCount } });
    assert.equal(d.data.runner.capabilities.gpus, 2);

    for (const token of [runnerToken, alice]) assert.equal((await api(s.url, "GET", "/v1/runners", { token })).status, 403);
    assert.equal((await api(s.url, "GET", "/v1/runners")).status, 401);
    assert.equal((await api(s.url, "POST", "/v1/runners", { token: alice, json: { runner: "x", capabilities: {} } })).status, 403);
  });

  it("bad capabilities are refused with 400 naming the field", async () => {
    for (const [caps, field] of [
      [{ sandbox: "vm" }, "sandbox"],
      [{ cpus: 0 }, "cpus"],
      [{ cpus: 2.5 }, "cpus"],
      [{ memoryBytes: -1 }, "memoryBytes"],
      [{ gpuDevices: [{ uuid: "" }] }, "gpuDevices"],
      [{ gpuDevices: [{ uuid: "GPU-x", memoryMiB: "lots" }] }, "gpuDevices"],
      [{ backends: "onnx" }, "backends"],
    ] as const) {
      for (const r of [
        await api(s.url, "POST", "/v1/runners", { token: runnerToken, json: { runner: "bad", capabilities: caps } }),
        await lease("bad", caps),
      ]) {
        assert.equal(r.status, 400, JSON.stringify([caps, r.data]));
        assert.ok(r.data.error?.code, JSON.stringify(r.data));
        assert.match(JSON.stringify(r.data.error), new RegExp(field), JSON.stringify(r.data));
      }
    }
    assert.equal((await runners()).has("bad"), false);
    assert.equal((await api(s.url, "POST", "/v1/runners", { token: runnerToken, json: { capabilities: FULL } })).status, 400);
  });

  it("a job needs its learnware's backend: a runner reporting backends without it never leases it", async () => {
    const f = fixture(0, "-onnx");
    const up = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, onnxZip(f)) });
    assert.equal(up.status, 201, JSON.stringify(up.data));
    const py = fixture(1, "-py");
    const upPy = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(py.semantic, py.zip) });
    assert.equal(upPy.status, 201, JSON.stringify(upPy.data));
    const job = (await api(s.url, "GET", `/v1/jobs/${up.data.jobId}`, { token: ADMIN })).data.job;
    assert.deepEqual(job.requirements, { gpus: 0, labels: [], backend: "onnx" });

    // A Python-only runner takes the Python job and not the (older) ONNX one.
    const p = await lease("py-only", { gpus: 0, labels: [], backends: ["python-venv"] });
    assert.equal(p.status, 200, JSON.stringify(p.data));
    assert.equal(p.data.job.id, upPy.data.jobId);
    assert.equal((await lease("py-only", { gpus: 0, labels: [], backends: ["python-venv"] })).status, 204);
    // The lease registered it (with what it sent) and counts the job it holds.
    const listed = (await runners()).get("py-only");
    assert.deepEqual(listed.capabilities.backends, ["python-venv"]);
    assert.equal(listed.leasedJobs, 1);
    assert.equal((await complete(p.data.job.id, "py-only")).status, 200);
    // An ONNX-capable runner gets it.
    const o = await lease("onnx-runner", { gpus: 0, labels: [], backends: ["onnx", "js"] });
    assert.equal(o.data.job?.id, up.data.jobId);
    assert.equal((await complete(o.data.job.id, "onnx-runner")).status, 200);
  });

  it("a job an admin pins to docker is leased only by a runner with docker, which is told to use it", async () => {
    const f = fixture(2, "-docker");
    const up = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, f.zip) });
    assert.equal(up.status, 201, JSON.stringify(up.data));
    const pin = await api(s.url, "PATCH", `/v1/jobs/${up.data.jobId}`, { token: ADMIN, json: { backend: "docker" } });
    assert.equal(pin.status, 200, JSON.stringify(pin.data));
    assert.equal(pin.data.job.requirements.backend, "docker");
    assert.equal(pin.data.job.payload.backend, "docker");
    assert.equal((await lease("bwrap-runner", { gpus: 0, labels: [], backends: ["onnx", "js", "python-venv"], sandbox: "bwrap" })).status, 204);
    const d = await lease("docker-runner", { gpus: 0, labels: [], backends: ["onnx", "js", "docker"], sandbox: "docker" });
    assert.equal(d.data.job?.id, up.data.jobId);
    assert.equal(d.data.job.payload.backend, "docker");
    assert.equal((await complete(d.data.job.id, "docker-runner")).status, 200);

    // Refusals: an unknown backend, an empty change, a non-Python job, an unknown job, a non-admin.
    assert.equal((await api(s.url, "PATCH", `/v1/jobs/${up.data.jobId}`, { token: ADMIN, json: { backend: "vm" } })).status, 400);
    assert.equal((await api(s.url, "PATCH", `/v1/jobs/${up.data.jobId}`, { token: ADMIN, json: {} })).status, 400);
    const o = fixture(3, "-onnx2");
    const upO = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(o.semantic, onnxZip(o)) });
    const bad = await api(s.url, "PATCH", `/v1/jobs/${upO.data.jobId}`, { token: ADMIN, json: { backend: "docker" } });
    assert.equal(bad.status, 400, JSON.stringify(bad.data));
    assert.equal(bad.data.error.details.field, "backend");
    assert.equal((await api(s.url, "PATCH", "/v1/jobs/job_nope", { token: ADMIN, json: { backend: "docker" } })).status, 404);
    assert.equal((await api(s.url, "PATCH", `/v1/jobs/${up.data.jobId}`, { token: runnerToken, json: { backend: "docker" } })).status, 403);
    // An older runner (no backends reported) is not filtered by backend.
    const old = await lease("old-runner");
    assert.equal(old.data.job?.id, upO.data.jobId);
    assert.equal((await complete(old.data.job.id, "old-runner")).status, 200);
  });
});
