/**
 * The edge runtimes for tests and the edge measurement: workerd on the bundle
 * (`edge/entry/buildWorker.ts`) and Deno with network-only permissions (`edge/entry/denoEdge.ts`),
 * each a child process in its own group on a free loopback port, up when `/healthz` answers.
 *
 * The test PostgreSQL listens on a private Unix socket only (test/_postgres.ts); workerd's
 * `connect()` speaks TCP, so `tcpBridge` gives the database a loopback TCP port that pipes each
 * connection to that socket, bytes as they are.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import { buildWorker } from "../../edge/entry/buildWorker.ts";
import { repoRoot, scratch } from "../_util.ts";
import { freePort } from "../integration/_spawn.ts";

/** The workerd binary of this platform (the `workerd` package's main export names it). */
export const WORKERD: string = createRequire(import.meta.url)("workerd").default;

/** What Deno is granted: the loopback network (the database, the store, its own port) and the environment. */
export const DENO_PERMISSIONS = ["--allow-net=127.0.0.1", "--allow-env", "--no-prompt"];

export interface Bridge {
  port: number;
  /** Connections open through it now. */
  open(): Promise<number>;
  close(): void;
}

/** A loopback TCP port whose connections are piped to the Unix socket `path`. */
export async function tcpBridge(path: string): Promise<Bridge> {
  const server: Server = createServer((c) => {
    const up = createConnection(path);
    c.pipe(up).pipe(c);
    const close = () => {
      c.destroy();
      up.destroy();
    };
    c.on("error", close);
    up.on("error", close);
    c.on("close", close);
    up.on("close", close);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    open: () => new Promise((r, j) => server.getConnections((err, n) => (err ? j(err) : r(n)))),
    close: () => server.close(),
  };
}

/** The test database of `unixUrl` (`…?host=/socket/dir`) through a bridge to its socket. */
export async function bridgeTo(unixUrl: string): Promise<{ bridge: Bridge; url: string }> {
  const u = new URL(unixUrl);
  const bridge = await tcpBridge(join(u.searchParams.get("host")!, `.s.PGSQL.${u.port || 5432}`));
  return { bridge, url: `postgres://${u.username}@127.0.0.1:${bridge.port}${u.pathname}` };
}

export interface Runtime {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `cmd` in its own process group and waits for `/healthz` on `port` to answer as `ready` wants. */
async function startRuntime(cmd: string, args: string[], env: Record<string, string>, port: number, ready = (r: Response) => r.ok): Promise<Runtime> {
  const proc: ChildProcess = spawn(cmd, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      proc.once("exit", () => done());
      try {
        process.kill(-proc.pid!, "SIGTERM");
      } catch {
        proc.kill("SIGTERM");
      }
      setTimeout(() => {
        try {
          process.kill(-proc.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5000).unref();
    });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${cmd} exited with ${proc.exitCode}:\n${out}`);
    try {
      if (ready(await fetch(`${url}/healthz`))) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${cmd} did not answer /healthz in 120 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, output: () => out, stop };
}

/** workerd on a fresh bundle, with `env` (the `LW_*` settings) as its bindings. */
export async function startWorkerd(env: Record<string, string>, ready?: (r: Response) => boolean): Promise<Runtime & { bundleBytes: number }> {
  const built = await buildWorker({ outDir: scratch("lw-workerd-") });
  const port = await freePort();
  // Only the settings given here: none of this process's LW_* reach the worker.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LW_"))) as Record<string, string>;
  const rt = await startRuntime(WORKERD, ["serve", "--verbose", built.config, "--socket-addr", `http=127.0.0.1:${port}`], { ...clean, ...env }, port, ready);
  return { ...rt, bundleBytes: built.bytes };
}

/** `deno run` of the edge entry with `DENO_PERMISSIONS` only. */
export async function startDenoEdge(env: Record<string, string>): Promise<Runtime> {
  const port = await freePort();
  const deno = join(repoRoot, "node_modules", ".bin", "deno");
  return startRuntime(
    deno,
    ["run", ...DENO_PERMISSIONS, "edge/entry/denoEdge.ts"],
    { ...process.env, ...env, LW_PORT: String(port), LW_HOST: "127.0.0.1" } as Record<string, string>,
    port,
  );
}
