/** kernel_mmd.json: inner products and MMD² between weighted point sets, every case and key. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadCases } from "../_util.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { innerProduct, mmd2 } from "../../core/kernel/mmd.ts";
import { fromRows } from "../../core/matrix.ts";

type Keys = "ip_aa" | "ip_bb" | "ip_ab" | "ip_ba" | "dist_ab" | "dist_ba";
interface PointSet {
  z: number[][];
  beta: number[];
  gamma: number;
}
interface Case {
  id: string;
  note: string;
  a: PointSet;
  b: PointSet;
  expected: Record<Keys, number>;
  tol: Record<Keys, number>;
}

const cases = loadCases<Case>("kernel_mmd.json");
const KEYS: Keys[] = ["ip_aa", "ip_bb", "ip_ab", "ip_ba", "dist_ab", "dist_ba"];

test("kernel_mmd.json has its 30 cases", () => {
  assert.equal(cases.length, 30);
});

for (const c of cases) {
  test(`kernel_mmd ${c.id}: ${c.note}`, () => {
    const a = RKMETableSpecification.fromJSON(c.a);
    const b = RKMETableSpecification.fromJSON(c.b);
    const got: Record<Keys, number> = {
      ip_aa: a.innerProduct(a),
      ip_bb: b.innerProduct(b),
      ip_ab: a.innerProduct(b),
      ip_ba: b.innerProduct(a),
      dist_ab: a.dist(b),
      dist_ba: b.dist(a),
    };
    for (const k of KEYS) assertClose(got[k], c.expected[k], c.tol[k], 0, `${c.id} ${k}`);

    // The free functions on plain embeddings give the same bits as the class methods.
    const pa = { z: fromRows(c.a.z), beta: Float64Array.from(c.a.beta), gamma: c.a.gamma };
    const pb = { z: fromRows(c.b.z), beta: Float64Array.from(c.b.beta), gamma: c.b.gamma };
    assert.equal(innerProduct(pa, pb), got.ip_ab);
    assert.equal(mmd2(pb, pa), got.dist_ba);

    // Identical specs: exactly zero.
    assert.equal(a.dist(a), 0);
    assert.equal(b.dist(RKMETableSpecification.fromJSON(c.b)), 0);
  });
}
