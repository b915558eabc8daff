/**
 * The wasm SIMD kernel backend: loader, feature detection and installation.
 *
 * `kernels.wasm` is built from `src/*.c` by `build.sh` (clang + lld, `--target=wasm32
 * -msimd128`) and committed; `build.sh --check` proves the committed bytes come from the
 * sources. It loads in Node (file read), Deno (`Deno.readFile`) and browsers / Web Workers
 * (`fetch(new URL("./kernels.wasm", import.meta.url))`). Where wasm SIMD is missing the
 * TypeScript reference stays in place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installWasmBackend } from "./mod.ts";
 * import { getKernelBackend } from "../core/kernel/backend.ts";
 * const backend = await installWasmBackend();
 * assert.equal(getKernelBackend(), backend);
 * assert.ok(backend.name === "wasm-simd" || backend.name === "reference");
 * ```
 */
import { setKernelBackend, type KernelBackend } from "../core/kernel/backend.ts";
import { referenceBackend } from "../core/kernel/reference.ts";
import { wasmBackendFromExports, type KernelExports, type WasmKernelBackend } from "./wasmBackend.ts";

export type { KernelExports, WasmKernelBackend, WeightedPoints } from "./wasmBackend.ts";
export { wasmBackendFromExports } from "./wasmBackend.ts";

/** `(module (func (result v128) (v128.const i32x4 0 0 0 0)))`: valid only where SIMD is. */
const SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // func 0 : type 0
  0x0a,
  0x16,
  0x01,
  0x14,
  0x00,
  0xfd,
  0x0c, // code: v128.const
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0x0b,
]);

/** True when this runtime validates wasm 128-bit SIMD. */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** `(func (result v128) (f64x2.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))`. */
const RELAXED_PROBE = (() => {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x87, 0x02, 0x0b]; // f64x2.relaxed_madd (0xfd 0x107)
  const code = [0x01, body.length, ...body];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, code.length, ...code]);
})();

/**
 * True when this runtime validates relaxed SIMD (fused multiply-add): Node ≥ 22, Deno,
 * Chromium; Node 20 only with `--experimental-wasm-relaxed-simd`.
 */
export function wasmRelaxedSimdSupported(): boolean {
  try {
    return wasmSimdSupported() && WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** The URL of the committed `kernels.wasm` next to this module. */
export const KERNELS_URL: URL = new URL("./kernels.wasm", import.meta.url);
/** The relaxed-SIMD build of the same sources (`build.sh`: fused multiply-add in sums and `exp`). */
export const KERNELS_RELAXED_URL: URL = new URL("./kernels-relaxed.wasm", import.meta.url);

interface DenoLike {
  readFile(path: URL): Promise<Uint8Array>;
}

/** Reads `kernels.wasm`: a file read for `file:` URLs (Node, Deno), `fetch` otherwise. */
export async function loadKernelBytes(url: URL = KERNELS_URL): Promise<Uint8Array> {
  if (url.protocol === "file:") {
    const deno = (globalThis as { Deno?: DenoLike }).Deno;
    if (deno) return deno.readFile(url);
    const fs = await import("node:fs/promises");
    return new Uint8Array(await fs.readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Loading ${url.href} failed: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles `url` (default kernels.wasm) once per realm (workers reuse the module when it is passed in). */
export function compileKernels(bytes?: Uint8Array, url: URL = KERNELS_URL): Promise<WebAssembly.Module> {
  if (bytes) return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  let p = compiled.get(url.href);
  if (!p) {
    p = loadKernelBytes(url)
      .then((b) => WebAssembly.compile(b as Uint8Array<ArrayBuffer>))
      .catch((e: unknown) => {
        compiled.delete(url.href); // let a later call retry
        throw e;
      });
    compiled.set(url.href, p);
  }
  return p;
}

/**
 * Whether to load the relaxed-SIMD build: `relaxed` if given (true where the runtime lacks it
 * throws), else wherever the runtime supports it.
 */
export function useRelaxed(relaxed: boolean | undefined): boolean {
  if (relaxed === undefined) return wasmRelaxedSimdSupported();
  if (relaxed && !wasmRelaxedSimdSupported()) throw new Error("WebAssembly relaxed SIMD is not supported by this runtime");
  return relaxed;
}

/** Instantiates the kernels from a compiled module (synchronous: usable inside workers). */
export function instantiateKernels(module: WebAssembly.Module): KernelExports {
  const instance = new WebAssembly.Instance(module, {});
  return instance.exports as unknown as KernelExports;
}

/** Options of the wasm backends. */
export interface WasmBackendOptions {
  /** kernels.wasm bytes (default: loaded next to this module). */
  bytes?: Uint8Array;
  /**
   * Opt-in f32 fast path for generation on very large data: `rbfRowSumsInto` (the C vector
   * and Z-gradient sums over the data) and `nearestCentersInto` (k-means) compute in f32 with
   * four lanes per vector, about 1.7–2× faster, at ~1e-6 relative error in the sums and
   * k-means labels that may differ on near-ties. `rbfWeightedSum` and `rbfBlockInto` (MMD,
   * search, the QP's K) stay f64. Not for search or conformance runs.
   */
  f32Generation?: boolean;
  /**
   * The relaxed-SIMD (fused multiply-add) build: default where the runtime validates it
   * (`wasmRelaxedSimdSupported()`); `false` forces the plain build, `true` fails without it.
   * Kernel values, sums and `exp` differ from the plain build by rounding only (a few ulp);
   * squared distances and k-means stay bit-identical to the reference; results are the same
   * bits for every thread count either way.
   */
  relaxed?: boolean;
}

/**
 * Creates a wasm SIMD backend (each call gets its own instance and memory). Rejects when the
 * runtime lacks wasm SIMD; `installWasmBackend` falls back instead. Accepts the bytes of
 * kernels.wasm directly for compatibility.
 */
export async function createWasmBackend(options: WasmBackendOptions | Uint8Array = {}): Promise<WasmKernelBackend> {
  const o: WasmBackendOptions = options instanceof Uint8Array ? { bytes: options } : options;
  if (!wasmSimdSupported()) throw new Error("WebAssembly SIMD is not supported by this runtime");
  let relaxed = o.bytes ? o.relaxed === true : useRelaxed(o.relaxed);
  let module: WebAssembly.Module;
  try {
    module = await compileKernels(o.bytes, relaxed ? KERNELS_RELAXED_URL : KERNELS_URL);
  } catch (e) {
    // chosen automatically but not deployed next to this module (or not loadable): the plain build
    if (!relaxed || o.relaxed === true || o.bytes) throw e;
    relaxed = false;
    module = await compileKernels(undefined, KERNELS_URL);
  }
  const ex = instantiateKernels(module);
  return wasmBackendFromExports(ex, { relaxed, ...(o.f32Generation ? { f32Generation: true, name: "wasm-simd-f32gen" } : {}) });
}

/**
 * Installs the wasm backend with `setKernelBackend` and returns it; where wasm SIMD is not
 * available (or the binary cannot be loaded) installs and returns the TypeScript reference.
 */
export async function installWasmBackend(options: WasmBackendOptions = {}): Promise<KernelBackend> {
  let backend: KernelBackend = referenceBackend;
  if (wasmSimdSupported()) {
    try {
      backend = await createWasmBackend(options);
    } catch {
      backend = referenceBackend;
    }
  }
  setKernelBackend(backend);
  return backend;
}
