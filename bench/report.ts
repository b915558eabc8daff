/** Renders a benchmark result as a markdown report: machine, one table per workload, targets. */
import type { MachineInfo, ResultRow } from "./_lib.ts";

export interface BenchResult {
  started: string;
  seconds: number;
  runs: number;
  quick: boolean;
  machine: MachineInfo & { loadAverageAtEnd: number[] };
  rows: ResultRow[];
  /** Results of the benches that run as their own processes (server responsiveness, runner rotation). */
  sub?: {
    responsiveness?: { json: unknown; md: string } | null;
    rotation?: { json: unknown; md: string } | null;
    upload?: { json: unknown; md: string } | null;
  };
}

/** Target lines of the server and runner benches. */
function subTargets(sub: BenchResult["sub"]): string[] {
  const out: string[] = [];
  const resp = sub?.responsiveness?.json as
    | { market: number; results: { config: string; healthz: { p99_ms: number }; search: { per_s: number; p50_ms: number } }[] }
    | undefined;
  const pool = resp?.results.find((r) => r.config.startsWith("worker pool"));
  if (resp && pool)
    out.push(
      `/healthz p99 ≤ 20 ms while 4 clients send exact searches to a ${resp.market} catalogue: ${pool.healthz.p99_ms <= 20 ? "met" : "not met"} ` +
        `(p99 ${pool.healthz.p99_ms} ms; ${pool.search.per_s} searches/s, search p50 ${pool.search.p50_ms} ms; every answer checked exact over all ${resp.market} specs)`,
    );
  else if (sub && "responsiveness" in sub) out.push("server responsiveness: the bench failed (see the log)");
  const rot = sub?.rotation?.json as { rows: { config: string; p50: number }[] } | undefined;
  if (rot && rot.rows.length >= 3) {
    const cut = rot.rows[0]!.p50 / rot.rows[2]!.p50;
    out.push(
      `runner rotation (30 learnwares through the pool) p50 cut ≥ 5×: ${cut >= 5 ? "met" : "not met"} (${rot.rows[0]!.p50.toFixed(1)} ms → ${rot.rows[2]!.p50.toFixed(1)} ms, ${cut.toFixed(0)}×)`,
    );
  } else if (sub && "rotation" in sub) out.push("runner rotation: the bench failed (see the log)");
  const up = sub?.upload?.json as { serverMBps: number; target: number; rows: { receiver: string; mbps: number }[] } | undefined;
  if (up)
    out.push(
      `uploads ≥ ${up.target} MB/s on loopback (the whole POST /v1/learnwares): ${up.serverMBps >= up.target ? "met" : "not met"} (${up.serverMBps} MB/s; bare sha256 + write ${up.rows[1]?.mbps} MB/s)`,
    );
  else if (sub && "upload" in sub) out.push("uploads: the bench failed (see the log)");
  return out;
}

function fmtTime(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} µs`;
}

function fmtExtra(v: number | string | boolean | null): string {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
  }
  return String(v);
}

/** Checks of the performance issue's targets that this result can decide. */
function targets(rows: ResultRow[]): string[] {
  const out: string[] = [];
  const find = (w: string, c: string, impl: string) => rows.find((r) => r.workload === w && r.case.startsWith(c) && r.impl === impl);
  const best = (w: string, c: string) =>
    rows
      .filter((r) => r.workload === w && r.case.startsWith(c) && !r.impl.startsWith("numpy") && r.speedup !== undefined)
      .sort((a, b) => b.speedup! - a.speedup!)[0];
  const gen = best("generation", "100k×50");
  if (gen) {
    const q = gen.extra?.mmd2_vs_numpy as number | undefined;
    const ok = 1 / gen.speedup! <= 0.5 && (q === undefined || q <= 1.05);
    out.push(
      `generation 100k×50 ≤ 0.5× numpy's time with MMD² ≤ 1.05× numpy's: ${ok ? "met" : "not met"} (${gen.impl}: ${(1 / gen.speedup!).toFixed(2)}× the time, MMD² ${q?.toFixed(3) ?? "?"}×)`,
    );
  }
  const s = best("search", "10000 specs");
  if (s) out.push(`search over 10 000 specs ≤ 0.25× numpy's time: ${1 / s.speedup! <= 0.25 ? "met" : "not met"} (${s.impl}: ${(1 / s.speedup!).toFixed(2)}×)`);
  for (const [w, c] of [
    ["generation", "10k×50"],
    ["generation", "100k×50"],
    ["search", "10000 specs"],
  ] as const) {
    const b = best(w, c);
    const x = b?.extra?.x_original as number | undefined;
    if (b && x !== undefined) out.push(`${w} ${c} against the original (the Python package's algorithms in numpy): ${x.toFixed(1)}× faster (${b.impl})`);
  }
  const dg = find("kernels", "dgemm", "numpy");
  if (dg) {
    const k64 = rows.filter((r) => r.workload === "kernels" && !r.case.startsWith("dgemm") && r.impl !== "numpy" && !r.impl.includes("f32"));
    const k32 = rows.filter((r) => r.workload === "kernels" && !r.case.startsWith("dgemm") && r.impl.includes("f32"));
    const bestOf = (rs: ResultRow[]) => Math.max(0, ...rs.map((r) => (r.extra?.of_dgemm as number) ?? 0));
    out.push(`kernel GFLOP/s f64 ≥ 15 % of numpy dgemm: ${bestOf(k64) >= 0.15 ? "met" : "not met"} (best ${(100 * bestOf(k64)).toFixed(1)} %)`);
    if (k32.length) out.push(`kernel GFLOP/s f32 ≥ 40 % of numpy dgemm: ${bestOf(k32) >= 0.4 ? "met" : "not met"} (best ${(100 * bestOf(k32)).toFixed(1)} %)`);
  }
  const mlas = rows.find((r) => r.workload === "kernels" && r.case.startsWith("C vector") && r.impl === "onnxruntime-mlas");
  if (mlas) {
    const wasmBest = rows
      .filter((r) => r.workload === "kernels" && r.case === mlas.case && r.impl.startsWith("wasm") && !r.impl.includes("f32"))
      .sort((a, b) => a.time.median - b.time.median)[0];
    const faster = wasmBest !== undefined && mlas.time.median < wasmBest.time.median;
    out.push(
      `onnxruntime-node MLAS (f64) as the large-block path, kept only if faster than the wasm kernels: ${faster ? "faster" : "slower, not used"} ` +
        `(C vector ${(mlas.time.median * 1e3).toFixed(1)} ms vs ${wasmBest ? `${wasmBest.impl} ${(wasmBest.time.median * 1e3).toFixed(1)} ms` : "?"})`,
    );
  }
  const rss = rows.filter((r) => r.workload === "rss" && r.case.startsWith("generation 1M"));
  if (rss.length) {
    const worst = Math.max(...rss.map((r) => r.extra?.max_rss_MiB as number));
    out.push(`generation of 1M×50 f64 within 2 GB RSS: ${worst <= 2048 ? "met" : "not met"} (peak ${worst} MiB)`);
  }
  return out;
}

