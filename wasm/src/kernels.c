/*
 * RBF / k-means kernels for the learnware market, f64, WebAssembly SIMD128.
 *
 * Memory: no allocator. The host (wasm/mod.ts) copies inputs into linear memory above
 * __heap_base, passes byte offsets, and gives every kernel a scratch area sized by
 * lw_scratch_bytes(). Nothing is retained between calls.
 *
 * Layout and arithmetic:
 *  - Squared distances are summed from coordinate differences, k = 0..d−1 in order, one
 *    (i, j) pair per SIMD lane, so every ‖a_i − b_j‖² is bit-identical to the TypeScript
 *    reference. `b` is packed in panels of two rows interleaved per coordinate
 *    ([b_{2p,k}, b_{2p+1,k}] for k = 0..d−1) so one 4-row × 4-column tile reuses each load.
 *  - Sums over j run in fixed chunks of LW_JB rows of b: within a chunk lane 0 adds the even
 *    j and lane 1 the odd j in increasing order, the chunk adds lane0 + lane1 to the running
 *    total. The order depends only on (nb), never on how rows of `a` are grouped, so a row's
 *    sum is the same whichever rows (or threads) it is computed with.
 */
#include <stdint.h>
#include <wasm_simd128.h>
#include "vexp.h"

#define EXPORT(name) __attribute__((export_name(#name)))
#define LW_JB 256 /* rows of b per chunk (even) */

typedef double f64;

/* ---- packing ---------------------------------------------------------------------------- */

/* Packs rows [j0, j0+nj) of b (row-major, d columns) into ceil(nj/2) interleaved panels. A
 * missing odd row is a copy of the last real one (its weight is set to 0 by the caller). */
static void pack_panels(f64 *restrict dst, const f64 *restrict b, int j0, int nj, int d) {
  const int np = (nj + 1) >> 1;
  for (int p = 0; p < np; p++) {
    const f64 *r0 = b + (int64_t)(j0 + 2 * p) * d;
    const f64 *r1 = (2 * p + 1 < nj) ? r0 + d : r0;
    f64 *o = dst + (int64_t)p * 2 * d;
    for (int k = 0; k < d; k++) {
      o[2 * k] = r0[k];
      o[2 * k + 1] = r1[k];
    }
  }
}

/* ---- the squared-distance tile ---------------------------------------------------------- */

