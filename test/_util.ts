/** Shared helpers for the node test suites: corpus loading, tolerance checks, scratch folders. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The conformance corpus, kept in the repository as test fixtures (see its README.md). */
export const conformanceDir = join(repoRoot, "test", "conformance", "corpus");

/** Decodes the corpus' "NaN" / "Infinity" / "-Infinity" strings into numbers, deeply. */
export function decodeNonFinite(v: unknown): unknown {
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (Array.isArray(v)) return v.map(decodeNonFinite);
  if (v !== null && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = decodeNonFinite(x);
    return o;
  }
  return v;
}

/** Loads `test/conformance/corpus/<file>` and returns its cases (non-finite strings decoded unless raw). */
export function loadCases<T = any>(file: string, raw = false): T[] {
  const doc = JSON.parse(readFileSync(join(conformanceDir, file), "utf8")) as { version: number; cases: unknown[] };
  if (doc.version !== 1) throw new Error(`Unexpected corpus version ${doc.version} in ${file}`);
  return (raw ? doc.cases : doc.cases.map(decodeNonFinite)) as T[];
}

/** `|got − expected| ≤ atol + rtol·|expected|`, failing with both values and a label. */
export function assertClose(got: number, expected: number, atol: number, rtol = 0, label = "value"): void {
  const ok = got === expected || Math.abs(got - expected) <= atol + rtol * Math.abs(expected);
  if (!ok) {
    throw new Error(`${label}: got ${got}, expected ${expected} (|diff| ${Math.abs(got - expected)} > atol ${atol} + rtol ${rtol})`);
  }
}

const scratchDirs = new Set<string>();

/**
 * A scratch folder for one test file, removed when its process exits: after every `after`
 * hook has stopped the servers and workers that used it.
 */
export function scratch(prefix = "lw-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (scratchDirs.size === 0) {
    process.once("exit", () => {
      for (const d of scratchDirs) {
        try {
          removeScratch(d);
        } catch {
          // one folder that cannot go must not keep the others
        }
      }
    });
  }
  scratchDirs.add(dir);
  return dir;
}

/** Removes a scratch folder (retrying while a just-stopped worker lets go of its files). */
export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
