/**
 * `npm ci` on a fresh clone needs a lockfile that agrees with package.json and records the
 * optional platform packages of *every* platform (deno, esbuild, libSQL, sharp, Biome ship
 * their binaries as `@scope/<os>-<cpu>` optional dependencies; npm installs only the ones that
 * match, but `npm ci` on another OS fails if its ones are missing from the lock). Regenerate
 * with `npm install --package-lock-only` when this fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../_util.ts";

interface LockPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
}
const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { lockfileVersion: number; packages: Record<string, LockPackage> };
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as LockPackage;
const packages = lock.packages;

/** Node's lookup inside the lock: the nearest `node_modules/<name>` up from `from`. */
function locate(from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return null;
    const i = dir.lastIndexOf("/node_modules/");
    dir = i === -1 ? "" : dir.slice(0, i);
  }
}

test("the lockfile's root lists exactly package.json's dependencies and devDependencies", () => {
  assert.ok(lock.lockfileVersion >= 2, `lockfileVersion ${lock.lockfileVersion}`);
  const root = packages[""]!;
  assert.deepEqual(root.dependencies ?? {}, pkg.dependencies ?? {});
  assert.deepEqual(root.devDependencies ?? {}, pkg.devDependencies ?? {});
});

test("every optional dependency of every locked package is recorded (all platforms)", () => {
  const missing: string[] = [];
  for (const [path, meta] of Object.entries(packages)) {
    for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
      const at = locate(path, name);
      if (!at) missing.push(`${path || "(root)"} → ${name}@${range}`);
      else if (/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range) && packages[at]!.version !== range)
        missing.push(`${path} → ${name}@${range} (locked ${packages[at]!.version})`);
    }
  }
  assert.deepEqual(missing, [], `missing from package-lock.json (npm ci fails on those platforms):\n${missing.join("\n")}`);
});

test("the platform packages of Linux, macOS and Windows are all there", () => {
  const platforms = new Set<string>();
  for (const meta of Object.values(packages)) for (const os of meta.os ?? []) platforms.add(os);
  for (const os of ["linux", "darwin", "win32"]) assert.ok(platforms.has(os), `no package for ${os} in the lockfile`);
  for (const name of [
    "@deno/darwin-arm64",
    "@deno/win32-x64",
    "@deno/linux-x64-glibc",
    "@esbuild/darwin-arm64",
    "@esbuild/win32-x64",
    "@biomejs/cli-darwin-arm64",
    "@biomejs/cli-win32-x64",
    "@libsql/darwin-arm64",
    "@libsql/win32-x64-msvc",
  ]) {
    assert.ok(packages[`node_modules/${name}`], `${name} is not in package-lock.json`);
  }
});
