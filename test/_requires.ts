/**
 * The optional system parts some suites need, detected once per test process.
 *
 * `requires(...parts)` gives a node:test option: `{ skip: false }` when every part is here,
 * else `{ skip: "needs python3-numpy (apt-get install python3-numpy)" }`, so a suite on a
 * machine with only Node and npm is skipped with one line that names the part and the command
 * that installs it. Under `LW_CI=1` (set by `.ci/run`, which installs everything) nothing is
 * skipped: a missing part adds a failing test named after it and the suite runs (and fails).
 *
 * @example
 * ```ts
 * import { describe, test } from "node:test";
 * import { requires } from "../_requires.ts";
 * describe("python venv backend", requires("python3-numpy"), () => {
 *   test("runs a numpy learnware", () => {});
 * });
 * ```
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

/** The Python interpreter the runner uses (`LW_PYTHON`, default Debian's). */
export const PYTHON = process.env.LW_PYTHON ?? "/usr/bin/python3";
/** The Chromium the browser tests drive (`LW_CHROMIUM`, default Debian's). */
export const CHROMIUM = process.env.LW_CHROMIUM ?? "/usr/bin/chromium";
/** The Docker image the docker backend runs learnwares in (`npm run docker:base` builds it). */
export const DOCKER_BASE_IMAGE = process.env.LW_DOCKER_BASE_IMAGE ?? "lw-base:bookworm";

/** The optional parts, by the Debian package (or tool) name a user would install. */
export type PartName =
  | "python3"
  | "python3-numpy"
  | "python3-sklearn"
  | "python3-requests"
  | "python3-venv"
  | "docker"
  | "docker-base-image"
  | "bwrap"
  | "chromium"
  | "postgresql"
  | "python3-swift"
  | "clang";

interface Part {
  /** What the part enables, for the README and the failure message. */
  what: string;
  /** The command that installs it on Debian/Ubuntu. */
  install: string;
  /** Parts it builds on (checked first, so the first missing one is named). */
  after?: PartName[];
  /** Null when present, else why not (one short clause). */
  check: () => string | null;
}

function runs(cmd: string, args: string[], timeout = 20_000): string | null {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout, stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) return `${cmd}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`;
  if (r.status !== 0) return `${cmd} ${args.join(" ").slice(0, 60)}: ${(r.stderr || r.stdout).trim().split("\n").pop() ?? `exit ${r.status}`}`;
  return null;
}

const pyImports = (code: string) => () => runs(PYTHON, ["-c", code]);

/** The PostgreSQL server binaries (Debian keeps them out of PATH). */
export function postgresBin(name: "initdb" | "pg_ctl" | "postgres"): string | null {
  const dirs = (process.env.PATH ?? "").split(":").filter(Boolean);
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) for (const v of readdirSync(base).sort().reverse()) dirs.push(join(base, v, "bin"));
  for (const d of dirs) if (existsSync(join(d, name))) return join(d, name);
  return null;
}

