import { test } from "node:test";
import assert from "node:assert/strict";
import { fromRows } from "../matrix.ts";
import { createRng } from "../random.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { columnProfiles, LearnedHeteroMap, searchWithMap } from "./learnedMap.ts";

// Four features with distinct marginals: age ~ 40±12, income ~ 50000±15000, debt ~ 8000±6000 (skewed), score ~ 0.5±0.2.
function table(n: number, cols: number[], seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const full = [40 + 12 * rng.normal(), 50000 + 15000 * rng.normal(), 8000 * Math.exp(0.7 * rng.normal()), 0.5 + 0.2 * rng.normal()];
    return cols.map((c) => full[c]!);
  });
}
const NAMES = ["age", "income", "debt", "credit score"];
const spec = (rows: number[][], seed: number) => RKMETableSpecification.generate(fromRows(rows), { K: 20, seed, gamma: 1e-8 });

test("trained on the market's shared columns, the map aligns renamed user columns by their values", () => {
  const a = [0, 1, 2],
    b = [1, 2, 3],
    c = [0, 2, 3];
  const market = [a, b, c].map((cols, k) => {
    const s = spec(table(300, cols, k + 1), k);
    return {
      id: `lw${k}`,
      spec: s,
      profiles: columnProfiles(
        s,
        cols.map((j) => NAMES[j]!),
      ),
    };
  });
  const map = new LearnedHeteroMap();
  assert.ok(!map.trained);
  map.train(market.map((m) => m.profiles));
  assert.ok(map.trained);
  assert.ok(map.weights[1]! > 0, "name similarity counts");
  // The user's columns: income, age, debt — renamed with no shared words.
  const userCols = [1, 0, 2];
  const us = spec(table(200, userCols, 9), 5);
  const profiles = columnProfiles(us, ["salary", "years old", "liabilities"]);
  assert.deepEqual(map.align(market[0]!.profiles, profiles), [1, 0, 2]);
  const r = searchWithMap(map, market, { spec: us, profiles });
  assert.equal(r.single[0]!.id, "lw0", "the learnware holding all three of the user's features first");
  assert.deepEqual(r.single[0]!.columnMap, [1, 0, 2]);
});

test("a market without shared described columns leaves the map untrained (the description method answers)", () => {
  const s = spec(table(50, [0, 1], 1), 0);
  const map = new LearnedHeteroMap();
  map.train([columnProfiles(s, ["age", "income"]), columnProfiles(s, ["x", "y"])]);
  assert.equal(map.trained, false);
  assert.throws(() => columnProfiles(s, ["only one"]), /1 names for 2 columns/);
});
