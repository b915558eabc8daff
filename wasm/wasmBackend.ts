/**
 * The wasm SIMD kernel backend: `core`'s `KernelBackend` over the C kernels in `src/`.
 *
 * Each call copies its inputs into the instance's arena, runs one kernel and copies the result
 * out. Squared distances are bit-identical to the reference; exponentials and sums agree to a
 * few ulp (see `src/kernels.c` for the fixed summation order).
 */
import { type KernelBackend, splitRange } from "../core/kernel/backend.ts";
import type { Matrix } from "../core/matrix.ts";
import { Arena } from "./arena.ts";

/** The raw exports of `kernels.wasm` (pointers are byte offsets). */
export interface KernelExports {
  /** Exported by kernels.wasm; kernels-mt.wasm imports its (shared) memory instead. */
  readonly memory: WebAssembly.Memory;
  readonly __heap_base: WebAssembly.Global;
  lw_scratch_bytes(d: number): number;
  lw_rbf_block(out: number, a: number, na: number, b: number, nb: number, d: number, gamma: number, scratch: number): void;
  lw_rbf_rowsums(out: number, a: number, na: number, b: number, wb: number, nb: number, d: number, gamma: number, pts: number, scratch: number): void;
  lw_rbf_weighted_sum(a: number, wa: number, na: number, b: number, wb: number, nb: number, d: number, gamma: number, rows: number, scratch: number): number;
  lw_rbf_weighted_sums_many(
    out: number,
    a: number,
    wa: number,
    off: number,
    gammas: number,
    ns: number,
    b: number,
    wb: number,
    nb: number,
    d: number,
    rows: number,
    scratch: number,
  ): void;
  lw_rbf_self_sums_many(out: number, a: number, wa: number, off: number, gammas: number, ns: number, d: number, rows: number, scratch: number): void;
  lw_nearest_centers(labels: number, dists: number, x: number, n: number, c: number, k: number, d: number, scratch: number): void;
  lw_exp_array(out: number, x: number, n: number): void;
  lw_sqdist_block(out: number, a: number, na: number, b: number, nb: number, d: number, scratch: number): void;
  lw_scratch_bytes_f32(d: number): number;
  lw_rbf_rowsums_f32(out: number, a: number, na: number, b: number, wb: number, nb: number, d: number, gamma: number, pts: number, scratch: number): void;
  lw_nearest_centers_f32(labels: number, dists: number, x: number, n: number, c: number, k: number, d: number, scratch: number): void;
}

/** Exports a helper thread may run (index = the job's function number). */
export const SPLIT_KERNELS = [
  "lw_rbf_block",
  "lw_rbf_rowsums",
  "lw_nearest_centers",
  "lw_rbf_weighted_sums_many",
  "lw_rbf_self_sums_many",
  "lw_rbf_rowsums_f32",
  "lw_nearest_centers_f32",
  "lw_sqdist_block",
] as const;
export type SplitKernel = (typeof SPLIT_KERNELS)[number];

/**
 * Fork–join over helper threads sharing the instance's memory (see parallel.ts). `run` calls
 * `kernel(...jobs[0])` on the calling thread and `jobs[t]` on helper t, and returns when all
 * are done.
 */
export interface KernelPool {
  /** Threads including the caller. */
  readonly threads: number;
  /** Below this much work (rows·cols·d multiply-adds) a call stays on one thread. */
  readonly minWork: number;
  run(kernel: SplitKernel, jobs: readonly number[][]): void;
}

/** A weighted point set as the batched inner products take it. */
export interface WeightedPoints {
  readonly z: Matrix;
  readonly beta: Float64Array;
  readonly gamma: number;
}

/** The wasm backend: the `KernelBackend` methods plus batched and f32 extras. */
export interface WasmKernelBackend extends KernelBackend {
  /**
   * `out[s] = ip(sets[s], b)` with `sets[s].gamma` (the set first), each bit-identical to
   * `rbfWeightedSum(sets[s].z, sets[s].beta, b.z, b.beta, sets[s].gamma)`. One copy of `b`
   * for all sets: the search's `ip(learnware_i, user)` loop in one call.
   */
  rbfWeightedSumsMany(sets: readonly WeightedPoints[], b: { z: Matrix; beta: Float64Array }): Float64Array;
  /** `out[s] = ip(sets[s], sets[s])`, each bit-identical to the single call. */
  rbfSelfSumsMany(sets: readonly WeightedPoints[]): Float64Array;
  /** Bytes of wasm linear memory in use (the largest call so far). */
  readonly memoryBytes: number;
  /** True when the relaxed-SIMD (fused multiply-add) build runs. */
  readonly relaxed: boolean;
}

