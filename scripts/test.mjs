#!/usr/bin/env node
// The whole check, as `npm test` runs it, each step labelled and each failing the run:
//   1. typecheck (tsc --noEmit, strict)           5. the doc examples outside core/ (deno test --doc)
//   2. lint (biome lint)                          6. the conformance suite under the wasm kernel backend
//   3. format (biome format, no writes)           7. every *.test.ts under node's test runner
//   4. core under Deno with no permissions, with its doc examples
// Steps 1-6 run only for the whole check; `node scripts/test.mjs <path-fragment>…` runs the
// matching test files alone. Every step gets a private temp folder; a test that leaves an
// `lw-*` folder in it fails the run. Suites whose optional system part is missing are skipped
// with one line each (test/_requires.ts); under LW_CI=1 they fail instead. The last line is
// the main suite's count: `tests: N passed, N failed, N skipped`. With LW_TEST_MATRIX=1 the
// integration files run a second time on PostgreSQL and S3 (LW_TEST_DB=postgres LW_TEST_BLOBS=s3).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const dirs = ["core", "client", "wasm", "edge", "runner", "cli", "web", "bench", "test"];
const only = process.argv.slice(2);
const bin = (name) => join(root, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);

function walk(dir, keep, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(name, p)) out.push(relative(root, p).split("\\").join("/"));
  }
  return out;
}

// One private temp folder for everything the tests start; what is left in it is checked below.
const scratch = mkdtempSync(join(tmpdir(), "learnware-ts-test-"));
const env = { ...process.env, TMPDIR: scratch, TMP: scratch, TEMP: scratch };

function run(label, cmd, args, opts = {}) {
  const shown = args.length > 8 ? `${args.slice(0, 8).join(" ")} …` : args.join(" ");
  const shownCmd = cmd.startsWith(root) ? relative(root, cmd) : cmd;
  console.log(`\n## ${label}: ${shownCmd} ${shown}`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...env, ...(opts.env ?? {}) },
    shell: process.platform === "win32" && cmd.endsWith(".cmd"),
  });
  if (r.error) console.error(`${label}: ${r.error.message}`);
  return r.status === 0;
}

let files = dirs.flatMap((d) => walk(join(root, d), (n) => n.endsWith(".test.ts"))).sort();
if (only.length > 0) files = files.filter((f) => only.some((o) => f.includes(o)));
const failed = [];
const step = (label, ok) => {
  if (!ok) failed.push(label);
};

if (only.length === 0) {
  step("typecheck", run("typecheck", bin("tsc"), ["--noEmit"]));
  step("lint", run("lint", bin("biome"), ["lint", "--max-diagnostics=20"]));
  const formatted = run("format check", bin("biome"), ["format", "--reporter=summary"]);
  if (!formatted) console.error("format check: files differ from `npm run format` (run it and commit the result)");
  step("format check", formatted);
  const deno = bin("deno");
  step(
    "core under Deno (no permissions) with its doc examples",
    run("core under Deno (no permissions) with its doc examples", deno, ["test", "--doc", "--quiet", "core/"]),
  );
  // Doc examples elsewhere may use Node APIs and the file system: all permissions, no tests.
  const documented = ["client", "wasm", "edge", "runner", "cli", "web", "bench"].flatMap((d) =>
    walk(join(root, d), (n, p) => n.endsWith(".ts") && !n.endsWith(".test.ts") && /```ts\s*$/m.test(readFileSync(p, "utf8"))),
  );
  if (documented.length > 0) step("doc examples outside core/", run("doc examples outside core/", deno, ["test", "--doc", "--quiet", "-A", ...documented]));
  if (existsSync(join(root, "wasm", "preload.ts"))) {
    const conf = files.filter((f) => f.startsWith("test/conformance/"));
    step(
      "conformance (wasm backend)",
      run("conformance under the wasm backend", process.execPath, [
        "--import",
        "tsx",
        "--import",
        "./wasm/preload.ts",
        "--test",
        "--test-reporter=dot",
        ...conf,
      ]),
    );
  }
}

// No test may hang the run: each fails after 10 minutes. (Not --test-force-exit: on Node 20 it
// cuts the TAP file short, and the summary below reads it; .ci/run bounds the whole run.)
const bounded = ["--test-timeout=600000"];

// The main suite reports to the terminal and, as TAP, to a file read for the summary below.
const tap = join(scratch, "main-suite.tap");
const reporter = process.stdout.isTTY ? "spec" : "tap";
const args = [
  "--import",
  "tsx",
  "--test",
  "--test-concurrency=2",
  ...bounded,
  `--test-reporter=${reporter}`,
  "--test-reporter-destination=stdout",
  "--test-reporter=tap",
  `--test-reporter-destination=${tap}`,
  ...files,
];
step("main suite", run("main suite (node --test)", process.execPath, args));

// The server's integration suite again on the scale-out configuration (PostgreSQL + S3), when
// asked (`LW_TEST_MATRIX=1`; .ci/run asks under one Node version): one suite, two configurations.
// (Not the README-commands check: it exercises the manual, not the storage configuration.)
const integration = files.filter((f) => f.startsWith("test/integration/") && !f.endsWith("readme_commands.test.ts"));
if (process.env.LW_TEST_MATRIX === "1" && integration.length > 0) {
  const label = "integration suite on PostgreSQL + S3 (LW_TEST_DB=postgres LW_TEST_BLOBS=s3)";
  step(
    label,
    run(label, process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...bounded, "--test-reporter=spec", ...integration], {
      env: { LW_TEST_DB: "postgres", LW_TEST_BLOBS: "s3" },
    }),
  );
}

// Leftovers: every test removes what it creates.
const leftovers = readdirSync(scratch).filter((n) => n.startsWith("lw-"));
if (leftovers.length > 0) {
  console.error(`\nleftover temp folders (a test did not clean up): ${leftovers.join(", ")}`);
  failed.push("temp folders left behind");
}

const text = existsSync(tap) ? readFileSync(tap, "utf8") : "";
const count = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, "m"))?.[1] ?? 0);
const skips = [...text.matchAll(/^\s*ok \d+ - (.*?) # SKIP (.*)$/gm)].map((m) => ({ name: m[1], reason: m[2] }));
rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });

if (skips.length > 0) {
  const byReason = new Map();
  for (const s of skips) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  console.log("\nskipped (an optional system part is missing; .ci/run installs them all):");
  for (const [reason, n] of byReason) console.log(`  ${reason} — ${n} suite${n === 1 ? "" : "s"}/test${n === 1 ? "" : "s"}`);
}
if (failed.length > 0) console.error(`\nFAILED: ${failed.join(", ")}`);
console.log(`\ntests: ${count("pass")} passed, ${count("fail")} failed, ${skips.length} skipped`);
process.exit(failed.length > 0 ? 1 : 0);
