/*
 * Vectorised exp for two f64 lanes, accurate to a couple of ulp over the whole double range.
 *
 * Where both lanes lie in −708 ≤ x ≤ 709 (2^n normal; every kernel value above 1e-307), a
 * table path: x = (32k + j)·ln2/32 + r with |r| ≤ ln2/64, e^x = 2^k · 2^(j/32) · e^r with
 * 2^(j/32) from a table of correctly rounded doubles and e^r − 1 a degree-6 Taylor polynomial
 * (truncation error < 4e-18 relative): about 2/3 of the operations of the wide path below.
 * Other lanes (underflow, overflow, NaN) take the wide path:
 *
 * Cody–Waite range reduction x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split into a 32-bit head,
 * exact for |n| < 2^21, and a tail), then a degree-13 Taylor polynomial for e^r (truncation
 * error < 6e-18 relative) in Estrin's scheme, then the scale 2^n applied as two factors so
 * that gradual underflow (−745 < x < −708) rounds once and huge |x| saturates: x ≤ −746 gives
 * +0 (e.g. exp(−1e6) = 0), x ≥ 710 gives +Inf, NaN stays NaN.
 */
#ifndef LW_VEXP_H
#define LW_VEXP_H
#include <wasm_simd128.h>

#define LW_INLINE static inline __attribute__((always_inline))

#include "madd.h"

/* Constants by index, folded by clang into v128.const immediates (measured: as fast in V8 as
 * splat loads from memory, and no initialisation step). */
enum {
  LW_E_SHIFTER, LW_E_LO, LW_E_HI, LW_E_LOG2E, LW_E_LN2HI, LW_E_LN2LO,
  LW_E_C2, LW_E_C3, LW_E_C4, LW_E_C5, LW_E_C6, LW_E_C7, LW_E_C8, LW_E_C9, LW_E_C10, LW_E_C11,
  LW_E_C12, LW_E_C13, LW_E_HALF, LW_E_ONE, LW_E_COUNT
};
static const double lw_exp_k[LW_E_COUNT] = {
  6755399441055744.0,          /* 1.5·2^52, round-to-nearest shifter */
  -746.0, 746.0,               /* clamp: below → 0, above → +Inf */
  1.4426950408889634074,       /* log2(e) */
  6.93147180369123816490e-01,  /* ln2 head (fdlibm) */
  1.90821492927058770002e-10,  /* ln2 tail */
  0.5, 1.6666666666666666667e-01, 4.1666666666666666667e-02, 8.3333333333333333333e-03,
  1.3888888888888888889e-03, 1.9841269841269841270e-04, 2.4801587301587301587e-05,
  2.7557319223985890653e-06, 2.7557319223985890653e-07, 2.5052108385441718775e-08,
  2.0876756987868098979e-09, 1.6059043836821614599e-10, /* 1/2! … 1/13! */
  0.5, 1.0};

LW_INLINE v128_t lw_kv(int i) { return wasm_f64x2_splat(lw_exp_k[i]); }

/* 2^(j/32), j = 0..31, correctly rounded. */
static const double lw_exp_t32[32] = {
  1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237,
  1.0905077326652577, 1.1143867425958924, 1.1387886347566916, 1.1637248587775775,
  1.189207115002721, 1.215247359980469, 1.241857812073484, 1.2690509571917332,
  1.2968395546510096, 1.3252366431597413, 1.3542555469368927, 1.383909881963832,
  1.4142135623730951, 1.4451808069770467, 1.4768261459394993, 1.5091644275934228,
  1.5422108254079407, 1.5759808451078865, 1.6104903319492543, 1.645755478153965,
  1.681792830507429, 1.718619298122478, 1.7562521603732995, 1.7947090750031072,
  1.8340080864093424, 1.8741676341103, 1.9152065613971474, 1.9571441241754002};

LW_INLINE v128_t lw_vexp_wide(v128_t x);

LW_INLINE v128_t lw_vexp(v128_t x) {
  const v128_t normal = wasm_v128_and(wasm_f64x2_ge(x, wasm_f64x2_splat(-708.0)), wasm_f64x2_le(x, wasm_f64x2_splat(709.0)));
  if (!wasm_i64x2_all_true(normal)) return lw_vexp_wide(x);
  const v128_t shifter = lw_kv(LW_E_SHIFTER);
  /* m = round(32x/ln2) in the shifter's low bits; k = m >> 5, j = m & 31. */
  const v128_t km = wasm_f64x2_add(wasm_f64x2_mul(x, wasm_f64x2_splat(46.16624130844683)), shifter);
  const v128_t m = wasm_f64x2_sub(km, shifter);
  /* ln2/32 split as fdlibm's ln2 (head of 32 bits: m·head is exact for |m| < 2^21), over 32. */
  v128_t r = wasm_f64x2_sub(x, wasm_f64x2_mul(m, wasm_f64x2_splat(6.93147180369123816490e-01 / 32)));
  r = wasm_f64x2_sub(r, wasm_f64x2_mul(m, wasm_f64x2_splat(1.90821492927058770002e-10 / 32)));
  const v128_t mi = wasm_i64x2_sub(km, shifter); /* m as an integer (the shifter's bit pattern subtracted) */
  const v128_t j = wasm_v128_and(mi, wasm_i64x2_splat(31));
  v128_t t = wasm_v128_load64_zero(&lw_exp_t32[wasm_i64x2_extract_lane(j, 0)]);
  t = wasm_v128_load64_lane(&lw_exp_t32[wasm_i64x2_extract_lane(j, 1)], t, 1);
  /* e^r − 1 = r + r²·(1/2 + r/6 + r²·(1/24 + r/120 + r²/720)), Estrin. */
  const v128_t r2 = wasm_f64x2_mul(r, r);
  const v128_t a = LW_MADD_F64(wasm_f64x2_splat(1.0 / 6), r, wasm_f64x2_splat(0.5));
  const v128_t b = LW_MADD_F64(wasm_f64x2_splat(1.0 / 120), r, wasm_f64x2_splat(1.0 / 24));
  const v128_t c = LW_MADD_F64(wasm_f64x2_splat(1.0 / 720), r2, b);
  const v128_t d = LW_MADD_F64(c, r2, a);
  const v128_t p = LW_MADD_F64(d, r2, r);
  /* 2^(j/32)·e^r = t + t·(e^r − 1), then the exact scaling by 2^k (normal here). */
  const v128_t e = wasm_i64x2_shl(wasm_i64x2_add(wasm_i64x2_shr(mi, 5), wasm_i64x2_splat(1023)), 52);
  return wasm_f64x2_mul(LW_MADD_F64(t, p, t), e);
}