function check(a: Matrix, b: Matrix): void {
  if (a.cols !== b.cols) {
    throw new RangeError(`Kernel: dimension mismatch, ${a.rows}x${a.cols} vs ${b.rows}x${b.cols}`);
  }
}

function need(what: string, have: number, want: number): void {
  if (have < want) throw new RangeError(`Kernel: ${what} has length ${have}, needs at least ${want}`);
}

/**
 * Wraps an instantiated `kernels.wasm` as a `WasmKernelBackend`. With a `pool` (the shared-
 * memory build, parallel.ts), large calls split their rows across threads; every row is
 * computed by the same code whatever its companions, so results are bit-identical for any
 * thread count. `arenaBase` reserves memory below it (the helpers' stacks).
 */
export function wasmBackendFromExports(
  ex: KernelExports,
  options: { pool?: KernelPool; arenaBase?: number; name?: string; memory?: WebAssembly.Memory; f32Generation?: boolean; relaxed?: boolean } = {},
): WasmKernelBackend {
  const f32 = options.f32Generation === true;
  const arena = new Arena(options.memory ?? ex.memory, options.arenaBase ?? (ex.__heap_base.value as number));
  const pool = options.pool;
  /** Row ranges for a call of `rows` rows and `work` multiply-adds (one range: no split). */
  const ranges = (rows: number, work: number): [number, number][] =>
    pool && pool.threads > 1 && work >= pool.minWork && rows >= 2 ? splitRange(rows, pool.threads) : [[0, rows]];
  const scratchFor = (parts: number, d: number): number[] => {
    const s: number[] = [];
    for (let t = 0; t < parts; t++) s.push(arena.alloc(ex.lw_scratch_bytes(d)));
    return s;
  };
  /** Runs one job per range: directly when there is one, through the pool otherwise. */
  const exec = (kernel: SplitKernel, jobs: number[][]): void => {
    if (jobs.length === 1) (ex[kernel] as (...a: number[]) => void)(...jobs[0]!);
    else pool!.run(kernel, jobs);
  };

  /** Copies the first `n` values of `src` to byte offset `p`. */
  const put = (p: number, src: Float64Array, n: number): void => {
    if (n > 0) arena.f64().set(n === src.length ? src : src.subarray(0, n), p >>> 3);
  };
  const get = (dst: Float64Array, p: number, n: number): void => {
    if (n > 0) dst.set(arena.f64().subarray(p >>> 3, (p >>> 3) + n));
  };
  const mat = (m: Matrix): number => {
    need("matrix data", m.data.length, m.rows * m.cols);
    return arena.alloc(m.rows * m.cols * 8);
  };
  const mat32 = (m: Matrix): number => {
    need("matrix data", m.data.length, m.rows * m.cols);
    return arena.alloc(m.rows * m.cols * 4);
  };
  /** Copies (and rounds) the first `n` values of `src` to f32 at byte offset `p`. */
  const put32 = (p: number, src: Float64Array, n: number): void => {
    if (n > 0) arena.f32().set(n === src.length ? src : src.subarray(0, n), p >>> 2);
  };
  const scratch32 = (parts: number, d: number): number[] => {
    const s: number[] = [];
    for (let t = 0; t < parts; t++) s.push(arena.alloc(ex.lw_scratch_bytes_f32(d)));
    return s;
  };

  /** `out` (a.rows × b.rows) from a block kernel taking (out, a, na, b, nb, d, ...extra, scratch). */
  const blockInto = (kernel: "lw_rbf_block" | "lw_sqdist_block", out: Float64Array, a: Matrix, b: Matrix, extra: number[]): void => {
    check(a, b);
    const na = a.rows,
      nb = b.rows,
      d = a.cols;
    need("out", out.length, na * nb);
    if (na === 0 || nb === 0) return;
    arena.reset();
    const parts = ranges(na, na * nb * d);
    const po = arena.alloc(na * nb * 8),
      pa = mat(a),
      pb = mat(b),
      ps = scratchFor(parts.length, d);
    arena.commit();
    put(pa, a.data, na * d);
    put(pb, b.data, nb * d);
    exec(
      kernel,
      parts.map(([i0, i1], t) => [po + i0 * nb * 8, pa + i0 * d * 8, i1 - i0, pb, nb, d, ...extra, ps[t]!]),
    );
    get(out, po, na * nb);
  };

  const backend: WasmKernelBackend = {
    name: options.name ?? "wasm-simd",
    relaxed: options.relaxed === true,

    rbfBlockInto(out, a, b, gamma) {
      blockInto("lw_rbf_block", out, a, b, [gamma]);
    },

    rbfWeightedSum(a, wa, b, wb, gamma) {
      check(a, b);
      const na = a.rows,
        nb = b.rows,
        d = a.cols;
      need("wa", wa.length, na);
      need("wb", wb.length, nb);
      if (na === 0 || nb === 0) return 0;
      arena.reset();
      const parts = ranges(na, na * nb * d);
      const pa = mat(a),
        pwa = arena.alloc(na * 8),
        pb = mat(b),
        pwb = arena.alloc(nb * 8);
      const pr = arena.alloc(na * 8),
        ps = scratchFor(parts.length, d);
      arena.commit();
      put(pa, a.data, na * d);
      put(pwa, wa, na);
      put(pb, b.data, nb * d);
      put(pwb, wb, nb);
      if (parts.length === 1) return ex.lw_rbf_weighted_sum(pa, pwa, na, pb, pwb, nb, d, gamma, pr, ps[0]!);
      // Row sums in parallel, then Σ wa_i·rows_i in order: the same operations as the C kernel.
      exec(
        "lw_rbf_rowsums",
        parts.map(([i0, i1], t) => [pr + i0 * 8, pa + i0 * d * 8, i1 - i0, pb, pwb, nb, d, gamma, 0, ps[t]!]),
      );
      const f = arena.f64(),
        r0 = pr >>> 3;
      let total = 0;
      for (let i = 0; i < na; i++) total += wa[i]! * f[r0 + i]!;
      return total;
    },

    rbfRowSumsInto(out, a, b, wb, gamma, outPoints) {
      check(a, b);
      const na = a.rows,
        nb = b.rows,
        d = a.cols;
      need("out", out.length, na);
      need("wb", wb.length, nb);
      if (outPoints) need("outPoints", outPoints.length, na * d);
      if (na === 0) return;
      arena.reset();
      const parts = ranges(na, na * nb * d);
      // The f32 path stores a, b and wb as f32 (4 bytes); sums and outputs stay f64.
      const [w, alloc, store, kernel] = f32 ? [4, mat32, put32, "lw_rbf_rowsums_f32" as const] : [8, mat, put, "lw_rbf_rowsums" as const];
      const po = arena.alloc(na * 8),
        pa = alloc(a),
        pb = alloc(b),
        pwb = arena.alloc(nb * w);
      const pp = outPoints ? arena.alloc(na * d * 8) : 0;
      const ps = f32 ? scratch32(parts.length, d) : scratchFor(parts.length, d);
      arena.commit();
      store(pa, a.data, na * d);
      store(pb, b.data, nb * d);
      store(pwb, wb, nb);
      exec(
        kernel,
        parts.map(([i0, i1], t) => [po + i0 * 8, pa + i0 * d * w, i1 - i0, pb, pwb, nb, d, gamma, pp ? pp + i0 * d * 8 : 0, ps[t]!]),
      );
      get(out, po, na);
      if (outPoints) get(outPoints, pp, na * d);
    },

    nearestCentersInto(labels, dists, x, centers) {
      check(x, centers);
      const n = x.rows,
        k = centers.rows,
        d = x.cols;
      need("labels", labels.length, n);
      need("dists", dists.length, n);
      if (n === 0) return;
      if (k === 0) {
        labels.fill(0, 0, n);
        dists.fill(Infinity, 0, n);
        return;
      }
      arena.reset();
      const parts = ranges(n, n * k * d);
      // The f32 path stores x and the centres as f32 (4 bytes); distances come back in f64.
      const [w, alloc, store, kernel] = f32 ? [4, mat32, put32, "lw_nearest_centers_f32" as const] : [8, mat, put, "lw_nearest_centers" as const];
      const pl = arena.alloc(n * 4),
        pd = arena.alloc(n * 8),
        px = alloc(x),
        pc = alloc(centers);
      const ps = f32 ? scratch32(parts.length, d) : scratchFor(parts.length, d);
      arena.commit();
      store(px, x.data, n * d);
      store(pc, centers.data, k * d);
      exec(
        kernel,
        parts.map(([i0, i1], t) => [pl + i0 * 4, pd + i0 * 8, px + i0 * d * w, i1 - i0, pc, k, d, ps[t]!]),
      );
      labels.set(arena.i32().subarray(pl >>> 2, (pl >>> 2) + n));
      get(dists, pd, n);
    },

    sqDistBlockInto(out, a, b) {
      blockInto("lw_sqdist_block", out, a, b, []);
    },

    rbfWeightedSumsMany(sets, b) {
      const ns = sets.length,
        nb = b.z.rows,
        d = b.z.cols;
      need("b.beta", b.beta.length, nb);
      const out = new Float64Array(ns);
      if (ns === 0) return out;
      const { total, maxRows } = sizeSets(sets, b.z);
      arena.reset();
      const parts = ranges(ns, total * nb * d);
      const { po, pa, pwa, poff, pg } = allocSets(arena, ns, total, d);
      const pb = mat(b.z),
        pwb = arena.alloc(nb * 8);
      const pr = parts.map(() => arena.alloc(maxRows * 8)),
        ps = scratchFor(parts.length, d);
      arena.commit();
      fillSets(arena, sets, d, pa, pwa, poff, pg);
      put(pb, b.z.data, nb * d);
      put(pwb, b.beta, nb);
      exec(
        "lw_rbf_weighted_sums_many",
        parts.map(([s0, s1], t) => [po + s0 * 8, pa, pwa, poff + s0 * 4, pg + s0 * 8, s1 - s0, pb, pwb, nb, d, pr[t]!, ps[t]!]),
      );
      get(out, po, ns);
      return out;
    },

    rbfSelfSumsMany(sets) {
      const ns = sets.length;
      const out = new Float64Array(ns);
      if (ns === 0) return out;
      const d = sets[0]!.z.cols;
      const { total, maxRows } = sizeSets(sets, sets[0]!.z);
      arena.reset();
      const parts = ranges(ns, total * maxRows * d);
      const { po, pa, pwa, poff, pg } = allocSets(arena, ns, total, d);
      const pr = parts.map(() => arena.alloc(maxRows * 8)),
        ps = scratchFor(parts.length, d);
      arena.commit();
      fillSets(arena, sets, d, pa, pwa, poff, pg);
      exec(
        "lw_rbf_self_sums_many",
        parts.map(([s0, s1], t) => [po + s0 * 8, pa, pwa, poff + s0 * 4, pg + s0 * 8, s1 - s0, d, pr[t]!, ps[t]!]),
      );
      get(out, po, ns);
      return out;
    },

    get memoryBytes() {
      return arena.memoryBytes;
    },
  };
  return backend;
}

