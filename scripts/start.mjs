#!/usr/bin/env node
// `npm start`: the market server (embedded libSQL + blob folder + web page, seeded with demo
// learnwares on first start) and a runner daemon that checks and serves learnwares against it.
// Configuration: the LW_* environment variables documented in the README.
//
// It behaves as a process manager expects: a taken port is a clear one-line failure with a
// non-zero exit (checked before starting, and by our own server saying it listens, never by
// whatever answers /healthz), SIGINT/SIGTERM are forwarded to the children and it exits when
// they have exited, a child that dies stops the others and the exit code says so, and the
// address and the admin token's file are printed on every start. Quiet by default:
// LW_LOG_LEVEL=error|warn|info|debug (default warn) says which lines of the children pass.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const env = { ...process.env };
env.LW_DATA_DIR = resolve(env.LW_DATA_DIR || join(root, ".lw-data"));
const port = env.LW_PORT || "8787";
const host = env.LW_HOST || "127.0.0.1";
const runnerPort = env.LW_RUNNER_PORT || "8790";
const runnerHost = env.LW_RUNNER_HOST || "127.0.0.1";
const withRunner = existsSync(join(root, "runner", "daemon", "main.ts")) && env.LW_RUNNER !== "0";
const server = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;

const LEVELS = ["error", "warn", "info", "debug"];
const level = (env.LW_LOG_LEVEL || "warn").toLowerCase();
if (!LEVELS.includes(level)) fail(`LW_LOG_LEVEL must be one of ${LEVELS.join(", ")}, got "${env.LW_LOG_LEVEL}"`, 2);
env.LW_LOG_LEVEL = level;
const rank = LEVELS.indexOf(level);
const ERROR_LINE = /\b(error|fatal|exception|panic|traceback|failed|EADDRINUSE)\b/i;
const WARN_LINE = /\b(warn(ing)?|cannot|can't|refus\w*|denied|not available|without|skipp\w*|disabled|deprecated|retr(y|ied|ying))\b/i;

/** Whether a line of a child's output passes at the chosen level. */
function passes(line) {
  if (rank >= 2) return true;
  if (ERROR_LINE.test(line)) return true;
  return rank >= 1 && WARN_LINE.test(line);
}

function fail(message, code = 1) {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(code);
}

/** Resolves when `port` on `host` can be bound; the error code (EADDRINUSE, EACCES…) otherwise. */
function probePort(p, h) {
  return new Promise((done) => {
    const s = createServer();
    s.once("error", (e) => done(e.code ?? e.message));
    s.listen({ port: Number(p), host: h, exclusive: true }, () => s.close(() => done(null)));
  });
}

const portProblems = [[port, host, "LW_PORT", "the server"]];
if (withRunner) portProblems.push([runnerPort, runnerHost, "LW_RUNNER_PORT", "the runner's model service"]);
for (const [p, h, name, what] of portProblems) {
  if (p === "0") continue;
  const problem = await probePort(p, h);
  if (problem === "EADDRINUSE")
    fail(`port ${p} on ${h} (${what}) is already in use: stop whatever listens there, or choose another port, e.g. ${name}=${Number(p) + 1} npm start`);
  if (problem) fail(`cannot listen on ${h}:${p} (${what}, ${name}): ${problem}`);
}

const children = [];
let stopping = false;
let exitCode = 0;

/** Starts a child with its output piped through the level filter (a crash dumps its last lines). */
function start(name, args, childEnv) {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const recent = [];
  const onLine = (stream) => (line) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
    child.emit("line", line);
    if (passes(line)) stream.write(`[${name}] ${line}\n`);
  };
  createInterface({ input: child.stdout }).on("line", onLine(process.stdout));
  createInterface({ input: child.stderr }).on("line", onLine(process.stderr));
  child.on("exit", (code, signal) => {
    child.exited = true;
    if (!stopping) {
      const hidden = recent.filter((l) => !passes(l));
      if (hidden.length > 0) process.stderr.write(hidden.map((l) => `[${name}] ${l}\n`).join(""));
      process.stderr.write(`npm start: ${name} exited (${signal ?? `code ${code}`}); stopping\n`);
      stop(code || 1);
    } else if (children.every((c) => c.exited)) process.exit(exitCode);
  });
  children.push(child);
  return child;
}

/** Stops every child (the signal forwarded) and exits with `code` once they have exited. */
function stop(code = 0, signal = "SIGTERM") {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  const alive = children.filter((c) => !c.exited);
  if (alive.length === 0) process.exit(code);
  for (const c of alive) c.kill(signal);
  // A child that ignores the signal is killed after 10 s, so a process manager never waits forever.
  setTimeout(() => {
    for (const c of children) if (!c.exited) c.kill("SIGKILL");
    setTimeout(() => process.exit(exitCode || 1), 500).unref();
  }, 10_000).unref();
}
process.on("SIGINT", () => stop(0, "SIGINT"));
process.on("SIGTERM", () => stop(0, "SIGTERM"));
process.on("SIGHUP", () => stop(0, "SIGTERM"));
// `npm start` runs us under `sh -c`, and a SIGTERM to npm ends the shell without passing the
// signal on: when our parent goes away we are re-parented, and stop as if we had been told to.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop(0, "SIGTERM");
}, 500).unref();

