import { test } from "node:test";
import assert from "node:assert/strict";
import { solveSimplexQp, type QpResult } from "./simplexQp.ts";
import { ActiveCholesky } from "./activeCholesky.ts";
import { createRng, type Rng } from "../random.ts";

// ---------------------------------------------------------------------------------------
// Helpers: the conformance README's checks, plus a duality-gap certificate.

interface Kkt {
  /** max over the support of |λ_i| / s */
  stationarity: number;
  /** min over all of λ_i / s */
  dual: number;
  /** (λᵀx − min λ) / s: an upper bound on (objective − optimum) / s for convex K */
  gap: number;
  minX: number;
  sumErr: number;
  objective: number;
}

function kkt(K: Float64Array, C: Float64Array, n: number, x: Float64Array): Kkt {
  let kMax = 0;
  for (const v of K) kMax = Math.max(kMax, Math.abs(v));
  let cMax = 0;
  for (const v of C) cMax = Math.max(cMax, Math.abs(v));
  const s = 1 + kMax + cMax;
  const g = new Float64Array(n);
  let quad = 0;
  let lin = 0;
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let j = 0; j < n; j++) t += K[i * n + j]! * x[j]!;
    quad += x[i]! * t;
    lin += C[i]! * x[i]!;
    g[i] = t - C[i]!;
  }
  let num = 0;
  let den = 0;
  let sum = 0;
  let minX = Infinity;
  for (let i = 0; i < n; i++) {
    sum += x[i]!;
    minX = Math.min(minX, x[i]!);
    if (x[i]! > 0) {
      num += g[i]! * x[i]!;
      den += x[i]!;
    }
  }
  const nu = -num / den;
  let stationarity = 0;
  let minLambda = Infinity;
  let lx = 0;
  for (let i = 0; i < n; i++) {
    const l = g[i]! + nu;
    if (x[i]! > 0) stationarity = Math.max(stationarity, Math.abs(l) / s);
    minLambda = Math.min(minLambda, l);
    lx += l * x[i]!;
  }
  return {
    stationarity,
    dual: Math.min(0, minLambda) / s,
    gap: (lx - minLambda) / s,
    minX,
    sumErr: Math.abs(sum - 1),
    objective: 0.5 * quad - lin,
  };
}

function assertOptimal(label: string, K: Float64Array, C: Float64Array, n: number, r: QpResult, tol = 1e-10): void {
  assert.equal(r.status, "optimal", `${label}: status ${r.status} after ${r.iterations} iterations`);
  assert.equal(r.x.length, n, `${label}: x has length ${r.x.length}, expected ${n}`);
  const c = kkt(K, C, n, r.x);
  assert.ok(c.minX >= 0, `${label}: min x = ${c.minX} < 0`);
  assert.ok(c.sumErr <= 1e-12, `${label}: |Σx − 1| = ${c.sumErr}`);
  assert.ok(c.stationarity <= tol, `${label}: stationarity ${c.stationarity} > ${tol}`);
  assert.ok(c.dual >= -tol, `${label}: dual feasibility ${c.dual} < −${tol}`);
  assert.ok(c.gap <= tol, `${label}: duality gap ${c.gap} > ${tol}`);
  const objTol = 1e-12 * (1 + Math.abs(c.objective));
  assert.ok(Math.abs(r.objective - c.objective) <= objTol, `${label}: objective ${r.objective} vs recomputed ${c.objective}`);
}

const f64 = (a: number[]): Float64Array => new Float64Array(a);

/** RBF Gram matrix of points (rows of `pts`). */
function rbf(pts: number[][], gamma: number): Float64Array {
  const n = pts.length;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let d2 = 0;
      for (let t = 0; t < pts[i]!.length; t++) d2 += (pts[i]![t]! - pts[j]![t]!) ** 2;
      K[i * n + j] = Math.exp(-gamma * d2);
    }
  }
  return K;
}

/** C_i = mean over data of k(pts_i, x): the RKME linear term. */
function meanEmbedding(pts: number[][], data: number[][], gamma: number): Float64Array {
  const C = new Float64Array(pts.length);
  for (let i = 0; i < pts.length; i++) {
    let s = 0;
    for (const x of data) {
      let d2 = 0;
      for (let t = 0; t < x.length; t++) d2 += (pts[i]![t]! - x[t]!) ** 2;
      s += Math.exp(-gamma * d2);
    }
    C[i] = s / data.length;
  }
  return C;
}

