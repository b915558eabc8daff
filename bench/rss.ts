/**
 * Generation of 1M×50 f64 within 2 GB RSS: bench/rss1m.ts in a fresh process per backend,
 * reporting its peak resident set size and time (one run each; this is a memory check).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { benchDir, summarize, type BenchContext, type ResultRow } from "./_lib.ts";

export function benchRss(ctx: BenchContext): ResultRow[] {
  const rows = ctx.quick ? 200_000 : 1_000_000;
  const out: ResultRow[] = [];
  for (const backend of ["parallel", "wasm"]) {
    ctx.log(`rss: generation ${rows / 1e6}M×50, ${backend}`);
    const res = JSON.parse(
      execFileSync(process.execPath, ["--import", "tsx", join(benchDir, "rss1m.ts"), `--rows=${rows}`, `--backend=${backend}`], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      }),
    ) as { seconds: number; maxRssMiB: number; backend: string; K: number };
    out.push({
      workload: "rss",
      case: `generation ${rows / 1e6}M×50 f64`,
      impl: res.backend,
      time: summarize([res.seconds]),
      extra: { max_rss_MiB: res.maxRssMiB, within_2GB: res.maxRssMiB <= 2048, K: res.K },
    });
  }
  return out;
}
