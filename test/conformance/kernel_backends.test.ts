/**
 * kernel_mmd.json through every kernel backend, via the `KernelBackend` interface directly:
 * `ip(A, B) = rbfWeightedSum(zA, βA, zB, βB, γA)` (the first argument's gamma) and
 * `dist(A, B) = ip(A,A) − 2·ip(A,B) + ip(B,B)` (README, "Conventions"), each within the case's
 * tolerance; an identical pair must give exactly 0 on every backend.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KernelBackend } from "../../core/kernel/backend.ts";
import { referenceBackend } from "../../core/kernel/reference.ts";
import { fromRows, type Matrix } from "../../core/matrix.ts";
import { createWasmBackend, wasmSimdSupported } from "../../wasm/mod.ts";
import { loadCases } from "../_util.ts";

interface SpecIn {
  z: number[][];
  beta: number[];
  gamma: number;
}
interface KernelCase {
  id: string;
  note: string;
  a: SpecIn;
  b: SpecIn;
  expected: Record<Key, number>;
  tol: Record<Key, number>;
}
type Key = "ip_aa" | "ip_bb" | "ip_ab" | "ip_ba" | "dist_ab" | "dist_ba";
interface Spec {
  z: Matrix;
  beta: Float64Array;
  gamma: number;
}

const cases = loadCases<KernelCase>("kernel_mmd.json");
const spec = (s: SpecIn): Spec => ({ z: fromRows(s.z), beta: Float64Array.from(s.beta), gamma: s.gamma });

const backends: KernelBackend[] = [referenceBackend];
if (wasmSimdSupported()) backends.push(await createWasmBackend());

test("both backends are under test", () => {
  assert.equal(cases.length, 30);
  assert.ok(
    backends.some((b) => b.name === "wasm-simd"),
    "wasm SIMD backend missing on this runtime",
  );
});

for (const backend of backends) {
  const ip = (x: Spec, y: Spec): number => backend.rbfWeightedSum(x.z, x.beta, y.z, y.beta, x.gamma);
  const dist = (x: Spec, y: Spec): number => ip(x, x) - 2 * ip(x, y) + ip(y, y);

  test(`kernel_mmd.json through the ${backend.name} backend`, () => {
    const failures: string[] = [];
    for (const c of cases) {
      const a = spec(c.a),
        b = spec(c.b);
      const got: Record<Key, number> = {
        ip_aa: ip(a, a),
        ip_bb: ip(b, b),
        ip_ab: ip(a, b),
        ip_ba: ip(b, a),
        dist_ab: dist(a, b),
        dist_ba: dist(b, a),
      };
      for (const key of Object.keys(c.expected) as Key[]) {
        const g = got[key],
          e = c.expected[key],
          tol = c.tol[key];
        if (!(Math.abs(g - e) <= tol)) failures.push(`${c.id} ${key}: got ${g}, expected ${e} (tol ${tol})`);
      }
      assert.equal(dist(a, a), 0, `${c.id}: dist(a, a) must be exactly 0 on ${backend.name}`);
      assert.equal(dist(b, b), 0, `${c.id}: dist(b, b) must be exactly 0 on ${backend.name}`);
    }
    assert.deepEqual(failures, []);
  });
}

test("the two backends agree to well inside the corpus tolerances", { skip: backends.length < 2 }, () => {
  const [r, w] = backends as [KernelBackend, KernelBackend];
  for (const c of cases) {
    const a = spec(c.a),
      b = spec(c.b);
    for (const [x, y, key] of [
      [a, a, "ip_aa"],
      [b, b, "ip_bb"],
      [a, b, "ip_ab"],
      [b, a, "ip_ba"],
    ] as const) {
      const gr = r.rbfWeightedSum(x.z, x.beta, y.z, y.beta, x.gamma);
      const gw = w.rbfWeightedSum(x.z, x.beta, y.z, y.beta, x.gamma);
      assert.ok(Math.abs(gr - gw) <= c.tol[key] / 100, `${c.id} ${key}: reference ${gr}, wasm ${gw}`);
    }
  }
});
