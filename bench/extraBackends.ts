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

export async function extraBackends(relaxed: boolean): Promise<BenchBackend[]> {
  const out: BenchBackend[] = [];
  // the relaxed-SIMD (FMA) build next to the plain one, where the engine has it
  const builds = relaxed ? [false, true] : [false];
  const tag = (r: boolean) => (r ? "-fma" : "");
  if (relaxed) {
    const s = await createWasmBackend({ relaxed: true });
    out.push({ impl: `wasm-simd${tag(true)}`, backend: s, f64: true });
  }
  if (parallelSupported()) {
    for (const r of builds) {
      const p = await createParallelWasmBackend({ relaxed: r });
      out.push({ impl: `${p.name}${tag(r)}`, backend: p, f64: true });
      const p32 = await createParallelWasmBackend({ f32Generation: true, relaxed: r });
      out.push({ impl: `${p32.name}${tag(r)}`, backend: p32, f64: false });
    }
  }
  for (const r of builds) {
    const s32 = await createWasmBackend({ f32Generation: true, relaxed: r });
    out.push({ impl: `${s32.name}${tag(r)}`, backend: s32, f64: false });
  }
  return out;
}
