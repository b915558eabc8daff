/**
 * The check-job loop: lease a job, keep its lease alive with heartbeats while the check
 * runs, write the verdict and the log back. A runner killed mid-job simply stops
 * heartbeating; the server leases the job again to another runner after the lease expires.
 * A lost lease (409 on heartbeat) abandons the job without completing it.
 */
import { LearnwareError, toErrorPayload } from "../../core/errors.ts";
import { checkLearnware, type CheckResult } from "../check/checkLearnware.ts";
import type { BackendName } from "../backends/backend.ts";
import type { Runtime } from "../runtime.ts";
import { sha256Hex } from "../learnwareDir.ts";
import { withGpuDevices } from "../gpu.ts";
import { availableParallelism, totalmem } from "node:os";
import { parseBytes } from "../config.ts";
import type { Capabilities, Job, JobClient } from "./jobClient.ts";

export interface JobLoopOptions {
  client: JobClient;
  runtime: Runtime;
  concurrency: number;
  leaseSeconds: number;
  pollMs: number;
  signal: AbortSignal;
  log?: (line: string) => void;
  /** Per-call timeout of the check's predict (and load) — default the runtime's. */
  checkTimeoutMs?: number;
  /** Sent with every lease (default: the runtime's GPUs and labels, its backends). */
  capabilities?: Capabilities;
}

/**
 * What this runtime offers: its GPUs (configuration or nvidia-smi, with model and memory when
 * nvidia-smi told them), labels, backends, the sandbox Python learnwares run in, and the CPUs
 * and memory it may use (`LW_RUNNER_CPUS` / `LW_RUNNER_MEMORY`, else the host's).
 */
export function runtimeCapabilities(runtime: Runtime, env: Record<string, string | undefined> = process.env): Capabilities {
  const c = runtime.config;
  const cpus = env.LW_RUNNER_CPUS ? Number(env.LW_RUNNER_CPUS) : availableParallelism();
  if (!Number.isInteger(cpus) || cpus < 1) throw new RangeError(`LW_RUNNER_CPUS must be a positive integer, got '${env.LW_RUNNER_CPUS}'`);
  const memoryBytes = env.LW_RUNNER_MEMORY ? parseBytes(env.LW_RUNNER_MEMORY) : totalmem();
  const gpuDevices = (c.gpus ?? []).map((g) => ({
    uuid: g.uuid,
    ...(g.name !== undefined ? { name: g.name } : {}),
    ...(g.memoryMiB !== undefined ? { memoryMiB: g.memoryMiB } : {}),
  }));
  return {
    gpus: runtime.gpus.devices.length,
    labels: [...(c.labels ?? [])],
    backends: ["onnx", "js", c.pythonBackend],
    sandbox: c.pythonBackend === "docker" ? "docker" : c.sandbox === "none" ? "none" : "bwrap",
    cpus,
    memoryBytes,
    gpuDevices,
  };
}

