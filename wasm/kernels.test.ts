/**
 * The wasm kernels against the TypeScript reference on random data: every method, shapes
 * around the tile and chunk edges, γ from 1e-4 to 1000, coordinates near the origin and near
 * 1000; the vectorised exp over its whole range; determinism and arena hygiene.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { referenceBackend as ref } from "../core/kernel/reference.ts";
import { getKernelBackend, setKernelBackend } from "../core/kernel/backend.ts";
import type { Matrix } from "../core/matrix.ts";
import { createRng, type Rng } from "../core/random.ts";
import { compileKernels, createWasmBackend, installWasmBackend, instantiateKernels, KERNELS_RELAXED_URL, KERNELS_URL, wasmSimdSupported } from "./mod.ts";

/** `LW_TEST_WASM_BUILD=relaxed|plain` picks the build under test (default: the runtime's choice; wasm/relaxed.test.ts runs the other). */
const build = process.env.LW_TEST_WASM_BUILD === "relaxed" ? { relaxed: true } : process.env.LW_TEST_WASM_BUILD === "plain" ? { relaxed: false } : {};
const wasm = await createWasmBackend(build);
/** The relaxed build fuses (a−b)² into its sum: a kernel value k = exp(−γs) then differs from the
 * reference by rounding of s, |Δk| ≤ (d + 1)·ε·γs·k = (d + 1)·ε·|ln k|·k (0 for the plain build). */
const fusedSlack = (d: number, k: number): number => (wasm.relaxed && k > 0 ? 2.3e-16 * (d + 1) * Math.abs(Math.log(k)) * k : 0);

function randMatrix(rng: Rng, rows: number, cols: number, scale: number, offset: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = offset + scale * rng.normal();
  return { rows, cols, data };
}

function randWeights(rng: Rng, n: number, signed = false): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = signed ? rng.normal() : rng.next();
  return w;
}

/** `|got − want| ≤ atol + rtol·|want|` elementwise; the message names the index and both values. */
function assertAllClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, label: string): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!,
      w = want[i]!;
    if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
      assert.fail(`${label}[${i}]: got ${g}, expected ${w} (|diff| ${Math.abs(g - w)} > ${atol} + ${rtol}·|expected|)`);
    }
  }
}

interface Case {
  na: number;
  nb: number;
  d: number;
  gamma: number;
  scale: number;
  offset: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 2, 3],
    [2, 1, 2],
    [3, 5, 4],
    [4, 4, 7],
    [5, 3, 1],
    [7, 9, 5],
    [8, 8, 8],
    [13, 257, 3],
    [4, 513, 2],
    [33, 31, 30],
    [100, 100, 50],
    [9, 40, 200],
    [1, 600, 20],
  ];
  const gammas = [1e-4, 0.01, 0.1, 1, 10, 1000];
  let g = 0;
  for (const [na, nb, d] of shapes) {
    for (const [scale, offset] of [
      [1, 0],
      [3, 1000],
    ] as const) {
      const gamma = gammas[g++ % gammas.length]!;
      // keep far-off points interesting: spread comparable to 1/√γ so kernels are not all 0
      const s = offset === 0 ? scale : Math.min(scale, 2 / Math.sqrt(gamma * d));
      out.push({ na, nb, d, gamma, scale: s, offset });
    }
  }
  for (const gamma of gammas) out.push({ na: 6, nb: 11, d: 3, gamma, scale: 1 / Math.sqrt(gamma), offset: 0 });
  return out;
}

const name = (c: Case): string => `${c.na}x${c.nb} d=${c.d} γ=${c.gamma} offset=${c.offset}`;

test("wasm SIMD is available on this runtime", () => {
  assert.equal(wasmSimdSupported(), true);
  assert.equal(wasm.name, "wasm-simd");
  if (build.relaxed !== undefined) assert.equal(wasm.relaxed, build.relaxed, "the build LW_TEST_WASM_BUILD asked for");
});

test("rbfBlockInto matches the reference to 4e-16 relative (distances are bit-identical)", () => {
  const rng = createRng(11);
  for (const c of cases()) {
    const a = randMatrix(rng, c.na, c.d, c.scale, c.offset),
      b = randMatrix(rng, c.nb, c.d, c.scale, c.offset);
    const want = new Float64Array(c.na * c.nb),
      got = new Float64Array(c.na * c.nb);
    ref.rbfBlockInto(want, a, b, c.gamma);
    wasm.rbfBlockInto(got, a, b, c.gamma);
    if (wasm.relaxed)
      for (let i = 0; i < want.length; i++) assertAllClose([got[i]!], [want[i]!], 1e-320 + fusedSlack(c.d, want[i]!), 4.5e-16, `block ${name(c)} [${i}]`);
    else assertAllClose(got, want, 1e-320, 4.5e-16, `block ${name(c)}`);
  }
});

