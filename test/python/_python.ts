/**
 * Real Python for the tests of the Python package (`python/`): Debian's python3 with numpy
 * and requests, a venv made with `--system-site-packages`, and `./python` pip-installed into
 * it (no index: `--no-build-isolation --no-deps`). Where a part is missing the tests skip
 * with one line naming it, except under `LW_CI=1`, where nothing may skip.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, scratch } from "../_util.ts";

export const PYTHON = process.env.LW_PYTHON ?? "/usr/bin/python3";

const APT: Record<string, string> = {
  numpy: "python3-numpy",
  requests: "python3-requests",
  venv: "python3-venv",
  ensurepip: "python3-venv",
  yaml: "python3-yaml",
  sklearn: "python3-sklearn",
};

function probe(mods: string[]): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (apt-get install python3 python3-venv)`;
  for (const mod of mods) {
    try {
      execFileSync(PYTHON, ["-c", `import ${mod}`], { stdio: "ignore" });
    } catch {
      return `python3 has no ${mod} (apt-get install ${APT[mod] ?? `python3-${mod}`})`;
    }
  }
  return null;
}

const missing = probe(["numpy", "requests", "venv", "ensurepip"]);

/** `skip` option for node:test: false when python3 with numpy, requests and venv is present (or under LW_CI=1). */
export const needsPython: false | string = missing === null || process.env.LW_CI === "1" ? false : `skipped: ${missing}`;

/** Like `needsPython`, also needing these modules (e.g. `yaml`, `sklearn`) for the test's own scripts. */
export function needsPythonWith(...mods: string[]): false | string {
  if (needsPython !== false || process.env.LW_CI === "1") return needsPython;
  const m = probe(mods);
  return m === null ? false : `skipped: ${m}`;
}

let venvPromise: Promise<string> | null = null;

/** A venv (system site packages) with `./python` installed; returns its python executable. Made once per test file. */
export function packageVenv(): Promise<string> {
  venvPromise ??= (async () => {
    const dir = scratch("lw-pyvenv-");
    execFileSync(PYTHON, ["-m", "venv", "--system-site-packages", dir], { stdio: "pipe" });
    const py = join(dir, "bin", "python");
    // A copy of the source tree keeps build/ and *.egg-info out of the repository.
    const src = join(dir, "src");
    execFileSync("cp", ["-r", join(repoRoot, "python"), src]);
    execFileSync(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-build-isolation", "--no-deps", "--no-index", src], {
      stdio: "pipe",
    });
    return py;
  })();
  return venvPromise;
}

export interface PyResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python script (source text) with the venv's interpreter; resolves with its output. */
export async function runPython(py: string, source: string, opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<PyResult> {
  const dir = opts.cwd ?? scratch("lw-pyscript-");
  const file = join(dir, `script_${Date.now()}_${Math.random().toString(16).slice(2)}.py`);
  writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    const child = spawn(py, [file], { cwd: dir, env: { ...process.env, PYTHONUNBUFFERED: "1", ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "",
      stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a script and parses the last stdout line as JSON; fails with stderr when the script fails. */
export async function pythonJson<T = any>(py: string, source: string, opts: Parameters<typeof runPython>[2] = {}): Promise<T> {
  const r = await runPython(py, source, opts);
  if (r.code !== 0) throw new Error(`python exited ${r.code}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`python printed no JSON last line:\n${r.stdout}\n${r.stderr}`);
  }
}

/** Starts a long-running Python script; resolves once a stdout line matches `ready`. */
export function startPython(
  py: string,
  source: string,
  ready: RegExp,
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string; stop: () => Promise<void> }> {
  const dir = opts.cwd ?? scratch("lw-pyserve-");
  const file = join(dir, "serve_script.py");
  writeFileSync(file, source);
  const child = spawn(py, [file], { cwd: dir, env: { ...process.env, PYTHONUNBUFFERED: "1", ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, match: m, output: () => out, stop });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d) => (out += d));
    child.once("exit", (code) => reject(new Error(`python exited (${code}) before it was ready:\n${out}`)));
  });
}
