/**
 * The import layering, checked on every .ts/.mjs/.js file of the repository:
 *
 *     core ← client ← wasm ← edge, runner ← cli        web (core, client, wasm)     bench, test, scripts on top
 *
 * * `core` imports only `core` and the portable packages below (it runs in Node, Deno and browsers);
 * * `client` (the HTTP contract and the typed client) is portable too: `core`, `client`;
 * * `wasm` implements core's kernel backend: `core`, `wasm`;
 * * `edge` (the server) and `runner` (the daemon) are siblings: each imports `core`, `wasm` and
 *   itself, never the other, so either deploys alone;
 * * `cli` (the `lw` command) may drive both;
 * * `web` (the page and its build) runs in the browser: `core`, `wasm`, `web`;
 * * `bench`, `scripts` and every test (`test/`, and `*.test.ts` beside the code) sit on top.
 *
 * Every import, re-export, dynamic `import("…")` and `new URL("…", import.meta.url)` is read
 * from the syntax tree (comments and strings cannot fool it), relative ones are resolved and
 * must exist, and a dynamic import of a bare variable is refused: tsc and this guard cannot see
 * it (load a module by its literal specifier). Packages: production folders import only
 * `dependencies` (tests, benchmarks and build tools also `devDependencies`), `core` only the
 * portable packages listed here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { repoRoot } from "../_util.ts";

type Layer = "core" | "client" | "wasm" | "edge" | "runner" | "cli" | "web" | "bench" | "scripts" | "test";

/** Which folders each folder may import (relative imports). */
const allowed: Record<Layer, readonly Layer[]> = {
  core: ["core"],
  client: ["core", "client"],
  wasm: ["core", "wasm"],
  edge: ["core", "client", "wasm", "edge"],
  runner: ["core", "client", "wasm", "runner"],
  cli: ["core", "client", "wasm", "edge", "runner", "cli"],
  web: ["core", "client", "wasm", "web"],
  bench: ["core", "client", "wasm", "edge", "runner", "cli", "web", "bench"],
  scripts: ["core", "client", "wasm", "edge", "runner", "cli", "web", "bench", "scripts"],
  test: ["core", "client", "wasm", "edge", "runner", "cli", "web", "bench", "scripts", "test"],
};
const layers = Object.keys(allowed) as Layer[];

/** Pure-JS packages that run unchanged in every runtime `core` targets. */
const corePackages = new Set(["fflate", "papaparse", "yaml", "zod"]);
/** Build and tooling files outside the test layer that may use devDependencies. */
const toolFiles = new Set(["web/build.ts", "edge/drizzle.config.ts", "edge/drizzle.pg.config.ts"]);

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const deps = new Set(Object.keys(pkg.dependencies ?? {}));
const devDeps = new Set(Object.keys(pkg.devDependencies ?? {}));
const builtins = new Set(builtinModules);

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    if (n === "node_modules" || n === "dist" || n.startsWith(".")) return [];
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|mts|mjs|js)$/.test(n) && !n.endsWith(".d.ts") ? [p] : [];
  });
}

function layerOf(rel: string): Layer {
  if (/\.test\.(ts|mjs)$/.test(rel)) return "test";
  return rel.split("/")[0] as Layer;
}

interface Ref {
  spec: string;
  kind: "import" | "dynamic import" | "new URL";
  line: number;
}

