/**
 * A single-node OpenStack Swift with its S3 layer (Debian `python3-swift`), for the tests: one
 * per test process, started on first use on loopback ports (~4 s), stopped when the process
 * exits. It checks S3 signatures (a wrong secret gets 403), multipart uploads and presigned
 * URLs, so it is a real test of the S3 blob store. `s3Bucket()` gives a fresh bucket URL.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { reapWhenGone } from "./_reaper.ts";
import { PYTHON } from "./_requires.ts";
import { repoRoot } from "./_util.ts";

export interface SwiftS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

let node: Promise<SwiftS3> | null = null;
let buckets = 0;
const script = join(repoRoot, "test", "scaleout", "swift_node.py");

/** True when `port` can be bound on loopback right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** True when something accepts a TCP connection on loopback `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

/**
 * Four consecutive free ports (proxy, object, container, account), below the kernel's
 * ephemeral range (32768+): the rings name fixed ports, and a port picked from the ephemeral
 * range can be handed to a test server or an outgoing connection before Swift binds it (the
 * proxy would then talk to the wrong server).
 */
async function portBlock(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + 4 * Math.floor(Math.random() * 3000);
    if ((await Promise.all([0, 1, 2, 3].map((k) => bindable(p + k)))).every(Boolean)) return p;
  }
  throw new Error("no block of four free ports");
}

async function start(): Promise<SwiftS3> {
  const dir = mkdtempSync(join(tmpdir(), "lw-swift-"));
  const port = await portBlock();
  const access = "lwkey";
  const secret = `lwsecret${process.pid}`;
  const setup = spawnSync(PYTHON, [script, "setup", dir, String(port), access, secret], { encoding: "utf8" });
  if (setup.status !== 0) throw new Error(`swift setup failed: ${setup.stderr}`);
  const pids: number[] = [];
  const died: string[] = [];
  let out = "";
  for (const kind of ["object", "container", "account", "proxy"]) {
    const p: ChildProcess = spawn(PYTHON, [script, "run", dir, kind], { stdio: ["ignore", "pipe", "pipe"] });
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (out += d));
    p.on("exit", (code, signal) => died.push(`${kind} server exited (${signal ?? code})`));
    // Neither the servers nor their pipes keep this process alive; the reaper stops them.
    p.unref();
    (p.stdout as unknown as { unref(): void }).unref();
    (p.stderr as unknown as { unref(): void }).unref();
    pids.push(p.pid!);
  }
  reapWhenGone(`kill -9 ${pids.join(" ")} 2>/dev/null; rm -rf '${dir}'`);
  // And at once on a normal exit, so no folder is left for the suite's leftover check.
  process.prependOnceListener("exit", () => {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  // Up when the proxy answers its health check and the three storage servers accept connections.
  const ready = async () => {
    try {
      if (!(await fetch(`${endpoint}/healthcheck`)).ok) return false;
    } catch {
      return false;
    }
    return (await Promise.all([1, 2, 3].map((k) => accepts(port + k)))).every(Boolean);
  };
  while (!(await ready())) {
    if (died.length > 0 || Date.now() > deadline) throw new Error(`swift did not start: ${died.join(", ")}\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (died.length > 0) throw new Error(`swift did not start: ${died.join(", ")}\n${out.slice(-3000)}`);
  return { endpoint, accessKeyId: `test:${access}`, secretAccessKey: secret, region: "us-east-1" };
}

/** The test Swift's S3 endpoint and credentials (starting it on first use). */
export function swiftS3(): Promise<SwiftS3> {
  node ??= start();
  return node;
}

/** A fresh bucket's `s3://` URL (created by the store's `init()`), and the S3 settings as env. */
export async function s3Env(prefix = "lw"): Promise<Record<string, string>> {
  const s = await swiftS3();
  return {
    LW_BLOB_URL: `s3://${prefix}-${process.pid}-${++buckets}/blobs`,
    LW_S3_ENDPOINT: s.endpoint,
    LW_S3_ACCESS_KEY_ID: s.accessKeyId,
    LW_S3_SECRET_ACCESS_KEY: s.secretAccessKey,
    LW_S3_REGION: s.region,
  };
}