const gaussian = (rng: Rng, n: number, d: number): number[][] => Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));

/** A·Aᵀ for a random n×r A: PSD of rank min(n, r). */
function lowRank(rng: Rng, n: number, r: number): Float64Array {
  const A = gaussian(rng, n, r);
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < r; t++) s += A[i]![t]! * A[j]![t]!;
      K[i * n + j] = s;
    }
  }
  return K;
}

// ---------------------------------------------------------------------------------------
// Small analytic cases.

test("n = 1: x = [1], objective ½K − C", () => {
  const r = solveSimplexQp(f64([0.7]), f64([0.3]), 1);
  assert.equal(r.status, "optimal");
  assert.deepEqual(Array.from(r.x), [1]);
  assert.equal(r.objective, 0.5 * 0.7 - 0.3);
});

test("n = 1 with zero and negative data", () => {
  assert.deepEqual(Array.from(solveSimplexQp(f64([0]), f64([0]), 1).x), [1]);
  const r = solveSimplexQp(f64([-2]), f64([-5]), 1);
  assert.deepEqual(Array.from(r.x), [1]);
  assert.equal(r.objective, 4);
});

test("n = 2: matches the closed form t* = clamp((K11 − K01 + C0 − C1)/(K00 − 2K01 + K11))", () => {
  const rng = createRng(2);
  for (let rep = 0; rep < 300; rep++) {
    const a = rng.normal(),
      b = rng.normal(),
      c = rng.normal(),
      e = rng.normal();
    // K = MᵀM for M = [[a, b], [c, e]] (PSD, sometimes nearly singular).
    const k00 = a * a + c * c,
      k01 = a * b + c * e,
      k11 = b * b + e * e;
    const C = f64([rng.normal(), rng.normal()]);
    const K = f64([k00, k01, k01, k11]);
    const den = k00 - 2 * k01 + k11;
    const t = Math.min(1, Math.max(0, (k11 - k01 + C[0]! - C[1]!) / den));
    const r = solveSimplexQp(K, C, 2);
    assert.equal(r.status, "optimal");
    assertOptimal(`n=2 rep ${rep}`, K, C, 2, r);
    const expected = 0.5 * (k00 * t * t + 2 * k01 * t * (1 - t) + k11 * (1 - t) ** 2) - C[0]! * t - C[1]! * (1 - t);
    assert.ok(Math.abs(r.objective - expected) <= 1e-12 * (1 + Math.abs(expected)), `rep ${rep}: objective ${r.objective} vs ${expected}`);
    if (den > 1e-6) assert.ok(Math.abs(r.x[0]! - t) <= 1e-9, `rep ${rep}: x0 ${r.x[0]} vs ${t}`);
  }
});

test("n = 2 documented cases: interior and vertex", () => {
  const K = f64([1, 0.2, 0.2, 1]);
  const interior = solveSimplexQp(K, f64([0.5, 0.4]), 2);
  assert.ok(Math.abs(interior.x[0]! - 0.5625) < 1e-14 && Math.abs(interior.x[1]! - 0.4375) < 1e-14);
  assert.ok(Math.abs(interior.objective + 0.153125) < 1e-14);
  const vertex = solveSimplexQp(K, f64([1.5, 0.1]), 2);
  assert.deepEqual(Array.from(vertex.x), [1, 0]);
  assert.equal(vertex.objective, -1);
});

test("the @example of solveSimplexQp holds", () => {
  const K = new Float64Array([1, 0.2, 0.2, 1]);
  const C = new Float64Array([0.5, 0.4]);
  const { status, x, objective } = solveSimplexQp(K, C, 2);
  assert.equal(status, "optimal");
  assert.ok(Math.abs(x[0]! - 0.5625) < 1e-12 && Math.abs(x[1]! - 0.4375) < 1e-12);
  assert.ok(Math.abs(objective + 0.153125) < 1e-12);
});

test("identity K: uniform C gives 1/n, a peaked C gives its vertex", () => {
  const n = 6;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) K[i * n + i] = 1;
  const uniform = solveSimplexQp(K, new Float64Array(n).fill(0.3), n);
  for (const v of uniform.x) assert.ok(Math.abs(v - 1 / n) < 1e-15);
  const C = new Float64Array(n);
  C[2] = 10;
  const peaked = solveSimplexQp(K, C, n);
  assert.deepEqual(Array.from(peaked.x), [0, 0, 1, 0, 0, 0]);
  assert.equal(peaked.objective, -9.5);
});

