/**
 * Runner cold start under rotation (issue #16): 30 Python learnwares (one venv, numpy models
 * that unpickle their weights) called round-robin through the runner's LRU pool of loaded
 * instances, inside the bubblewrap sandbox. Round-robin over more learnwares than the pool
 * holds is LRU's worst case: with a pool of 8 every call is a cold load.
 *
 *   node --import tsx bench/runner/rotation.ts [--learnwares 30] [--rounds 4] [--gap-ms 0]
 *
 * Configurations: the old default (at most 8 instances, every load launches a worker), the
 * same pool with pre-warmed workers (`runner/pool/warmPool.ts`), and the new default (the
 * pool bounded by memory only, LW_POOL_MEMORY = 2 GiB, plus pre-warmed workers). Also the
 * cold load alone (launch vs warm hand-over). Writes bench/results/rotation.{json,md}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { VenvBackend } from "../../runner/backends/pythonVenv.ts";
import type { LearnwareDir } from "../../runner/learnwareDir.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { LruPool } from "../../runner/pool/lruPool.ts";
import { WarmPool } from "../../runner/pool/warmPool.ts";
import { createSandbox } from "../../runner/sandbox/sandbox.ts";
import { fromTyped } from "../../runner/tensor.ts";
import type { WorkerModelHandle } from "../../runner/worker/workerModel.ts";

const args = process.argv.slice(2);
const opt = (k: string, d: number) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const N = opt("learnwares", 30);
const ROUNDS = opt("rounds", 4);
const GAP = opt("gap-ms", 0);
const D = 16;
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "lw-rotation-"));
const sandbox = createSandbox({ mode: "bwrap" });
const ok = await sandbox.check();
if (!ok.ok) throw new Error(`the sandbox cannot start here: ${ok.reason}`);

const lws: LearnwareDir[] = [];
for (let i = 0; i < N; i++) {
  const src = `import os, pickle
import numpy as np
from learnware.model import BaseModel
class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(${D},), output_shape=(4,))
        with open(os.path.join(os.path.dirname(__file__), "w.pkl"), "rb") as f:
            self.W = pickle.load(f)
    def predict(self, X):
        return np.tanh(np.asarray(X) @ self.W) + ${i}
`;
  // the weights as a pickled list (no numpy pickle needed on the host)
  const w = Array.from({ length: D }, (_, r) => Array.from({ length: 4 }, (_, c) => Math.sin(r + c + i)));
  const pkl = pickleList(w);
  lws.push(
    await materializePackage(
      writeLearnwarePackage({ yaml: { model: { class_name: "Model" }, stat_specifications: [] }, files: { "__init__.py": src, "w.pkl": pkl } }),
      join(dir, "pkgs"),
    ),
  );
}

/** Protocol-2 pickle of a list of lists of floats (enough for the model above). */
function pickleList(rows: number[][]): Uint8Array {
  const out: number[] = [0x80, 2, 0x5d]; // PROTO 2, EMPTY_LIST
  out.push(0x28); // MARK
  for (const r of rows) {
    out.push(0x5d, 0x28); // EMPTY_LIST, MARK
    for (const v of r) {
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, v, false);
      out.push(0x47, ...new Uint8Array(b.buffer)); // BINFLOAT (big-endian)
    }
    out.push(0x65); // APPENDS
  }
  out.push(0x65, 0x2e); // APPENDS, STOP
  return new Uint8Array(out);
}

const x = fromTyped(new Float64Array(D).fill(0.5), [1, D]);
const pct = (ms: number[], p: number) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor(ms.length * p))]!;

interface Row {
  config: string;
  p50: number;
  p95: number;
  mean: number;
  loads: number;
  warmStarts: number;
  calls: number;
}