/* s[r][q] = ‖a_r − b_{panel q}‖² lane-wise, for R rows of a (R ≤ 4) and Q panels (Q ≤ 2). */
#define LW_TILE(R, Q, NAME, MADD)                                                                \
  LW_INLINE void NAME##_##R##x##Q(v128_t s[4][2], const f64 *a, int lda, const f64 *P, int d) { \
    v128_t acc[4][2];                                                                            \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                              \
      _Pragma("clang loop unroll(full)") for (int q = 0; q < Q; q++) acc[r][q] =                \
          wasm_f64x2_splat(0.0);                                                                 \
    const f64 *P1 = P + 2 * d;                                                                   \
    for (int k = 0; k < d; k++) {                                                                \
      v128_t bv[2];                                                                              \
      bv[0] = wasm_v128_load(P + 2 * k);                                                         \
      if (Q > 1) bv[1] = wasm_v128_load(P1 + 2 * k);                                             \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                          \
        const v128_t av = wasm_v128_load64_splat(a + r * lda + k);                               \
        _Pragma("clang loop unroll(full)") for (int q = 0; q < Q; q++) {                        \
          const v128_t t = wasm_f64x2_sub(av, bv[q]);                                            \
          acc[r][q] = MADD(t, t, acc[r][q]);                                                     \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                              \
      _Pragma("clang loop unroll(full)") for (int q = 0; q < Q; q++) s[r][q] = acc[r][q];       \
  }
/* Exact: the squared distances k-means and lw_sqdist_block return (bit-identical to the
 * reference in every build). */
#define LW_PLAIN_MADD(a, b, c) wasm_f64x2_add((c), wasm_f64x2_mul((a), (b)))
#define LW_TILES(NAME, MADD)                                                                     \
  LW_TILE(4, 2, NAME, MADD)                                                                      \
  LW_TILE(4, 1, NAME, MADD)                                                                      \
  LW_TILE(3, 2, NAME, MADD)                                                                      \
  LW_TILE(3, 1, NAME, MADD)                                                                      \
  LW_TILE(2, 2, NAME, MADD)                                                                      \
  LW_TILE(2, 1, NAME, MADD)                                                                      \
  LW_TILE(1, 2, NAME, MADD)                                                                      \
  LW_TILE(1, 1, NAME, MADD)                                                                      \
  LW_INLINE void NAME(int R, int Q, v128_t s[4][2], const f64 *a, int lda, const f64 *P, int d) { \
    if (Q == 2) {                                                                                \
      switch (R) {                                                                               \
        case 4: NAME##_4x2(s, a, lda, P, d); return;                                             \
        case 3: NAME##_3x2(s, a, lda, P, d); return;                                             \
        case 2: NAME##_2x2(s, a, lda, P, d); return;                                             \
        default: NAME##_1x2(s, a, lda, P, d); return;                                            \
      }                                                                                          \
    }                                                                                            \
    switch (R) {                                                                                 \
      case 4: NAME##_4x1(s, a, lda, P, d); return;                                               \
      case 3: NAME##_3x1(s, a, lda, P, d); return;                                               \
      case 2: NAME##_2x1(s, a, lda, P, d); return;                                               \
      default: NAME##_1x1(s, a, lda, P, d); return;                                              \
    }                                                                                            \
  }
LW_TILES(tile, LW_PLAIN_MADD)
/* Kernel values only (exp(−γ·s) absorbs the last-bit difference): fused in the relaxed build. */
LW_TILES(ktile, LW_MADD_F64)

/* ---- scratch ------------------------------------------------------------------------------ */

/* Bytes of scratch any kernel below needs for dimension d (panels of one chunk + weights +
 * the 4×LW_JB coefficient block + 4 row sums). */
EXPORT(lw_scratch_bytes) int lw_scratch_bytes(int d) {
  return (LW_JB * d + (LW_JB + 2) + 4 * LW_JB + 64) * (int)sizeof(f64);
}

/* ---- RBF block ---------------------------------------------------------------------------- */

/* out[i·nb + j] = exp(−γ‖a_i − b_j‖²) when `rbf`, else ‖a_i − b_j‖²: one body for both blocks
 * (inlined with a constant flag, so each export has its own straight loop). */
LW_INLINE void block(f64 *out, const f64 *a, int na, const f64 *b, int nb, int d, f64 gamma, f64 *scratch,
                     int rbf) {
  const v128_t ng = wasm_f64x2_splat(-gamma);
  f64 *panels = scratch;
  for (int j0 = 0; j0 < nb; j0 += LW_JB) {
    const int nj = nb - j0 < LW_JB ? nb - j0 : LW_JB;
    const int np = (nj + 1) >> 1;
    pack_panels(panels, b, j0, nj, d);
    for (int i = 0; i < na; i += 4) {
      const int R = na - i < 4 ? na - i : 4;
      for (int p = 0; p < np; p += 2) {
        const int Q = np - p < 2 ? np - p : 2;
        v128_t s[4][2];
        if (rbf) ktile(R, Q, s, a + (int64_t)i * d, d, panels + (int64_t)p * 2 * d, d);
        else tile(R, Q, s, a + (int64_t)i * d, d, panels + (int64_t)p * 2 * d, d);
        for (int r = 0; r < R; r++) {
          f64 *o = out + (int64_t)(i + r) * nb + j0 + 2 * p;
          for (int q = 0; q < Q; q++) {
            const v128_t e = rbf ? lw_vexp(wasm_f64x2_mul(ng, s[r][q])) : s[r][q];
            const int j = 2 * (p + q);
            if (j + 1 < nj) wasm_v128_store(o + 2 * q, e);
            else wasm_v128_store64_lane(o + 2 * q, e, 0);
          }
        }
      }
    }
  }
}

/* out[i·nb + j] = exp(−γ‖a_i − b_j‖²). */
EXPORT(lw_rbf_block)
void lw_rbf_block(f64 *out, const f64 *a, int na, const f64 *b, int nb, int d, f64 gamma,
                  f64 *scratch) {
  block(out, a, na, b, nb, d, gamma, scratch, 1);
}

/* out[i·nb + j] = ‖a_i − b_j‖² (bit-identical to the reference's sum of squared differences):
 * the distances of every row to a few candidate points, e.g. the k-means++ trials of a step. */
EXPORT(lw_sqdist_block)
void lw_sqdist_block(f64 *out, const f64 *a, int na, const f64 *b, int nb, int d, f64 *scratch) {
  block(out, a, na, b, nb, d, 0.0, scratch, 0);
}

/* ---- point sums (the Z-gradient data term) ------------------------------------------------ */

/*
 * pts[r·d + k] += Σ_{j<nj} coef[r·LW_JB + j] · b[j·d + k] for r < R: the chunk's partial sum
 * runs over j in order in registers (4 coordinates × R rows per tile), then is added to pts
 * once. The order depends only on the chunking of j, not on which rows share the tile. When d
 * is not a multiple of 4, the last tile is the 4 coordinates ending at d and adds only its
 * lanes from `from` on: each lane sums the same terms in the same order as a scalar loop.
 */
#define LW_PTS(R)                                                                                 \
  LW_INLINE void tile_points_##R(f64 *pts, const f64 *coef, const f64 *b, int nj, int d, int k,  \
                                 int from) {                                                      \
    v128_t acc[4][2];                                                                             \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                             \
      acc[r][0] = wasm_f64x2_splat(0.0);                                                          \
      acc[r][1] = wasm_f64x2_splat(0.0);                                                          \
    }                                                                                             \
    for (int j = 0; j < nj; j++) {                                                                \
      const v128_t b0 = wasm_v128_load(b + (int64_t)j * d + k);                                   \
      const v128_t b1 = wasm_v128_load(b + (int64_t)j * d + k + 2);                               \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                           \
        const v128_t c = wasm_v128_load64_splat(coef + r * LW_JB + j);                            \
        acc[r][0] = LW_MADD_F64(c, b0, acc[r][0]);                                                \
        acc[r][1] = LW_MADD_F64(c, b1, acc[r][1]);                                                \
      }                                                                                           \
    }                                                                                             \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                             \
      f64 *p = pts + r * d + k;                                                                   \
      if (from == 0) {                                                                            \
        wasm_v128_store(p, wasm_f64x2_add(wasm_v128_load(p), acc[r][0]));                         \
        wasm_v128_store(p + 2, wasm_f64x2_add(wasm_v128_load(p + 2), acc[r][1]));                 \
      } else {                                                                                    \
        f64 t[4];                                                                                 \
        wasm_v128_store(t, acc[r][0]);                                                            \
        wasm_v128_store(t + 2, acc[r][1]);                                                        \
        for (int l = from; l < 4; l++) p[l] += t[l];                                              \
      }                                                                                           \
    }                                                                                             \
  }                                                                                               \
  LW_INLINE void points_##R(f64 *pts, const f64 *coef, const f64 *b, int nj, int d) {           \
    int k = 0;                                                                                    \
    for (; k + 4 <= d; k += 4) tile_points_##R(pts, coef, b, nj, d, k, 0);                        \
    if (k < d && d >= 4) {                                                                        \
      tile_points_##R(pts, coef, b, nj, d, d - 4, k - (d - 4));                                   \
      return;                                                                                     \
    }                                                                                             \
    for (; k < d; k++) {                                                                          \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                           \
        f64 s = 0.0;                                                                              \
        for (int j = 0; j < nj; j++) s += coef[r * LW_JB + j] * b[(int64_t)j * d + k];            \
        pts[r * d + k] += s;                                                                      \
      }                                                                                           \
    }                                                                                             \
  }
