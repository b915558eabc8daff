#!/usr/bin/env node
// `npm start`: the market server (embedded libSQL + blob folder + web page, seeded with demo
// learnwares on first start) and a runner daemon that checks and serves learnwares against it.
// Configuration: the LW_* environment variables documented in the README.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const env = { ...process.env };
env.LW_DATA_DIR = resolve(env.LW_DATA_DIR || join(root, ".lw-data"));
const port = env.LW_PORT || "8787";
const host = env.LW_HOST || "127.0.0.1";
const server = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
const children = [];

function start(name, args, extraEnv = {}, opts = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: root,
    env: opts.replaceEnv ? extraEnv : { ...env, ...extraEnv },
    stdio: "inherit",
  });
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited (${signal ?? code}); stopping`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

// The page is bundled into web/dist/ on every start (about a second), so it never goes stale.
if (existsSync(join(root, "web", "build.ts"))) {
  const built = spawnSync(process.execPath, ["--import", "tsx", "web/build.ts"], { cwd: root, env, stdio: "inherit" });
  if (built.status !== 0) {
    console.error("building the web page (web/build.ts) failed; see the error above");
    process.exit(built.status ?? 1);
  }
}

start("server", ["edge/entry/node.ts"]);

async function waitReady() {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${server}/healthz`);
      if (r.ok) return true;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

if (!(await waitReady())) {
  console.error(`server did not become ready at ${server}`);
  stop(1);
} else if (existsSync(join(root, "runner", "daemon", "main.ts")) && env.LW_RUNNER !== "0") {
  const token = await runnerToken();
  // The runner gets a token with the `runner` scope only, never the admin secret.
  const runnerEnv = { ...env, LW_SERVER_URL: server, LW_TOKEN: token ?? "" };
  delete runnerEnv.LW_ADMIN_TOKEN;
  start("runner", ["runner/daemon/main.ts"], runnerEnv, { replaceEnv: true });
  console.log(`market: ${server}/   API reference: ${server}/docs   runner: checking jobs`);
}

/**
 * The runner's token (`<data>/runner-token`, mode 0600): reused while the server accepts
 * it, otherwise created with the admin token (scope `runner` only: lease check jobs, read
 * the packages of the jobs it holds, post results).
 */
async function runnerToken() {
  const file = join(env.LW_DATA_DIR, "runner-token");
  if (existsSync(file)) {
    const t = readFileSync(file, "utf8").trim();
    const who = await fetch(`${server}/v1/whoami`, { headers: { authorization: `Bearer ${t}` } })
      .then((r) => r.json())
      .catch(() => ({}));
    if (who.owner && Array.isArray(who.scopes) && who.scopes.length === 1 && who.scopes[0] === "runner") return t;
  }
  const adminFile = join(env.LW_DATA_DIR, "admin-token");
  const admin = env.LW_ADMIN_TOKEN || (existsSync(adminFile) ? readFileSync(adminFile, "utf8").trim() : "");
  if (!admin) {
    console.error("no admin token to create the runner's token with: the runner will not check uploads");
    return null;
  }
  const res = await fetch(`${server}/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ owner: "runner", scopes: ["runner"], name: "npm start runner" }),
  });
  if (!res.ok) {
    console.error(`creating the runner's token failed: HTTP ${res.status} ${await res.text()}`);
    return null;
  }
  const { token } = await res.json();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
