/**
 * The parallel wasm backend: the same kernels over one shared linear memory, with helper
 * threads (Node `worker_threads`, Deno / browser Web Workers) joining each large call.
 *
 * `KernelBackend` is synchronous, so this is fork–join on the calling thread: the caller
 * copies the inputs into shared memory once, hands row ranges to the helpers through a
 * control block (`Atomics.notify`), computes its own range, and waits (`Atomics.wait`) for
 * the others. Every row is computed by the same code whatever rows share its thread, so the
 * results are bit-identical to the single-thread backend for any thread count.
 *
 * Needs `SharedArrayBuffer` (cross-origin isolation in browsers) and a caller that may block
 * (`Atomics.wait` is not allowed on a browser's main thread: run the market's compute in a Web
 * Worker there, as the page does). `createParallelWasmBackend` rejects otherwise;
 * `installParallelWasmBackend` falls back to the single-thread backend.
 *
 * @example
 * ```ts
 * import { createParallelWasmBackend } from "./parallel.ts";
 * const backend = await createParallelWasmBackend({ threads: 2 });
 * // … setKernelBackend(backend) …
 * backend.close();
 * ```
 */
import { setKernelBackend, type KernelBackend } from "../core/kernel/backend.ts";
import { installWasmBackend, loadKernelBytes, useRelaxed, wasmSimdSupported } from "./mod.ts";
import { SPLIT_KERNELS, wasmBackendFromExports, type KernelExports, type KernelPool, type SplitKernel, type WasmKernelBackend } from "./wasmBackend.ts";

/** The shared-memory build of the same sources (`build.sh` makes both). */
export const KERNELS_MT_URL: URL = new URL("./kernels-mt.wasm", import.meta.url);
/** Its relaxed-SIMD build (see `WasmBackendOptions.relaxed` in mod.ts). */
export const KERNELS_MT_RELAXED_URL: URL = new URL("./kernels-mt-relaxed.wasm", import.meta.url);

const SEQ = 0,
  DONE = 1,
  FN = 2,
  ARGC = 3,
  STATUS = 4;
const ARGS_BYTE_OFFSET = 64,
  CONTROL_BYTES = 64 + 8 * 32;
const STACK_BYTES = 1 << 16;
/** kernels-mt.wasm's fixed initial memory (build.sh: --initial-memory). */
const INITIAL_PAGES = 16;
const MAX_PAGES = 65536;

export interface ParallelOptions {
  /** Threads including the caller. Default: hardware concurrency (at most 8). */
  threads?: number;
  /**
   * Calls with fewer multiply-adds (rows·rows·d) stay on the calling thread. Default 2^20
   * (about 0.2 ms of work: below that, waking a helper costs more than it saves).
   */
  minWork?: number;
  /** kernels-mt.wasm bytes (default: loaded next to this module). */
  bytes?: Uint8Array;
  /** Milliseconds a call waits for a helper before giving up with an error. Default 120 000. */
  timeoutMs?: number;
  /** The opt-in f32 generation path (see `WasmBackendOptions.f32Generation` in mod.ts). */
  f32Generation?: boolean;
  /** The relaxed-SIMD build (default: where supported; see `WasmBackendOptions.relaxed`). */
  relaxed?: boolean;
}

export interface ParallelWasmBackend extends WasmKernelBackend {
  readonly threads: number;
  /** Stops the helper threads; the backend must not be used afterwards. */
  close(): void;
}

interface Helper {
  control: Int32Array;
  args: Float64Array;
  seq: number;
  terminate(): void;
}

/** True when this thread can run the parallel backend (shared memory and a blocking wait). */
export function parallelSupported(): boolean {
  if (!wasmSimdSupported() || typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // throws where blocking is forbidden
    return true;
  } catch {
    return false;
  }
}

function defaultThreads(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, Math.min(8, n ?? 2));
}

const mtModules = new Map<string, Promise<WebAssembly.Module>>();

type PostInit = (init: Record<string, unknown>) => Promise<{ terminate(): void }>;

/** Starts one helper (a Node worker or a Web Worker) and resolves once it is serving. */
async function startWorker(): Promise<PostInit> {
  const url = new URL("./kernelWorker.js", import.meta.url);
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string" && !("Deno" in globalThis);
  if (isNode) {
    const { Worker } = await import("node:worker_threads");
    return (init) =>
      new Promise((resolve, reject) => {
        const w = new Worker(url, { execArgv: [] });
        w.once("error", reject);
        w.once("message", () => {
          w.unref();
          resolve({ terminate: () => void w.terminate() });
        });
        w.postMessage(init);
      });
  }
  return (init) =>
    new Promise((resolve, reject) => {
      const w = new Worker(url, { type: "module" });
      w.addEventListener("error", (e) => reject(e), { once: true });
      w.addEventListener("message", () => resolve({ terminate: () => w.terminate() }), { once: true });
      w.postMessage(init);
    });
}

/**
 * Creates the parallel backend: `threads − 1` helpers plus the caller. Rejects where
 * `parallelSupported()` is false.
 */
