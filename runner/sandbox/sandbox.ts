/**
 * The sandbox every uploaded learnware runs in (see SECURITY.md). A sandbox turns the
 * command of a worker process into one that runs it confined:
 *
 * * `bwrap` (default): bubblewrap with new pid, net, ipc, uts and cgroup namespaces (a
 *   user namespace too when the runner is not root), no network, only `/usr` and a few
 *   `/etc` files of the host, the given folders mounted read-only, a private size-capped
 *   `/tmp`, its own `/proc`, `--die-with-parent`, and the payload started through
 *   `setpriv` (a per-sandbox unprivileged uid when the runner is root, no new privileges,
 *   no capabilities) and `prlimit` (processes, address space, file size, CPU time, open
 *   files, no core dumps). Killing the sandbox's first process tears the whole pid
 *   namespace down, double-forked daemons included.
 * * `none`: runs the command as it is. Only for a single trusted user
 *   (`LW_SANDBOX=none`); the runner warns at start.
 *
 * Docker is a backend of its own (`backends/docker.ts`) and is its own sandbox.
 *
 * @example
 * ```ts
 * import { createSandbox } from "./sandbox.ts";
 * const sb = createSandbox({ mode: "bwrap" });
 * const ok = await sb.check();
 * if (ok.ok) {
 *   const cmd = sb.wrap({ command: "/usr/bin/true", args: [], env: {}, mounts: [] }, sb.defaults);
 *   console.log(cmd.command, cmd.args.length > 10);
 *   cmd.release();
 * }
 * ```
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { dirname } from "node:path";

export type SandboxMode = "bwrap" | "none";

export interface SandboxLimits {
  /** Resident memory the runner's watchdog allows (bytes). */
  memoryBytes: number;
  /** Extra address space over `memoryBytes` for reservations that are never touched (bytes). */
  addressSlackBytes: number;
  /** Most processes (and threads) of one sandbox. */
  processes: number;
  /** Largest file the sandbox may write, and the size of its `/tmp` (bytes). */
  tmpBytes: number;
  /** CPU seconds one worker process may use in its life. */
  cpuSeconds: number;
  openFiles: number;
}

export interface Mount {
  /** Host path (file or folder), mounted read-only. */
  src: string;
  /** Path inside the sandbox (default: the same as `src`). */
  dest?: string;
}

export interface SandboxRequest {
  command: string;
  args: string[];
  /** The whole environment of the payload (nothing is inherited). */
  env: Record<string, string>;
  /** Working directory inside the sandbox. */
  cwd?: string;
  mounts: Mount[];
  /** Host device nodes bound into the sandbox's /dev (a GPU instance's `/dev/nvidia*`). */
  devices?: string[];
}

export interface SandboxedCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Whether the command reports on fd 3 that the sandbox is up; spawn it with a pipe there. */
  infoFd: boolean;
  /** Gives the sandbox's uid back to the pool (call once the process exited). */
  release(): void;
}

export interface Availability {
  ok: boolean;
  reason?: string;
}

export interface Sandbox {
  readonly mode: SandboxMode;
  readonly defaults: SandboxLimits;
  /** Whether a sandbox can start here; the reason names what is missing and how to get it. */
  check(): Promise<Availability>;
  wrap(req: SandboxRequest, limits: SandboxLimits): SandboxedCommand;
  /** Where a mount is seen by the payload (its `dest` in a sandbox, its `src` without one). */
  inside(m: Mount): string;
}

export interface SandboxOptions {
  mode: SandboxMode;
  bwrap?: string;
  /** First uid of the per-sandbox uid range (runner as root only). */
  uidBase?: number;
  uidCount?: number;
  limits?: Partial<SandboxLimits>;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  memoryBytes: 1024 ** 3,
  addressSlackBytes: 2 * 1024 ** 3,
  processes: 64,
  tmpBytes: 64 * 1024 ** 2,
  cpuSeconds: 3600,
  openFiles: 1024,
};

