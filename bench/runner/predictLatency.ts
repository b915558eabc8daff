/**
 * Warm predict latency and cold start per backend, in the sandbox (bubblewrap, the
 * default) and without it (`LW_SANDBOX=none`), against calling the model directly and
 * against spawning a process per call (as the Python market runs learnwares: a fresh
 * interpreter that loads the model and reads/writes pickle files for every call).
 *
 *   node --import tsx bench/runner/predictLatency.ts [--calls 300] [--spawn-calls 8] [--cold 5] [--docker]
 *
 * Targets: the sandbox adds at most a few ms to a warm predict; warm worker ≥ 50× faster
 * than spawn-per-call. Writes bench/results/predictLatency.{json,md}.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { createRng } from "../../core/random.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { matrix } from "../../core/matrix.ts";
import { DockerBackend } from "../../runner/backends/docker.ts";
import type { Backend } from "../../runner/backends/backend.ts";
import { NodeBackend } from "../../runner/backends/node.ts";
import { VenvBackend } from "../../runner/backends/pythonVenv.ts";
import { createSandbox, type SandboxMode } from "../../runner/sandbox/sandbox.ts";
import type { LearnwareDir } from "../../runner/learnwareDir.ts";
import type { ModelHandle } from "../../runner/contract.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { buildDenseOnnx } from "../../core/onnx/onnxBuilder.ts";
import { fromTyped } from "../../runner/tensor.ts";

const args = process.argv.slice(2);
const opt = (k: string, d: number) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const CALLS = opt("calls", 300);
const SPAWN_CALLS = opt("spawn-calls", 8);
const WITH_DOCKER = args.includes("--docker");
const COLD = opt("cold", 5);
const sandboxes = { bwrap: createSandbox({ mode: "bwrap" }), none: createSandbox({ mode: "none" }) };
const bwrapOk = await sandboxes.bwrap.check();
if (!bwrapOk.ok) throw new Error(`the sandbox cannot start here: ${bwrapOk.reason}`);
const D = 16,
  K = 4;
const PY = "/usr/bin/python3";
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "lw-bench-"));
const rng = createRng(42);
const randn = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal()));

interface Stat {
  median: number;
  p95: number;
  mean: number;
}
function stats(ms: number[]): Stat {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.floor(s.length * 0.95)]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}
async function time(n: number, fn: () => Promise<unknown> | unknown): Promise<Stat> {
  for (let i = 0; i < Math.min(50, n); i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return stats(out);
}

/** Warm predicts and cold starts (load + first predict) of `lw` with a backend made for each sandbox mode. */
async function bothModes(make: (mode: SandboxMode) => Backend, lw: LearnwareDir) {
  const out: Record<string, { warm: Stat; cold: Stat }> = {};
  for (const mode of ["bwrap", "none"] as const) {
    const backend = make(mode);
    const h = await backend.load(lw);
    const warm = await time(CALLS, () => h.predict(x1));
    await h.dispose();
    const cold: number[] = [];
    for (let i = 0; i < COLD; i++) {
      const t = performance.now();
      const c = await backend.load(lw);
      await c.predict(x1);
      cold.push(performance.now() - t);
      await c.dispose();
    }
    out[mode] = { warm, cold: stats(cold) };
  }
  return {
    runner: out.bwrap!.warm,
    unsandboxed: out.none!.warm,
    coldMs: out.bwrap!.cold,
    coldUnsandboxedMs: out.none!.cold,
    sandboxCostMs: out.bwrap!.warm.median - out.none!.warm.median,
  };
}

const statJson = RKMETableSpecification.generate(
  (() => {
    const m = matrix(50, D);
    for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
    return m;
  })(),
  { K: 5 },
).stringify();
const x1 = fromTyped(Float64Array.from(randn(1, D).flat()), [1, D]);
const rows: Record<string, unknown> = {};

