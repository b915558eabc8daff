/**
 * Node only: turns on relaxed SIMD where the engine has it behind a flag (Node 20's V8 11.3:
 * `--experimental-wasm-relaxed-simd`), so the FMA build of the kernels loads there too. Node ≥ 22
 * has it by default and needs nothing. `LW_WASM_RELAXED=0` keeps the plain build everywhere
 * (the backends then get `relaxed: false`). V8 flags are process-wide: worker threads started
 * afterwards see it as well.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { enableRelaxedSimd } from "./nodeRelaxed.ts";
 * import { wasmRelaxedSimdSupported } from "./mod.ts";
 * assert.equal(enableRelaxedSimd(), wasmRelaxedSimdSupported());
 * ```
 */
import { setFlagsFromString } from "node:v8";
import { wasmRelaxedSimdSupported, wasmSimdSupported } from "./mod.ts";

/** True when relaxed SIMD is (now) available and wanted. */
export function enableRelaxedSimd(): boolean {
  if (process.env.LW_WASM_RELAXED === "0") return false;
  if (wasmRelaxedSimdSupported()) return true;
  const major = Number(process.versions.node.split(".")[0]);
  if (!wasmSimdSupported() || major >= 22) return false; // newer V8s reject the retired flag
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return wasmRelaxedSimdSupported();
}

/** The `relaxed` option for the backends: `false` when `LW_WASM_RELAXED=0`, else the runtime's choice. */
export function relaxedOption(): { relaxed?: boolean } {
  return process.env.LW_WASM_RELAXED === "0" ? { relaxed: false } : {};
}
