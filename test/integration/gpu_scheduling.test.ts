/**
 * GPU-aware scheduling (issue #17) on a real server over loopback: learnware.yaml's
 * `resources` travel with the check job, and `POST /v1/jobs/lease` hands a job only to a
 * runner whose capabilities cover it (GPUs ≥ needed, labels ⊆ the runner's), the highest
 * priority first, then the oldest. Under `LW_TEST_DB=postgres` (the integration suite's second
 * configuration in CI) the same test runs on PostgreSQL: the lease's FOR UPDATE SKIP LOCKED
 * query with the same filter.
 *
 * The last part runs real runner daemons: one whose GPUs come from a fake `nvidia-smi` first on
 * its PATH and one CPU runner; the GPU learnware's check is leased by the GPU runner only and
 * runs in the sandbox on one of the fake devices.
 */
import assert from "node:assert/strict";
import { availableParallelism, totalmem } from "node:os";
import { after, before, describe, it } from "node:test";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { requires } from "../_requires.ts";
import { scratch } from "../_util.ts";
import { ADMIN, api, type Fixture, fixture, mintToken, startTestServer, TEST_DB, type TestServer, uploadForm } from "./_server.ts";
import { spawnDaemon } from "../runtime/_edge.ts";
import { FAKE_GPUS, fakeNvidiaSmi, GPU_A, GPU_B } from "../runtime/_gpu.ts";

/** The fixture's package with `resources` (or any other top-level yaml keys) added to its learnware.yaml. */
function withYaml(f: Fixture, extra: Record<string, unknown>): Uint8Array {
  const pkg = readLearnwarePackage(f.zip);
  const files = Object.fromEntries([...pkg.files].filter(([p]) => p !== "learnware.yaml"));
  return writeLearnwarePackage({ yaml: { ...(pkg.yaml as Record<string, unknown>), ...extra }, files });
}

const lease = (url: string, runner: string, capabilities?: Record<string, unknown>) =>
  api(url, "POST", "/v1/jobs/lease", { token: ADMIN, json: { runner, kinds: ["check"], leaseSeconds: 60, ...(capabilities ? { capabilities } : {}) } });

const complete = (url: string, id: string, runner: string) =>
  api(url, "POST", `/v1/jobs/${id}/complete`, { token: ADMIN, json: { runner, status: "usable", log: "ok" } });

