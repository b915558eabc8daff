/**
 * Kernel backends the harness measures next to the TypeScript reference and the one-thread
 * wasm backend: the parallel backend on every core, and the opt-in f32 generation path.
 * Each entry says which workloads it applies to (f32 is for generation and the C vector only).
 */
import type { KernelBackend } from "../core/kernel/backend.ts";
import { createWasmBackend } from "../wasm/mod.ts";
import { createParallelWasmBackend, parallelSupported } from "../wasm/parallel.ts";

export interface BenchBackend {
  impl: string;
  backend: KernelBackend;
  /** false: an f32 path, not for search or the f64 kernel rows. */
  f64: boolean;
}

export async function extraBackends(): Promise<BenchBackend[]> {
  const out: BenchBackend[] = [];
  if (parallelSupported()) {
    const p = await createParallelWasmBackend();
    out.push({ impl: p.name, backend: p, f64: true });
    const p32 = await createParallelWasmBackend({ f32Generation: true });
    out.push({ impl: p32.name, backend: p32, f64: false });
  }
  const s32 = await createWasmBackend({ f32Generation: true });
  out.push({ impl: s32.name, backend: s32, f64: false });
  return out;
}
