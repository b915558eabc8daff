// The READMEs' commands, run as written: edge/README.md's curl upload pasted into bash (the
// quoted -F arguments), every `lw` command of README.md's tables answering --help (so the
// manual names no command that does not exist), and every shell command in a code block of
// README.md and edge/README.md either run here, run by the test named beside it (checked to
// hold it), or listed as skipped with the reason; a new command in a README fails this test
// until it is one of the three. Inline `npm run …` scripts and `node --import tsx <file>` files
// named anywhere in the two READMEs must exist.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, scratch } from "../_util.ts";
import { ADMIN, fixture, startTestServer, type TestServer } from "./_server.ts";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const edgeReadme = readFileSync(join(repoRoot, "edge", "README.md"), "utf8");

/** A line that starts a shell command (a block without a language tag counts as shell when every line does). */
const COMMAND_START = /^(npm|npx|node|deno|curl|lw|export|bash|sh|[A-Z][A-Z0-9_]*=)\b/;

/**
 * The shell commands of a Markdown file's code blocks (```sh/bash/shell/console, or untagged
 * blocks of commands only): comments dropped, `\` continuations joined, one string per command.
 */
function shellCommands(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/^```([a-z]*)\n([\s\S]*?)^```/gm)) {
    const [lang, body] = [m[1]!, m[2]!];
    const lines = body
      .split("\n")
      .map((l) => l.replace(/(^|\s)#(\s.*)?$/, "").trimEnd())
      .filter((l) => l.trim() !== "");
    const shell = ["sh", "bash", "shell", "console"].includes(lang) || (lang === "" && lines.length > 0 && lines.every((l) => COMMAND_START.test(l.trim())));
    if (!shell) continue;
    let cur = "";
    for (const l of lines) {
      cur += (cur ? " " : "") + l.trim().replace(/\\$/, "").trim();
      if (!l.endsWith("\\")) {
        out.push(cur.replace(/\s+/g, " "));
        cur = "";
      }
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** Commands run by another test: `by` is that test's file, which must hold `evidence`. */
const RUN_ELSEWHERE: Record<string, { by: string; evidence: string }> = {
  "npm install && npm start": { by: "test/e2e/journey.test.ts", evidence: 'scripts["start"], "node scripts/start.mjs"' },
  "LW_RUNNER=0 npm start": { by: "test/integration/start.test.ts", evidence: 'spawn("npm", ["start"]' },
  "node --import tsx edge/entry/node.ts": { by: "test/integration/_spawn.ts", evidence: '["--import", "tsx", "edge/entry/node.ts"]' },
  "deno run -A edge/entry/deno.ts": { by: "test/integration/_spawn.ts", evidence: '["run", "-A", "edge/entry/deno.ts"]' },
  "export LW_DB_URL=postgres://lw:secret@db.internal/lw": { by: "test/scaleout/replicas.test.ts", evidence: "LW_DB_URL: await pgDatabase(" },
  "export LW_BLOB_URL=s3://lw-blobs/prod LW_S3_ENDPOINT=https://s3.example.com LW_S3_ACCESS_KEY_ID=… LW_S3_SECRET_ACCESS_KEY=…": {
    by: "test/_swift.ts",
    evidence: "LW_S3_ENDPOINT: s.endpoint",
  },
  "export LW_ADMIN_TOKEN=…": { by: "test/scaleout/replicas.test.ts", evidence: "LW_ADMIN_TOKEN: ADMIN" },
  "LW_RUNNER_GPUS=auto": { by: "test/integration/gpu_scheduling.test.ts", evidence: 'LW_RUNNER_GPUS: "auto"' },
  "LW_RUNNER_GPUS=GPU-8f3c…,GPU-1a2b…": { by: "test/runtime/gpu.test.ts", evidence: "detectGpus(" },
  "LW_RUNNER_LABELS=cuda12,a100": { by: "test/runtime/gpu.test.ts", evidence: 'LW_RUNNER_LABELS: "cuda12, a100"' },
  // The edge runtimes: the bundle built as `npm run build:worker` does, workerd and network-only Deno on it.
  "npm run build:worker": { by: "test/scaleout/edge_runtimes.test.ts", evidence: "await buildWorker({" },
  "npm run build:worker && npx workerd serve dist/worker/workerd.capnp": {
    by: "test/scaleout/_edge.ts",
    evidence: '["serve", "--verbose", built.config, "--socket-addr"',
  },
  "LW_DB_URL=postgres://lw:secret@db.internal:5432/lw LW_BLOB_URL=s3://lw-blobs/prod LW_S3_ENDPOINT=https://s3.example.com LW_S3_ACCESS_KEY_ID=… LW_S3_SECRET_ACCESS_KEY=… npx workerd serve dist/worker/workerd.capnp --socket-addr http=0.0.0.0:8787":
    { by: "test/scaleout/_edge.ts", evidence: '["serve", "--verbose", built.config, "--socket-addr"' },
  "LW_DB_URL=postgres://… LW_BLOB_URL=s3://… LW_S3_ENDPOINT=… LW_S3_ACCESS_KEY_ID=… LW_S3_SECRET_ACCESS_KEY=… npx deno run --allow-net --allow-env edge/entry/denoEdge.ts":
    { by: "test/scaleout/_edge.ts", evidence: '["run", ...DENO_PERMISSIONS, "edge/entry/denoEdge.ts"]' },
  "deno run --allow-net --allow-env edge/entry/denoEdge.ts": {
    by: "test/scaleout/_edge.ts",
    evidence: '["run", ...DENO_PERMISSIONS, "edge/entry/denoEdge.ts"]',
  },
  // Runners on many machines.
  'curl -H "Authorization: Bearer $LW_ADMIN_TOKEN" http://127.0.0.1:8787/v1/runners': {
    by: "test/integration/runners.test.ts",
    evidence: 'api(s.url, "GET", "/v1/runners", { token: ADMIN })',
  },
};

/** Commands no test runs, and why. */
const SKIPPED: Record<string, string> = {
  "npm test": "the whole suite, which runs this test",
  "LW_RUNNER_CPUS=8 LW_RUNNER_MEMORY=32g":
    "settings, not a command: runner/daemon/jobLoop.ts reads them (runnerCapabilities), test/integration/gpu_scheduling.test.ts checks what a runner reports",
};

/** Commands this file runs (below), as the README writes them. */
const RUN_HERE = [
  "node --import tsx edge/admin.ts create-token --owner alice --scopes read,write [--email a@x]",
  "node --import tsx bench/server/measure.ts [--market 200] [--mb 64] [--runs 30]",
  "npx drizzle-kit generate --config edge/drizzle.config.ts",
];

describe("README commands", { timeout: 300_000 }, () => {
  let s: TestServer;
  const dir = scratch("lw-readme-");
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.close();
  });

  test("edge/README.md's curl upload works pasted into bash", async () => {
    const line = /`(curl -fsS -X POST "\$URL\/v1\/learnwares"[^`]+)`/.exec(edgeReadme)?.[1];
    assert.ok(line, "the curl upload line is in edge/README.md");
    const fx = fixture(2, " (curl)");
    writeFileSync(join(dir, "sem.json"), JSON.stringify(fx.semantic));
    writeFileSync(join(dir, "big.zip"), fx.zip);
    const out = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const c = spawn("bash", ["-c", line], { cwd: dir, env: { ...process.env, URL: s.url, T: ADMIN }, timeout: 60_000, killSignal: "SIGKILL" });
      let o = "",
        e = "";
      c.stdout.on("data", (d) => (o += d));
      c.stderr.on("data", (d) => (e += d));
      c.on("close", (code) => resolve({ code, out: o, err: e }));
    });
    assert.equal(out.code, 0, out.err);
    const body = JSON.parse(out.out) as { learnware: { id: string; name: string } };
    assert.match(body.learnware.id, /^\d{8}$/);
  });

  test("every lw command in README.md's tables exists (--help exits 0)", () => {
    const paths = new Set<string>();
    for (const m of readme.matchAll(/^\| `lw ([a-z-]+)((?: [a-z-]+(?:\\\|[a-z-]+)*)?)/gm)) {
      const [cmd, rest] = [m[1]!, (m[2] ?? "").trim()];
      if (rest === "") paths.add(cmd);
      else for (const sub of rest.split("\\|")) paths.add(`${cmd} ${sub}`);
    }
    assert.ok(paths.size >= 15, `found ${[...paths].join(", ")}`);
    for (const p of paths) {
      const r = spawnSync(process.execPath, [join(repoRoot, "cli", "lw.js"), ...p.split(" "), "--help"], { encoding: "utf8" });
      assert.equal(r.status, 0, `lw ${p} --help: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: lw /);
    }
  });

  test("every shell command in README.md's and edge/README.md's code blocks is run by a test or skipped with a reason", () => {
    const commands = [...shellCommands(readme), ...shellCommands(edgeReadme)];
    assert.ok(commands.length >= 10, commands.join("\n"));
    const known = new Set([...Object.keys(RUN_ELSEWHERE), ...Object.keys(SKIPPED), ...RUN_HERE]);
    const unaccounted = commands.filter((c) => !known.has(c));
    assert.deepEqual(unaccounted, [], "a README command that no test runs: run it here or elsewhere, or skip it with the reason");
    const stale = [...known].filter((c) => !commands.includes(c));
    assert.deepEqual(stale, [], "listed here but no longer in a README");
    for (const [cmd, { by, evidence }] of Object.entries(RUN_ELSEWHERE)) {
      const file = join(repoRoot, by);
      assert.ok(existsSync(file), `${by} (runs "${cmd}") exists`);
      assert.ok(readFileSync(file, "utf8").includes(evidence), `${by} holds ${evidence} (it runs "${cmd}")`);
    }
  });

  test("edge/README.md: admin.ts create-token prints a token, and list-tokens shows it with its owner and e-mail", async () => {
    const line = RUN_HERE[0]!.replace(/ \[(--[a-z]+ [^\]]+)\]/g, " $1");
    const data = scratch("lw-readme-admin-");
    const r = spawnSync("bash", ["-c", line], { cwd: repoRoot, env: { ...process.env, LW_DATA_DIR: data, LW_DB_URL: "" }, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const token = /lw_[A-Za-z0-9_-]{20,}/.exec(r.stdout)?.[0];
    assert.ok(token, r.stdout);
    const list = spawnSync(process.execPath, ["--import", "tsx", "edge/admin.ts", "list-tokens"], {
      cwd: repoRoot,
      env: { ...process.env, LW_DATA_DIR: data, LW_DB_URL: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /alice/);
    assert.match(list.stdout, /a@x/);
  });

  test("edge/README.md: the server measurement runs (a small market, one small upload)", () => {
    // The README's options, at sizes that take seconds: the figures it prints are the README's table's.
    const line = RUN_HERE[1]!.replace("[--market 200] [--mb 64] [--runs 30]", "--market 3 --mb 1 --runs 4");
    const tmp = scratch("lw-readme-bench-");
    const r = spawnSync("bash", ["-c", line], { cwd: repoRoot, env: { ...process.env, TMPDIR: tmp }, encoding: "utf8", timeout: 110_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\| search \(stat\+greedy mixture\), \d+ learnwares \| p50 [\d.]+ ms/);
    assert.match(r.stdout, /\| upload, streamed multipart, 1 MB \| [\d.]+ MB\/s \|/);
  });

  test("edge/README.md: drizzle-kit generate finds the migrations up to date with the schema", () => {
    const r = spawnSync("bash", ["-c", RUN_HERE[2]!], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /No schema changes, nothing to migrate/);
  });

  test("every `npm run` script and `node --import tsx` file the READMEs name exists", () => {
    const scripts = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const both = readme + "\n" + edgeReadme;
    const named = new Set([...both.matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((m) => m[1]!));
    assert.ok(named.size >= 8, [...named].join(", "));
    for (const n of named) assert.ok(scripts[n], `npm run ${n}: no such script in package.json`);
    const files = new Set([...both.matchAll(/node --import tsx (?:--test )?([\w./-]+\.ts)\b/g)].map((m) => m[1]!));
    assert.ok(files.size >= 5, [...files].join(", "));
    for (const f of files) {
      const inEdge = !existsSync(join(repoRoot, f)) && existsSync(join(repoRoot, "edge", f));
      assert.ok(existsSync(join(repoRoot, f)) || inEdge, `node --import tsx ${f}: no such file`);
    }
  });
});