LW_PTS(4)
LW_PTS(3)
LW_PTS(2)
LW_PTS(1)

static void accumulate_points(f64 *pts, int R, const f64 *coef, const f64 *b, int nj, int d) {
  switch (R) {
    case 4: points_4(pts, coef, b, nj, d); return;
    case 3: points_3(pts, coef, b, nj, d); return;
    case 2: points_2(pts, coef, b, nj, d); return;
    default: points_1(pts, coef, b, nj, d); return;
  }
}

/* ---- row sums (the C vector, MMD terms and the Z-gradient term) --------------------------- */

/*
 * out[i] = Σ_j wb_j·exp(−γ‖a_i − b_j‖²) for i in [0, na). When pts ≠ 0 also
 * pts[i·d + k] = Σ_j wb_j·k(a_i, b_j)·b_{j,k} (j in increasing order).
 */
EXPORT(lw_rbf_rowsums)
void lw_rbf_rowsums(f64 *out, const f64 *a, int na, const f64 *b, const f64 *wb, int nb, int d,
                    f64 gamma, f64 *pts, f64 *scratch) {
  const v128_t ng = wasm_f64x2_splat(-gamma);
  f64 *panels = scratch;
  f64 *w = panels + LW_JB * d;      /* LW_JB weights (+ a 0 for the padded lane) */
  f64 *coef = w + LW_JB + 2;        /* 4 × LW_JB coefficients wb_j·k_ij */
  for (int i = 0; i < na; i++) out[i] = 0.0;
  if (pts) for (int64_t t = 0; t < (int64_t)na * d; t++) pts[t] = 0.0;
  for (int j0 = 0; j0 < nb; j0 += LW_JB) {
    const int nj = nb - j0 < LW_JB ? nb - j0 : LW_JB;
    const int np = (nj + 1) >> 1;
    pack_panels(panels, b, j0, nj, d);
    for (int j = 0; j < nj; j++) w[j] = wb[j0 + j];
    w[nj] = 0.0; /* the padded lane of an odd chunk */
    for (int i = 0; i < na; i += 4) {
      const int R = na - i < 4 ? na - i : 4;
      v128_t acc[4];
      for (int r = 0; r < 4; r++) acc[r] = wasm_f64x2_splat(0.0);
      for (int p = 0; p < np; p += 2) {
        const int Q = np - p < 2 ? np - p : 2;
        v128_t s[4][2];
        ktile(R, Q, s, a + (int64_t)i * d, d, panels + (int64_t)p * 2 * d, d);
        for (int q = 0; q < Q; q++) {
          const v128_t wv = wasm_v128_load(w + 2 * (p + q));
          for (int r = 0; r < R; r++) {
            const v128_t c = wasm_f64x2_mul(wv, lw_vexp(wasm_f64x2_mul(ng, s[r][q])));
            acc[r] = wasm_f64x2_add(acc[r], c);
            if (pts) wasm_v128_store(coef + r * LW_JB + 2 * (p + q), c);
          }
        }
      }
      for (int r = 0; r < R; r++) {
        out[i + r] += wasm_f64x2_extract_lane(acc[r], 0) + wasm_f64x2_extract_lane(acc[r], 1);
      }
      if (pts) accumulate_points(pts + (int64_t)i * d, R, coef, b + (int64_t)j0 * d, nj, d);
    }
  }
}

