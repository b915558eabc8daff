/*
 * f32 variants of the two kernels that stream the raw data in spec generation: the row sums
 * (C vector and the Z-gradient point sums) and the k-means assignment. Opt-in (see
 * wasm/mod.ts, `f32Generation`): four lanes per vector instead of two, at ~1e-6 relative error.
 *
 * Inputs are f32 (the host converts), outputs f64. Sums: within a chunk of LW_JB32 rows of b
 * each lane adds its j ≡ lane (mod 4) terms in f32; the chunk's lanes are added in f64 to the
 * running f64 total, so the f32 rounding error grows with the chunk (64 terms per lane), not
 * with n. The exp is a degree-7 polynomial after Cody–Waite reduction (≤ 2 ulp in f32);
 * arguments below −87.3 (results under FLT_MIN) give 0.
 */
#include <stdint.h>
#include <wasm_simd128.h>
#include "madd.h"

#define EXPORT(name) __attribute__((export_name(#name)))
#define LW_INLINE32 static inline __attribute__((always_inline))
#define LW_JB32 256 /* rows of b per chunk (multiple of 4) */

typedef float f32;
typedef double f64;

LW_INLINE32 v128_t lw_vexpf(v128_t x) {
  const v128_t tiny = wasm_f32x4_lt(x, wasm_f32x4_splat(-87.33f));
  x = wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.33f));
  x = wasm_f32x4_pmin(x, wasm_f32x4_splat(88.0f));
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.98412698e-4f);                                      /* 1/7! */
  p = LW_MADD_F32(p, r, wasm_f32x4_splat(1.38888889e-3f));       /* 1/6! */
  p = LW_MADD_F32(p, r, wasm_f32x4_splat(8.33333333e-3f));       /* 1/5! */
  p = LW_MADD_F32(p, r, wasm_f32x4_splat(4.16666667e-2f));       /* 1/4! */
  p = LW_MADD_F32(p, r, wasm_f32x4_splat(1.66666667e-1f));       /* 1/3! */
  p = LW_MADD_F32(p, r, wasm_f32x4_splat(0.5f));
  p = LW_MADD_F32(p, r, wasm_f32x4_splat(1.0f));
  p = LW_MADD_F32(p, r, wasm_f32x4_splat(1.0f));
  const v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, e), tiny);
}

/* Panels of four rows of b interleaved per coordinate; missing rows copy the last real one. */
static void pack4(f32 *restrict dst, const f32 *restrict b, int j0, int nj, int d) {
  const int np = (nj + 3) >> 2;
  for (int p = 0; p < np; p++) {
    const f32 *rows[4];
    for (int l = 0; l < 4; l++) {
      const int j = 4 * p + l < nj ? 4 * p + l : nj - 1;
      rows[l] = b + (int64_t)(j0 + j) * d;
    }
    f32 *o = dst + (int64_t)p * 4 * d;
    for (int k = 0; k < d; k++) {
      o[4 * k] = rows[0][k];
      o[4 * k + 1] = rows[1][k];
      o[4 * k + 2] = rows[2][k];
      o[4 * k + 3] = rows[3][k];
    }
  }
}