async function rotation(config: string, maxEntries: number, warm: WarmPool | null): Promise<Row> {
  const backend = new VenvBackend({ sandbox, envDir: join(dir, "envs"), ...(warm ? { warm } : {}) });
  let warmStarts = 0;
  const pool = new LruPool<WorkerModelHandle>({
    maxEntries,
    maxBytes: 2 * 1024 ** 3,
    sizeOf: (h) => h.memoryBytes(),
    dispose: (h) => h.dispose(),
  });
  const times: number[] = [];
  // round 0 primes the environment (venv made, warm workers started); timed from round 1
  for (let round = 0; round <= ROUNDS; round++) {
    for (let i = 0; i < N; i++) {
      const lw = lws[i]!;
      const t = performance.now();
      await pool.use(
        lw.digest,
        () => backend.load(lw, { onStart: (s) => void (s.warm && warmStarts++) }) as Promise<WorkerModelHandle>,
        (h) => h.predict(x),
      );
      if (round > 0) times.push(performance.now() - t);
      if (GAP > 0) await new Promise((r) => setTimeout(r, GAP));
    }
  }
  const m = pool.metrics();
  await pool.clear();
  await warm?.close();
  return {
    config,
    p50: pct(times, 0.5),
    p95: pct(times, 0.95),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    loads: m.loads,
    warmStarts,
    calls: times.length,
  };
}

async function coldLoads(warm: WarmPool | null, n: number): Promise<number[]> {
  const backend = new VenvBackend({ sandbox, envDir: join(dir, "envs"), ...(warm ? { warm } : {}) });
  const out: number[] = [];
  for (let i = 0; i <= n; i++) {
    if (warm) await new Promise((r) => setTimeout(r, 400)); // let the replacement warm up: the hand-over itself
    const t = performance.now();
    const h = await backend.load(lws[i % N]!);
    await h.predict(x);
    if (i > 0) out.push(performance.now() - t);
    await h.dispose();
  }
  await warm?.close();
  return out;
}

const warmPool = (perEnvironment: number) => new WarmPool({ dir: join(dir, "warm"), perEnvironment, imports: ["numpy", "learnware.model"] });
const cold = await coldLoads(null, 8);
const coldWarm = await coldLoads(warmPool(1), 8);
const rows: Row[] = [];
rows.push(await rotation("pool of 8, every load launches (the old default)", 8, null));
rows.push(await rotation("pool of 8, pre-warmed workers (LW_WARM_WORKERS=2)", 8, warmPool(2)));
rows.push(await rotation("pool by memory (2 GiB), 1 pre-warmed worker per environment (the new default)", Number.POSITIVE_INFINITY, warmPool(1)));

const f = (v: number) => v.toFixed(1);
const md = [
  `# Runner cold start and rotation (${N} Python learnwares round-robin, ${ROUNDS} rounds timed, bubblewrap sandbox${GAP ? `, ${GAP} ms between calls` : ", back to back"})`,
  "",
  `Cold load + first predict, median of 8: launch ${f(pct(cold, 0.5))} ms, pre-warmed hand-over ${f(pct(coldWarm, 0.5))} ms (${(pct(cold, 0.5) / pct(coldWarm, 0.5)).toFixed(1)}×).`,
  "",
  "| configuration | predict p50 (ms) | p95 | mean | loads | warm starts | calls |",
  "|---|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.config} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.mean)} | ${r.loads} | ${r.warmStarts} | ${r.calls} |`),
  "",
  `Rotation p50 cut: ${(rows[0]!.p50 / rows[2]!.p50).toFixed(0)}× with the new default (target ≥ 5×: ${rows[0]!.p50 / rows[2]!.p50 >= 5 ? "met" : "not met"}); ` +
    `${(rows[0]!.p50 / rows[1]!.p50).toFixed(1)}× from pre-warming alone when the pool still holds 8.`,
  "",
];
const resultsDir = join(here, "..", "results");
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, "rotation.json"),
  JSON.stringify({ date: new Date().toISOString(), learnwares: N, rounds: ROUNDS, gapMs: GAP, cold, coldWarm, rows }, null, 2),
);
writeFileSync(join(resultsDir, "rotation.md"), md.join("\n"));
console.log(md.join("\n"));
rmSync(dir, { recursive: true, force: true });
