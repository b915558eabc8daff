/**
 * One long-lived worker process (a Python interpreter, `conda run`, `docker run -i`)
 * speaking the framed protocol over stdio. Calls are serialised (the worker is
 * single-threaded), each with its own timeout; a timeout or a memory overrun kills the
 * process, and a crash rejects every pending call with the tail of the worker's stderr.
 * Restarting is the owner's job (see `WorkerModelHandle`): a dead worker stays dead.
 *
 * @example
 * ```ts ignore
 * import { WorkerProcess } from "./workerProcess.ts";
 * const w = new WorkerProcess({ name: "demo", command: "/usr/bin/python3", args: ["runner/python/worker.py"] });
 * const hello = await w.call("hello", {}, { timeoutMs: 10_000 });
 * await w.close();
 * ```
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { LearnwareError } from "../../core/errors.ts";
import { encodeFrame, FrameReader } from "../protocol.ts";
import type { ArgsOf, ReplyOf, WorkerOp } from "./ops.ts";

export interface WorkerSpec {
  /** Shown in errors and logs. */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the worker when the resident memory of its process tree exceeds this. */
  memoryLimitBytes?: number;
  /** Called when the runner kills the worker (e.g. `docker kill`: killing the CLI leaves the container). */
  terminate?: () => void;
  /**
   * The worker is a sandbox that writes to fd 3 once it is set up (see `sandbox.ts`), so an
   * exit before that is the sandbox's failure (`SANDBOX_FAILED`, an infrastructure error),
   * not the learnware's.
   */
  sandboxInfoFd?: boolean;
  /** Called after the process exited (e.g. to remove a container). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a cleanup may return nothing (void callbacks are fine)
  cleanup?: (info: ExitInfo) => Promise<ExitInfo | void> | ExitInfo | void;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Why the runner killed it, if it did. */
  reason?: "timeout" | "memory" | "closed" | "oom";
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; details?: unknown };
  rss?: number;
}

interface Pending {
  id: number;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  op: string;
}

const STDERR_TAIL = 8192;
const PAGE = 4096;

export class WorkerProcess {
  readonly spec: WorkerSpec;
  readonly child: ChildProcess;
  #reader = new FrameReader();
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();
  #stderr = "";
  #exit: ExitInfo | null = null;
  #killReason: ExitInfo["reason"] | undefined;
  #exited: Promise<ExitInfo>;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #sandboxUp = false;
  /** Resident set size last reported by the worker (bytes). */
  lastRss = 0;