/** The module references of one file, from its syntax tree; computed dynamic imports as `spec: null`. */
function references(file: string, text: string): { refs: Ref[]; computed: number[] } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const refs: Ref[] = [];
  const computed: number[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      refs.push({ spec: n.moduleSpecifier.text, kind: "import", line: line(n) });
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = n.arguments[0];
      if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) refs.push({ spec: arg.text, kind: "dynamic import", line: line(n) });
      else if (arg && ts.isIdentifier(arg)) computed.push(line(n));
    } else if (
      ts.isNewExpression(n) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === "URL" &&
      n.arguments?.length === 2 &&
      ts.isStringLiteral(n.arguments[0]!) &&
      n.arguments[1]!.getText(sf) === "import.meta.url" &&
      /\.(ts|mjs|js)$/.test(n.arguments[0].text)
    ) {
      refs.push({ spec: n.arguments[0].text, kind: "new URL", line: line(n) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { refs, computed };
}

const verb: Record<Ref["kind"], string> = { import: "imports", "dynamic import": "imports dynamically", "new URL": "refers to" };

const files = layers.flatMap((l) => sources(join(repoRoot, l)));

test("the guard sees the whole tree", () => {
  for (const l of ["core", "wasm", "edge", "runner", "cli", "web", "test"] as const) {
    assert.ok(
      files.some((f) => relative(repoRoot, f).startsWith(l + "/")),
      `no sources found under ${l}/`,
    );
  }
  assert.ok(files.length > 200, `only ${files.length} files`);
});

for (const layer of layers) {
  test(`imports of ${layer}/ follow the layering (${allowed[layer].join(", ")})`, () => {
    const problems: string[] = [];
    for (const file of files) {
      const rel = relative(repoRoot, file).split(sep).join("/");
      if (rel.split("/")[0] !== layer) continue;
      const from = layerOf(rel);
      const { refs, computed } = references(file, readFileSync(file, "utf8"));
      for (const l of computed) problems.push(`${rel}:${l} imports a module through a variable (use a literal specifier, so tsc and this guard see it)`);
      for (const r of refs) {
        const where = `${rel}:${r.line}`;
        if (r.spec.startsWith(".")) {
          const target = resolve(dirname(file), r.spec);
          const to = relative(repoRoot, target).split(sep).join("/");
          if (r.kind !== "new URL" && !existsSync(target)) problems.push(`${where} ${verb[r.kind]} ${r.spec}, which does not exist`);
          if (to.startsWith("..")) {
            problems.push(`${where} ${verb[r.kind]} ${r.spec}, outside the repository`);
            continue;
          }
          const toLayer = to.split("/")[0] as Layer;
          // A benchmark may reuse the test harness's helpers (test/**/_*.ts: the browser, the e2e server), never a test.
          const harness = from === "bench" && toLayer === "test" && /\/_[^/]+\.ts$/.test(to);
          if (layers.includes(toLayer) && !allowed[from].includes(toLayer) && !harness) {
            problems.push(`${where} (${from}) ${verb[r.kind]} ${to}: ${from}/ may import only ${allowed[from].join(", ")}`);
          }
          if (r.kind !== "new URL" && rel.endsWith(".ts") && !/\.(ts|mts|js|mjs|json|wasm)$/.test(r.spec)) {
            problems.push(`${where} imports ${r.spec} without its file extension`);
          }
          continue;
        }
        if (r.spec.startsWith("node:") || builtins.has(r.spec)) {
          if (from === "core" || from === "client") problems.push(`${where} imports the Node module ${r.spec} (${from} is portable)`);
          continue;
        }
        if (r.spec.startsWith("npm:") || r.spec.startsWith("jsr:")) continue; // Deno entry points
        const name = r.spec.startsWith("@") ? r.spec.split("/").slice(0, 2).join("/") : r.spec.split("/")[0]!;
        if (from === "core" || from === "client") {
          if (!corePackages.has(name))
            problems.push(`${where} imports ${r.spec}, not a portable package allowed in ${from}/ (${[...corePackages].join(", ")})`);
        } else if (!deps.has(name)) {
          const dev = from === "test" || from === "bench" || from === "scripts" || toolFiles.has(rel);
          if (!(dev && devDeps.has(name)))
            problems.push(`${where} imports ${r.spec}, which package.json does not list in ${dev ? "dependencies or devDependencies" : "dependencies"}`);
        }
      }
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });
}