describe(`GPU-aware job leases (${TEST_DB})`, TEST_DB === "postgres" ? requires("postgresql") : {}, () => {
  let s: TestServer;
  let alice: string;
  before(async () => {
    s = await startTestServer();
    alice = await mintToken(s.url, "alice");
  });
  after(async () => {
    await s?.close();
  });

  async function upload(f: Fixture, zip: Uint8Array) {
    const r = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, zip) });
    assert.equal(r.status, 201, JSON.stringify(r.data));
    return { id: r.data.learnware.id as string, jobId: r.data.jobId as string };
  }

  it("bad resources in learnware.yaml are refused on upload, naming the field", async () => {
    const f = fixture(0, "-bad");
    for (const [resources, field] of [
      [{ gpu: -1 }, "resources.gpu"],
      [{ gpu: 1.5 }, "resources.gpu"],
      [{ gpu: "one" }, "resources.gpu"],
      [{ labels: "cuda12" }, "resources.labels"],
      [{ labels: ["cuda,12"] }, "resources.labels"],
      [{ gpus: 1 }, "resources.gpus"],
      ["lots", "resources"],
    ] as const) {
      const r = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, withYaml(f, { resources })) });
      assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(resources)} → ${r.status}`);
      assert.equal(r.data.error.code, "PACKAGE_INVALID", JSON.stringify(r.data));
      assert.equal(r.data.error.details.field, `learnware.yaml:${field}`, JSON.stringify(r.data));
      assert.match(r.data.error.message, new RegExp(field.replace(".", "\\.")));
    }
  });

  it("a GPU job is never leased by a CPU runner; a runner lacking a label never gets a labelled job", async () => {
    const gpu = await upload(fixture(0, "-gpu"), withYaml(fixture(0, "-gpu"), { resources: { gpu: 1, labels: ["cuda12"] } }));
    const cpu = await upload(fixture(1, "-cpu"), fixture(1, "-cpu").zip);
    const job = await api(s.url, "GET", `/v1/jobs/${gpu.jobId}`, { token: ADMIN });
    assert.deepEqual(job.data.job.requirements, { gpus: 1, labels: ["cuda12"], backend: "python" });
    assert.equal(job.data.job.priority, 0);

    // An old runner (no capabilities) is a CPU runner: it gets the CPU job, then nothing, though the GPU job is older.
    const old = await lease(s.url, "old-runner");
    assert.equal(old.status, 200);
    assert.equal(old.data.job.id, cpu.jobId);
    assert.deepEqual(old.data.job.requirements, { gpus: 0, labels: [], backend: "python" });
    assert.equal((await lease(s.url, "old-runner")).status, 204);
    // Declared CPU runner, with the label: still 204.
    assert.equal((await lease(s.url, "cpu-runner", { gpus: 0, labels: ["cuda12"], backends: ["python-venv"] })).status, 204);
    // GPUs without the label: 204; another label only: 204.
    assert.equal((await lease(s.url, "gpu-nolabel", { gpus: 2, labels: [] })).status, 204);
    assert.equal((await lease(s.url, "gpu-rocm", { gpus: 2, labels: ["rocm"] })).status, 204);
    // GPUs and the label (among others): the job.
    const got = await lease(s.url, "gpu-runner", { gpus: 2, labels: ["a100", "cuda12", "fp16"] });
    assert.equal(got.status, 200);
    assert.equal(got.data.job.id, gpu.jobId);
    assert.equal(got.data.job.runner, "gpu-runner");
    for (const [id, runner] of [
      [cpu.jobId, "old-runner"],
      [gpu.jobId, "gpu-runner"],
    ] as const)
      assert.equal((await complete(s.url, id, runner)).status, 200);
  });

  it("labels match whole labels (cuda1 is not cuda12) and every needed label must be there", async () => {
    const two = await upload(fixture(2, "-two"), withYaml(fixture(2, "-two"), { resources: { labels: ["cuda12", "fp16"] } }));
    assert.equal((await lease(s.url, "r", { gpus: 0, labels: ["cuda1", "fp1"] })).status, 204);
    assert.equal((await lease(s.url, "r", { gpus: 0, labels: ["cuda12"] })).status, 204);
    assert.equal((await lease(s.url, "r", { gpus: 0, labels: ["fp16", "cuda12x", "xcuda12"] })).status, 204);
    const got = await lease(s.url, "r", { gpus: 0, labels: ["fp16", "cuda12"] });
    assert.equal(got.data.job?.id, two.jobId);
    assert.equal((await complete(s.url, two.jobId, "r")).status, 200);
  });

  it("higher priority first, then the oldest; a GPU runner also takes CPU jobs", async () => {
    const a = await upload(fixture(3, "-a"), fixture(3, "-a").zip);
    const b = await upload(fixture(4, "-b"), fixture(4, "-b").zip);
    const c = await upload(fixture(5, "-c"), withYaml(fixture(5, "-c"), { resources: { gpu: 1 } }));
    const p = await api(s.url, "PATCH", `/v1/jobs/${b.jobId}`, { token: ADMIN, json: { priority: 5 } });
    assert.equal(p.status, 200);
    assert.equal(p.data.job.priority, 5);
    // a GPU job with a higher priority is skipped by the CPU runner, not waited for
    assert.equal((await api(s.url, "PATCH", `/v1/jobs/${c.jobId}`, { token: ADMIN, json: { priority: 9 } })).status, 200);
    const order: string[] = [];
    for (;;) {
      const r = await lease(s.url, "cpu");
      if (r.status === 204) break;
      order.push(r.data.job.id);
      assert.equal((await complete(s.url, r.data.job.id, "cpu")).status, 200);
    }
    assert.deepEqual(order, [b.jobId, a.jobId]);
    const g = await lease(s.url, "gpu", { gpus: 1, labels: [] });
    assert.equal(g.data.job?.id, c.jobId);
    assert.equal((await complete(s.url, c.jobId, "gpu")).status, 200);
  });

  it("a new version with the same package keeps its needs; priority and capabilities are validated", async () => {
    const f = fixture(1, "-upd");
    const up = await upload(f, withYaml(f, { resources: { gpu: 2, labels: ["cuda12"] } }));
    const g = await lease(s.url, "gpu", { gpus: 2, labels: ["cuda12"] });
    assert.equal(g.data.job.id, up.jobId);
    await complete(s.url, up.jobId, "gpu");
    const upd = await api(s.url, "PATCH", `/v1/learnwares/${up.id}`, { token: alice, json: { semantic: f.semantic } });
    assert.equal(upd.status, 200, JSON.stringify(upd.data));
    const job = await api(s.url, "GET", `/v1/jobs/${upd.data.jobId}`, { token: ADMIN });
    assert.deepEqual(job.data.job.requirements, { gpus: 2, labels: ["cuda12"], backend: "python" });
    assert.equal((await lease(s.url, "one-gpu", { gpus: 1, labels: ["cuda12"] })).status, 204);
    assert.equal((await lease(s.url, "two-gpus", { gpus: 2, labels: ["cuda12"] })).data.job?.id, upd.data.jobId);

    for (const caps of [{ gpus: -1 }, { gpus: 1.5 }, { labels: ["bad label"] }, { labels: "cuda12" }]) {
      const r = await lease(s.url, "r", caps);
      assert.equal(r.status, 400, JSON.stringify([caps, r.data]));
      assert.ok(r.data.error?.code, JSON.stringify(r.data));
    }
    assert.equal((await api(s.url, "PATCH", `/v1/jobs/${up.jobId}`, { token: ADMIN, json: { priority: "high" } })).status, 400);
    assert.equal((await api(s.url, "PATCH", "/v1/jobs/job_nope", { token: ADMIN, json: { priority: 1 } })).status, 404);
    assert.equal((await api(s.url, "PATCH", `/v1/jobs/${up.jobId}`, { token: alice, json: { priority: 1 } })).status, 403);
  });

  it("concurrent leases by GPU and CPU runners: every job once, each to a runner that can run it", async () => {
    const made: { jobId: string; gpu: boolean }[] = [];
    for (let i = 0; i < 6; i++) {
      const f = fixture(i % 6, `-conc${i}`);
      const gpu = i % 2 === 0;
      made.push({ ...(await upload(f, gpu ? withYaml(f, { resources: { gpu: 1 } }) : f.zip)), gpu });
    }
    const runners = Array.from({ length: 8 }, (_, i) => ({ name: `r${i}`, gpus: i % 2 }));
    const got = new Map<string, string>();
    await Promise.all(
      runners.map(async (r) => {
        for (;;) {
          const l = await lease(s.url, r.name, { gpus: r.gpus, labels: [] });
          if (l.status === 204) return;
          assert.equal(l.status, 200, JSON.stringify(l.data));
          assert.ok(!got.has(l.data.job.id), `job ${l.data.job.id} leased twice`);
          got.set(l.data.job.id, r.name);
          assert.equal((await complete(s.url, l.data.job.id, r.name)).status, 200);
        }
      }),
    );
    assert.equal(got.size, 6);
    for (const m of made) if (m.gpu) assert.ok(runners.find((r) => r.name === got.get(m.jobId))!.gpus >= 1, `GPU job ${m.jobId} went to ${got.get(m.jobId)}`);
  });
});

describe("runner daemons with capabilities (fake nvidia-smi)", requires("python3-numpy", "bwrap"), () => {
  let s: TestServer;
  const daemons: ReturnType<typeof spawnDaemon>[] = [];
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await s?.close();
  });

  it("the GPU learnware's check is leased by the GPU runner (auto from nvidia-smi), never the CPU runner, and runs on a fake device", async () => {
    const token = await mintToken(s.url, "runner", ["runner"]);
    const alice = await mintToken(s.url, "alice");
    const f = fixture(0, "-daemon");
    // The CPU runner starts first and polls fast: had it leased the GPU job, the check would be its.
    const common = { LW_SERVER: s.url, LW_TOKEN: token, LW_POLL_MS: "100", LW_WARM_WORKERS: "0" };
    const cpu = spawnDaemon({ ...common, LW_DATA_DIR: scratch("lw-gpu-cpu-"), LW_RUNNER_NAME: "cpu-daemon" });
    daemons.push(cpu);
    await cpu.address;
    const up = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, withYaml(f, { resources: { gpu: 1 } })) });
    assert.equal(up.status, 201, JSON.stringify(up.data));
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await api(s.url, "GET", `/v1/jobs/${up.data.jobId}`, { token: ADMIN });
    assert.equal(waiting.data.job.status, "queued", cpu.output());
    const bin = fakeNvidiaSmi(scratch("lw-gpu-bin-"));
    const gpu = spawnDaemon({
      ...common,
      LW_DATA_DIR: scratch("lw-gpu-gpu-"),
      LW_RUNNER_NAME: "gpu-daemon",
      LW_RUNNER_GPUS: "auto",
      LW_RUNNER_LABELS: "cuda12",
      PATH: `${bin}:${process.env.PATH}`,
    });
    daemons.push(gpu);
    await gpu.address;
    assert.match(gpu.output(), /GPUs: GPU-11111111-2222-3333-4444-555555555555 \(NVIDIA A100-SXM4-40GB, 40960 MiB\)/);
    const end = Date.now() + 120_000;
    let job: any;
    for (;;) {
      job = (await api(s.url, "GET", `/v1/jobs/${up.data.jobId}`, { token: ADMIN })).data.job;
      if (job.status === "done" || job.status === "failed" || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(job.status, "done", `${JSON.stringify(job)}\n${gpu.output()}`);
    assert.equal(job.runner, "gpu-daemon");
    assert.equal(job.result.runner, "gpu-daemon");
    assert.match(job.log, new RegExp(`GPU devices: ${FAKE_GPUS[0]!.split(",")[0]}`));
    const check = await api(s.url, "GET", `/v1/learnwares/${up.data.learnware.id}/versions/1/check`, { token: ADMIN });
    assert.equal(check.data.status, "usable", JSON.stringify(check.data));
    assert.doesNotMatch(cpu.output(), new RegExp(up.data.jobId));

    // Both daemons registered what they offer: the market's runner list shows it.
    const list = await api(s.url, "GET", "/v1/runners", { token: ADMIN });
    assert.equal(list.status, 200, JSON.stringify(list.data));
    const byName = new Map<string, any>(list.data.items.map((r: { name: string }) => [r.name, r]));
    const g = byName.get("gpu-daemon");
    const c = byName.get("cpu-daemon");
    assert.ok(g && c, JSON.stringify(list.data));
    assert.equal(g.owner, "runner");
    assert.equal(g.active, true);
    assert.deepEqual(g.capabilities.gpuDevices, [
      { uuid: GPU_A, name: "NVIDIA A100-SXM4-40GB", memoryMiB: 40960 },
      { uuid: GPU_B, name: "NVIDIA A100-SXM4-40GB", memoryMiB: 40960 },
    ]);
    assert.equal(g.capabilities.gpus, 2);
    assert.deepEqual(g.capabilities.labels, ["cuda12"]);
    assert.equal(g.capabilities.sandbox, "bwrap");
    assert.deepEqual(g.capabilities.backends, ["onnx", "js", "python-venv"]);
    assert.equal(g.capabilities.cpus, availableParallelism());
    assert.equal(g.capabilities.memoryBytes, totalmem());
    assert.equal(c.capabilities.gpus, 0);
    assert.deepEqual(c.capabilities.gpuDevices, []);
  });
});
