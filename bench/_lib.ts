/**
 * Shared pieces of the benchmark harness: seeded datasets, timing statistics, the numpy
 * baseline runner and the machine description.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem, platform, release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Matrix } from "../core/matrix.ts";
import { createRng } from "../core/random.ts";

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const resultsDir = join(benchDir, "results");
export const tmpDir = join(resultsDir, "tmp");

/** Options every workload receives. */
export interface BenchContext {
  /** Timed runs per measurement (after one warm-up run). */
  runs: number;
  /** Smaller sizes, for a smoke run. */
  quick: boolean;
  /** The python3 that runs the numpy baseline. */
  python: string;
  /** A long-lived numpy process (so numpy and our runs interleave under the same load). */
  numpy: NumpyServer;
  /** Also time the original (the Python package's algorithms as they are), once per case. */
  original: boolean;
  log: (msg: string) => void;
}

/** `baseline/rkme_numpy.py --serve`: one JSON job per line in, one JSON answer per line out. */
export class NumpyServer {
  readonly #proc: ChildProcess;
  #buffer = "";
  readonly #waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];

  constructor(python: string) {
    this.#proc = spawn(python, [join(benchDir, "baseline", "rkme_numpy.py"), "--serve"], { stdio: ["pipe", "pipe", "inherit"] });
    this.#proc.stdout!.setEncoding("utf8");
    this.#proc.stdout!.on("data", (chunk: string) => {
      this.#buffer += chunk;
      let nl: number;
      while ((nl = this.#buffer.indexOf("\n")) >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        const w = this.#waiting.shift();
        if (!w) continue;
        const v = JSON.parse(line) as { error?: string };
        if (v.error) w.reject(new Error(`numpy baseline: ${v.error}`));
        else w.resolve(v);
      }
    });
    this.#proc.on("exit", (code) => {
      for (const w of this.#waiting.splice(0)) w.reject(new Error(`numpy baseline exited with code ${code}`));
    });
  }

  request<T = Record<string, unknown>>(job: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ resolve: resolve as (v: unknown) => void, reject });
      this.#proc.stdin!.write(JSON.stringify(job) + "\n");
    });
  }

  close(): void {
    this.#proc.stdin!.end();
  }
}

/**
 * Alternates single runs of numpy and of each of our variants (numpy first on even rounds,
 * last on odd ones) after one warm-up of each, so both sides see the same machine load.
 * Returns seconds per run.
 */
export async function interleaved(
  runs: number,
  numpyRun: () => Promise<number>,
  ours: readonly (() => void)[],
): Promise<{ numpy: number[]; ours: number[][] }> {
  await numpyRun();
  for (const f of ours) f();
  const np: number[] = [];
  const us: number[][] = ours.map(() => []);
  const runOurs = () =>
    ours.forEach((f, i) => {
      const t = performance.now();
      f();
      us[i]!.push((performance.now() - t) / 1000);
    });
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      np.push(await numpyRun());
      runOurs();
    } else {
      runOurs();
      np.push(await numpyRun());
    }
  }
  return { numpy: np, ours: us };
}

/** Timing summary in seconds. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** One line of a result table. */
export interface ResultRow {
  workload: string;
  case: string;
  impl: string;
  time: Timing;
  /** numpy median / this median (> 1: we are faster). Absent on numpy rows. */
  speedup?: number;
  /** Extra numbers (GFLOP/s, MMD², …). */
  extra?: Record<string, number | string | boolean | null>;
}

export function summarize(times: readonly number[]): Timing {
  const s = [...times].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

/** Runs `fn` once to warm up, then `runs` times; seconds per run. */
export function timeRuns(fn: () => void, runs: number, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push((performance.now() - t) / 1000);
  }
  return out;
}

/** Times `reps` back-to-back calls per run (for sub-millisecond kernels); seconds per call. */
export function timeRepeated(fn: () => void, runs: number, reps: number): number[] {
  return timeRuns(() => {
    for (let r = 0; r < reps; r++) fn();
  }, runs).map((t) => t / reps);
}

/**
 * A Gaussian mixture: `clusters` centres ~ N(0, spread²) per coordinate, each cluster with
 * its own scale in [0.5, 1.5] and an uneven share of the rows. Deterministic for a seed.
 */
