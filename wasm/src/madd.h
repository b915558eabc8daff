/*
 * LW_MADD_F64 / LW_MADD_F32: a·b + c on v128 lanes.
 */
#ifndef LW_MADD_H
#define LW_MADD_H
#include <wasm_simd128.h>

/* a·b + c. The relaxed build (build.sh: clang 16, -mrelaxed-simd -DLW_RELAXED) fuses it with
 * relaxed SIMD's f64x2/f32x4.relaxed_madd (one rounding where the CPU has FMA); the default
 * build rounds twice. Used where a fused result is as good or better (sums, polynomials), never
 * in the squared distances k-means compares (those stay bit-identical to the reference). */
#ifdef LW_RELAXED
#define LW_MADD_F64(a, b, c) __builtin_wasm_relaxed_madd_f64x2((a), (b), (c))
#define LW_MADD_F32(a, b, c) __builtin_wasm_relaxed_madd_f32x4((a), (b), (c))
#else
#define LW_MADD_F64(a, b, c) wasm_f64x2_add((c), wasm_f64x2_mul((a), (b)))
#define LW_MADD_F32(a, b, c) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

#endif
