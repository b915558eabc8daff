/**
 * `npm start` (scripts/start.mjs) as a process manager sees it, spawned for real: a taken port
 * fails fast with a clear message and exit 1 (even when the squatter answers /healthz), the
 * address and the admin token's file are printed on every start, the esbuild file list is not,
 * SIGTERM stops the children and exits 0, and a child that dies takes the whole start down
 * with a non-zero exit.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { repoRoot, scratch } from "../_util.ts";

async function freePort(): Promise<number> {
  return await new Promise((done) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => done(p));
    });
  });
}

interface Started {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startMjs(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [join(repoRoot, "scripts", "start.mjs")], {
    cwd: repoRoot,
    env: { ...process.env, LW_LOG_LEVEL: "", LW_ADMIN_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "",
    err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
  return { child, out: () => out, err: () => err, exited };
}

async function until(what: string, cond: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pids of a process' children (Linux ps). */
function childPids(pid: number): number[] {
  const r = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  return r.stdout
    .split("\n")
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const running: ChildProcess[] = [];
after(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

describe("npm start (scripts/start.mjs)", () => {
  test("a taken port is a one-line failure with exit 1, even when the squatter answers /healthz", async () => {
    const squatter = createHttpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
    const port = await new Promise<number>((r) => squatter.listen(0, "127.0.0.1", () => r((squatter.address() as { port: number }).port)));
    try {
      const s = startMjs({ LW_DATA_DIR: scratch("lw-start-"), LW_PORT: String(port), LW_RUNNER: "0" });
      running.push(s.child);
      const { code } = await s.exited;
      assert.equal(code, 1);
      assert.match(s.err(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 \\(the server\\) is already in use.*LW_PORT=${port + 1} npm start`));
      assert.doesNotMatch(s.out(), /market:/, "no success line for a server that is not ours");
    } finally {
      squatter.close();
    }
  });

  test("a bad LW_LOG_LEVEL is a usage error (exit 2)", async () => {
    const s = startMjs({ LW_DATA_DIR: scratch("lw-start-"), LW_PORT: String(await freePort()), LW_LOG_LEVEL: "loud", LW_RUNNER: "0" });
    running.push(s.child);
    assert.equal((await s.exited).code, 2);
    assert.match(s.err(), /LW_LOG_LEVEL must be one of error, warn, info, debug, got "loud"/);
  });

  test("prints the address and the token file on every start, quietly; SIGTERM stops the children and exits 0", async () => {
    const data = scratch("lw-start-");
    const port = await freePort();
    const runnerPort = await freePort();
    for (const round of [1, 2]) {
      const s = startMjs({ LW_DATA_DIR: data, LW_PORT: String(port), LW_RUNNER_PORT: String(runnerPort) });
      running.push(s.child);
      await until(`start ${round} to print its address`, () => s.out().includes("runner:") || s.child.exitCode !== null);
      assert.match(s.out(), new RegExp(`market: +http://127\\.0\\.0\\.1:${port}/`));
      assert.match(s.out(), new RegExp(`admin token: +${join(data, "admin-token").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      assert.doesNotMatch(s.out() + s.err(), /web\/dist\/|main\.js\.map/, "the esbuild file list is not printed");
      assert.doesNotMatch(s.out(), /search index ready|seeded \d+ demo/, "the server's info lines stay hidden at the default level");
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(res.status, 200);
      const kids = childPids(s.child.pid!);
      assert.equal(kids.length, 2, `the server and the runner run under start.mjs (got ${kids.join(",")})`);
      s.child.kill("SIGTERM");
      const { code } = await s.exited;
      assert.equal(code, 0);
      await until("the children to be gone", () => kids.every((k) => !alive(k)), 15_000);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), "the server no longer answers");
    }
  });

  test("a child that dies stops the others and the exit code is non-zero", async () => {
    const port = await freePort();
    const s = startMjs({ LW_DATA_DIR: scratch("lw-start-"), LW_PORT: String(port), LW_RUNNER_PORT: String(await freePort()) });
    running.push(s.child);
    await until("the start to finish", () => s.out().includes("runner:") || s.child.exitCode !== null);
    const kids = childPids(s.child.pid!);
    assert.equal(kids.length, 2);
    process.kill(kids[0]!, "SIGKILL"); // the server (started first)
    const { code } = await s.exited;
    assert.notEqual(code, 0);
    assert.match(s.err(), /server exited \(SIGKILL\); stopping/);
    await until("the runner to be gone", () => !alive(kids[1]!), 15_000);
  });

  test("SIGTERM to npm itself (npm start runs us under sh) stops start.mjs and its children too", async () => {
    const port = await freePort();
    const npm = spawn("npm", ["start"], {
      cwd: repoRoot,
      env: { ...process.env, LW_LOG_LEVEL: "", LW_DATA_DIR: scratch("lw-start-"), LW_PORT: String(port), LW_RUNNER: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.push(npm);
    let out = "";
    npm.stdout!.on("data", (d) => (out += d));
    await until("npm start to print its address", () => out.includes("runner:") || npm.exitCode !== null);
    const sh = childPids(npm.pid!);
    const start = sh.flatMap(childPids);
    const server = start.flatMap(childPids);
    assert.equal(start.length, 1, "start.mjs under npm's shell");
    assert.equal(server.length, 1, "the server under start.mjs");
    npm.kill("SIGTERM");
    await until("start.mjs and the server to be gone", () => [...start, ...server].every((p) => !alive(p)), 15_000);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });
});