  constructor(spec: WorkerSpec) {
    this.spec = spec;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? (process.env as Record<string, string>),
      stdio: spec.sandboxInfoFd ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    if (spec.sandboxInfoFd) {
      const info = child.stdio[3] as NodeJS.ReadableStream | null;
      info?.on("data", () => (this.#sandboxUp = true));
      info?.on("error", () => {});
    } else {
      this.#sandboxUp = true;
    }
    child.stdout!.on("data", (chunk: Buffer) => {
      let messages: unknown[];
      try {
        messages = this.#reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (e) {
        this.#stderr += `\n[runner] undecodable frame from worker: ${(e as Error).message}`;
        this.kill();
        return;
      }
      for (const m of messages) this.#onReply(m as Reply);
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (s: string) => {
      this.#stderr = (this.#stderr + s).slice(-STDERR_TAIL);
    });
    child.stdin!.on("error", () => {}); // EPIPE after a crash surfaces through 'exit'
    this.#exited = new Promise((resolve) => {
      const done = async (code: number | null, signal: NodeJS.Signals | null): Promise<void> => {
        if (this.#watchdog) clearInterval(this.#watchdog);
        let info: ExitInfo = { code, signal };
        if (this.#killReason !== undefined) info.reason = this.#killReason;
        if (spec.cleanup) {
          try {
            info = (await spec.cleanup(info)) ?? info;
          } catch {
            /* best effort */
          }
        }
        this.#exit = info;
        this.#failAll(info);
        resolve(info);
      };
      child.once("exit", (code, signal) => void done(code, signal));
      child.once("error", (err) => {
        this.#stderr += `\n[runner] ${err.message}`;
        if (child.exitCode === null && child.pid === undefined) void done(null, null);
      });
    });
    if (spec.memoryLimitBytes !== undefined && child.pid !== undefined) {
      const limit = spec.memoryLimitBytes;
      const pid = child.pid;
      this.#watchdog = setInterval(() => {
        if (treeRss(pid) > limit) this.kill("memory");
      }, 50);
      this.#watchdog.unref();
    }
  }

  get alive(): boolean {
    return this.#exit === null && this.#killReason === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last few KB the worker wrote to stderr. */
  get stderrTail(): string {
    return this.#stderr;
  }

  get exited(): Promise<ExitInfo> {
    return this.#exited;
  }

  /** Sends one request of the protocol (`ops.ts`) and resolves with the worker's typed `result` (rejects with its error). */
  call<Op extends WorkerOp>(op: Op, args: ArgsOf<Op>, opts: { timeoutMs?: number } = {}): Promise<ReplyOf<Op>> {
    return this.callUnchecked(op, args, opts) as Promise<ReplyOf<Op>>;
  }

  /** Sends any `op` (a probe of the protocol itself, e.g. an unknown op in a test); the reply is not typed. */
  callUnchecked(op: string, args: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    const run = (): Promise<unknown> =>
      this.#send(op, args, opts.timeoutMs).then((r) => {
        if (typeof r.rss === "number") this.lastRss = r.rss;
        if (r.ok) return r.result;
        const e = r.error ?? { code: "MODEL_ERROR", message: "Worker reported an error without details" };
        throw new LearnwareError(e.code, e.message, e.details);
      });
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  #send(op: string, args: Record<string, unknown>, timeoutMs: number | undefined): Promise<Reply> {
    if (this.#exit !== null || this.#killReason !== undefined) {
      return Promise.reject(this.#deathError(this.#exit ?? { code: null, signal: null, reason: this.#killReason ?? "closed" }));
    }
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const p: Pending = { id, resolve, reject, timer: undefined, op };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        p.timer = setTimeout(() => this.kill("timeout"), timeoutMs);
      }
      this.#pending.set(id, p);
      this.child.stdin!.write(encodeFrame({ ...args, id, op }));
    });
  }

  #onReply(r: Reply): void {
    const p = this.#pending.get(r.id);
    if (p === undefined) return;
    this.#pending.delete(r.id);
    if (p.timer) clearTimeout(p.timer);
    p.resolve(r);
  }

  #failAll(info: ExitInfo): void {
    for (const p of this.#pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(this.#deathError(info, p.op));
    }
    this.#pending.clear();
  }

  #deathError(info: ExitInfo, op?: string): LearnwareError {
    const tail = this.#stderr.trim().split("\n").slice(-20).join("\n");
    const what = op ? ` during ${op}` : "";
    const details = { exitCode: info.code, signal: info.signal, reason: info.reason ?? null, stderr: tail };
    switch (info.reason) {
      case "timeout":
        return new LearnwareError("TIMEOUT", `Worker ${this.spec.name} exceeded its time limit${what} and was killed`, details);
      case "memory":
      case "oom":
        return new LearnwareError("MEMORY_LIMIT", `Worker ${this.spec.name} exceeded its memory limit${what} and was killed`, details);
      case "closed":
        return new LearnwareError("WORKER_CLOSED", `Worker ${this.spec.name} was shut down${what}`, details);
      default:
        if (!this.#sandboxUp) {
          return new LearnwareError(
            "SANDBOX_FAILED",
            `The sandbox of worker ${this.spec.name} could not start${tail ? `: ${tail.split("\n")[0]}` : ""}`,
            details,
          );
        }
        return new LearnwareError(
          "WORKER_CRASHED",
          `Worker ${this.spec.name} exited${what} (code ${info.code}, signal ${info.signal})${tail ? `; stderr tail:\n${tail}` : ""}`,
          details,
        );
    }
  }

  /** Kills the process (SIGKILL); pending calls reject with the reason. */
  kill(reason: ExitInfo["reason"] = "closed"): void {
    if (this.#exit !== null) return;
    this.#killReason ??= reason;
    try {
      this.spec.terminate?.();
    } catch {
      /* best effort */
    }
    this.child.kill("SIGKILL");
  }

  /** Asks the worker to exit, killing it if it does not within `graceMs`. */
  async close(graceMs = 2000): Promise<ExitInfo> {
    if (this.#exit !== null) return this.#exit;
    this.#killReason ??= "closed";
    try {
      this.child.stdin!.end(encodeFrame({ id: 0, op: "exit" }));
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const info = await this.#exited;
    clearTimeout(t);
    return info;
  }
}

/** Resident memory of a process and its descendants, from /proc (0 when unreadable). */
export function treeRss(pid: number): number {
  let total = 0;
  const stack = [pid];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    try {
      total += Number(readFileSync(`/proc/${p}/statm`, "utf8").split(" ")[1]) * PAGE;
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (kids) for (const k of kids.split(" ")) stack.push(Number(k));
      }
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}