/** Checks a batch of weighted point sets against `ref` (same width, a weight per row) and sizes it. */
function sizeSets(sets: readonly WeightedPoints[], ref: Matrix): { total: number; maxRows: number } {
  let total = 0,
    maxRows = 0;
  for (const s of sets) {
    check(s.z, ref);
    need("beta", s.beta.length, s.z.rows);
    total += s.z.rows;
    if (s.z.rows > maxRows) maxRows = s.z.rows;
  }
  return { total, maxRows };
}

/** The arena blocks of a batch of `ns` sets with `total` rows of width `d`: outputs, points, weights, row offsets, gammas. */
function allocSets(arena: Arena, ns: number, total: number, d: number) {
  return {
    po: arena.alloc(ns * 8),
    pa: arena.alloc(total * d * 8),
    pwa: arena.alloc(total * 8),
    poff: arena.alloc((ns + 1) * 4),
    pg: arena.alloc(ns * 8),
  };
}

function fillSets(arena: Arena, sets: readonly WeightedPoints[], d: number, pa: number, pwa: number, poff: number, pg: number): void {
  const f64 = arena.f64(),
    i32 = arena.i32();
  let row = 0;
  i32[poff >>> 2] = 0;
  sets.forEach((s, k) => {
    const n = s.z.rows;
    f64.set(s.z.data.subarray(0, n * d), (pa >>> 3) + row * d);
    f64.set(s.beta.subarray(0, n), (pwa >>> 3) + row);
    row += n;
    i32[(poff >>> 2) + k + 1] = row;
    f64[(pg >>> 3) + k] = s.gamma;
  });
}