test("rbfRowSumsInto (with and without the Z-gradient points) matches the reference", () => {
  const rng = createRng(12);
  for (const c of cases()) {
    for (const signed of [false, true]) {
      const a = randMatrix(rng, c.na, c.d, c.scale, c.offset),
        b = randMatrix(rng, c.nb, c.d, c.scale, c.offset);
      const wb = randWeights(rng, c.nb, signed);
      const absW = wb.map(Math.abs);
      const want = new Float64Array(c.na),
        got = new Float64Array(c.na),
        mag = new Float64Array(c.na);
      const wantP = new Float64Array(c.na * c.d),
        gotP = new Float64Array(c.na * c.d);
      ref.rbfRowSumsInto(want, a, b, wb, c.gamma, wantP);
      ref.rbfRowSumsInto(mag, a, b, absW, c.gamma);
      wasm.rbfRowSumsInto(got, a, b, wb, c.gamma);
      // sums in a different order: error ≤ ~n·eps·Σ|w·k| (+ the fused build's Σ|w|·slack(k))
      const slack = new Float64Array(c.na);
      if (wasm.relaxed) {
        const kb = new Float64Array(c.na * c.nb);
        ref.rbfBlockInto(kb, a, b, c.gamma);
        for (let i = 0; i < c.na; i++) for (let j = 0; j < c.nb; j++) slack[i] = slack[i]! + absW[j]! * fusedSlack(c.d, kb[i * c.nb + j]!);
      }
      for (let i = 0; i < c.na; i++) {
        const tol = 4e-16 * (c.nb + 4) * mag[i]! + slack[i]! + 1e-300;
        assertAllClose([got[i]!], [want[i]!], tol, 0, `rowsums ${name(c)} row ${i}`);
      }
      const got2 = new Float64Array(c.na);
      wasm.rbfRowSumsInto(got2, a, b, wb, c.gamma, gotP);
      assert.deepEqual(got2, got, "row sums do not depend on outPoints");
      for (let i = 0; i < c.na; i++) {
        let bmax = 0;
        for (let j = 0; j < c.nb; j++) for (let k = 0; k < c.d; k++) bmax = Math.max(bmax, Math.abs(b.data[j * c.d + k]!));
        const tol = (4e-16 * (c.nb + 4) * mag[i]! + slack[i]!) * bmax + 1e-300;
        assertAllClose(gotP.subarray(i * c.d, (i + 1) * c.d), wantP.subarray(i * c.d, (i + 1) * c.d), tol, 0, `points ${name(c)} row ${i}`);
      }
    }
  }
});

test("rbfWeightedSum matches the reference (signed and unnormalised weights)", () => {
  const rng = createRng(13);
  for (const c of cases()) {
    const a = randMatrix(rng, c.na, c.d, c.scale, c.offset),
      b = randMatrix(rng, c.nb, c.d, c.scale, c.offset);
    const wa = randWeights(rng, c.na, true),
      wb = randWeights(rng, c.nb, true);
    const want = ref.rbfWeightedSum(a, wa, b, wb, c.gamma);
    const mag = ref.rbfWeightedSum(a, wa.map(Math.abs), b, wb.map(Math.abs), c.gamma);
    const got = wasm.rbfWeightedSum(a, wa, b, wb, c.gamma);
    assertAllClose([got], [want], 4e-16 * (c.na + c.nb + 8) * mag + 1e-300, 0, `weighted sum ${name(c)}`);
  }
});

test("nearestCentersInto gives the reference's labels and bit-identical distances", () => {
  const rng = createRng(14);
  for (const c of cases()) {
    const x = randMatrix(rng, c.nb, c.d, c.scale, c.offset),
      centers = randMatrix(rng, c.na, c.d, c.scale, c.offset);
    const lw = new Int32Array(c.nb),
      lg = new Int32Array(c.nb),
      dw = new Float64Array(c.nb),
      dg = new Float64Array(c.nb);
    ref.nearestCentersInto(lw, dw, x, centers);
    wasm.nearestCentersInto(lg, dg, x, centers);
    for (let i = 0; i < c.nb; i++) {
      if (lg[i] !== lw[i] || !Object.is(dg[i], dw[i])) {
        assert.fail(`nearest ${name(c)} [${i}]: got (${lg[i]}, ${dg[i]}), expected (${lw[i]}, ${dw[i]})`);
      }
    }
  }
});