#define LW_TILE32(R, Q)                                                                          \
  LW_INLINE32 void tile32_##R##x##Q(v128_t s[4][2], const f32 *a, int lda, const f32 *P, int d) { \
    v128_t acc[4][2];                                                                            \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                              \
      _Pragma("clang loop unroll(full)") for (int q = 0; q < Q; q++) acc[r][q] =                \
          wasm_f32x4_splat(0.0f);                                                                \
    const f32 *P1 = P + 4 * d;                                                                   \
    for (int k = 0; k < d; k++) {                                                                \
      v128_t bv[2];                                                                              \
      bv[0] = wasm_v128_load(P + 4 * k);                                                         \
      if (Q > 1) bv[1] = wasm_v128_load(P1 + 4 * k);                                             \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                          \
        const v128_t av = wasm_v128_load32_splat(a + r * lda + k);                               \
        _Pragma("clang loop unroll(full)") for (int q = 0; q < Q; q++) {                        \
          const v128_t t = wasm_f32x4_sub(av, bv[q]);                                            \
          acc[r][q] = LW_MADD_F32(t, t, acc[r][q]);                                              \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                              \
      _Pragma("clang loop unroll(full)") for (int q = 0; q < Q; q++) s[r][q] = acc[r][q];       \
  }
LW_TILE32(4, 2)
LW_TILE32(4, 1)
LW_TILE32(3, 2)
LW_TILE32(3, 1)
LW_TILE32(2, 2)
LW_TILE32(2, 1)
LW_TILE32(1, 2)
LW_TILE32(1, 1)

LW_INLINE32 void tile32(int R, int Q, v128_t s[4][2], const f32 *a, int lda, const f32 *P, int d) {
  if (Q == 2) {
    switch (R) {
      case 4: tile32_4x2(s, a, lda, P, d); return;
      case 3: tile32_3x2(s, a, lda, P, d); return;
      case 2: tile32_2x2(s, a, lda, P, d); return;
      default: tile32_1x2(s, a, lda, P, d); return;
    }
  }
  switch (R) {
    case 4: tile32_4x1(s, a, lda, P, d); return;
    case 3: tile32_3x1(s, a, lda, P, d); return;
    case 2: tile32_2x1(s, a, lda, P, d); return;
    default: tile32_1x1(s, a, lda, P, d); return;
  }
}

/*
 * pts[r·d + k] += Σ_{j<nj} coef[r·LW_JB32 + j]·b[j·d + k]: f32 partial sums over the chunk in
 * registers (8 coordinates × R rows per tile), added to the f64 points once per chunk. When d
 * is not a multiple of 8, the last tile is the 8 coordinates ending at d and adds only its
 * lanes from `from` on (the ones the tiles before did not cover): each lane sums the same
 * terms in the same order as a scalar loop would, without a scalar pass over the chunk.
 */
#define LW_PTS32(R)                                                                               \
  LW_INLINE32 void tile_points32_##R(f64 *pts, const f32 *coef, const f32 *b, int nj, int d,     \
                                     int k, int from) {                                           \
    v128_t acc[4][2];                                                                             \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                             \
      acc[r][0] = wasm_f32x4_splat(0.0f);                                                         \
      acc[r][1] = wasm_f32x4_splat(0.0f);                                                         \
    }                                                                                             \
    for (int j = 0; j < nj; j++) {                                                                \
      const v128_t b0 = wasm_v128_load(b + (int64_t)j * d + k);                                   \
      const v128_t b1 = wasm_v128_load(b + (int64_t)j * d + k + 4);                               \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                           \
        const v128_t c = wasm_v128_load32_splat(coef + r * LW_JB32 + j);                          \
        acc[r][0] = LW_MADD_F32(c, b0, acc[r][0]);                                                \
        acc[r][1] = LW_MADD_F32(c, b1, acc[r][1]);                                                \
      }                                                                                           \
    }                                                                                             \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                             \
      f64 *p = pts + r * d + k;                                                                   \
      f32 t[8];                                                                                   \
      wasm_v128_store(t, acc[r][0]);                                                              \
      wasm_v128_store(t + 4, acc[r][1]);                                                          \
      for (int l = from; l < 8; l++) p[l] += t[l];                                                \
    }                                                                                             \
  }                                                                                               \
  LW_INLINE32 void points32_##R(f64 *pts, const f32 *coef, const f32 *b, int nj, int d) {       \
    int k = 0;                                                                                    \
    for (; k + 8 <= d; k += 8) tile_points32_##R(pts, coef, b, nj, d, k, 0);                      \
    if (k < d && d >= 8) {                                                                        \
      tile_points32_##R(pts, coef, b, nj, d, d - 8, k - (d - 8));                                 \
      return;                                                                                     \
    }                                                                                             \
    for (; k < d; k++) {                                                                          \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                           \
        f32 s = 0.0f;                                                                             \
        for (int j = 0; j < nj; j++) s += coef[r * LW_JB32 + j] * b[(int64_t)j * d + k];          \
        pts[r * d + k] += s;                                                                      \
      }                                                                                           \
    }                                                                                             \
  }
LW_PTS32(4)
LW_PTS32(3)
LW_PTS32(2)
LW_PTS32(1)

static void accumulate_points32(f64 *pts, int R, const f32 *coef, const f32 *b, int nj, int d) {
  switch (R) {
    case 4: points32_4(pts, coef, b, nj, d); return;
    case 3: points32_3(pts, coef, b, nj, d); return;
    case 2: points32_2(pts, coef, b, nj, d); return;
    default: points32_1(pts, coef, b, nj, d); return;
  }
}

/* Scratch bytes for the f32 kernels at dimension d. */
EXPORT(lw_scratch_bytes_f32) int lw_scratch_bytes_f32(int d) {
  return (LW_JB32 * d + (LW_JB32 + 4) + 4 * LW_JB32 + 64) * (int)sizeof(f32) + 4 * 64 * (int)sizeof(f64);
}