test("zero K (a linear program): the largest C wins, lowest index on ties", () => {
  const n = 5;
  const r = solveSimplexQp(new Float64Array(n * n), f64([1, 3, 2, 3, 0]), n);
  assert.equal(r.status, "optimal");
  assert.deepEqual(Array.from(r.x), [0, 1, 0, 0, 0]);
  assert.equal(r.objective, -3);
});

test("known interior optimum: C = K·β* recovers β* for positive definite K", () => {
  const rng = createRng(5);
  for (const n of [3, 10, 40, 100]) {
    const pts = gaussian(rng, n, 3);
    const K = rbf(pts, 0.3);
    for (let i = 0; i < n; i++) K[i * n + i] = K[i * n + i]! + 0.1; // well conditioned
    const beta = new Float64Array(n).map(() => 0.2 + rng.next());
    const sb = beta.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) beta[i] = beta[i]! / sb;
    const C = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i] = C[i]! + K[i * n + j]! * beta[j]!;
    const r = solveSimplexQp(K, C, n);
    assertOptimal(`β* n=${n}`, K, C, n, r);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(r.x[i]! - beta[i]!) < 1e-12, `n=${n} i=${i}: ${r.x[i]} vs ${beta[i]}`);
  }
});

// ---------------------------------------------------------------------------------------
// Properties over seeded random families.

type Family = (rng: Rng, n: number) => { K: Float64Array; C: Float64Array };

const families: Record<string, Family> = {
  "RKME-like RBF kernel": (rng, n) => {
    const d = 1 + rng.nextInt(12);
    const data = gaussian(rng, 120, d);
    const pts = Array.from({ length: n }, () => data[rng.nextInt(data.length)]!.map((v) => v + 0.05 * rng.normal()));
    return { K: rbf(pts, 0.1), C: meanEmbedding(pts, data, 0.1) };
  },
  "RBF with exact duplicate points": (rng, n) => {
    const d = 1 + rng.nextInt(4);
    const base = gaussian(rng, Math.max(1, n >> 1), d);
    const pts = Array.from({ length: n }, () => base[rng.nextInt(base.length)]!.slice());
    return { K: rbf(pts, 0.05 + rng.next()), C: meanEmbedding(pts, gaussian(rng, 40, d), 0.5) };
  },
  "RBF with near-duplicate points (1e-7 apart)": (rng, n) => {
    const d = 1 + rng.nextInt(4);
    const base = gaussian(rng, Math.max(1, n >> 1), d);
    const pts = Array.from({ length: n }, () => base[rng.nextInt(base.length)]!.map((v) => v + 1e-7 * rng.normal()));
    return { K: rbf(pts, 0.05 + rng.next()), C: meanEmbedding(pts, gaussian(rng, 40, d), 0.5) };
  },
  "RBF in one dimension (numerically singular)": (rng, n) => {
    const pts = Array.from({ length: n }, () => [rng.next()]);
    const data = Array.from({ length: 60 }, () => [rng.next() ** 2]);
    return { K: rbf(pts, 0.5 + 5 * rng.next()), C: meanEmbedding(pts, data, 1) };
  },
  "rank-deficient PSD, random C": (rng, n) => ({
    K: lowRank(rng, n, 1 + rng.nextInt(Math.min(n, 6))),
    C: new Float64Array(n).map(() => rng.normal()),
  }),
  "rank-deficient PSD, C in range(K)": (rng, n) => {
    const K = lowRank(rng, n, 1 + rng.nextInt(Math.min(n, 6)));
    const w = new Float64Array(n).map(() => rng.next());
    const C = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i] = C[i]! + (K[i * n + j]! * w[j]!) / n;
    return { K, C };
  },
  "slightly indefinite (PSD + 1e-13 symmetric noise)": (rng, n) => {
    const K = lowRank(rng, n, 1 + rng.nextInt(Math.min(n, 6)));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = K[i * n + j]! + 1e-13 * rng.normal();
        K[i * n + j] = v;
        K[j * n + i] = v;
      }
    }
    return { K, C: new Float64Array(n).map(() => rng.normal()) };
  },
  "full-rank PSD scaled by 1e-8": (rng, n) => {
    const K = lowRank(rng, n, n + 2).map((v) => v * 1e-8);
    return { K, C: new Float64Array(n).map(() => 1e-8 * n * rng.normal()) };
  },
  "RBF scaled by 1e6": (rng, n) => {
    const pts = gaussian(rng, n, 3);
    return { K: rbf(pts, 0.2).map((v) => v * 1e6), C: meanEmbedding(pts, gaussian(rng, 40, 3), 0.2).map((v) => v * 1e6) };
  },
  "constant K (all ones) with integer C (ties)": (rng, n) => ({
    K: new Float64Array(n * n).fill(1),
    C: new Float64Array(n).map(() => rng.nextInt(3)),
  }),
};

