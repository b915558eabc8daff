import { test } from "node:test";
import assert from "node:assert/strict";
import { formatPythonFloat, RKMETableSpecification, type StatSpecJson } from "./rkmeTableSpec.ts";
import { LearnwareError } from "../errors.ts";
import { fromRows, matrix } from "../matrix.ts";
import { createRng } from "../random.ts";
import { getKernelBackend } from "../kernel/backend.ts";
import { innerProduct, mmd2 } from "../kernel/mmd.ts";

function randomSpec(seed: number, m: number, d: number, gamma = 0.1, signed = false): RKMETableSpecification {
  const rng = createRng(seed);
  const z = matrix(m, d);
  for (let i = 0; i < z.data.length; i++) z.data[i] = rng.normal() * (1 + 1e3 * (i % 7 === 0 ? rng.next() : 0));
  const beta = new Float64Array(m);
  let s = 0;
  for (let i = 0; i < m; i++) {
    beta[i] = signed ? rng.normal() : rng.next() * (i % 5 === 0 ? 1e-6 : 1);
    s += beta[i]!;
  }
  for (let i = 0; i < m; i++) beta[i] = beta[i]! / s;
  return new RKMETableSpecification(z, beta, gamma, 1000 + seed);
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function expectCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LearnwareError, `expected a LearnwareError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test("formatPythonFloat writes floats as Python's repr", () => {
  const cases: [number, string][] = [
    [0, "0.0"],
    [-0, "-0.0"],
    [1, "1.0"],
    [-3, "-3.0"],
    [0.1, "0.1"],
    [1e-4, "0.0001"],
    [1e-5, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [123.456, "123.456"],
    [1e15, "1000000000000000.0"],
    [1e16, "1e+16"],
    [1.2345678901234568e17, "1.2345678901234568e+17"],
    [1e22, "1e+22"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [-2.5e-100, "-2.5e-100"],
    [0.00012345, "0.00012345"],
    [9.999999999999999e-5, "9.999999999999999e-05"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ];
  for (const [x, s] of cases) assert.equal(formatPythonFloat(x), s, `formatting ${x}`);
});

test("stringify → parse gives bit-identical arrays and the same text", () => {
  for (let seed = 0; seed < 5; seed++) {
    const a = randomSpec(seed, 20, 7);
    const text = a.stringify();
    const b = RKMETableSpecification.parse(text);
    assert.ok(sameBits(a.z.data, b.z.data));
    assert.ok(sameBits(a.beta, b.beta));
    assert.equal(b.gamma, a.gamma);
    assert.equal(b.numPoints, a.numPoints);
    assert.equal(b.stringify(), text);
    // Standard JSON too: JSON.parse reads the text back to the same numbers.
    const obj = JSON.parse(text) as StatSpecJson;
    assert.deepEqual(Object.keys(obj), ["z", "beta", "gamma", "num_points", "type"]);
    assert.ok(sameBits(Float64Array.from(obj.beta), a.beta));
    assert.deepEqual(RKMETableSpecification.fromJSON(a.toJSON()).toJSON(), a.toJSON());
  }
});

test("stringify is compact Python-style JSON", () => {
  const s = new RKMETableSpecification(
    fromRows([
      [1, 2e-5],
      [0.5, -3],
    ]),
    new Float64Array([0.25, 0.75]),
    0.1,
    4,
  );
  assert.equal(s.stringify(), '{"z":[[1.0,2e-05],[0.5,-3.0]],"beta":[0.25,0.75],"gamma":0.1,"num_points":4,"type":"RKMETableSpecification"}');
});

test("old-format stat files (no type, cuda_idx/device keys) load", () => {
  const text = '{"z":[[0.5,1.5],[2.0,-1.0]],"beta":[0.4,0.6],"gamma":0.1,"num_points":77,"cuda_idx":-1,"device":"cpu"}';
  const s = RKMETableSpecification.parse(text);
  assert.equal(s.type, "RKMETableSpecification");
  assert.equal(s.numPoints, 77);
  assert.equal(s.dim, 2);
  assert.deepEqual(Array.from(s.beta), [0.4, 0.6]);
  assert.equal(s.z.data[3], -1);
  // Missing num_points reads as 0, as the Python loader leaves it.
  assert.equal(RKMETableSpecification.fromJSON({ z: [[1]], beta: [1], gamma: 0.5 }).numPoints, 0);
  // The old key order with type last also loads.
  const withType = '{"z":[[1.0]],"beta":[1.0],"gamma":0.1,"num_points":1,"cuda_idx":-1,"device":"cpu","type":"RKMETableSpecification"}';
  assert.equal(RKMETableSpecification.parse(withType).numPoints, 1);
});

test("a different type is SPEC_INVALID", () => {
  expectCode(
    () => RKMETableSpecification.fromJSON({ z: [[1]], beta: [1], gamma: 0.1, num_points: 1, type: "RKMEImageSpecification" }),
    "SPEC_INVALID",
    /'type'/,
  );
  expectCode(() => RKMETableSpecification.fromJSON({ z: [[1]], beta: [1], gamma: 0.1, type: null }), "SPEC_INVALID", /'type'/);
});

test("malformed stat files are SPEC_INVALID naming the field", () => {
  const ok = {
    z: [
      [1, 2],
      [3, 4],
    ],
    beta: [0.5, 0.5],
    gamma: 0.1,
    num_points: 2,
  };
  expectCode(() => RKMETableSpecification.fromJSON(null), "SPEC_INVALID", /object/);
  expectCode(() => RKMETableSpecification.fromJSON([ok]), "SPEC_INVALID", /object/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, z: undefined }), "SPEC_INVALID", /'z'/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, z: [] }), "SPEC_INVALID", /'z'/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, z: [[1, 2], [3]] }), "SPEC_INVALID", /'z' row 1/);
  expectCode(
    () =>
      RKMETableSpecification.fromJSON({
        ...ok,
        z: [
          [1, 2],
          [3, "4"],
        ],
      }),
    "SPEC_INVALID",
    /'z' \[1\]\[1\]/,
  );
  expectCode(
    () =>
      RKMETableSpecification.fromJSON({
        ...ok,
        z: [
          [1, 2],
          [3, "NaN"],
        ],
      }),
    "SPEC_INVALID",
    /'z'/,
  );
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, z: [1, 2] }), "SPEC_INVALID", /'z' row 0/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, beta: [1] }), "SPEC_INVALID", /'beta' has length 1/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, beta: [1, null] }), "SPEC_INVALID", /'beta' \[1\]/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, beta: "0.5,0.5" }), "SPEC_INVALID", /'beta'/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, gamma: "0.1" }), "SPEC_INVALID", /'gamma'/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, gamma: -1 }), "SPEC_INVALID", /'gamma'/);
  expectCode(() => RKMETableSpecification.fromJSON({ ...ok, num_points: 2.5 }), "SPEC_INVALID", /'num_points'/);
  expectCode(() => RKMETableSpecification.parse('{"z": [[1]], "beta": [1],'), "SPEC_INVALID", /not valid JSON/);
  expectCode(() => RKMETableSpecification.parse("NaN garbage"), "SPEC_INVALID", /not valid JSON/);
});

test("Python's bare NaN / Infinity tokens parse, and round-trip through stringify", () => {
  const text = '{"z":[[NaN,1.0],[-Infinity,Infinity]],"beta":[0.5,0.5],"gamma":0.1,"num_points":3,"type":"RKMETableSpecification"}';
  const s = RKMETableSpecification.parse(text);
  assert.ok(Number.isNaN(s.z.data[0]!));
  assert.equal(s.z.data[2], -Infinity);
  assert.equal(s.z.data[3], Infinity);
  assert.equal(s.stringify(), text);
  assert.ok(Number.isNaN(s.dist(s)));
  // A string that merely contains the word is left alone.
  const withString = '{"z":[[NaN]],"beta":[1.0],"gamma":0.1,"num_points":1,"type":"RKMETableSpecification","note":"NaN Infinity \\" NaN"}';
  assert.ok(Number.isNaN(RKMETableSpecification.parse(withString).z.data[0]!));
});

test("the constructor checks shapes", () => {
  const z = fromRows([
    [1, 2],
    [3, 4],
  ]);
  assert.throws(() => new RKMETableSpecification(z, new Float64Array(3), 0.1, 1), RangeError);
  assert.throws(() => new RKMETableSpecification(z, new Float64Array(2), 0, 1), RangeError);
  assert.throws(() => new RKMETableSpecification(z, new Float64Array(2), 0.1, -1), RangeError);
  assert.throws(() => new RKMETableSpecification(matrix(0, 2), new Float64Array(0), 0.1, 1), RangeError);
  assert.throws(() => new RKMETableSpecification(z, [0.5, 0.5] as unknown as Float64Array, 0.1, 1), TypeError);
  assert.throws(() => randomSpec(0, 3, 2).dist(randomSpec(1, 3, 4)), RangeError);
});

test("dist(A, A) is exactly 0", () => {
  for (let seed = 0; seed < 10; seed++) {
    const a = randomSpec(seed, 1 + seed * 7, 1 + (seed % 4) * 9, [0.1, 1e-4, 10, 0.5][seed % 4]!, seed % 2 === 1);
    assert.equal(a.dist(a), 0);
    assert.equal(a.dist(RKMETableSpecification.parse(a.stringify())), 0);
  }
});

test("MMD² ≥ 0 for equal gammas; ip is symmetric; mixed gammas use the first gamma", () => {
  for (let seed = 0; seed < 20; seed++) {
    const a = randomSpec(seed, 10, 3, 0.3, seed % 2 === 0),
      b = randomSpec(seed + 100, 15, 3, 0.3);
    const d = a.dist(b);
    const scale = Math.abs(a.innerProduct(a)) + Math.abs(b.innerProduct(b));
    assert.ok(d >= -1e-14 * scale, `MMD² ${d} < 0`);
    const ab = a.innerProduct(b),
      ba = b.innerProduct(a);
    assert.ok(Math.abs(ab - ba) <= 1e-14 * scale, `ip(a,b) ${ab} vs ip(b,a) ${ba}`);
    assert.ok(Math.abs(d - b.dist(a)) <= 1e-13 * scale, `dist ${d} vs ${b.dist(a)}`);
  }
  const a = randomSpec(1, 5, 2, 0.1),
    b = randomSpec(2, 5, 2, 0.5);
  assert.equal(a.innerProduct(b), getKernelBackend().rbfWeightedSum(a.z, a.beta, b.z, b.beta, 0.1));
  assert.equal(b.innerProduct(a), getKernelBackend().rbfWeightedSum(b.z, b.beta, a.z, a.beta, 0.5));
  assert.equal(a.dist(b), innerProduct(a, a) - 2 * innerProduct(a, b) + innerProduct(b, b));
  assert.equal(mmd2(a, b), a.dist(b));
});

test("the RBF Gram matrix is symmetric and positive semi-definite", () => {
  const rng = createRng(9);
  for (const [n, d, gamma] of [
    [30, 3, 0.5],
    [25, 10, 0.1],
    [40, 1, 2],
  ] as const) {
    const X = matrix(n, d);
    for (let i = 0; i < X.data.length; i++) X.data[i] = 2 * rng.normal();
    const K = new Float64Array(n * n);
    getKernelBackend().rbfBlockInto(K, X, X, gamma);
    for (let i = 0; i < n; i++) {
      assert.equal(K[i * n + i], 1);
      for (let j = 0; j < i; j++) assert.equal(K[i * n + j], K[j * n + i]);
    }
    // Cholesky of K + εI succeeds (every pivot positive) ⇔ K + εI is positive definite.
    const L = K.slice();
    for (let i = 0; i < n; i++) L[i * n + i]! += 1e-10;
    for (let j = 0; j < n; j++) {
      let s = L[j * n + j]!;
      for (let p = 0; p < j; p++) s -= L[j * n + p]! ** 2;
      assert.ok(s > 0, `pivot ${j} = ${s} for ${n}x${d}, gamma ${gamma}`);
      const ljj = Math.sqrt(s);
      L[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let t = L[i * n + j]!;
        for (let p = 0; p < j; p++) t -= L[i * n + p]! * L[j * n + p]!;
        L[i * n + j] = t / ljj;
      }
    }
    // And quadratic forms with random vectors are non-negative.
    for (let r = 0; r < 20; r++) {
      const v = Float64Array.from({ length: n }, () => rng.normal());
      let q = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += v[i]! * K[i * n + j]! * v[j]!;
      assert.ok(q >= -1e-12, `vᵀKv = ${q}`);
    }
  }
});

test("herding: shape, determinism, samples near the mass", () => {
  const z = fromRows([
    [0, 0],
    [10, 10],
    [-10, 5],
  ]);
  const spec = new RKMETableSpecification(z, new Float64Array([0.6, 0.4, -0.2]), 0.1, 100);
  const S = spec.herding(20, 3);
  assert.equal(S.rows, 20);
  assert.equal(S.cols, 2);
  assert.deepEqual(Array.from(spec.herding(20, 3).data), Array.from(S.data));
  let near0 = 0,
    near1 = 0;
  for (let i = 0; i < S.rows; i++) {
    const x = S.data[2 * i]!,
      y = S.data[2 * i + 1]!;
    const d0 = Math.hypot(x, y),
      d1 = Math.hypot(x - 10, y - 10),
      d2 = Math.hypot(x + 10, y - 5);
    assert.ok(Math.min(d0, d1) < 2, `sample ${i} (${x}, ${y}) is far from the positive-weight points`);
    assert.ok(d2 > 5, "a negative-weight point is never sampled");
    if (d0 < d1) near0++;
    else near1++;
  }
  assert.ok(Math.abs(near0 - 12) <= 2 && Math.abs(near1 - 8) <= 2, `split ${near0}/${near1}`);
  assert.equal(spec.beta[2], -0.2, "herding does not modify the spec");
  assert.equal(spec.herding(0).rows, 0);
  assert.throws(() => spec.herding(-1), RangeError);
  const negative = new RKMETableSpecification(fromRows([[0]]), new Float64Array([-1]), 0.1, 1);
  expectCode(() => negative.herding(2), "SPEC_INVALID");
});