const SETPRIV = "/usr/bin/setpriv";
const PRLIMIT = "/usr/bin/prlimit";
/** Host files of `/etc` a dynamically linked interpreter needs (nothing secret). */
const ETC_FILES = ["alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types", "os-release"];

export function createSandbox(opts: SandboxOptions): Sandbox {
  return opts.mode === "none" ? new NoSandbox(opts) : new Bubblewrap(opts);
}

class NoSandbox implements Sandbox {
  readonly mode = "none" as const;
  readonly defaults: SandboxLimits;
  constructor(opts: SandboxOptions) {
    this.defaults = { ...DEFAULT_LIMITS, ...opts.limits };
  }
  async check(): Promise<Availability> {
    return { ok: true };
  }
  inside(m: Mount): string {
    return m.src;
  }
  wrap(req: SandboxRequest): SandboxedCommand {
    return { command: req.command, args: req.args, env: req.env, infoFd: false, release: () => {} };
  }
}

class Bubblewrap implements Sandbox {
  readonly mode = "bwrap" as const;
  readonly defaults: SandboxLimits;
  readonly bwrap: string;
  readonly asRoot = process.getuid?.() === 0;
  #uidBase: number;
  #uidCount: number;
  #used = new Set<number>();
  #next = 0;
  #checked: { at: number; result: Promise<Availability> } | null = null;

  constructor(opts: SandboxOptions) {
    this.defaults = { ...DEFAULT_LIMITS, ...opts.limits };
    this.bwrap = opts.bwrap ?? "/usr/bin/bwrap";
    this.#uidBase = opts.uidBase ?? 200_000;
    this.#uidCount = opts.uidCount ?? 65_536;
    this.#next = Math.floor(Math.random() * this.#uidCount);
  }

