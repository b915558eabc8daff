/**
 * `js` and `onnx`: learnwares written as an ES module or shipped as an ONNX graph run in a
 * Node worker process of their own (`../node/worker.ts`), inside the sandbox like every
 * uploaded learnware; the runner daemon never imports their code or parses their model
 * bytes. One process per loaded instance, restarted on the next call after a crash, a
 * timeout or a memory kill. The V8 heap is capped at the instance's memory limit; the
 * sandbox's address-space limit and the runner's watchdog also count ArrayBuffers and
 * native memory.
 */
import { dirname, join } from "node:path";
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import type { LearnwareDir } from "../learnwareDir.ts";
import { nodeWorkerBundle } from "../node/bundle.ts";
import type { Mount, Sandbox, SandboxLimits } from "../sandbox/sandbox.ts";
import { sandboxedWorker, WorkerModelHandle, workerEnv, instanceLimits } from "../worker/workerModel.ts";
import type { Availability, Backend, LoadOptions } from "./backend.ts";

export interface NodeBackendOptions {
  sandbox: Sandbox;
  /** Where the worker bundle is written. */
  workDir: string;
  limits?: Partial<SandboxLimits>;
  callTimeoutMs?: number;
  loadTimeoutMs?: number;
  /** The node executable (default: the runner's own). */
  node?: string;
}

const require = createRequire(import.meta.url);

/** The folder of an installed package (resolved from the runner's node_modules). */
function packageDir(name: string): string {
  let dir = dirname(realpathSync(require.resolve(name)));
  while (!existsSync(join(dir, "package.json")) || !readFileSync(join(dir, "package.json"), "utf8").includes(`"name": "${name}"`)) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
  return dir;
}

export class NodeBackend implements Backend {
  readonly name: "js" | "onnx";
  #opts: NodeBackendOptions;

  constructor(name: "js" | "onnx", opts: NodeBackendOptions) {
    this.name = name;
    this.#opts = opts;
  }

  available(): Promise<Availability> {
    return this.#opts.sandbox.check();
  }

  async load(lw: LearnwareDir, opts: LoadOptions = {}): Promise<WorkerModelHandle> {
    const model = lw.pkg.model;
    if (model.kind !== this.name) throw new TypeError(`${this.name} backend cannot run a ${model.kind} learnware`);
    const sandbox = this.#opts.sandbox;
    const bundle = await nodeWorkerBundle(join(this.#opts.workDir, "app"));
    const node = realpathSync(this.#opts.node ?? process.execPath);
    const root: Mount = { src: lw.root, dest: "/learnware" };
    const dir: Mount = { src: dirname(bundle), dest: "/opt/lw/node/app" };
    const mounts: Mount[] = [root, dir];
    if (!node.startsWith("/usr/")) mounts.push({ src: dirname(node) });
    if (this.name === "onnx") {
      for (const pkg of ["onnxruntime-node", "onnxruntime-common"]) {
        const src = packageDir(pkg);
        mounts.push({ src, dest: `/opt/lw/node/node_modules/${pkg}` });
        // The same layout on the host, for LW_SANDBOX=none: <workDir>/{app,node_modules}.
        const link = join(this.#opts.workDir, "node_modules", pkg);
        if (!existsSync(link)) {
          mkdirSync(dirname(link), { recursive: true });
          try {
            symlinkSync(src, link, "dir");
          } catch {
            /* made meanwhile */
          }
        }
      }
    }
    const limits = instanceLimits(sandbox, this.#opts.limits, opts.memoryLimitBytes);
    const heapMb = Math.max(32, Math.floor(limits.memoryBytes / 1048576));
    const inRoot = sandbox.inside(root);
    const artifacts: Record<string, string> = {};
    for (const path of lw.pkg.files.keys()) if (path.startsWith("artifacts/")) artifacts[path.slice("artifacts/".length)] = join(inRoot, path);
    const handle = new WorkerModelHandle({
      backend: this.name,
      launch: () =>
        sandboxedWorker(sandbox, {
          name: `${this.name}:${lw.digest.slice(0, 12)}`,
          command: node,
          args: [
            `--max-old-space-size=${heapMb}`,
            "--disallow-code-generation-from-strings",
            join(sandbox.inside(dir), bundle.slice(dirname(bundle).length + 1)),
          ],
          env: workerEnv({ NODE_OPTIONS: "" }),
          cwd: inRoot,
          mounts,
          limits,
        }),
      load: {
        kind: this.name,
        path: join(inRoot, this.name === "onnx" ? (model.file ?? model.modulePath) : model.modulePath),
        kwargs: model.kwargs,
        artifacts,
        ...(model.className !== undefined ? { class_name: model.className } : {}),
      },
      loadTimeoutMs: this.#opts.loadTimeoutMs ?? 30_000,
      callTimeoutMs: opts.timeoutMs ?? this.#opts.callTimeoutMs ?? 60_000,
    });
    await handle.start();
    return handle;
  }
}
