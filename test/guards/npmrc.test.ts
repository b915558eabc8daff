// The project's .npmrc uses only settings npm knows (no "Unknown project config" warning on
// every npm command) and still keeps onnxruntime-node's install script, which downloads CUDA
// files from the internet, from running: `ignore-scripts=true`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../_util.ts";

test(".npmrc: npm warns about nothing, and install scripts are off", () => {
  const r = spawnSync("npm", ["config", "get", "ignore-scripts"], { cwd: repoRoot, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "true");
  assert.doesNotMatch(r.stderr, /Unknown (project|user|cli) config/);
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
  // ignore-scripts also skips pre/post hooks of our own scripts: there must be none.
  const hooks = Object.keys(pkg.scripts).filter((k) => /^(pre|post)/.test(k) && pkg.scripts[k.replace(/^(pre|post)/, "")] !== undefined);
  assert.deepEqual(hooks, []);
});
