/** Spawns a server entry (node or deno) as a child process on a free loopback port. */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { repoRoot } from "../_util.ts";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  url: string;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnEntry(kind: "node" | "deno", env: Record<string, string>, timeoutMs = 60_000): Promise<Child> {
  const port = await freePort();
  const cmd = kind === "node" ? process.execPath : join(repoRoot, "node_modules", ".bin", "deno");
  const args = kind === "node" ? ["--import", "tsx", "edge/entry/node.ts"] : ["run", "-A", "edge/entry/deno.ts"];
  // Its own process group (POSIX), so kill() also stops what a launcher such as npm's bin
  // wrapper started.
  const proc = spawn(cmd, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env, LW_PORT: String(port), LW_HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: process.platform !== "win32",
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`entry did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      if (/listening on/.test(out)) {
        clearTimeout(t);
        resolve();
      }
    };
    proc.stdout!.on("data", check);
    proc.on("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`entry exited with ${code}:\n${out}`));
    });
  });
  proc.removeAllListeners("exit");
  return {
    proc,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    kill: (signal = "SIGTERM") =>
      new Promise<void>((done) => {
        // Resolved once the whole process group is gone: a launcher (npm's deno bin is a Node
        // script that starts the real binary) may exit before the server it started has
        // finished writing its data folder.
        const resolve = () => {
          const end = Date.now() + 15_000;
          const poll = () => {
            try {
              if (process.platform !== "win32" && proc.pid !== undefined && Date.now() < end) {
                process.kill(-proc.pid, 0);
                return void setTimeout(poll, 50);
              }
            } catch {
              /* ESRCH: no process of the group is left */
            }
            done();
          };
          poll();
        };
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once("exit", () => resolve());
        if (process.platform !== "win32" && proc.pid !== undefined) {
          try {
            process.kill(-proc.pid, signal);
            return;
          } catch {
            /* the group is gone already: signal the process itself */
          }
        }
        proc.kill(signal);
      }),
  };
}
