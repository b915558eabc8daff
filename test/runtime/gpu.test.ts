/**
 * The runner's GPUs (issue #17) without a GPU: a fake `nvidia-smi` (a shell script first on
 * PATH that prints two devices) stands for the real one. Checked: `auto` detection parses
 * its output (and a missing binary means no GPUs), the least-loaded allocator, the docker
 * arguments of a GPU container, and two real sandboxed Python instances of GPU learnwares
 * (bwrap, the python-venv backend) that see different devices in `CUDA_VISIBLE_DEVICES` and
 * give them back when disposed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dockerRunArgs } from "../../runner/backends/docker.ts";
import { loadConfig, runnerLabels } from "../../runner/config.ts";
import { cudaEnv, detectGpus, dockerGpuArgs, GpuAllocator, gpuDeviceNodes, parseNvidiaSmi } from "../../runner/gpu.ts";
import { createSandbox } from "../../runner/sandbox/sandbox.ts";
import { Runtime } from "../../runner/runtime.ts";
import { tensor } from "../../runner/tensor.ts";
import { requires } from "../_requires.ts";
import { scratch } from "../_util.ts";
import { startService } from "./_service.ts";
import { devicesSeen, FAKE_GPUS, fakeNvidiaSmi, GPU_A, GPU_B, gpuEchoPackage } from "./_gpu.ts";

describe("GPU detection", () => {
  it("parses nvidia-smi's csv (uuid, name, memory)", () => {
    assert.deepEqual(parseNvidiaSmi(`${FAKE_GPUS.join("\n")}\n\n`), [
      { uuid: GPU_A, name: "NVIDIA A100-SXM4-40GB", memoryMiB: 40960 },
      { uuid: GPU_B, name: "NVIDIA A100-SXM4-40GB", memoryMiB: 40960 },
    ]);
    assert.deepEqual(parseNvidiaSmi(""), []);
    assert.throws(() => parseNvidiaSmi("No devices were found, , \n"), /without a device UUID/);
  });

  it("auto runs the nvidia-smi found first on PATH", () => {
    const bin = fakeNvidiaSmi(scratch("lw-gpu-bin-"));
    const r = detectGpus("auto", { path: `${bin}:${process.env.PATH}` });
    assert.deepEqual(
      r.devices.map((d) => d.uuid),
      [GPU_A, GPU_B],
    );
    assert.equal(r.note, undefined);
    // the runner's configuration does the same from its environment
    const cfg = loadConfig({ LW_DATA_DIR: scratch("lw-gpu-cfg-"), LW_RUNNER_GPUS: "auto", LW_RUNNER_LABELS: "cuda12, a100", PATH: `${bin}:/usr/bin:/bin` });
    assert.deepEqual(
      cfg.gpus.map((g) => [g.uuid, g.memoryMiB]),
      [
        [GPU_A, 40960],
        [GPU_B, 40960],
      ],
    );
    assert.deepEqual(cfg.labels, ["a100", "cuda12"]);
  });

  it("a missing nvidia-smi means no GPUs (with the reason), a failing one likewise", () => {
    const empty = scratch("lw-gpu-empty-");
    const r = detectGpus("auto", { path: empty });
    assert.deepEqual(r.devices, []);
    assert.match(r.note ?? "", /nvidia-smi not found/);
    const bad = scratch("lw-gpu-bad-");
    writeFileSync(join(bad, "nvidia-smi"), "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver' >&2\nexit 9\n");
    chmodSync(join(bad, "nvidia-smi"), 0o755);
    const f = detectGpus("auto", { path: bad });
    assert.deepEqual(f.devices, []);
    assert.match(f.note ?? "", /exit 9.*NVIDIA driver/);
  });

  it("a configured list is taken as given; unset is a CPU runner; bad values are refused", () => {
    assert.deepEqual(
      detectGpus(` ${GPU_A},${GPU_B} ,${GPU_A}`).devices.map((d) => d.uuid),
      [GPU_A, GPU_B],
    );
    assert.deepEqual(detectGpus(undefined).devices, []);
    assert.deepEqual(loadConfig({ LW_DATA_DIR: scratch("lw-gpu-cfg-") }).gpus, []);
    assert.throws(() => detectGpus("GPU-1;rm -rf /"), /not a device UUID/);
    assert.throws(() => runnerLabels("cuda12,has space"), /LW_RUNNER_LABELS holds 'has space'/);
  });
});

describe("GPU allocation", () => {
  it("gives the least loaded device, ties in order, and takes devices back", () => {
    const g = new GpuAllocator([GPU_A, GPU_B]);
    const first = g.acquire(1);
    const second = g.acquire(1);
    assert.deepEqual([first, second], [[GPU_A], [GPU_B]]);
    assert.deepEqual(g.acquire(1), [GPU_A]); // both busy once: the first again
    g.release(second);
    assert.deepEqual(g.acquire(1), [GPU_B]); // B is now the least loaded
    assert.deepEqual(g.loads(), { [GPU_A]: 2, [GPU_B]: 1 });
    assert.deepEqual(g.acquire(2).sort(), [GPU_A, GPU_B].sort());
    assert.deepEqual(g.acquire(0), []);
    assert.throws(
      () => g.acquire(3),
      (e: Error & { code?: string }) => e.code === "GPU_UNAVAILABLE" && /needs 3 GPU/.test(e.message),
    );
    assert.throws(
      () => new GpuAllocator([]).acquire(1),
      (e: Error & { code?: string }) => e.code === "GPU_UNAVAILABLE",
    );
  });

  it("sandboxed Python gets CUDA_VISIBLE_DEVICES; docker gets --gpus device=<uuid>", () => {
    assert.deepEqual(cudaEnv([GPU_A]), { CUDA_VISIBLE_DEVICES: GPU_A });
    assert.deepEqual(cudaEnv([GPU_A, GPU_B]), { CUDA_VISIBLE_DEVICES: `${GPU_A},${GPU_B}` });
    assert.deepEqual(cudaEnv(undefined), {});
    assert.deepEqual(dockerGpuArgs([GPU_A]), ["--gpus", `device=${GPU_A}`]);
    assert.deepEqual(dockerGpuArgs([GPU_A, GPU_B]), ["--gpus", `"device=${GPU_A},${GPU_B}"`]);
    const base = { container: "lw-x", image: "lw-env:abc", root: "/data/lw", memoryBytes: 1 << 30, cpus: "1", pidsLimit: 64 };
    const gpu = dockerRunArgs({ ...base, gpuDevices: [GPU_B] });
    const at = gpu.indexOf("--gpus");
    assert.ok(at > 0, gpu.join(" "));
    assert.equal(gpu[at + 1], `device=${GPU_B}`);
    // the option comes before the image (docker reads options only up to it)
    assert.ok(at < gpu.indexOf("lw-env:abc"));
    // a CPU container has no --gpus and is otherwise the same
    const cpu = dockerRunArgs(base);
    assert.equal(cpu.includes("--gpus"), false);
    assert.deepEqual(
      gpu.filter((_, i) => i !== at && i !== at + 1),
      cpu,
    );
    for (const flag of ["--network", "--read-only", "--cap-drop"]) assert.ok(cpu.includes(flag), flag);
  });
});

describe("a device per instance (real sandboxed Python workers)", requires("python3-numpy", "bwrap"), () => {
  let rt: Runtime;
  before(() => {
    const bin = fakeNvidiaSmi(scratch("lw-gpu-bin-"));
    rt = new Runtime(loadConfig({ LW_DATA_DIR: scratch("lw-gpu-rt-"), LW_RUNNER_GPUS: "auto", LW_WARM_WORKERS: "0", PATH: `${bin}:/usr/bin:/bin` }));
  });
  after(async () => {
    await rt?.close();
  });

  it("two GPU instances get different devices, given back on dispose; a CPU instance sees none", async () => {
    const one = await rt.materialize(gpuEchoPackage("gpu-one"));
    const two = await rt.materialize(gpuEchoPackage("gpu-two"));
    const cpu = await rt.materialize(gpuEchoPackage("cpu", { gpu: 0 }));
    assert.deepEqual(one.pkg.resources, { gpu: 1, labels: [] });
    const X = tensor([[0, 1]]);
    const h1 = await rt.load(one);
    const h2 = await rt.load(two);
    const h3 = await rt.load(cpu);
    try {
      const seen1 = devicesSeen(await h1.predict(X));
      const seen2 = devicesSeen(await h2.predict(X));
      assert.deepEqual([seen1, seen2].sort(), [GPU_A, GPU_B].sort());
      assert.equal(devicesSeen(await h3.predict(X)), "-");
      assert.deepEqual(rt.gpus.loads(), { [GPU_A]: 1, [GPU_B]: 1 });
      await h1.dispose();
      assert.deepEqual(rt.gpus.loads(), { [seen1]: 0, [seen2]: 1 });
      // the next instance gets the device that was given back
      const h4 = await rt.load(one);
      try {
        assert.equal(devicesSeen(await h4.predict(X)), seen1);
      } finally {
        await h4.dispose();
      }
    } finally {
      await Promise.all([h1.dispose(), h2.dispose(), h3.dispose()]);
    }
    assert.deepEqual(rt.gpus.loads(), { [GPU_A]: 0, [GPU_B]: 0 });
  });

  it("a learnware needing more GPUs than the runner has is refused (GPU_UNAVAILABLE), nothing held", async () => {
    const three = await rt.materialize(gpuEchoPackage("gpu-three", { gpu: 3 }));
    await assert.rejects(rt.load(three), (e: Error & { code?: string }) => e.code === "GPU_UNAVAILABLE");
    assert.deepEqual(rt.gpus.loads(), { [GPU_A]: 0, [GPU_B]: 0 });
  });
});

describe("GPU device nodes in the sandbox", requires("bwrap"), () => {
  it("a GPU instance's sandbox gets the host's /dev/nvidia* nodes, a CPU instance none", () => {
    const dev = scratch("lw-gpu-dev-");
    for (const n of ["nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "null", "nvidia-fake"]) writeFileSync(join(dev, n), "");
    mkdirSync(join(dev, "nvidia-caps"));
    assert.deepEqual(
      gpuDeviceNodes([GPU_A], dev),
      ["nvidia-uvm", "nvidia-uvm-tools", "nvidia0", "nvidia1", "nvidiactl"].map((n) => join(dev, n)),
    );
    assert.deepEqual(gpuDeviceNodes([], dev), []);
    assert.deepEqual(gpuDeviceNodes(undefined, dev), []);
  });

  it("bubblewrap binds the given device nodes into the sandbox's /dev (here /dev/kmsg stands for /dev/nvidia0)", () => {
    const sb = createSandbox({ mode: "bwrap" });
    const run = (devices?: string[]) => {
      const cmd = sb.wrap(
        { command: "/bin/sh", args: ["-c", "test -c /dev/kmsg && echo bound || echo absent"], env: {}, mounts: [], ...(devices ? { devices } : {}) },
        sb.defaults,
      );
      try {
        const r = spawnSync(cmd.command, cmd.args, { env: cmd.env, encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe", "pipe"] });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
      } finally {
        cmd.release();
      }
    };
    assert.equal(run(), "absent");
    assert.equal(run(["/dev/kmsg"]), "bound");
  });
});

describe("the model service's GPU instances (real HTTP, real sandboxed workers)", requires("python3-numpy", "bwrap"), () => {
  const packages = new Map([
    ["g1@1", gpuEchoPackage("g1")],
    ["g2@1", gpuEchoPackage("g2")],
    ["g3@1", gpuEchoPackage("g3")],
  ]);
  const predict = async (address: string, model: string) => {
    const res = await fetch(`${address}/v1/models/${model}/versions/1/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ X: [[0, 1]] }),
    });
    const body = (await res.json()) as { y?: number[][]; error?: { code: string; message: string } };
    return { status: res.status, body, seen: body.y ? String.fromCharCode(...body.y[0]!).trim() : null };
  };

  it("instances get different devices; an evicted instance gives its device to the next", async () => {
    const svc = await startService(scratch("lw-gpu-svc-"), packages, { LW_RUNNER_GPUS: `${GPU_A},${GPU_B}`, LW_POOL_SIZE: "2", LW_WARM_WORKERS: "0" });
    try {
      const a = await predict(svc.address, "g1");
      const b = await predict(svc.address, "g2");
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.deepEqual([a.seen, b.seen].sort(), [GPU_A, GPU_B].sort());
      // the pool holds 2: loading g3 evicts g1 (least recently used) and gives its device back —
      // g3 gets it, and each device serves one instance, not one of them two
      const c = await predict(svc.address, "g3");
      assert.equal(c.status, 200, JSON.stringify(c.body));
      assert.equal(c.seen, a.seen);
      assert.deepEqual(svc.runtime.gpus.loads(), { [GPU_A]: 1, [GPU_B]: 1 });
    } finally {
      await svc.close();
    }
    assert.deepEqual(svc.runtime.gpus.loads(), { [GPU_A]: 0, [GPU_B]: 0 });
  });

  it("a runner without GPUs answers 503 GPU_UNAVAILABLE for a GPU learnware", async () => {
    const svc = await startService(scratch("lw-gpu-cpu-"), packages, { LW_WARM_WORKERS: "0" });
    try {
      const r = await predict(svc.address, "g1");
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.body.error?.code, "GPU_UNAVAILABLE");
      assert.match(r.body.error?.message ?? "", /needs 1 GPU device\(s\); this runner has 0 \(LW_RUNNER_GPUS\)/);
    } finally {
      await svc.close();
    }
  });
});