test("nearestCentersInto: ties go to the lowest index, also across chunks of 256 centres", () => {
  const d = 3,
    k = 600;
  const centers = new Float64Array(k * d);
  for (let c = 0; c < k; c++) centers[c * d] = 10 + (c % 7); // many duplicates
  const cm: Matrix = { rows: k, cols: d, data: centers };
  const x: Matrix = { rows: 9, cols: d, data: new Float64Array(9 * d).map((_, i) => (i % d === 0 ? 8 + i / d : 0)) };
  const lw = new Int32Array(9),
    lg = new Int32Array(9),
    dw = new Float64Array(9),
    dg = new Float64Array(9);
  ref.nearestCentersInto(lw, dw, x, cm);
  wasm.nearestCentersInto(lg, dg, x, cm);
  assert.deepEqual(lg, lw);
  assert.deepEqual(dg, dw);
  // a duplicated single centre and a NaN row
  const one: Matrix = { rows: 1, cols: 2, data: new Float64Array([1, 1]) };
  const xs: Matrix = { rows: 3, cols: 2, data: new Float64Array([0, 0, NaN, 1, 5, 5]) };
  const l1 = new Int32Array(3),
    d1 = new Float64Array(3),
    l2 = new Int32Array(3),
    d2 = new Float64Array(3);
  ref.nearestCentersInto(l1, d1, xs, one);
  wasm.nearestCentersInto(l2, d2, xs, one);
  assert.deepEqual(l2, l1);
  assert.deepEqual(d2, d1);
});

test("the vectorised exp is within 1 ulp-ish of Math.exp and handles the edges", async () => {
  const ex = instantiateKernels(await compileKernels(undefined, wasm.relaxed ? KERNELS_RELAXED_URL : KERNELS_URL));
  const xs: number[] = [
    0,
    -0,
    -1e-300,
    -1e-17,
    -1,
    -10,
    -0.5 * Math.LN2,
    0.5 * Math.LN2,
    -700,
    -708,
    -708.4,
    -709,
    -720,
    -740,
    -744.4,
    -745,
    -745.13,
    -745.2,
    -746,
    -1e6,
    -Infinity,
    NaN,
    1,
    10,
    700,
    709.7,
    709.8,
    710,
    1e6,
    Infinity,
  ];
  const rng = createRng(15);
  for (let i = 0; i < 200000; i++) xs.push(-rng.next() * 750);
  for (let i = 0; i < 20000; i++) xs.push((rng.next() - 0.5) * 2 * Math.LN2);
  for (let i = 0; i < 20000; i++) xs.push(rng.next() * 709);
  const n = xs.length;
  const base = Math.ceil((ex.__heap_base.value as number) / 16) * 16;
  const need = base + 16 * n + 64;
  if (ex.memory.buffer.byteLength < need) ex.memory.grow(Math.ceil((need - ex.memory.buffer.byteLength) / 65536));
  const f = new Float64Array(ex.memory.buffer);
  f.set(xs, base / 8);
  ex.lw_exp_array(base + 8 * n, base, n);
  const got = new Float64Array(ex.memory.buffer).slice(base / 8 + n, base / 8 + 2 * n);
  for (let i = 0; i < n; i++) {
    const x = xs[i]!,
      want = Math.exp(x),
      g = got[i]!;
    if (Number.isNaN(want)) {
      assert.ok(Number.isNaN(g), `exp(${x}) = ${g}, expected NaN`);
      continue;
    }
    if (!Number.isFinite(want) || want === 0) {
      assert.equal(g, want, `exp(${x})`);
      continue;
    }
    // normal results: 2.5e-16 relative; subnormal results: within one unit of the last place (5e-324)
    const tol = want < 2.2250738585072014e-308 ? 5e-324 : 2.5e-16 * want;
    if (!(Math.abs(g - want) <= tol)) assert.fail(`exp(${x})[${i}]: got ${g}, expected ${want}`);
  }
  assert.equal(got[xs.indexOf(-1e6)], 0);
});