const sizes = [1, 2, 3, 4, 7, 12, 25, 50, 100, 130];

for (const [name, family] of Object.entries(families)) {
  test(`property: ${name} — feasible, KKT and a duality gap ≤ 1e-10`, () => {
    const rng = createRng(name.length * 7919 + 17);
    for (let rep = 0; rep < 2 * sizes.length; rep++) {
      const n = sizes[rep % sizes.length]!;
      const { K, C } = family(rng, n);
      assertOptimal(`${name} rep ${rep} n=${n}`, K, C, n, solveSimplexQp(K, C, n));
    }
  });
}

test("property: duplicating points does not change the optimum", () => {
  const rng = createRng(99);
  for (let rep = 0; rep < 20; rep++) {
    const m = 2 + rng.nextInt(30);
    const d = 1 + rng.nextInt(5);
    const pts = gaussian(rng, m, d);
    const data = gaussian(rng, 50, d);
    const base = solveSimplexQp(rbf(pts, 0.3), meanEmbedding(pts, data, 0.3), m);
    const source = Array.from({ length: m }, (_, i) => i);
    for (let c = 1 + rng.nextInt(m); c > 0; c--) source.push(rng.nextInt(m));
    const dup = source.map((i) => pts[i]!.slice());
    const n = dup.length;
    const K = rbf(dup, 0.3);
    const C = meanEmbedding(dup, data, 0.3);
    const r = solveSimplexQp(K, C, n);
    assertOptimal(`dup rep ${rep}`, K, C, n, r);
    assert.ok(Math.abs(r.objective - base.objective) <= 1e-13, `rep ${rep}: ${r.objective} vs ${base.objective}`);
    // The weights of a point and its copies add up to the weight without copies.
    const merged = new Float64Array(m);
    for (let i = 0; i < n; i++) merged[source[i]!] = merged[source[i]!]! + r.x[i]!;
    for (let i = 0; i < m; i++) assert.ok(Math.abs(merged[i]! - base.x[i]!) < 1e-8, `rep ${rep} i=${i}: ${merged[i]} vs ${base.x[i]}`);
  }
});

test("property: K + c·11ᵀ and C + c·1 leave the minimiser unchanged", () => {
  const rng = createRng(123);
  for (let rep = 0; rep < 20; rep++) {
    const n = 2 + rng.nextInt(40);
    const pts = gaussian(rng, n, 4);
    const K = rbf(pts, 0.2);
    for (let i = 0; i < n; i++) K[i * n + i] = K[i * n + i]! + 0.05;
    const C = meanEmbedding(pts, gaussian(rng, 30, 4), 0.2);
    const c = rng.normal();
    const r0 = solveSimplexQp(K, C, n);
    const r1 = solveSimplexQp(
      K.map((v) => v + c),
      C,
      n,
    );
    const r2 = solveSimplexQp(
      K,
      C.map((v) => v + c),
      n,
    );
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(r1.x[i]! - r0.x[i]!) < 1e-9, `rep ${rep} K shift i=${i}: ${r1.x[i]} vs ${r0.x[i]}`);
      assert.ok(Math.abs(r2.x[i]! - r0.x[i]!) < 1e-9, `rep ${rep} C shift i=${i}: ${r2.x[i]} vs ${r0.x[i]}`);
    }
    assert.ok(Math.abs(r1.objective - (r0.objective + c / 2)) < 1e-12 * (1 + Math.abs(c)));
    assert.ok(Math.abs(r2.objective - (r0.objective - c)) < 1e-12 * (1 + Math.abs(c)));
  }
});

test("an asymmetric K is solved through its symmetric part", () => {
  const rng = createRng(8);
  const n = 20;
  const S = lowRank(rng, n, 25);
  const A = S.slice();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const e = rng.normal();
      A[i * n + j] = A[i * n + j]! + e;
      A[j * n + i] = A[j * n + i]! - e;
    }
  }
  const C = new Float64Array(n).map(() => rng.normal() * n);
  const rs = solveSimplexQp(S, C, n);
  const ra = solveSimplexQp(A, C, n);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(rs.x[i]! - ra.x[i]!) < 1e-12);
});

