/**
 * Bundles `worker.ts` (and what it imports from the runner) into one ES module that a
 * sandboxed `node` runs without a TypeScript loader. onnxruntime-node stays external: the
 * backend mounts its package beside the bundle.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCES = ["node/worker.ts", "protocol.ts", "tensor.ts", "contract.ts"].map((f) => join(HERE, "..", f));
const building = new Map<string, Promise<string>>();

/** Writes the bundle into `dir` (once per source version) and returns its path. */
export async function nodeWorkerBundle(dir: string): Promise<string> {
  const cached = building.get(dir);
  if (cached) {
    const file = await cached.catch(() => null);
    if (file !== null && existsSync(file)) return file;
    building.delete(dir);
  }
  const p = (async () => {
    const hash = createHash("sha256");
    for (const f of SOURCES) hash.update(readFileSync(f));
    const file = join(dir, `worker-${hash.digest("hex").slice(0, 16)}.mjs`);
    if (existsSync(file)) return file;
    const esbuild = await import("esbuild");
    const out = await esbuild
      .build({
        entryPoints: [SOURCES[0]!],
        bundle: true,
        format: "esm",
        platform: "node",
        target: "node20",
        external: ["onnxruntime-node"],
        write: false,
        logLevel: "silent",
      })
      .finally(() => esbuild.stop()); // no esbuild service process stays behind
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, out.outputFiles[0]!.contents, { mode: 0o644 });
    await rename(tmp, file);
    return file;
  })();
  building.set(dir, p);
  p.catch(() => building.delete(dir));
  return p;
}
