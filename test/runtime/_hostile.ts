/**
 * Hostile learnwares: models that attack the host the way a stranger's upload would. Each
 * is a real package (Python or JS) whose behaviour is chosen by `kwargs.mode`:
 *
 * * `probe` — predict runs every non-destructive attack and returns one row per attack,
 *   `[1]` when it got through (read a secret, listed or wrote a folder, reached a port …);
 * * `fork` — forks 400 children that linger; returns how many forks succeeded;
 * * `daemon` — double-forks a daemon (a new session) that sleeps for minutes;
 * * `alloc` — allocates and touches 3 GiB (JS: 2 GiB of ArrayBuffers, then 3 GiB);
 * * `kill` — signals its parent, pid 1, every process it may (`kill -1`) and itself;
 * * `hang-load` / `hang-predict` — never return.
 *
 * Lingering processes carry `marker` in their command line, so a test can look for them on
 * the host afterwards.
 */
import { pythonPackage } from "./_fixtures.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { statJson } from "./_fixtures.ts";

/** The attacks of `probe` mode, in the order of the output rows. */
export const PROBES = [
  "read admin-token",
  "read database",
  "read /etc/shadow",
  "read another process's environ",
  "list another learnware",
  "write another learnware",
  "list the data folder",
  "write the data folder",
  "write host /tmp (lands in the sandbox's own /tmp)",
  "connect to the server's port",
  "connect to the runner's port",
  "exec a shell that reads the secret",
  "fill /tmp with 600 MiB",
] as const;

export interface Targets {
  /** The admin-token file and its content. */
  secretFile: string;
  secret: string;
  dbFile: string;
  otherLearnware: string;
  dataDir: string;
  /** A file name the attack tries to create in the host's /tmp. */
  hostTmpFile: string;
  serverPort: number;
  runnerPort: number;
  marker: string;
  /** Indexes of PROBES not to run (the unsandboxed control run skips filling the host's /tmp). */
  skip?: number[];
}

const PY = `import os, sys, time, socket, signal, subprocess
import numpy as np
from learnware.model import BaseModel

def attempt(f):
    try:
        return 1.0 if f() else 0.0
    except BaseException:
        return 0.0

def read(path, needle=None):
    with open(path, "rb") as fh:
        data = fh.read()
    return len(data) > 0 and (needle is None or needle.encode() in data)

def write(path):
    with open(path, "w") as fh:
        fh.write("owned")
    return os.path.exists(path)

def environ_leak(secret):
    for pid in os.listdir("/proc"):
        if pid.isdigit() and pid != str(os.getpid()):
            try:
                if read("/proc/%s/environ" % pid, secret):
                    return True
            except OSError:
                pass
    return False

def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=1)
    s.close()
    return True

def shell(t):
    out = subprocess.run(["/bin/sh", "-c", "cat " + t["secretFile"]], capture_output=True, timeout=10)
    return t["secret"].encode() in out.stdout

def fill_tmp():
    chunk = b"\\0" * (1 << 20)
    n = 0
    with open("/tmp/fill", "wb") as fh:
        for _ in range(600):
            fh.write(chunk)
            n += 1
    return n >= 600

def linger(marker, seconds):
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(%d)" % seconds, marker])

class Model(BaseModel):
    def __init__(self, mode, targets):
        super().__init__(input_shape=(2,), output_shape=(1,))
        self.mode, self.t = mode, targets
        if mode == "hang-load":
            while True:
                time.sleep(1)

    def predict(self, X):
        t, mode = self.t, self.mode
        if mode == "probe":
            probes = [
                lambda: read(t["secretFile"], t["secret"]),
                lambda: read(t["dbFile"]),
                lambda: read("/etc/shadow"),
                lambda: environ_leak(t["secret"]),
                lambda: len(os.listdir(t["otherLearnware"])) > 0,
                lambda: write(os.path.join(t["otherLearnware"], "owned.txt")),
                lambda: len(os.listdir(t["dataDir"])) > 0,
                lambda: write(os.path.join(t["dataDir"], "owned.txt")),
                lambda: write(t["hostTmpFile"]),
                lambda: connect(t["serverPort"]),
                lambda: connect(t["runnerPort"]),
                lambda: shell(t),
                fill_tmp,
            ]
            skip = t.get("skip", [])
            r = [0.0 if i in skip else attempt(f) for i, f in enumerate(probes)]
            return np.array(r).reshape(-1, 1)
        if mode == "fork":
            n = 0
            try:
                for _ in range(400):
                    if os.fork() == 0:
                        linger(t["marker"], 120)
                    n += 1
            except OSError:
                pass
            return np.array([[float(n)]])
        if mode == "daemon":
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    linger(t["marker"], 300)
                os._exit(0)
            time.sleep(0.5)
            return np.array([[1.0]])
        if mode == "alloc":
            b = bytearray(3 * 1024 ** 3)
            for i in range(0, len(b), 4096):
                b[i] = 1
            return np.array([[float(len(b))]])
        if mode == "kill":
            for pid in (os.getppid(), 1, -1):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "hang-predict":
            while True:
                pass
        return np.zeros((len(X), 1))
`;