  /** Probes once; a failure is probed again after 30 s (bubblewrap may be installed meanwhile). */
  check(): Promise<Availability> {
    const c = this.#checked;
    if (c === null || Date.now() - c.at > 30_000) {
      const result = Promise.resolve().then(() => this.#probe());
      this.#checked = { at: Date.now(), result };
      void result.then((r) => {
        if (r.ok && this.#checked?.result === result) this.#checked = { at: Infinity, result };
      });
    }
    return this.#checked!.result;
  }

  #probe(): Availability {
    if (process.platform !== "linux")
      return {
        ok: false,
        reason: `no sandbox on ${process.platform}: bubblewrap needs Linux (use the docker backend, or LW_SANDBOX=none for a single trusted user)`,
      };
    for (const [tool, pkg] of [
      [this.bwrap, "bubblewrap"],
      [SETPRIV, "util-linux"],
      [PRLIMIT, "util-linux"],
    ] as const) {
      if (!existsSync(tool))
        return { ok: false, reason: `${tool} is missing: install it (apt-get install ${pkg}) or set LW_SANDBOX=none for a single trusted user` };
    }
    const cmd = this.wrap({ command: "/usr/bin/true", args: [], env: {}, mounts: [] }, this.defaults);
    try {
      const r = spawnSync(cmd.command, cmd.args, { env: cmd.env, encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe", "pipe"] });
      if (r.error) return { ok: false, reason: `bubblewrap cannot start: ${r.error.message}` };
      if (r.status !== 0) {
        const why = (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n")[0];
        return {
          ok: false,
          reason: `bubblewrap cannot start a sandbox here (${why}); user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1) — or set LW_SANDBOX=none for a single trusted user`,
        };
      }
      return { ok: true };
    } finally {
      cmd.release();
    }
  }

  #allocUid(): number {
    for (let i = 0; i < this.#uidCount; i++) {
      const u = this.#uidBase + ((this.#next + i) % this.#uidCount);
      if (!this.#used.has(u)) {
        this.#used.add(u);
        this.#next = (this.#next + i + 1) % this.#uidCount;
        return u;
      }
    }
    throw new Error("no free sandbox uid");
  }

  inside(m: Mount): string {
    return m.dest ?? m.src;
  }

  wrap(req: SandboxRequest, limits: SandboxLimits): SandboxedCommand {
    const a: string[] = [
      "--unshare-pid",
      "--unshare-net",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      "--die-with-parent",
      "--new-session",
      "--hostname",
      "learnware",
    ];
    // As root, bubblewrap builds the namespaces itself and `setpriv` drops to a uid of
    // the sandbox's own (so the process limit counts this sandbox alone); otherwise a user
    // namespace maps the runner's uid, and nested user namespaces are refused.
    if (!this.asRoot) a.push("--unshare-user", "--disable-userns");
    a.push(...systemMounts());
    a.push("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", String(limits.tmpBytes), "--tmpfs", "/tmp");
    for (const d of req.devices ?? []) a.push("--dev-bind", d, d);
    // Folders bubblewrap makes for mount points would be root-only: make them traversable.
    const made = new Set(["/", "/usr", "/etc", "/opt", "/tmp", "/proc", "/dev"]);
    for (const m of req.mounts) {
      const dest = m.dest ?? m.src;
      const parents: string[] = [];
      for (let d = dirname(dest); !made.has(d); d = dirname(d)) parents.unshift(d);
      for (const d of parents) {
        made.add(d);
        a.push("--perms", "0755", "--dir", d);
      }
      a.push("--ro-bind", m.src, dest);
    }
    if (req.cwd) a.push("--chdir", req.cwd);
    a.push("--clearenv");
    for (const [k, v] of Object.entries(req.env)) a.push("--setenv", k, v);
    const rlimits = [
      `--nproc=${limits.processes}`,
      `--as=${limits.memoryBytes + limits.addressSlackBytes}`,
      `--fsize=${limits.tmpBytes}`,
      `--cpu=${limits.cpuSeconds}`,
      `--nofile=${limits.openFiles}`,
      "--core=0",
    ];
    let uid: number | null = null;
    if (this.asRoot) {
      uid = this.#allocUid();
      a.push("--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP");
      a.push(SETPRIV, `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "--");
    } else {
      a.push("--cap-drop", "ALL", SETPRIV, "--no-new-privs", "--");
    }
    // Inside, once every mount is in place, a shell reports on fd 3 that the sandbox is up,
    // closes it, and becomes the payload: an exit before that report is the sandbox's
    // failure, and the payload cannot forge it.
    a.push(PRLIMIT, ...rlimits, "--", "/bin/sh", "-c", 'printf up >&3 && exec 3>&- && exec "$0" "$@"', req.command, ...req.args);
    let released = false;
    return {
      command: this.bwrap,
      args: a,
      env: { PATH: "/usr/bin:/bin" },
      infoFd: true,
      release: () => {
        if (!released && uid !== null) this.#used.delete(uid);
        released = true;
      },
    };
  }
}

let cachedSystemMounts: string[] | null = null;

/** `/usr`, the merged-usr links (`/bin`, `/lib`, …) and the harmless part of `/etc`. */
function systemMounts(): string[] {
  if (cachedSystemMounts) return cachedSystemMounts;
  const out = ["--ro-bind", "/usr", "/usr", "--perms", "0755", "--dir", "/etc", "--perms", "0755", "--dir", "/opt"];
  for (const name of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
    const p = `/${name}`;
    if (!existsSync(p)) continue;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out.push("--symlink", `usr/${name}`, p);
    else out.push("--ro-bind", p, p);
  }
  for (const name of ETC_FILES) if (existsSync(`/etc/${name}`)) out.push("--ro-bind", `/etc/${name}`, `/etc/${name}`);
  for (const name of readdirSync("/etc")) if (/^python3(\.\d+)?$/.test(name)) out.push("--ro-bind", `/etc/${name}`, `/etc/${name}`);
  cachedSystemMounts = out;
  return out;
}
