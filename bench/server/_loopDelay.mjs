/**
 * Preloaded into the benchmarked server (`--import`; plain JS: worker threads inherit the flag): the event loop's delay histogram,
 * restarted on SIGUSR2 (the start of the measured window) and written to stderr as one
 * `LOOP_DELAY {…}` JSON line when the process exits. It isolates the server's own stalls from
 * the clients' (which share this machine).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
process.on("SIGUSR2", () => h.reset());
process.on("exit", () => {
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  process.stderr.write(`LOOP_DELAY ${JSON.stringify({ p50_ms: ms(h.percentile(50)), p99_ms: ms(h.percentile(99)), max_ms: ms(h.max), samples: h.count })}\n`);
});