/* Σ_i wa_i · (Σ_j wb_j·exp(−γ‖a_i − b_j‖²)); row sums as lw_rbf_rowsums, then i in order.
 * `rows` receives the na row sums (scratch the caller provides). */
EXPORT(lw_rbf_weighted_sum)
f64 lw_rbf_weighted_sum(const f64 *a, const f64 *wa, int na, const f64 *b, const f64 *wb, int nb,
                        int d, f64 gamma, f64 *rows, f64 *scratch) {
  lw_rbf_rowsums(rows, a, na, b, wb, nb, d, gamma, 0, scratch);
  f64 total = 0.0;
  for (int i = 0; i < na; i++) total += wa[i] * rows[i];
  return total;
}

/*
 * Many inner products against one fixed set: out[s] = ip(A_s, B) (first = A_s, γ_s) for
 * s < ns, where A_s are rows [off[s], off[s+1]) of `a` with weights wa. Each out[s] is
 * bit-identical to lw_rbf_weighted_sum(A_s, …, B, …, γ_s). `rows` needs max rows of an A_s.
 */
EXPORT(lw_rbf_weighted_sums_many)
void lw_rbf_weighted_sums_many(f64 *out, const f64 *a, const f64 *wa, const int32_t *off,
                               const f64 *gammas, int ns, const f64 *b, const f64 *wb, int nb,
                               int d, f64 *rows, f64 *scratch) {
  for (int s = 0; s < ns; s++) {
    const int i0 = off[s], n = off[s + 1] - off[s];
    out[s] = lw_rbf_weighted_sum(a + (int64_t)i0 * d, wa + i0, n, b, wb, nb, d, gammas[s], rows,
                                 scratch);
  }
}

