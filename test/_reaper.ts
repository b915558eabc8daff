/**
 * Cleanup that survives the test process: a detached shell waits for this process to end (by
 * any means: a normal exit, a runner's kill, a crash) and then runs `script`, so servers the
 * tests started (PostgreSQL, Swift) never outlive them.
 */
import { spawn } from "node:child_process";

export function reapWhenGone(script: string): void {
  const p = spawn("sh", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ${script}`], {
    detached: true,
    stdio: "ignore",
  });
  p.unref();
}