// ---- ONNX: direct onnxruntime session vs the backend handle ----
const onnxBytes = buildDenseOnnx({
  layers: [
    { weights: randn(D, 32), bias: Array(32).fill(0), activation: "relu" },
    { weights: randn(32, K), bias: Array(K).fill(0) },
  ],
  output: "softmax",
});
{
  const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" });
  const x32 = Float32Array.from(x1.data);
  const direct = await time(CALLS, () => session.run({ input: new ort.Tensor("float32", x32, [1, D]) }));
  const lw = await materializePackage(
    writeLearnwarePackage({
      yaml: { model: { kind: "onnx", file: "model.onnx" }, stat_specifications: [{ class_name: "RKMETableSpecification", file_name: "stat.json" }] },
      files: { "model.onnx": onnxBytes, "stat.json": statJson },
    }),
    join(dir, "pkgs"),
  );
  const r = await bothModes((mode) => new NodeBackend("onnx", { sandbox: sandboxes[mode], workDir: join(dir, "node") }), lw);
  rows.onnx = { direct, ...r, overheadMs: r.runner.median - direct.median };
  await session.release();
}

// ---- JS: direct function call vs the sandboxed worker process ----
{
  const src = `export const input_shape=[${D}]; export const output_shape=[1];
export const runner = { predict(m, X) { return X.map((r) => [r.reduce((a, b) => a + b, 0)]); } };`;
  const lw = await materializePackage(
    writeLearnwarePackage({
      yaml: { model: { kind: "js", module_path: "m.mjs" }, stat_specifications: [{ class_name: "RKMETableSpecification", file_name: "stat.json" }] },
      files: { "m.mjs": src, "stat.json": statJson },
    }),
    join(dir, "pkgs"),
  );
  const mod = await import(join(lw.root, "m.mjs"));
  const X = [Array.from(x1.data)];
  const direct = await time(CALLS, () => mod.runner.predict({}, X));
  const r = await bothModes((mode) => new NodeBackend("js", { sandbox: sandboxes[mode], workDir: join(dir, "node") }), lw);
  rows.js = { direct, ...r, overheadMs: r.runner.median - direct.median };
}

// ---- Python: in-interpreter call vs warm worker vs spawn-per-call (pickle files) ----
const pySrc = `import numpy as np
from learnware.model import BaseModel
class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(${D},), output_shape=(${K},))
        self.W = np.linspace(-1, 1, ${D * K}).reshape(${D}, ${K})
    def predict(self, X):
        return np.tanh(np.asarray(X) @ self.W)
`;
const pyZip = writeLearnwarePackage({
  yaml: { model: { class_name: "Model" }, stat_specifications: [{ class_name: "RKMETableSpecification", file_name: "stat.json" }] },
  files: { "__init__.py": pySrc, "stat.json": statJson },
});
const pyLw = await materializePackage(pyZip, join(dir, "pkgs"));
const shim = join(here, "..", "..", "runner", "python");
{
  // Direct: time model.predict inside Python itself.
  const out = execFileSync(
    PY,
    [
      "-c",
      `
import sys, time, json, statistics, importlib.util
sys.path.insert(0, ${JSON.stringify(shim)})
import numpy as np
spec = importlib.util.spec_from_file_location("lwm", ${JSON.stringify(join(pyLw.root, "__init__.py"))})
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
model = m.Model(); X = np.random.randn(1, ${D})
for _ in range(50): model.predict(X)
ts = []
for _ in range(${CALLS}):
    t = time.perf_counter(); model.predict(X); ts.append((time.perf_counter() - t) * 1000)
ts.sort()
print(json.dumps({"median": ts[len(ts)//2], "p95": ts[int(len(ts)*0.95)], "mean": sum(ts)/len(ts)}))
`,
    ],
    { encoding: "utf8", env: { ...process.env, OPENBLAS_NUM_THREADS: "1" } },
  );
  const direct = JSON.parse(out) as Stat;
  const r = await bothModes((mode) => new VenvBackend({ sandbox: sandboxes[mode], envDir: join(dir, "envs") }), pyLw);

  // Spawn per call, as the Python market's env containers do: fresh interpreter, pickle in/out.
  const runModel = join(dir, "run_model.py");
  writeFileSync(
    runModel,
    `import sys, pickle, importlib.util
sys.path.insert(0, ${JSON.stringify(shim)})
model_path, inp, outp = sys.argv[1:4]
spec = importlib.util.spec_from_file_location("lwm", model_path)
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
model = m.Model()
with open(inp, "rb") as f: X = pickle.load(f)
with open(outp, "wb") as f: pickle.dump(model.predict(X), f)
`,
  );
  const inp = join(dir, "in.pkl"),
    outp = join(dir, "out.pkl");
  execFileSync(PY, ["-c", `import pickle, numpy as np; pickle.dump(np.random.randn(1, ${D}), open(${JSON.stringify(inp)}, "wb"))`]);
  const spawnTimes: number[] = [];
  for (let i = 0; i < SPAWN_CALLS; i++) {
    const t = performance.now();
    const r = spawnSync(PY, [runModel, join(pyLw.root, "__init__.py"), inp, outp], { env: { ...process.env, OPENBLAS_NUM_THREADS: "1" } });
    if (r.status !== 0) throw new Error(String(r.stderr));
    spawnTimes.push(performance.now() - t);
  }
  const spawn = stats(spawnTimes);
  rows["python-venv"] = { direct, ...r, overheadMs: r.runner.median - direct.median, spawnPerCall: spawn, speedupVsSpawn: spawn.median / r.runner.median };
}

