/** Starts the real market server (edge) in process for runtime tests, and spawns runner daemons against it. */
import { serve } from "@hono/node-server";
import { spawn, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { loadConfig } from "../../edge/config.ts";
import { startServer } from "../../edge/server.ts";
import { repoRoot } from "../_util.ts";

export const ADMIN = "lw-test-admin-token-0123456789abcdef";

export async function startEdge(dataDir: string) {
  const config = loadConfig({ LW_DATA_DIR: dataDir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false" });
  const started = await startServer(config);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: started.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = { authorization: `Bearer ${ADMIN}` };
  return {
    url,
    /** A new token (admin creates it): e.g. `token("runner", ["runner"])` for a runner daemon. */
    async token(owner: string, scopes: string[]): Promise<string> {
      const res = await fetch(`${url}/v1/tokens`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ owner, scopes }),
      });
      if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    async upload(semantic: unknown, zip: Uint8Array, token = ADMIN): Promise<{ id: string; version: number }> {
      const form = new FormData();
      form.set("semantic", JSON.stringify(semantic));
      form.set("package", new Blob([zip as Uint8Array<ArrayBuffer>], { type: "application/zip" }), "learnware.zip");
      const res = await fetch(`${url}/v1/learnwares`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
      if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { learnware: { id: string }; version: { number: number } };
      return { id: body.learnware.id, version: body.version.number };
    },
    async check(
      id: string,
      n: number,
    ): Promise<{ status: string; log: string | null; jobs: Array<{ attempts: number; status: string; runner: string | null }> }> {
      const res = await fetch(`${url}/v1/learnwares/${id}/versions/${n}/check`, { headers: auth });
      return (await res.json()) as any;
    },
    async waitFor(id: string, n: number, timeoutMs = 90_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const c = await this.check(id, n);
        if (c.status !== "pending") return c;
        if (Date.now() > end) throw new Error(`learnware ${id} still pending after ${timeoutMs} ms: ${JSON.stringify(c)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await new Promise((r) => server.close(r));
      started.close();
    },
  };
}

export interface DaemonProc {
  child: ChildProcess;
  address: Promise<string>;
  output: () => string;
  /** SIGKILL the daemon and everything it started (its process group). */
  kill(): void;
  stop(): Promise<void>;
}

/** Spawns `runner/daemon/main.ts` as its own process group. */
export function spawnDaemon(env: Record<string, string>): DaemonProc {
  const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "runner", "daemon", "main.ts")], {
    cwd: repoRoot,
    env: { ...process.env, LW_RUNNER_PORT: "0", LW_POLL_MS: "200", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const address = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /runner daemon ready: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`daemon exited (${code}): ${out}`)));
  });
  address.catch(() => {});
  child.stderr!.on("data", (d) => (out += d));
  return {
    child,
    address,
    output: () => out,
    kill() {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => this.kill(), 8000);
      await exited;
      clearTimeout(t);
    },
  };
}