export function renderMarkdown(r: BenchResult): string {
  const m = r.machine;
  const py = m.python as Record<string, string>;
  const lines: string[] = [
    `# Benchmark results`,
    ``,
    `${r.started}, ${r.seconds.toFixed(0)} s, median of ${r.runs} runs after a warm-up${r.quick ? " (**quick run: reduced sizes, not for quoting**)" : ""}.`,
    ``,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node} (V8 ${m.v8}); ` +
      `Python ${py.python} (${py.executable}), numpy ${py.numpy}, scipy ${py.scipy}, BLAS ${py.blas}. ` +
      `Load average ${m.loadAverage.join(" / ")} at start, ${m.loadAverageAtEnd.join(" / ")} at end ` +
      `(other work on the machine slows both sides).`,
    ``,
    `Ratio = numpy median / our median (above 1: we are faster). Two baselines: \`numpy\` is our algorithm in numpy ` +
      `(bench/baseline/rkme_numpy.py); \`numpy-original\` is the Python learnware package's algorithms as they are ` +
      `(bench/baseline/original_numpy.py: k-means on all rows in float32, per-row Z updates, one inner product per learnware), ` +
      `timed once; \`x_original\` = its time / the row's median.`,
    ``,
  ];
  for (const w of ["generation", "search", "kernels", "rss"]) {
    const rs = r.rows.filter((x) => x.workload === w);
    if (!rs.length) continue;
    lines.push(`## ${w}`, ``, `| case | implementation | median | min–max | ratio | notes |`, `|---|---|---:|---:|---:|---|`);
    for (const x of rs) {
      const notes = Object.entries(x.extra ?? {})
        .map(([k, v]) => `${k} ${fmtExtra(v)}`)
        .join(", ");
      lines.push(
        `| ${x.case} | ${x.impl} | ${fmtTime(x.time.median)} | ${fmtTime(x.time.min)}–${fmtTime(x.time.max)} | ${x.speedup === undefined ? "" : x.speedup.toFixed(2)} | ${notes} |`,
      );
    }
    lines.push(``);
  }
  for (const x of [r.sub?.responsiveness, r.sub?.rotation, r.sub?.upload]) if (x) lines.push(x.md.replace(/^# /, "## ").replace(/\n# /g, "\n## "), ``);
  const exact = r.rows.filter((x) => x.workload === "search" && x.extra && "top5_same_as_numpy" in x.extra);
  const t = targets(r.rows);
  if (exact.length)
    t.unshift(
      `exactness: every search answer equals the numpy baseline's (top 5 and mixture): ${exact.every((x) => x.extra!.top5_same_as_numpy === true && x.extra!.mixture_same_as_numpy === true) ? "yes" : "NO"} (${exact.length} rows)`,
    );
  t.push(...subTargets(r.sub));
  const busy = Math.max(m.loadAverage[0] ?? 0, m.loadAverageAtEnd[0] ?? 0) > 0.5 * m.cores + 1;
  if (t.length) {
    lines.push(`## Targets`, ``);
    if (busy) {
      lines.push(
        `**Unreliable: the machine was busy (1-minute load average above ${0.5 * m.cores + 1}); ` +
          `numpy and our runs alternate, but contention distorts multi-threaded rows. Re-run on a quiet machine before quoting.**`,
        ``,
      );
    }
    lines.push(...t.map((x) => `* ${x}`), ``);
  }
  return lines.join("\n");
}
