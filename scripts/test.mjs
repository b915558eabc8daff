#!/usr/bin/env node
// The whole check, as `npm test` runs it: the portable core under Deno (no permissions),
// the conformance suite again under the wasm kernel backend, then every *.test.ts under
// node's test runner (its `# pass N / # fail N` summary is the last thing printed).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const dirs = ["core", "wasm", "edge", "runner", "cli", "web", "bench", "test"];
const only = process.argv.slice(2);

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}

function run(label, cmd, args, env = {}) {
  console.log(`\n## ${label}: ${cmd} ${args.length > 8 ? args.slice(0, 8).join(" ") + " …" : args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  return r.status === 0;
}

let files = dirs.flatMap((d) => walk(join(root, d), [])).sort();
if (only.length > 0) files = files.filter((f) => only.some((o) => f.includes(o)));
const failed = [];

if (only.length === 0) {
  const deno = join(root, "node_modules", ".bin", "deno");
  if (!run("core under Deno (no permissions)", deno, ["test", "--quiet", "core/"])) failed.push("deno test core/");
  if (existsSync(join(root, "wasm", "preload.ts"))) {
    const conf = files.filter((f) => f.startsWith("test/conformance/"));
    if (!run("conformance under the wasm backend", process.execPath, ["--import", "tsx", "--import", "./wasm/preload.ts", "--test", "--test-reporter=dot", ...conf])) {
      failed.push("conformance (wasm backend)");
    }
  }
}

const ok = run("main suite (node --test)", process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files]);
if (!ok) failed.push("main suite");
if (failed.length > 0) {
  console.error(`\nFAILED: ${failed.join(", ")}`);
  process.exit(1);
}