// The page is bundled into web/dist/ on every start (about a second), so it never goes stale.
if (existsSync(join(root, "web", "build.ts"))) {
  const args = ["--import", "tsx", "web/build.ts", ...(rank >= 3 ? [] : ["--quiet"])];
  const built = spawnSync(process.execPath, args, { cwd: root, env, stdio: "inherit" });
  if (built.status !== 0) fail("building the web page (web/build.ts) failed; see the error above", built.status ?? 1);
}

// Text search in the page embeds texts with the model the server serves from LW_TEXT_MODEL. Unset,
// the demo builds the tiny test model into the data folder (deterministic, about a second: texts
// that share words land near each other, nothing more); LW_TEXT_MODEL= (empty) turns it off.
let textModelNote = "";
if (env.LW_TEXT_MODEL === undefined && existsSync(join(root, "runner", "text", "buildTinyModel.ts"))) {
  const models = join(env.LW_DATA_DIR, "models");
  if (!existsSync(join(models, "tiny-embedder", "config.json"))) {
    const built = spawnSync(process.execPath, ["--import", "tsx", "runner/text/buildTinyModel.ts", models], { cwd: root, env, stdio: "ignore" });
    if (built.status !== 0) fail("building the tiny text model (runner/text/buildTinyModel.ts) failed", built.status ?? 1);
  }
  env.LW_TEXT_MODEL = join(models, "tiny-embedder");
  textModelNote = " (the tiny demo model: set LW_TEXT_MODEL to a real one)";
}

const serverChild = start("server", ["edge/entry/node.ts"], env);

/**
 * Ready when our own child says it listens and then answers /healthz: another server on the
 * port cannot fake it (the port probe above already refused that case; this closes the race).
 */
async function waitReady() {
  let listening = false;
  serverChild.on("line", (l) => {
    if (l.includes("learnware server listening on")) listening = true;
  });
  for (let i = 0; i < 600 && !serverChild.exited && !stopping; i++) {
    if (listening) {
      try {
        const r = await fetch(`${server}/healthz`);
        if (r.ok) return true;
      } catch {
        /* not yet */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

if (!(await waitReady())) {
  if (!stopping) {
    process.stderr.write(`npm start: the server did not become ready at ${server} within 60 s\n`);
    stop(1);
  }
} else {
  let runnerNote = "off (LW_RUNNER=0)";
  if (withRunner) {
    const token = await runnerToken();
    if (stopping) await new Promise(() => {}); // a signal arrived meanwhile: the exit handlers finish
    // The runner gets a token with the `runner` scope only, never the admin secret.
    const runnerEnv = { ...env, LW_SERVER: server, LW_SERVER_URL: server, LW_TOKEN: token ?? "" };
    delete runnerEnv.LW_ADMIN_TOKEN;
    start("runner", ["runner/daemon/main.ts"], runnerEnv);
    runnerNote = token ? `checking uploads, model service on http://${runnerHost}:${runnerPort}` : "not checking uploads (no token, see above)";
  }
  const adminFile = join(env.LW_DATA_DIR, "admin-token");
  const tokenNote = env.LW_ADMIN_TOKEN ? "from LW_ADMIN_TOKEN" : existsSync(adminFile) ? adminFile : "none (set LW_ADMIN_TOKEN)";
  process.stdout.write(
    [
      `market:        ${server}/`,
      `API reference: ${server}/docs`,
      `admin token:   ${tokenNote}`,
      `data:          ${env.LW_DATA_DIR}`,
      `runner:        ${runnerNote}`,
      `text model:    ${env.LW_TEXT_MODEL ? env.LW_TEXT_MODEL + textModelNote : "none (set LW_TEXT_MODEL to search with texts in the page)"}`,
      `(Ctrl-C stops; LW_LOG_LEVEL=info shows the server's and runner's log)`,
      "",
    ].join("\n"),
  );
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
    process.stderr.write("npm start: no admin token to create the runner's token with: the runner will not check uploads\n");
    return null;
  }
  const res = await fetch(`${server}/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ owner: "runner", scopes: ["runner"], name: "npm start runner" }),
  });
  if (!res.ok) {
    process.stderr.write(`npm start: creating the runner's token failed: HTTP ${res.status} ${await res.text()}\n`);
    return null;
  }
  const { token } = await res.json();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
