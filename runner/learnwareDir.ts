/**
 * A learnware package unpacked into a folder the backends can run from: Python workers
 * import from it, containers mount it read-only. Folders are keyed by the package digest,
 * written atomically (temp folder + rename) and reused.
 *
 * @example
 * ```ts ignore
 * import { materializePackage } from "./learnwareDir.ts";
 * const lw = await materializePackage(zipBytes, "/var/lib/lw/packages");
 * console.log(lw.root, lw.pkg.model.kind);
 * ```
 */
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readLearnwarePackage, type LearnwarePackage } from "../core/package/readPackage.ts";

export interface LearnwareDir {
  /** sha256 of the package zip (hex). */
  digest: string;
  /** Absolute folder holding the package files (package root). */
  root: string;
  pkg: LearnwarePackage;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Parses the zip and unpacks it under `baseDir/<digest prefix>` (reused when present). */
export async function materializePackage(bytes: Uint8Array, baseDir: string): Promise<LearnwareDir> {
  const pkg = readLearnwarePackage(bytes);
  const digest = sha256Hex(bytes);
  const root = join(baseDir, digest.slice(0, 24));
  if (!(await exists(join(root, ".complete")))) {
    const tmp = `${root}.tmp-${randomBytes(4).toString("hex")}`;
    await mkdir(tmp, { recursive: true });
    for (const [path, data] of pkg.files) {
      const target = join(tmp, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
    }
    await writeFile(join(tmp, ".complete"), digest);
    await makeReadable(tmp);
    try {
      await rename(tmp, root);
    } catch {
      await rm(tmp, { recursive: true, force: true }); // another process won the race
    }
  }
  return { digest, root, pkg };
}

/** Files world-readable, folders world-traversable: containers read them as a non-root user. */
async function makeReadable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await makeReadable(p);
    else await chmod(p, 0o644);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
