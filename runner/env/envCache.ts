/**
 * Environments (venvs, conda prefixes, docker images) are cached by a hash of their
 * dependency file and reused across learnwares. `envKey` normalises the text (comments,
 * blank lines, order of requirement lines) so cosmetic edits do not rebuild; `withEnvLock`
 * makes concurrent builders (in this process and in others) build an environment once.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";

/** A short stable key for an environment: kind + normalised dependency text (+ extra salt). */
export function envKey(kind: string, text: string, salt = ""): string {
  const lines =
    kind === "pip"
      ? text
          .split(/\r?\n/)
          .map((l) => l.replace(/#.*/, "").trim())
          .filter((l) => l !== "")
          .sort()
      : text
          .split(/\r?\n/)
          .map((l) => l.trimEnd())
          .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  return createHash("sha256")
    .update(`${kind}\n${salt}\n${lines.join("\n")}`)
    .digest("hex")
    .slice(0, 16);
}

const inProcess = new Map<string, Promise<unknown>>();

/**
 * Runs `build` once per `lockPath` at a time: in-process callers share the promise,
 * other processes wait on a lock folder that names its holder: a lock whose holder died
 * on this host (a killed runner) is taken over at once, any other after `staleMs`.
 */
export async function withEnvLock<T>(lockPath: string, build: () => Promise<T>, staleMs = 30 * 60_000): Promise<T> {
  const running = inProcess.get(lockPath);
  if (running) return running as Promise<T>;
  const p = (async () => {
    const lock = `${lockPath}.lock`;
    await mkdir(dirname(lock), { recursive: true });
    for (;;) {
      try {
        // The lock appears with its holder already named (a folder renamed into place), so a
        // holder killed at any instant leaves a lock that names it.
        const tmp = `${lock}.${process.pid}.${Math.random().toString(36).slice(2)}`;
        await mkdir(tmp, { recursive: true });
        await writeFile(join(tmp, "holder"), `${hostname()} ${process.pid}`);
        try {
          await rename(tmp, lock);
        } catch (e) {
          await rm(tmp, { recursive: true, force: true });
          throw e;
        }
        break;
      } catch {
        try {
          const s = await stat(lock);
          if (Date.now() - s.mtimeMs > staleMs || (await holderDied(lock))) await rm(lock, { recursive: true, force: true });
        } catch {
          /* released meanwhile */
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    try {
      return await build();
    } finally {
      await rm(lock, { recursive: true, force: true }).catch(() => {});
    }
  })();
  inProcess.set(lockPath, p);
  try {
    return await p;
  } finally {
    inProcess.delete(lockPath);
  }
}

/** Whether the lock's holder was a process of this host that no longer runs. */
async function holderDied(lock: string): Promise<boolean> {
  const text = await readFile(join(lock, "holder"), "utf8").catch(() => null);
  if (text === null) {
    // A lock without a holder (made by an older runner): stale once it is a minute old.
    const s = await stat(lock).catch(() => null);
    return s !== null && Date.now() - s.mtimeMs > 60_000;
  }
  const [host, pid] = text.split(" ");
  if (host !== hostname() || !pid) return false;
  // A killed holder that its parent has not reaped yet is a zombie: dead all the same.
  const state = await readFile(`/proc/${pid}/stat`, "utf8")
    .then((t) => t.slice(t.lastIndexOf(")") + 2, t.lastIndexOf(")") + 3))
    .catch(() => null);
  if (state === "Z" || state === "X") return true;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}
