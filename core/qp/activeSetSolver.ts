/**
 * The primal active-set method behind `solveSimplexQp` (see `simplexQp.ts` for the problem
 * and the public API). Internal to `core/qp/`: inputs are assumed validated.
 *
 * State: a feasible `x`, a working set `F` of free variables (the rest are held at 0) and
 * an updatable Cholesky factor of `K̃[F, F]`, `K̃ = K + ρ·11ᵀ`. Each step either moves to
 * the minimiser of the QP restricted to `F` (dropping the first variable that reaches 0 on
 * the way) or, at that minimiser, brings in the variable with the most negative multiplier.
 * Wide supports (the usual RKME case) start from a crash: factor everything, drop the
 * negatives of the equality-only minimiser until it is feasible; narrow ones start at the
 * best vertex.
 */
import { ActiveCholesky } from "./activeCholesky.ts";
import type { QpResult } from "./simplexQp.ts";

/** Relative size below which a Cholesky pivot counts as zero curvature. */
const PIVOT_EPS = 1e-13;
/** Relative size below which a negative multiplier counts as zero (optimality). */
const MULTIPLIER_EPS = 1e-13;

/** One solve's state and scratch buffers; every buffer is allocated once, here. */
export class ActiveSetSolver {
  readonly n: number;
  /** Symmetric part of K. */
  readonly S: Float64Array;
  readonly C: Float64Array;
  readonly rho: number;
  readonly pivotTol: number;
  readonly multiplierTol: number;
  readonly chol: ActiveCholesky;
  /** Current iterate (always feasible). */
  readonly x: Float64Array;
  /** Gradient S·x − C. */
  readonly g: Float64Array;
  /** 1 when a variable is in the working set (free), else 0 (held at zero). */
  readonly free: Uint8Array;
  // Scratch vectors, indexed by factor position (the pending variable, if any, last).
  readonly l: Float64Array;
  readonly u: Float64Array;
  readonly p: Float64Array;
  readonly r: Float64Array;
  /** y1 = L⁻¹·1, kept current on appends and recomputed after a removal. */
  readonly y1: Float64Array;
  y1Stale = false;
  /** A free variable not yet in the factor (its pivot vanished), or −1. */
  pending = -1;
  iterations = 0;

  constructor(K: Float64Array, C: Float64Array, n: number) {
    this.n = n;
    const S = (this.S = new Float64Array(n * n));
    let kMax = 0;
    for (let i = 0; i < n; i++) {
      S[i * n + i] = K[i * n + i]!;
      for (let j = 0; j < i; j++) {
        const v = 0.5 * (K[i * n + j]! + K[j * n + i]!);
        S[i * n + j] = v;
        S[j * n + i] = v;
      }
    }
    for (let i = 0; i < n * n; i++) kMax = Math.max(kMax, Math.abs(S[i]!));
    let cMax = 0;
    for (let i = 0; i < n; i++) cMax = Math.max(cMax, Math.abs(C[i]!));
    this.C = C;
    // ρ ≥ max|K| keeps K̃ = K + ρ·11ᵀ's diagonal positive even for a slightly indefinite K.
    this.rho = kMax > 0 ? 2 * kMax : 1;
    this.pivotTol = PIVOT_EPS * 3 * this.rho;
    this.multiplierTol = MULTIPLIER_EPS * (kMax + cMax);
    this.chol = new ActiveCholesky(n);
    this.x = new Float64Array(n);
    this.g = new Float64Array(n);
    this.free = new Uint8Array(n);
    this.l = new Float64Array(n);
    this.u = new Float64Array(n);
    this.p = new Float64Array(n + 1);
    this.r = new Float64Array(n);
    this.y1 = new Float64Array(n);
  }