test("determinism: identical inputs give bit-identical sums; a row's sum does not depend on its companions", () => {
  const rng = createRng(16);
  const a = randMatrix(rng, 37, 20, 1, 0),
    b = randMatrix(rng, 700, 20, 1, 0);
  const wa = randWeights(rng, 37),
    wb = randWeights(rng, 700);
  const s1 = wasm.rbfWeightedSum(a, wa, b, wb, 0.1);
  for (let r = 0; r < 3; r++) assert.equal(wasm.rbfWeightedSum(a, wa, b, wb, 0.1), s1);
  const full = new Float64Array(37),
    fullP = new Float64Array(37 * 20);
  wasm.rbfRowSumsInto(full, a, b, wb, 0.1, fullP);
  for (const [start, len] of [
    [0, 1],
    [5, 3],
    [9, 4],
    [30, 7],
    [1, 17],
  ] as const) {
    const sub: Matrix = { rows: len, cols: 20, data: a.data.slice(start * 20, (start + len) * 20) };
    const part = new Float64Array(len),
      partP = new Float64Array(len * 20);
    wasm.rbfRowSumsInto(part, sub, b, wb, 0.1, partP);
    assert.deepEqual(part, full.subarray(start, start + len), `rows ${start}..${start + len}`);
    assert.deepEqual(partP, fullP.subarray(start * 20, (start + len) * 20), `points ${start}..${start + len}`);
  }
  // MMD² of a set to itself is exactly 0
  const aa = wasm.rbfWeightedSum(a, wa, a, wa, 0.1);
  assert.equal(aa - 2 * wasm.rbfWeightedSum(a, wa, a, wa, 0.1) + aa, 0);
});

test("batched inner products equal the single calls bit for bit", () => {
  const rng = createRng(17);
  const d = 7;
  const sets = [3, 1, 10, 4, 9].map((m, s) => ({
    z: randMatrix(rng, m, d, 1, 0),
    beta: randWeights(rng, m, true),
    gamma: [0.1, 0.5, 0.1, 2, 1e-3][s]!,
  }));
  const user = { z: randMatrix(rng, 12, d, 1, 0), beta: randWeights(rng, 12) };
  const many = wasm.rbfWeightedSumsMany(sets, user);
  const self = wasm.rbfSelfSumsMany(sets);
  sets.forEach((s, i) => {
    assert.equal(many[i], wasm.rbfWeightedSum(s.z, s.beta, user.z, user.beta, s.gamma), `ip(set ${i}, user)`);
    assert.equal(self[i], wasm.rbfWeightedSum(s.z, s.beta, s.z, s.beta, s.gamma), `ip(set ${i}, set ${i})`);
  });
});

test("arena: repeated calls do not grow memory; misuse throws RangeError", () => {
  const rng = createRng(18);
  const a = randMatrix(rng, 50, 10, 1, 0),
    b = randMatrix(rng, 3000, 10, 1, 0),
    w = randWeights(rng, 3000);
  const out = new Float64Array(50);
  wasm.rbfRowSumsInto(out, a, b, w, 0.1);
  const bytes = wasm.memoryBytes;
  for (let r = 0; r < 50; r++) wasm.rbfRowSumsInto(out, a, b, w, 0.1);
  const small = randMatrix(rng, 2, 10, 1, 0);
  for (let r = 0; r < 50; r++) wasm.rbfWeightedSum(small, new Float64Array(2), small, new Float64Array(2), 0.1);
  assert.equal(wasm.memoryBytes, bytes);
  assert.throws(() => wasm.rbfBlockInto(new Float64Array(1), a, b, 0.1), RangeError);
  assert.throws(() => wasm.rbfWeightedSum(a, new Float64Array(49), small, new Float64Array(2), 0.1), RangeError);
  assert.throws(() => wasm.rbfBlockInto(new Float64Array(100), { rows: 10, cols: 10, data: new Float64Array(99) }, small, 0.1), RangeError);
  assert.throws(() => wasm.rbfRowSumsInto(out, a, { rows: 1, cols: 3, data: new Float64Array(3) }, w, 0.1), RangeError);
  // empty inputs
  assert.equal(wasm.rbfWeightedSum({ rows: 0, cols: 10, data: new Float64Array(0) }, new Float64Array(0), a, new Float64Array(50), 0.1), 0);
});

test("installWasmBackend installs the wasm backend where SIMD is available", async () => {
  const prev = getKernelBackend();
  try {
    const b = await installWasmBackend();
    assert.equal(getKernelBackend(), b);
    assert.equal(b.name, "wasm-simd");
  } finally {
    setKernelBackend(prev);
  }
});
