// The core must run unchanged in Node, Deno, browsers and workers: web-standard APIs only.
// Its imports (only core/ and the portable packages) are checked with every other folder's
// by layering.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "../_util.ts";

const coreDir = join(repoRoot, "core");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return n.endsWith(".ts") && !n.endsWith(".test.ts") ? [p] : [];
  });
}

const forbidden: [RegExp, string][] = [
  [/\bprocess\s*\.\s*\w/, "process"],
  [/\bBuffer\s*\.\s*\w|\bnew\s+Buffer\b/, "Buffer"],
  [/\bDeno\s*\.\s*\w/, "Deno"],
  [/\brequire\s*\(/, "require()"],
  [/\bMath\.random\s*\(/, "Math.random (pass a seeded Rng)"],
  [/\b__dirname\b|\b__filename\b/, "__dirname/__filename"],
];

test("core/ has source files to guard", () => {
  assert.ok(sources(coreDir).length > 10);
});

for (const file of sources(coreDir)) {
  const rel = relative(repoRoot, file);
  test(`portable: ${rel}`, () => {
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    for (const [re, what] of forbidden) assert.ok(!re.test(text), `${rel} uses ${what}`);
  });
}