/* Self inner products out[s] = ip(A_s, A_s) with γ_s, same arithmetic as a single call. */
EXPORT(lw_rbf_self_sums_many)
void lw_rbf_self_sums_many(f64 *out, const f64 *a, const f64 *wa, const int32_t *off,
                           const f64 *gammas, int ns, int d, f64 *rows, f64 *scratch) {
  for (int s = 0; s < ns; s++) {
    const int i0 = off[s], n = off[s + 1] - off[s];
    const f64 *as = a + (int64_t)i0 * d;
    out[s] = lw_rbf_weighted_sum(as, wa + i0, n, as, wa + i0, n, d, gammas[s], rows, scratch);
  }
}

/* ---- k-means assignment ------------------------------------------------------------------- */

/* labels[i] = argmin_c ‖x_i − c_c‖² (lowest index on ties), dists[i] the minimum. Rows whose
 * every distance is NaN get label 0 and +Inf, as the reference. */
EXPORT(lw_nearest_centers)
void lw_nearest_centers(int32_t *labels, f64 *dists, const f64 *x, int n, const f64 *c, int k,
                        int d, f64 *scratch) {
  const v128_t inf = wasm_f64x2_splat(__builtin_inf());
  for (int i = 0; i < n; i++) { dists[i] = __builtin_inf(); labels[i] = 0; }
  f64 *panels = scratch;
  for (int c0 = 0; c0 < k; c0 += LW_JB) {
    const int nc = k - c0 < LW_JB ? k - c0 : LW_JB;
    const int np = (nc + 1) >> 1;
    pack_panels(panels, c, c0, nc, d);
    for (int i = 0; i < n; i += 4) {
      const int R = n - i < 4 ? n - i : 4;
      v128_t best[4], bidx[4];
      for (int r = 0; r < 4; r++) { best[r] = inf; bidx[r] = wasm_f64x2_splat(0.0); }
      v128_t idx = wasm_f64x2_make((f64)c0, (f64)(c0 + 1));
      const v128_t two = wasm_f64x2_splat(2.0);
      for (int p = 0; p < np; p += 2) {
        const int Q = np - p < 2 ? np - p : 2;
        v128_t s[4][2];
        tile(R, Q, s, x + (int64_t)i * d, d, panels + (int64_t)p * 2 * d, d);
        for (int q = 0; q < Q; q++) {
          for (int r = 0; r < R; r++) {
            const v128_t m = wasm_f64x2_lt(s[r][q], best[r]);
            best[r] = wasm_v128_bitselect(s[r][q], best[r], m);
            bidx[r] = wasm_v128_bitselect(idx, bidx[r], m);
          }
          idx = wasm_f64x2_add(idx, two);
        }
      }
      /* Merge the even- and odd-index lanes with the chunk's previous best (lower index wins
       * ties: chunks come in increasing order, and within a chunk compare indices). */
      for (int r = 0; r < R; r++) {
        const f64 v0 = wasm_f64x2_extract_lane(best[r], 0), v1 = wasm_f64x2_extract_lane(best[r], 1);
        const int i0 = (int)wasm_f64x2_extract_lane(bidx[r], 0);
        const int i1 = (int)wasm_f64x2_extract_lane(bidx[r], 1);
        f64 v; int li;
        if (v1 < v0 || (v1 == v0 && i1 < i0)) { v = v1; li = i1; } else { v = v0; li = i0; }
        if (v < dists[i + r]) { dists[i + r] = v; labels[i + r] = li; }
      }
    }
  }
}

/* ---- utilities ---------------------------------------------------------------------------- */

/* out[i] = exp(x[i]) with the kernels' vectorised exp (tests and benchmarks use it). */
EXPORT(lw_exp_array)
void lw_exp_array(f64 *out, const f64 *x, int n) {
  int i = 0;
  for (; i + 2 <= n; i += 2) wasm_v128_store(out + i, lw_vexp(wasm_v128_load(x + i)));
  if (i < n) {
    const v128_t e = lw_vexp(wasm_f64x2_splat(x[i]));
    out[i] = wasm_f64x2_extract_lane(e, 0);
  }
}