export function gaussianMixture(n: number, d: number, seed: number, clusters = 20, spread = 2): Matrix {
  const rng = createRng(seed);
  const centres = new Float64Array(clusters * d);
  for (let i = 0; i < centres.length; i++) centres[i] = spread * rng.normal();
  const scales = new Float64Array(clusters).map(() => 0.5 + rng.next());
  const weights = new Float64Array(clusters).map(() => 0.2 + rng.next());
  const cum = new Float64Array(clusters);
  let s = 0;
  weights.forEach((w, c) => {
    s += w;
    cum[c] = s;
  });
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const u = rng.next() * s;
    let c = 0;
    while (c < clusters - 1 && cum[c]! <= u) c++;
    for (let k = 0; k < d; k++) data[i * d + k] = centres[c * d + k]! + scales[c]! * rng.normal();
  }
  return { rows: n, cols: d, data };
}

/** Writes a Float64Array as raw little-endian float64 (what numpy's fromfile reads). */
export function writeF64(name: string, data: Float64Array): string {
  mkdirSync(tmpDir, { recursive: true });
  const path = join(tmpDir, name);
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return path;
}

/** Runs one numpy baseline job (default: `ctx.runs` runs after a warm-up) on the server. */
export function runNumpy<T = Record<string, unknown>>(ctx: BenchContext, job: Record<string, unknown>): Promise<T> {
  return ctx.numpy.request<T>({ runs: ctx.runs, ...job });
}

/** One timed numpy run of `job` (no warm-up), in seconds. */
export async function numpyOnce(ctx: BenchContext, job: Record<string, unknown>): Promise<number> {
  const r = await ctx.numpy.request<{ times: number[] }>({ ...job, runs: 1, warmup: 0, evaluate: false });
  return r.times[0]!;
}

/** A JSON cache under bench/results/tmp (for slow, input-only values). */
export async function cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const path = join(tmpDir, `cache-${key}.json`);
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as T;
  const v = await compute();
  mkdirSync(tmpDir, { recursive: true });
  writeFileSync(path, JSON.stringify(v));
  return v;
}

/** Picks Debian's python3 when it has numpy (what CI installs), else python3 on PATH. */
export function findPython(): string {
  const candidates = [process.env.LW_BENCH_PYTHON, "/usr/bin/python3", "python3"].filter((x): x is string => !!x);
  for (const py of candidates) {
    try {
      execFileSync(py, ["-c", "import numpy, scipy"], { stdio: "ignore" });
      return py;
    } catch {
      /* next */
    }
  }
  throw new Error("No python3 with numpy and scipy found (apt-get install python3-numpy python3-scipy)");
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  loadAverage: number[];
  python: Record<string, unknown>;
}

export async function describeMachine(ctx: BenchContext): Promise<MachineInfo> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    python: await runNumpy(ctx, { kind: "machine" }),
  };
}

/** Rows for our implementation and the numpy baseline, with the ratio filled in. */
export function compareRows(
  workload: string,
  kase: string,
  numpyTimes: readonly number[],
  ours: { impl: string; times: readonly number[]; extra?: ResultRow["extra"] }[],
  numpyExtra?: ResultRow["extra"],
): ResultRow[] {
  const np = summarize(numpyTimes);
  const rows: ResultRow[] = [{ workload, case: kase, impl: "numpy", time: np, ...(numpyExtra ? { extra: numpyExtra } : {}) }];
  for (const o of ours) {
    const t = summarize(o.times);
    rows.push({ workload, case: kase, impl: o.impl, time: t, speedup: np.median / t.median, ...(o.extra ? { extra: o.extra } : {}) });
  }
  return rows;
}

/**
 * The original's row (the Python package's algorithms as they are, `baseline/original_numpy.py`),
 * timed once — it takes tens of seconds at 100k rows — and `x_original` (original time / our
 * median) added to every row of `rows` but numpy's own. Ratio column: numpy median / original.
 */
export function withOriginal(rows: ResultRow[], originalSeconds: number, extra: ResultRow["extra"]): ResultRow[] {
  const np = rows.find((r) => r.impl === "numpy");
  if (!np) throw new RangeError("withOriginal: the rows have no numpy row");
  for (const r of rows) if (r !== np) r.extra = { ...r.extra, x_original: originalSeconds / r.time.median };
  np.extra = { ...np.extra, x_original: originalSeconds / np.time.median };
  const orig: ResultRow = {
    workload: np.workload,
    case: np.case,
    impl: "numpy-original",
    time: summarize([originalSeconds]),
    speedup: np.time.median / originalSeconds,
    ...(extra ? { extra } : {}),
  };
  rows.splice(rows.indexOf(np) + 1, 0, orig);
  return rows;
}