export async function createParallelWasmBackend(options: ParallelOptions = {}): Promise<ParallelWasmBackend> {
  if (!parallelSupported()) throw new Error("The parallel wasm backend needs wasm SIMD, SharedArrayBuffer and Atomics.wait on this thread");
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new RangeError(`threads must be an integer in 1..64, got ${threads}`);
  let relaxed = options.bytes ? options.relaxed === true : useRelaxed(options.relaxed);
  const compileMt = (url: URL): Promise<WebAssembly.Module> => {
    let compiling = mtModules.get(url.href);
    if (!compiling) {
      compiling = loadKernelBytes(url).then((b) => WebAssembly.compile(b as Uint8Array<ArrayBuffer>));
      compiling.catch(() => mtModules.delete(url.href));
      mtModules.set(url.href, compiling);
    }
    return compiling;
  };
  let module: WebAssembly.Module;
  if (options.bytes) module = await WebAssembly.compile(options.bytes as Uint8Array<ArrayBuffer>);
  else {
    try {
      module = await compileMt(relaxed ? KERNELS_MT_RELAXED_URL : KERNELS_MT_URL);
    } catch (e) {
      // chosen automatically but not deployed next to this module: the plain build
      if (!relaxed || options.relaxed === true) throw e;
      relaxed = false;
      module = await compileMt(KERNELS_MT_URL);
    }
  }
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports & { __stack_pointer: WebAssembly.Global };
  const heapBase = Math.ceil((ex.__heap_base.value as number) / 16) * 16;
  const stacksEnd = heapBase + (threads - 1) * STACK_BYTES;
  const timeoutMs = options.timeoutMs ?? 120_000;

  const helpers: Helper[] = [];
  const spawn = threads > 1 ? await startWorker() : null;
  try {
    for (let t = 1; t < threads; t++) {
      const control = new SharedArrayBuffer(CONTROL_BYTES);
      const handle = await spawn!({
        module,
        memory,
        control,
        stackTop: heapBase + t * STACK_BYTES,
        names: [...SPLIT_KERNELS],
      });
      helpers.push({ control: new Int32Array(control), args: new Float64Array(control, ARGS_BYTE_OFFSET), seq: 0, terminate: handle.terminate });
    }
  } catch (e) {
    for (const h of helpers) h.terminate();
    throw e;
  }

  let closed = false;
  const pool: KernelPool = {
    threads,
    minWork: options.minWork ?? 1 << 20,
    run(kernel: SplitKernel, jobs: readonly number[][]) {
      if (closed) throw new Error("The parallel wasm backend is closed");
      if (jobs.length - 1 > helpers.length) throw new RangeError(`${jobs.length} jobs for ${helpers.length + 1} threads`);
      const fn = SPLIT_KERNELS.indexOf(kernel);
      for (let t = 1; t < jobs.length; t++) {
        const h = helpers[t - 1]!,
          job = jobs[t]!;
        h.args.set(job);
        h.control[FN] = fn;
        h.control[ARGC] = job.length;
        h.seq = (h.seq + 1) | 0;
        Atomics.store(h.control, SEQ, h.seq);
        Atomics.notify(h.control, SEQ);
      }
      (ex[kernel] as (...a: number[]) => void)(...jobs[0]!);
      for (let t = 1; t < jobs.length; t++) {
        const h = helpers[t - 1]!;
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const done = Atomics.load(h.control, DONE);
          if (done === h.seq) break;
          if (Date.now() > deadline) throw new Error(`Kernel helper ${t} did not finish ${kernel} within ${timeoutMs} ms`);
          Atomics.wait(h.control, DONE, done, 50);
        }
        if (h.control[STATUS] !== 0) throw new Error(`Kernel helper ${t} failed in ${kernel}`);
      }
    },
  };

  const base = wasmBackendFromExports(ex, {
    pool,
    memory,
    arenaBase: stacksEnd,
    name: `wasm-simd-x${threads}${options.f32Generation ? "-f32gen" : ""}`,
    relaxed,
    ...(options.f32Generation ? { f32Generation: true } : {}),
  });
  const backend = Object.create(base, {
    threads: { value: threads, enumerable: true },
    close: {
      value(): void {
        if (closed) return;
        closed = true;
        for (const h of helpers) {
          h.control[FN] = -1;
          h.seq = (h.seq + 1) | 0;
          Atomics.store(h.control, SEQ, h.seq);
          Atomics.notify(h.control, SEQ);
          h.terminate();
        }
      },
    },
  }) as ParallelWasmBackend;
  return backend;
}

/**
 * Installs the parallel backend where `parallelSupported()`, else the single-thread wasm
 * backend (or the TypeScript reference without SIMD). Returns what was installed.
 */
export async function installParallelWasmBackend(options: ParallelOptions = {}): Promise<KernelBackend> {
  if (parallelSupported() && (options.threads ?? defaultThreads()) > 1) {
    try {
      const b = await createParallelWasmBackend(options);
      setKernelBackend(b);
      return b;
    } catch {
      // fall through to one thread
    }
  }
  return installWasmBackend({
    ...(options.f32Generation ? { f32Generation: true } : {}),
    ...(options.relaxed !== undefined ? { relaxed: options.relaxed } : {}),
  });
}