const JS = `import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { execFileSync, spawn } from "node:child_process";

const attempt = async (f) => { try { return (await f()) ? 1 : 0; } catch { return 0; } };
const read = (p, needle) => { const d = fs.readFileSync(p); return d.length > 0 && (needle === undefined || d.includes(needle)); };
const write = (p) => { fs.writeFileSync(p, "owned"); return fs.existsSync(p); };
const environLeak = (secret) => fs.readdirSync("/proc").some((pid) => /^\\d+$/.test(pid) && pid !== String(process.pid) && (() => { try { return read("/proc/" + pid + "/environ", secret); } catch { return false; } })());
const connect = (port) => new Promise((resolve) => {
  const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); resolve(true); });
  s.on("error", () => resolve(false));
  s.setTimeout(1000, () => { s.destroy(); resolve(false); });
});
const fillTmp = () => { const chunk = Buffer.alloc(1 << 20); const fd = fs.openSync("/tmp/fill", "w"); let n = 0; try { for (; n < 600; n++) fs.writeSync(fd, chunk); } finally { fs.closeSync(fd); } return n >= 600; };
const linger = (marker, seconds) => spawn(process.execPath, ["-e", "setTimeout(() => {}, " + seconds * 1000 + ")", marker], { detached: true, stdio: "ignore" });

export default class Model {
  constructor({ mode, targets }) {
    this.input_shape = [2];
    this.output_shape = [1];
    this.mode = mode;
    this.t = targets;
    if (mode === "hang-load") for (;;) {}
  }
  async predict(X) {
    const t = this.t;
    switch (this.mode) {
      case "probe":
      {
        const probes = [
          () => read(t.secretFile, t.secret),
          () => read(t.dbFile),
          () => read("/etc/shadow"),
          () => environLeak(t.secret),
          () => fs.readdirSync(t.otherLearnware).length > 0,
          () => write(path.join(t.otherLearnware, "owned.txt")),
          () => fs.readdirSync(t.dataDir).length > 0,
          () => write(path.join(t.dataDir, "owned.txt")),
          () => write(t.hostTmpFile),
          () => connect(t.serverPort),
          () => connect(t.runnerPort),
          () => execFileSync("/bin/sh", ["-c", "cat " + t.secretFile]).includes(t.secret),
          fillTmp,
        ];
        const out = [];
        for (let i = 0; i < probes.length; i++) out.push([(t.skip ?? []).includes(i) ? 0 : await attempt(probes[i])]);
        return out;
      }
      case "fork": {
        let n = 0;
        for (let i = 0; i < 400; i++) {
          const ok = await new Promise((resolve) => {
            const c = linger(t.marker, 120);
            c.once("spawn", () => resolve(true));
            c.once("error", () => resolve(false));
          });
          if (!ok) break;
          n++;
        }
        return [[n]];
      }
      case "daemon":
        linger(t.marker, 300).unref();
        await new Promise((r) => setTimeout(r, 500));
        return [[1]];
      case "alloc": {
        const buffers = [];
        for (let i = 0; i < 16; i++) buffers.push(new ArrayBuffer(128 * 1024 * 1024));
        for (let i = 0; i < 8; i++) buffers.push(Buffer.alloc(128 * 1024 * 1024, 1));
        return [[buffers.length]];
      }
      case "kill":
        for (const pid of [process.ppid, 1, -1]) { try { process.kill(pid, "SIGKILL"); } catch {} }
        process.kill(process.pid, "SIGKILL");
        return [[0]];
      case "hang-predict":
        for (;;) {}
      default:
        return X.map(() => [0]);
    }
  }
}
`;

export type HostileMode = "probe" | "fork" | "daemon" | "alloc" | "kill" | "hang-load" | "hang-predict";

/** A hostile Python learnware (class `Model`, 2 inputs, 1 output). */
export function hostilePython(mode: HostileMode, targets: Targets): Uint8Array {
  return pythonPackage(PY, { d: 2, kwargs: { mode, targets } });
}

/** A hostile JS learnware (default export class, 2 inputs, 1 output). */
export function hostileJs(mode: HostileMode, targets: Targets): Uint8Array {
  return writeLearnwarePackage({
    yaml: {
      model: { kind: "js", module_path: "model.mjs", kwargs: { mode, targets } },
      stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.mjs": JS, "stat.json": statJson(2) },
  });
}
