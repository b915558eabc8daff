// The core must run unchanged in Node, Deno, browsers and workers: web-standard APIs only,
// imports only within core/ or from the portable pure-JS packages allowed below.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { repoRoot } from "../_util.ts";

const coreDir = join(repoRoot, "core");
const allowedPackages = new Set(["fflate", "yaml", "zod"]);

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
    for (const m of text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith(".")) {
        const target = resolve(file, "..", spec);
        assert.ok(target.startsWith(coreDir + "/"), `${rel} imports ${spec}, outside core/`);
        assert.ok(/\.(ts|json)$/.test(spec), `${rel} imports ${spec} without its .ts extension`);
      } else {
        assert.ok(!spec.startsWith("node:"), `${rel} imports the Node module ${spec}`);
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        assert.ok(allowedPackages.has(pkg), `${rel} imports ${spec}, not a portable package allowed in core/`);
      }
    }
  });
}
