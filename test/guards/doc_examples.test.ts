/**
 * Doc examples are tests (`deno test --doc`, step 3 of `npm test`): they must assert with
 * `node:assert/strict`, because `console.assert` only logs and lets a wrong example pass.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "../_util.ts";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    if (n === "node_modules" || n === "dist" || n.startsWith(".")) return [];
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|mjs|js)$/.test(n) ? [p] : [];
  });
}

test("no console.assert anywhere: examples and code assert for real", () => {
  const found: string[] = [];
  for (const d of ["core", "wasm", "edge", "runner", "cli", "web", "bench", "test", "scripts"]) {
    for (const f of sources(join(repoRoot, d))) {
      if (f.endsWith("doc_examples.test.ts")) continue;
      readFileSync(f, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.includes("console.assert(")) found.push(`${relative(repoRoot, f)}:${i + 1}`);
        });
    }
  }
  assert.deepEqual(found, [], `use assert from "node:assert/strict" instead of console.assert at:\n${found.join("\n")}`);
});