LW_INLINE v128_t lw_vexp_wide(v128_t x) {
  /* Round-to-nearest-even by adding 1.5·2^52: the low bits of the sum hold the integer. */
  const v128_t shifter = lw_kv(LW_E_SHIFTER);
  /* pmax/pmin keep a NaN x (their comparison is false), unlike min/max against a bound. */
  x = wasm_f64x2_pmax(x, lw_kv(LW_E_LO));
  x = wasm_f64x2_pmin(x, lw_kv(LW_E_HI));
  const v128_t kn = wasm_f64x2_add(wasm_f64x2_mul(x, lw_kv(LW_E_LOG2E)), shifter);
  const v128_t n = wasm_f64x2_sub(kn, shifter);
  /* fdlibm's ln2 split: ln2_hi has 32 significant bits, so n·ln2_hi is exact. */
  v128_t r = wasm_f64x2_sub(x, wasm_f64x2_mul(n, lw_kv(LW_E_LN2HI)));
  r = wasm_f64x2_sub(r, wasm_f64x2_mul(n, lw_kv(LW_E_LN2LO)));
  /* Estrin's scheme over the Taylor coefficients 1/i!, i = 2..13 (short dependency chains). */
  const v128_t r2 = wasm_f64x2_mul(r, r);
  const v128_t r4 = wasm_f64x2_mul(r2, r2);
#define LW_PAIR(c0, c1) LW_MADD_F64(lw_kv(c1), r, lw_kv(c0))
  const v128_t q1 = LW_PAIR(LW_E_HALF, LW_E_C3);
  const v128_t q2 = LW_PAIR(LW_E_C4, LW_E_C5);
  const v128_t q3 = LW_PAIR(LW_E_C6, LW_E_C7);
  const v128_t q4 = LW_PAIR(LW_E_C8, LW_E_C9);
  const v128_t q5 = LW_PAIR(LW_E_C10, LW_E_C11);
  const v128_t q6 = LW_PAIR(LW_E_C12, LW_E_C13);
#undef LW_PAIR
  const v128_t s1 = LW_MADD_F64(q3, r2, q2);   /* r^4..r^7 / r^4 */
  const v128_t s2 = LW_MADD_F64(q5, r2, q4);   /* r^8..r^11 / r^8 */
  const v128_t s3 = LW_MADD_F64(q6, r4, s2);   /* r^8..r^13 / r^8 */
  const v128_t hi = LW_MADD_F64(s3, r4, s1);   /* r^4..r^13 / r^4 */
  const v128_t mid = LW_MADD_F64(hi, r2, q1);  /* r^2..r^13 / r^2 */
  /* e^r = 1 + (r + r²·mid): the small part first, then the 1, for the last-bit accuracy. */
  const v128_t p = wasm_f64x2_add(lw_kv(LW_E_ONE), wasm_f64x2_add(r, wasm_f64x2_mul(r2, mid)));
  /* 2^n = 2^n1 · 2^n2, n1 = round(n/2): both factors normal for |n| ≤ 1077, so gradual
   * underflow rounds once and overflow saturates to +Inf. The exponent field is built from the
   * shifter's low bits: ((bits + 1023) << 52) keeps (n + 1023) mod 2^12. */
  const v128_t kn1 = wasm_f64x2_add(wasm_f64x2_mul(n, lw_kv(LW_E_HALF)), shifter);
  const v128_t n1 = wasm_f64x2_sub(kn1, shifter);
  const v128_t kn2 = wasm_f64x2_add(wasm_f64x2_sub(n, n1), shifter);
  const v128_t bias = wasm_i64x2_splat(1023);
  const v128_t e1 = wasm_i64x2_shl(wasm_i64x2_add(kn1, bias), 52);
  const v128_t e2 = wasm_i64x2_shl(wasm_i64x2_add(kn2, bias), 52);
  return wasm_f64x2_mul(wasm_f64x2_mul(p, e1), e2);
}

#endif
