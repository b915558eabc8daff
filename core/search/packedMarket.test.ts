import { test } from "node:test";
import assert from "node:assert/strict";
import { packSpecs, scanPacked, searchPacked } from "./packedMarket.ts";
import { searchStatistical } from "./statSearch.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { createRng } from "../random.ts";
test("searchPacked over every slot equals searchStatistical (ids, scores, mixture) for greedy and auto", () => {
  const rng = createRng(3);
  const mk = (c: number) =>
    RKMETableSpecification.fromJSON({
      z: Array.from({ length: 6 }, () => [c + rng.normal(), rng.normal(), rng.normal()]),
      beta: Array(6).fill(1 / 6),
      gamma: 0.1,
      num_points: 10,
    });
  const specs = Array.from({ length: 300 }, (_, i) => mk(i % 3));
  const user = mk(1);
  const p = packSpecs(specs);
  for (const method of ["greedy", "auto"] as const) {
    const a = searchPacked(user, p, Int32Array.from(specs.keys()), { method });
    const b = searchStatistical(
      user,
      specs.map((spec, i) => ({ id: String(i), spec })),
      { method },
    );
    assert.deepEqual(
      Array.from(a.order, String),
      b.single.map((s) => s.id),
    );
    assert.deepEqual(
      Array.from(a.scores),
      b.single.map((s) => s.score),
    );
    assert.deepEqual(a.mixture?.positions.map(String), b.multiple?.ids);
  }
});

test("a scan split into shards gives the same bits as one scan", () => {
  const rng = createRng(4);
  const mk = () =>
    RKMETableSpecification.fromJSON({ z: Array.from({ length: 5 }, () => [rng.normal(), rng.normal()]), beta: Array(5).fill(0.2), gamma: 0.5, num_points: 5 });
  const specs = Array.from({ length: 101 }, mk);
  const p = packSpecs(specs);
  const slots = Int32Array.from(specs.keys()).reverse();
  const whole = scanPacked(specs[0]!, p, slots);
  const parts = [...scanPacked(specs[0]!, p, slots, 0, 40), ...scanPacked(specs[0]!, p, slots, 40, 101)];
  assert.deepEqual(Array.from(whole), parts);
  assert.equal(whole[100], 0, "a spec's distance to itself is exactly 0");
});