const PARTS: Record<PartName, Part> = {
  python3: {
    what: "Python learnwares (venv worker, protocol, compat client)",
    install: "apt-get install python3",
    check: () => runs(PYTHON, ["-c", "import sys"]),
  },
  "python3-numpy": {
    what: "numpy learnwares and the numpy benchmark baseline",
    install: "apt-get install python3-numpy",
    after: ["python3"],
    check: pyImports("import numpy; numpy.zeros(1)"),
  },
  "python3-sklearn": {
    what: "scikit-learn learnwares (pickled models)",
    install: "apt-get install python3-sklearn",
    after: ["python3-numpy"],
    check: pyImports("import sklearn.linear_model"),
  },
  "python3-requests": {
    what: "the Python LearnwareClient compatibility test",
    install: "apt-get install python3-requests",
    after: ["python3"],
    check: pyImports("import requests; requests.Session"),
  },
  "python3-venv": {
    what: "the python-venv backend's environments",
    install: "apt-get install python3-venv",
    after: ["python3"],
    check: () => {
      const dir = mkdtempSync(join(tmpdir(), "lw-venv-probe-"));
      try {
        return runs(PYTHON, ["-m", "venv", "--system-site-packages", "--without-pip", join(dir, "v")], 60_000);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  docker: {
    what: "the docker backend (containers without network)",
    install: "apt-get install docker.io && dockerd --iptables=false --bridge=none --storage-driver=vfs &",
    check: () => runs(process.env.LW_DOCKER ?? "docker", ["version", "--format", "{{.Server.Version}}"]),
  },
  "docker-base-image": {
    what: "the docker backend's base image",
    install: "apt-get install debootstrap && npm run docker:base",
    after: ["docker"],
    check: () => (runs(process.env.LW_DOCKER ?? "docker", ["image", "inspect", DOCKER_BASE_IMAGE]) === null ? null : `image ${DOCKER_BASE_IMAGE} is missing`),
  },
  bwrap: {
    what: "the bubblewrap sandbox",
    install: "apt-get install bubblewrap",
    check: () => runs("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true"]),
  },
  chromium: {
    what: "the browser (e2e) tests of the web page",
    install: "apt-get install chromium",
    check: () => (existsSync(CHROMIUM) ? runs(CHROMIUM, ["--version"]) : `no ${CHROMIUM}`),
  },
  postgresql: {
    what: "the PostgreSQL catalogue tests (a throwaway cluster)",
    install: "apt-get install postgresql",
    check: () => (postgresBin("initdb") && postgresBin("pg_ctl") ? null : "initdb/pg_ctl not found"),
  },
  "python3-swift": {
    what: "the S3 blob store tests (a single-node Swift with its S3 layer)",
    install: "apt-get install python3-swift",
    after: ["python3"],
    check: pyImports("import swift.common.middleware.s3api"),
  },
  clang: {
    what: "rebuilding the wasm kernels from C",
    install: "apt-get install clang lld",
    check: () => runs("clang", ["--version"]) ?? runs("wasm-ld", ["--version"]),
  },
};

const cache = new Map<PartName, string | null>();

/** Null when the part is here, else why not. */
export function missing(name: PartName): string | null {
  if (!cache.has(name)) {
    const part = PARTS[name];
    let why: string | null = null;
    for (const dep of part.after ?? []) if ((why = missing(dep)) !== null) break;
    cache.set(name, why ?? part.check());
  }
  return cache.get(name)!;
}

/** The most basic missing part behind `name` (no python3 at all → python3, not numpy), or null. */
function rootMissing(name: PartName): PartName | null {
  if (missing(name) === null) return null;
  for (const dep of PARTS[name].after ?? []) {
    const root = rootMissing(dep);
    if (root !== null) return root;
  }
  return name;
}

/** One line: the first missing part, and the command that installs it. */
export function skipReason(...names: PartName[]): string | null {
  for (const name of names) {
    const root = rootMissing(name);
    if (root !== null) return `needs ${root} (${PARTS[root].install})`;
  }
  return null;
}

const inCi = () => !!process.env.LW_CI && process.env.LW_CI !== "0";
const reported = new Set<PartName>();

/**
 * A node:test option that skips a suite or test when a part is missing (one line naming the
 * part and its install command); under `LW_CI=1` it never skips and a missing part fails.
 */
export function requires(...names: PartName[]): { skip: string | false } {
  const reason = skipReason(...names);
  if (reason === null) return { skip: false };
  if (!inCi()) return { skip: reason };
  for (const name of names) {
    const root = rootMissing(name);
    if (root === null || reported.has(root)) continue;
    reported.add(root);
    const why = missing(root);
    test(`required in CI (LW_CI=1): ${root}`, () => {
      throw new Error(`${root} is missing (${why}); it is needed for ${PARTS[root].what}; install it: ${PARTS[root].install}`);
    });
  }
  return { skip: false };
}