// ---- Docker (optional: container start is slow under vfs) ----
if (WITH_DOCKER) {
  const docker = new DockerBackend({ envDir: join(dir, "envs") });
  const a = await docker.available();
  if (a.ok) {
    const h: ModelHandle = await docker.load(pyLw);
    const warm = await time(Math.min(CALLS, 200), () => h.predict(x1));
    await h.dispose();
    const t = performance.now();
    const n = 2;
    for (let i = 0; i < n; i++) {
      spawnSync("docker", [
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        `${pyLw.root}:/learnware:ro`,
        "-v",
        `${shim}:/opt/lw:ro`,
        "lw-base:bookworm",
        "python3",
        "-c",
        "import sys; sys.path.insert(0,'/opt/lw'); import importlib.util, numpy as np; s=importlib.util.spec_from_file_location('m','/learnware/__init__.py'); m=importlib.util.module_from_spec(s); s.loader.exec_module(m); m.Model().predict(np.zeros((1," +
          D +
          ")))",
      ]);
    }
    const spawnMs = (performance.now() - t) / n;
    rows.docker = { runner: warm, spawnPerCallMs: spawnMs, speedupVsSpawn: spawnMs / warm.median };
  } else rows.docker = { skipped: a.reason };
}

const f = (x: number) => x.toFixed(3);
const md: string[] = [
  `# Warm predict latency and cold start (1 row × ${D} features, ${CALLS} warm calls, ${COLD} cold starts; median / p95 in ms)`,
  "",
  "Sandboxed = bubblewrap (the default); unsandboxed = `LW_SANDBOX=none`, the same worker process without the sandbox. Cold start = load (sandbox + interpreter + model) and the first predict.",
  "",
  "| backend | direct call | warm, sandboxed | warm, unsandboxed | sandbox cost (median) | cold start sandboxed / unsandboxed (median) | spawn per call | warm speed-up vs spawn |",
  "|---|---|---|---|---|---|---|---|",
];
for (const [name, r] of Object.entries(rows) as [string, any][]) {
  if (r.skipped) {
    md.push(`| ${name} | skipped: ${r.skipped} | | | | | | |`);
    continue;
  }
  const fs = (x: Stat | undefined) => (x ? `${f(x.median)} / ${f(x.p95)}` : "—");
  md.push(
    `| ${name} | ${fs(r.direct)} | ${fs(r.runner)} | ${fs(r.unsandboxed)} | ${r.sandboxCostMs !== undefined ? f(r.sandboxCostMs) : "—"} | ${r.coldMs ? `${r.coldMs.median.toFixed(0)} / ${r.coldUnsandboxedMs.median.toFixed(0)}` : "—"} | ${r.spawnPerCall ? f(r.spawnPerCall.median) : r.spawnPerCallMs ? f(r.spawnPerCallMs) : "—"} | ${r.speedupVsSpawn ? `${r.speedupVsSpawn.toFixed(0)}×` : "—"} |`,
  );
}
const resultsDir = join(here, "..", "results");
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, "predictLatency.json"), JSON.stringify({ date: new Date().toISOString(), calls: CALLS, d: D, rows }, null, 2));
writeFileSync(join(resultsDir, "predictLatency.md"), md.join("\n") + "\n");
console.log(md.join("\n"));