/* out[i] = Σ_j wb_j·exp(−γ‖a_i − b_j‖²) (f64 out, f32 math); pts as lw_rbf_rowsums. */
EXPORT(lw_rbf_rowsums_f32)
void lw_rbf_rowsums_f32(f64 *out, const f32 *a, int na, const f32 *b, const f32 *wb, int nb, int d,
                        f64 gamma, f64 *pts, f32 *scratch) {
  const v128_t ng = wasm_f32x4_splat((f32)-gamma);
  f32 *panels = scratch;
  f32 *w = panels + LW_JB32 * d;
  f32 *coef = w + LW_JB32 + 4;
  for (int i = 0; i < na; i++) out[i] = 0.0;
  if (pts) for (int64_t t = 0; t < (int64_t)na * d; t++) pts[t] = 0.0;
  for (int j0 = 0; j0 < nb; j0 += LW_JB32) {
    const int nj = nb - j0 < LW_JB32 ? nb - j0 : LW_JB32;
    const int np = (nj + 3) >> 2;
    pack4(panels, b, j0, nj, d);
    for (int j = 0; j < nj; j++) w[j] = wb[j0 + j];
    for (int j = nj; j < 4 * np; j++) w[j] = 0.0f;
    for (int i = 0; i < na; i += 4) {
      const int R = na - i < 4 ? na - i : 4;
      v128_t acc[4];
      for (int r = 0; r < 4; r++) acc[r] = wasm_f32x4_splat(0.0f);
      for (int p = 0; p < np; p += 2) {
        const int Q = np - p < 2 ? np - p : 2;
        v128_t s[4][2];
        tile32(R, Q, s, a + (int64_t)i * d, d, panels + (int64_t)p * 4 * d, d);
        for (int q = 0; q < Q; q++) {
          const v128_t wv = wasm_v128_load(w + 4 * (p + q));
          for (int r = 0; r < R; r++) {
            const v128_t c = wasm_f32x4_mul(wv, lw_vexpf(wasm_f32x4_mul(ng, s[r][q])));
            acc[r] = wasm_f32x4_add(acc[r], c);
            if (pts) wasm_v128_store(coef + r * LW_JB32 + 4 * (p + q), c);
          }
        }
      }
      for (int r = 0; r < R; r++) {
        out[i + r] += ((f64)wasm_f32x4_extract_lane(acc[r], 0) + (f64)wasm_f32x4_extract_lane(acc[r], 1)) +
                      ((f64)wasm_f32x4_extract_lane(acc[r], 2) + (f64)wasm_f32x4_extract_lane(acc[r], 3));
      }
      if (pts) accumulate_points32(pts + (int64_t)i * d, R, coef, b + (int64_t)j0 * d, nj, d);
    }
  }
}

/* k-means assignment in f32: labels[i] = argmin_c (lowest index on ties), dists[i] in f64. */
EXPORT(lw_nearest_centers_f32)
void lw_nearest_centers_f32(int32_t *labels, f64 *dists, const f32 *x, int n, const f32 *c, int k,
                            int d, f32 *scratch) {
  f32 *panels = scratch;
  for (int i = 0; i < n; i++) { dists[i] = __builtin_inf(); labels[i] = 0; }
  for (int c0 = 0; c0 < k; c0 += LW_JB32) {
    const int nc = k - c0 < LW_JB32 ? k - c0 : LW_JB32;
    const int np = (nc + 3) >> 2;
    pack4(panels, c, c0, nc, d);
    for (int i = 0; i < n; i += 4) {
      const int R = n - i < 4 ? n - i : 4;
      v128_t best[4], bidx[4];
      for (int r = 0; r < 4; r++) { best[r] = wasm_f32x4_splat(__builtin_inff()); bidx[r] = wasm_i32x4_splat(0); }
      v128_t idx = wasm_i32x4_make(c0, c0 + 1, c0 + 2, c0 + 3);
      const v128_t four = wasm_i32x4_splat(4);
      for (int p = 0; p < np; p += 2) {
        const int Q = np - p < 2 ? np - p : 2;
        v128_t s[4][2];
        tile32(R, Q, s, x + (int64_t)i * d, d, panels + (int64_t)p * 4 * d, d);
        for (int q = 0; q < Q; q++) {
          for (int r = 0; r < R; r++) {
            const v128_t m = wasm_f32x4_lt(s[r][q], best[r]);
            best[r] = wasm_v128_bitselect(s[r][q], best[r], m);
            bidx[r] = wasm_v128_bitselect(idx, bidx[r], m);
          }
          idx = wasm_i32x4_add(idx, four);
        }
      }
      for (int r = 0; r < R; r++) {
        f32 v = wasm_f32x4_extract_lane(best[r], 0);
        int li = wasm_i32x4_extract_lane(bidx[r], 0);
#define LW_MERGE(L)                                                                 \
  {                                                                                 \
    const f32 vl = wasm_f32x4_extract_lane(best[r], L);                             \
    const int il = wasm_i32x4_extract_lane(bidx[r], L);                             \
    if (vl < v || (vl == v && il < li)) { v = vl; li = il; }                        \
  }
        LW_MERGE(1) LW_MERGE(2) LW_MERGE(3)
#undef LW_MERGE
        if ((f64)v < dists[i + r]) { dists[i + r] = (f64)v; labels[i + r] = li; }
      }
    }
  }
}