/** Runs one leased job to completion (or abandonment); returns the verdict sent, if any. */
export async function processJob(job: Job, opts: JobLoopOptions): Promise<CheckResult | null> {
  const { client, runtime } = opts;
  const log = opts.log ?? (() => {});
  let lost = false;
  const beat = setInterval(
    () => {
      client.heartbeat(job.id, opts.leaseSeconds).catch((e) => {
        if (e instanceof LearnwareError && (e.code === "CONFLICT" || e.code === "NOT_FOUND")) {
          lost = true;
          log(`job ${job.id}: lease lost (${e.message}); abandoning`);
        }
      });
    },
    Math.max(1000, (opts.leaseSeconds * 1000) / 3),
  );
  beat.unref?.();
  const lines = [`runner ${client.runner}, attempt ${job.attempts}, learnware ${job.learnwareId} version ${job.version}`];
  let devices: string[] = [];
  try {
    let result: CheckResult;
    try {
      const [info, zip] = await Promise.all([client.version(job.learnwareId, job.version), client.package(job.learnwareId, job.version)]);
      const expected = job.payload?.packageSha256;
      if (typeof expected === "string" && sha256Hex(zip) !== expected) {
        throw new LearnwareError(
          "PACKAGE_CHANGED",
          `The package of ${job.learnwareId} v${job.version} is not the one this job was made for (sha256 ${expected.slice(0, 12)}…)`,
        );
      }
      const lw = await runtime.materialize(zip);
      const prefer = typeof job.payload?.backend === "string" ? (job.payload.backend as BackendName) : undefined;
      // A GPU learnware is checked on devices of its own, given back when the check ends.
      devices = runtime.gpus.acquire(lw.pkg.resources?.gpu ?? 0);
      if (devices.length > 0) lines.push(`GPU devices: ${devices.join(", ")}`);
      const input: Parameters<typeof checkLearnware>[0] = {
        lw,
        semantic: info.semantic,
        backend: withGpuDevices(runtime.backendFor(lw, prefer), devices),
        id: job.learnwareId,
        memoryLimitBytes: runtime.config.instanceMemoryBytes,
        timeoutMs: opts.checkTimeoutMs ?? runtime.config.callTimeoutMs,
      };
      result = await checkLearnware(input);
    } catch (e) {
      const p = toErrorPayload(e);
      result = { status: "error", code: null, message: `${p.code}: ${p.message}`, log: [`check could not run: ${p.code}: ${p.message}`] };
    }
    if (lost) return null;
    const text = [...lines, ...result.log].join("\n");
    const details: Record<string, unknown> = { message: result.message, runner: client.runner };
    if (result.rule) details.rule = result.rule;
    await client.complete(job.id, result.status, text, details);
    log(`job ${job.id}: ${result.status}${result.rule ? ` (${result.rule})` : ""}`);
    return result;
  } finally {
    clearInterval(beat);
    runtime.gpus.release(devices);
  }
}

/** Leases and runs jobs until `signal` aborts, `concurrency` at a time. */
export async function runJobLoop(opts: JobLoopOptions): Promise<void> {
  const log = opts.log ?? (() => {});
  // Each idle poll waits on a timer or the abort; the listener is removed when the timer
  // fires, so a long-running daemon does not pile up one listener per poll.
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const onAbort = () => {
        clearTimeout(t);
        r();
      };
      const t = setTimeout(() => {
        opts.signal.removeEventListener("abort", onAbort);
        r();
      }, ms);
      opts.signal.addEventListener("abort", onAbort, { once: true });
    });
  // No job is leased while no sandbox can start: the versions stay pending (NONUSABLE), never
  // INVALID, and the reason is logged once per change.
  let refused: string | null = null;
  const safe = async (): Promise<boolean> => {
    const s = await opts.runtime.safety();
    const reason = s.ok ? null : (s.reason ?? "no sandbox");
    if (reason !== refused) log(reason === null ? "a sandbox is available again: leasing check jobs" : `not leasing check jobs: ${reason}`);
    refused = reason;
    return s.ok;
  };
  const caps = opts.capabilities ?? runtimeCapabilities(opts.runtime);
  // Registered once at start (the leases carry the same capabilities, so a failure here only
  // delays the runner's appearance in the list until its first lease).
  await opts.client.register(caps).catch((e: unknown) => log(`register failed (the leases register it): ${(e as Error).message}`));
  const slot = async (): Promise<void> => {
    while (!opts.signal.aborted) {
      if (!(await safe())) {
        await sleep(opts.pollMs * 5);
        continue;
      }
      let job: Job | null = null;
      try {
        job = await opts.client.lease(["check"], opts.leaseSeconds, caps);
      } catch (e) {
        log(`lease failed: ${(e as Error).message}`);
      }
      if (job === null) {
        await sleep(opts.pollMs);
        continue;
      }
      log(`job ${job.id}: leased (${job.learnwareId} v${job.version}, attempt ${job.attempts})`);
      try {
        await processJob(job, opts);
      } catch (e) {
        log(`job ${job.id}: could not report: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, slot));
}