test("deterministic, and inputs are not mutated", () => {
  const rng = createRng(31);
  const pts = gaussian(rng, 60, 5);
  const K = rbf(pts, 0.1);
  const C = meanEmbedding(pts, gaussian(rng, 100, 5), 0.1);
  const K0 = K.slice();
  const C0 = C.slice();
  const a = solveSimplexQp(K, C, 60);
  const b = solveSimplexQp(K, C, 60);
  assert.deepEqual(a, b);
  assert.deepEqual(K, K0);
  assert.deepEqual(C, C0);
});

test("maxIterations caps the steps and still returns a feasible point", () => {
  // Identity K with C_i = i/n: the support is the top few variables, reached from a vertex
  // one variable at a time, so a cap of 2 stops the method early.
  const n = 40;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) K[i * n + i] = 1;
  const C = new Float64Array(n).map((_, i) => (3 * i) / n);
  const full = solveSimplexQp(K, C, n);
  assert.equal(full.status, "optimal");
  assert.ok(full.iterations > 2);
  for (const cap of [0, 1, 2]) {
    const r = solveSimplexQp(K, C, n, { maxIterations: cap });
    assert.equal(r.status, "max_iterations", `cap ${cap}`);
    assert.ok(r.iterations <= cap);
    const c = kkt(K, C, n, r.x);
    assert.ok(c.minX >= 0 && c.sumErr <= 1e-12);
    assert.ok(Math.abs(r.objective - c.objective) < 1e-12);
    assert.ok(r.objective >= full.objective);
  }
});

// ---------------------------------------------------------------------------------------
// Misuse.

test("misuse throws RangeError / TypeError naming the bad value", () => {
  const K = f64([1, 0, 0, 1]);
  const C = f64([0, 0]);
  assert.throws(() => solveSimplexQp(K, C, 0), { name: "RangeError", message: /n must be a positive integer, got 0/ });
  assert.throws(() => solveSimplexQp(K, C, 1.5), { name: "RangeError", message: /got 1\.5/ });
  assert.throws(() => solveSimplexQp(K, C, 3), { name: "RangeError", message: /K has length 4, expected n·n = 9/ });
  assert.throws(() => solveSimplexQp(K, f64([0]), 2), { name: "RangeError", message: /C has length 1, expected n = 2/ });
  assert.throws(() => solveSimplexQp(f64([1, NaN, 0, 1]), C, 2), { name: "RangeError", message: /K\[0\]\[1\] must be finite, got NaN/ });
  assert.throws(() => solveSimplexQp(K, f64([0, Infinity]), 2), { name: "RangeError", message: /C\[1\] must be finite, got Infinity/ });
  assert.throws(() => solveSimplexQp(K, C, 2, { maxIterations: -1 }), { name: "RangeError", message: /maxIterations .* got -1/ });
  assert.throws(() => solveSimplexQp([1, 0, 0, 1] as unknown as Float64Array, C, 2), { name: "TypeError", message: /K must be a Float64Array, got Array/ });
  assert.throws(() => solveSimplexQp(K, null as unknown as Float64Array, 2), { name: "TypeError", message: /C must be a Float64Array, got null/ });
});

// ---------------------------------------------------------------------------------------
// The updatable factor on its own.

test("ActiveCholesky: appends and removals match a fresh factorisation", () => {
  const rng = createRng(4);
  const n = 12;
  const A = lowRank(rng, n, n + 3);
  const f = new ActiveCholesky(n);
  const l = new Float64Array(n);
  const append = (j: number): void => {
    const k = f.size;
    for (let q = 0; q < k; q++) l[q] = A[j * n + f.idx[q]!]!;
    f.forward(l);
    let d = A[j * n + j]!;
    for (let q = 0; q < k; q++) d -= l[q]! * l[q]!;
    f.append(j, d, l);
  };
  for (let j = 0; j < n; j++) append(j);
  for (const pos of [3, 0, 7, 8, 2]) f.remove(pos);
  append(3);
  // Solve A[F,F]·y = A[F,F]·1 and expect ones.
  const k = f.size;
  const y = new Float64Array(n);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) y[a] = y[a]! + A[f.idx[a]! * n + f.idx[b]!]!;
  f.solve(y);
  for (let a = 0; a < k; a++) assert.ok(Math.abs(y[a]! - 1) < 1e-10, `position ${a}: ${y[a]}`);
});