  run(maxIterations: number): QpResult {
    const { n, x } = this;
    // `fresh`: x is the working set's minimiser computed from scratch (not by accumulated
    // steps), so the multipliers there are trustworthy and optimality can be declared.
    let fresh = this.crashStart(maxIterations);
    if (!fresh) this.vertexStart();
    let atMinimum = true;
    let status: QpResult["status"] = "max_iterations";
    for (;;) {
      if (this.pending >= 0 || !atMinimum) {
        if (this.iterations >= maxIterations) break;
        this.iterations++;
        atMinimum = fresh = this.pending >= 0 ? this.stepPending() : this.stepNewton();
        continue;
      }
      this.gradient();
      const j = this.entering();
      if (j < 0) {
        if (fresh) {
          status = "optimal";
          break;
        }
        // Polish: recompute the minimiser on the final working set from scratch (with
        // refinement) in place of the accumulated steps, then re-check the multipliers.
        atMinimum = fresh = this.stepNewton();
        continue;
      }
      if (this.iterations >= maxIterations) break;
      this.iterations++;
      fresh = false;
      atMinimum = this.stepEnter(j);
    }
    // Exact feasibility: zeros are exact already; renormalise the sum.
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (x[i]! < 0) x[i] = 0;
      sum += x[i]!;
    }
    for (let i = 0; i < n; i++) x[i] = x[i]! / sum;
    return { status, x, objective: this.objective(), iterations: this.iterations };
  }

  /** Starts at the best vertex, argmin ½K_kk − C_k (lowest index on ties). */
  vertexStart(): void {
    const { n, S, C, x, chol } = this;
    let k0 = 0;
    for (let k = 1; k < n; k++) {
      if (0.5 * S[k * n + k]! - C[k]! < 0.5 * S[k0 * n + k0]! - C[k0]!) k0 = k;
    }
    x.fill(0);
    this.free.fill(0);
    chol.size = 0;
    x[k0] = 1;
    this.free[k0] = 1;
    chol.append(k0, S[k0 * n + k0]! + this.rho);
    this.y1[0] = 1 / chol.L[0]!;
    this.y1Stale = false;
  }

  /**
   * Crash start for wide supports (RKME weights usually keep most points): factor every
   * variable whose pivot does not vanish, then repeatedly drop the variables that are
   * negative at the working set's minimiser until it is feasible. That minimiser is a
   * valid start; variables dropped wrongly come back through their multipliers. Gives up
   * (returns false) when most variables are negative at first, i.e. the support is small
   * and a vertex start is cheaper, or when its rounds would pass the step cap.
   */
  crashStart(maxIterations: number): boolean {
    const { n, chol, u, x, free } = this;
    if (maxIterations <= 0) return false;
    for (let j = 0; j < n; j++) {
      const d = this.pivot(j);
      if (d > this.pivotTol) {
        this.appendToFactor(j, d);
        free[j] = 1;
      }
    }
    for (let round = 0; ; round++) {
      if (this.iterations >= maxIterations) return false;
      this.iterations++;
      this.target();
      const k = chol.size;
      let negatives = 0;
      for (let q = 0; q < k; q++) if (u[q]! < 0) negatives++;
      if (negatives === 0) {
        for (let q = 0; q < k; q++) x[chol.idx[q]!] = u[q]!;
        return true;
      }
      if (round === 0 && 2 * negatives > k) return false;
      for (let q = k - 1; q >= 0; q--) {
        if (u[q]! < 0) {
          free[chol.idx[q]!] = 0;
          chol.remove(q);
        }
      }
      this.y1Stale = true;
    }
  }

  /** g = S·x − C, using only the free columns (x is zero elsewhere). */
  gradient(): void {
    const { n, S, C, x, g } = this;
    for (let i = 0; i < n; i++) g[i] = -C[i]!;
    for (let f = 0; f < n; f++) {
      const xf = x[f]!;
      if (xf === 0) continue;
      const row = f * n;
      for (let i = 0; i < n; i++) g[i] = g[i]! + S[row + i]! * xf;
    }
  }

  objective(): number {
    const { n, S, C, x } = this;
    let quad = 0;
    let lin = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const row = i * n;
      let s = 0;
      for (let j = 0; j < n; j++) {
        const xj = x[j]!;
        if (xj !== 0) s += S[row + j]! * xj;
      }
      quad += xi * s;
      lin += C[i]! * xi;
    }
    return 0.5 * quad - lin;
  }

  /** The variable with the most negative multiplier below −tolerance, or −1 (optimal). */
  entering(): number {
    const { n, g, x, free } = this;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      if (xi > 0) {
        num += g[i]! * xi;
        den += xi;
      }
    }
    const nu = -num / den;
    let best = -1;
    let bestVal = -this.multiplierTol;
    for (let i = 0; i < n; i++) {
      if (free[i]) continue;
      const lambda = g[i]! + nu;
      if (lambda < bestVal) {
        bestVal = lambda;
        best = i;
      }
    }
    return best;
  }

  /** K̃[F, j] into l (factor order) and returns K̃_jj. */
  column(j: number): number {
    const { chol, S, n, l, rho } = this;
    const row = j * n;
    for (let q = 0; q < chol.size; q++) l[q] = S[row + chol.idx[q]!]! + rho;
    return S[row + j]! + rho;
  }

  /** Makes y1 = L⁻¹·1 current (after a removal) and returns 1ᵀK̃⁻¹1 = ‖y1‖². */
  onesNorm(): number {
    const { chol, y1 } = this;
    const k = chol.size;
    if (this.y1Stale) {
      for (let q = 0; q < k; q++) y1[q] = 1;
      chol.forward(y1);
      this.y1Stale = false;
    }
    let s = 0;
    for (let q = 0; q < k; q++) s += y1[q]! * y1[q]!;
    return s;
  }

  /** Appends j to the factor (l = L⁻¹K̃[F,j], pivot d) and extends y1 in O(k). */
  appendToFactor(j: number, d: number): void {
    const { chol, l, y1 } = this;
    const k = chol.size;
    this.onesNorm();
    let s = 1;
    for (let q = 0; q < k; q++) s -= l[q]! * y1[q]!;
    chol.append(j, d, l);
    y1[k] = s / Math.sqrt(d);
  }

  /** Puts L⁻¹K̃[F,j] into l and returns the pivot K̃_jj − ‖l‖². */
  pivot(j: number): number {
    const { chol, l } = this;
    const k = chol.size;
    let d = this.column(j);
    chol.forward(l);
    for (let q = 0; q < k; q++) d -= l[q]! * l[q]!;
    return d;
  }

  /**
   * Brings variable j (held at zero, with a negative multiplier at the minimiser of the
   * current working set) into the working set. The feasible direction p with p_j = 1 and
   * Σp = 0 that is K̃-conjugate to the working set has slope λ_j < 0 and curvature
   * c = d + μ²·1ᵀK̃⁻¹1 (d the new pivot), so the step −λ_j/c lands on the new working
   * set's minimiser, unless a free variable reaches zero first (it then leaves). A
   * vanishing pivot means zero curvature: the step runs to the nearest bound, and j waits
   * as `pending` until it can be factored. Returns whether x is a minimiser.
   */
  stepEnter(j: number): boolean {
    const d = this.pivot(j);
    const { slope, curvature } = this.direction(j, d);
    this.free[j] = 1;
    if (d > this.pivotTol) {
      const t = curvature > 0 ? -slope / curvature : Infinity;
      if (this.ratioStep(t, j) < 0) {
        this.appendToFactor(j, d);
        return true;
      }
      // A blocker left the factor, so l is stale: factor j again on the next step.
    } else {
      this.ratioStep(Infinity, j);
    }
    if (this.free[j]) this.pending = j;
    return false;
  }

  /**
   * Direction p (factor positions; p[k] for variable j) with p_j = 1, Σp = 0 and
   * p_F = −K̃⁻¹(K̃[F,j] + μ·1) = −L⁻ᵀ(l + μ·y1); expects l = L⁻¹K̃[F,j]. Returns the
   * slope gᵀp and the curvature pᵀKp = d + μ²·‖y1‖².
   */
  direction(j: number, d: number): { slope: number; curvature: number } {
    const { chol, l, y1, p, g } = this;
    const k = chol.size;
    let mu = 0;
    let ow = 0;
    if (k > 0) {
      ow = this.onesNorm();
      let yl = 0;
      for (let q = 0; q < k; q++) yl += y1[q]! * l[q]!;
      mu = (1 - yl) / ow;
    }
    for (let q = 0; q < k; q++) p[q] = -(l[q]! + mu * y1[q]!);
    chol.backward(p);
    let sumP = 0;
    let slope = 0;
    for (let q = 0; q < k; q++) {
      const pq = p[q]!;
      sumP += pq;
      slope += g[chol.idx[q]!]! * pq;
    }
    // Σp = 0 in exact arithmetic; the rounding residue goes to p_j (≈ 1).
    p[k] = -sumP;
    slope += g[j]! * p[k]!;
    return { slope, curvature: d + mu * mu * ow };
  }

  /**
   * x += α·p over the factor's variables plus `extra` (p[k], −1 for none) with
   * α = min(tMax, largest feasible step). A blocking variable is set to exactly zero and
   * leaves the working set; returns its variable index, or −1 for a full step.
   */
  ratioStep(tMax: number, extra: number): number {
    const { chol, x, p } = this;
    const k = chol.size;
    const m = extra >= 0 ? k + 1 : k;
    let alpha = tMax;
    let block = -1;
    for (let q = 0; q < m; q++) {
      const pq = p[q]!;
      if (pq < 0) {
        const xi = x[q < k ? chol.idx[q]! : extra]!;
        const a = xi / -pq;
        if (a < alpha) {
          alpha = a;
          block = q;
        }
      }
    }
    if (alpha === Infinity) throw new Error("Internal: unbounded step on the simplex");
    for (let q = 0; q < m; q++) {
      const i = q < k ? chol.idx[q]! : extra;
      const xi = x[i]! + alpha * p[q]!;
      x[i] = xi > 0 ? xi : 0;
    }
    if (block < 0) return -1;
    const bi = block < k ? chol.idx[block]! : extra;
    x[bi] = 0;
    this.free[bi] = 0;
    if (block < k) {
      chol.remove(block);
      this.y1Stale = true;
    } else this.pending = -1;
    return bi;
  }

  /**
   * The pending variable j is free but not in the factor. Try to factor it; when its pivot
   * still vanishes, move along the zero-curvature direction (downhill) to the next bound.
   */
  stepPending(): boolean {
    const { chol, p } = this;
    const j = this.pending;
    const d = this.pivot(j);
    if (d > this.pivotTol) {
      this.appendToFactor(j, d);
      this.pending = -1;
      return this.stepNewton();
    }
    this.gradient();
    const { slope } = this.direction(j, d);
    if (slope > 0) for (let q = 0; q <= chol.size; q++) p[q] = -p[q]!;
    this.ratioStep(Infinity, j);
    return false;
  }

  /**
   * u = the minimiser of the QP restricted to the working set with only Σ = 1 enforced,
   * t = K̃⁻¹(C_F − μ·1) = L⁻ᵀ(L⁻¹C_F − μ·y1) with μ so that Σt = 1, plus one step of
   * iterative refinement on the KKT system K̃t + μ1 = C_F, Σt = 1 (factor order).
   */
  target(): void {
    const { chol, u, r, y1, C, S, n, rho } = this;
    const k = chol.size;
    const ow = this.onesNorm();
    for (let q = 0; q < k; q++) u[q] = C[chol.idx[q]!]!;
    chol.forward(u);
    let yc = 0;
    for (let q = 0; q < k; q++) yc += y1[q]! * u[q]!;
    const mu = (yc - 1) / ow;
    for (let q = 0; q < k; q++) u[q] = u[q]! - mu * y1[q]!;
    chol.backward(u);
    let st = 0;
    for (let q = 0; q < k; q++) st += u[q]!;
    for (let a = 0; a < k; a++) {
      const row = chol.idx[a]! * n;
      let s = rho * st + mu;
      for (let b = 0; b < k; b++) s += S[row + chol.idx[b]!]! * u[b]!;
      r[a] = C[chol.idx[a]!]! - s;
    }
    chol.forward(r);
    let yr = 0;
    for (let q = 0; q < k; q++) yr += y1[q]! * r[q]!;
    const dmu = (yr - (1 - st)) / ow;
    for (let q = 0; q < k; q++) r[q] = r[q]! - dmu * y1[q]!;
    chol.backward(r);
    for (let q = 0; q < k; q++) u[q] = u[q]! + r[q]!;
  }

  /**
   * Moves toward the working set's minimiser (see `target`). Returns true when it is
   * reached; otherwise the first variable to hit zero leaves the working set.
   */
  stepNewton(): boolean {
    const { chol, x, p, u } = this;
    const k = chol.size;
    this.target();
    for (let q = 0; q < k; q++) p[q] = u[q]! - x[chol.idx[q]!]!;
    if (this.ratioStep(1, -1) >= 0) return false;
    // Full step: take the target itself rather than x + p, for accuracy.
    for (let q = 0; q < k; q++) {
      const t = u[q]!;
      x[chol.idx[q]!] = t > 0 ? t : 0;
    }
    return true;
  }
}
