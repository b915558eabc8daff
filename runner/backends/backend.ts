/**
 * One interface for every way a learnware runs: `onnx` (in process), `js` (worker
 * threads), `python-venv`, `conda` and `docker` (long-lived worker processes). A backend
 * prepares (and caches) the environment, then loads the model and returns a
 * {@link ModelHandle}.
 */
import type { CallOptions, ModelHandle } from "../contract.ts";
import type { LearnwareDir } from "../learnwareDir.ts";

export type BackendName = "onnx" | "js" | "python-venv" | "conda" | "docker";

export interface LoadOptions extends CallOptions {
  /** Memory limit for the instance's worker (bytes). */
  memoryLimitBytes?: number;
  /** Progress and environment reports, one line at a time. */
  log?: (line: string) => void;
  /**
   * GPU devices (UUIDs) this instance may use (`../gpu.ts`): `CUDA_VISIBLE_DEVICES` for a
   * sandboxed Python worker, `--gpus device=<uuid>` for a container. None: a CPU instance.
   */
  gpuDevices?: string[];
  /** Told how the worker started (a pre-warmed hand-over or a launch) and how long load took. */
  onStart?: (info: { warm: boolean; ms: number }) => void;
}

export interface Availability {
  ok: boolean;
  /** Why the backend cannot run here (shown in check logs and test skips). */
  reason?: string;
}

export interface Backend {
  readonly name: BackendName;
  available(): Promise<Availability>;
  load(lw: LearnwareDir, opts?: LoadOptions): Promise<ModelHandle>;
  /** Releases shared resources (thread pools); loaded handles are disposed separately. */
  close?(): Promise<void>;
}

/** Environment report of a Python learnware's dependency file. */
export interface RequirementReport {
  requirement: string;
  name?: string;
  installed?: string;
  ok: boolean;
  reason?: string;
}

/** Formats a requirements report as readable log lines. */
export function formatRequirementReport(report: RequirementReport[], installed: boolean): string[] {
  if (report.length === 0) return ["requirements: none declared"];
  const bad = report.filter((r) => !r.ok);
  const lines = report.map(
    (r) => `  ${r.ok ? "ok  " : "MISS"} ${r.requirement}${r.installed ? ` (installed ${r.installed})` : ""}${r.reason ? ` — ${r.reason}` : ""}`,
  );
  const head =
    bad.length === 0
      ? `requirements: all ${report.length} satisfied${installed ? " (installed from the configured index)" : " by the environment"}`
      : `requirements: ${bad.length} of ${report.length} not satisfied${installed ? "" : " (no package index or wheelhouse configured, so nothing was installed)"}`;
  return [head, ...lines];
}
