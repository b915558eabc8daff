import { test } from "node:test";
import assert from "node:assert/strict";
import { fromRows, type Matrix } from "../matrix.ts";
import { createRng } from "../random.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { HeteroAlignedLearnware } from "./featureAlign.ts";
import { FeatureSpace, inputDescriptions, normalizeDescription } from "./featureSpace.ts";
import { columnMapping, heteroDistToScore, HeteroMarket } from "./heteroSearch.ts";

const input = (descs: string[]) => ({ Dimension: descs.length, Description: Object.fromEntries(descs.map((d, i) => [String(i), d])) });

function sample(seed: number, n: number, means: number[]): Matrix {
  const rng = createRng(seed);
  return fromRows(Array.from({ length: n }, () => means.map((m) => m + rng.normal())));
}
const pick = (X: Matrix, cols: number[]): Matrix => fromRows(Array.from({ length: X.rows }, (_, i) => cols.map((c) => X.data[i * X.cols + c]!)));

test("descriptions normalise and match by tokens, not by position", async () => {
  assert.equal(normalizeDescription("Age of the customer (years)"), normalizeDescription("customer age, in years"));
  const fs = new FeatureSpace();
  const a = await fs.addColumns(["Monthly income (EUR)", "Age of the customer", ""]);
  const b = await fs.addColumns(["", "customer age", "income per month eur", "number of children"]);
  assert.equal(b[1], a[1]);
  assert.equal(b[2], a[0]);
  assert.notEqual(b[0], a[2], "undescribed columns never match each other");
  assert.equal(fs.size, 5);
  assert.deepEqual(await fs.lookup(["children", "shoe size"]), [b[3], -1]);
  assert.throws(() => inputDescriptions({ Dimension: 3, Description: {} }, 2), /Dimension/);
});

test("an embedder merges synonyms the tokens miss", async () => {
  const vec: Record<string, number[]> = { salary: [1, 0], "annual income": [0.99, 0.1], "body height": [0, 1] };
  const fs = new FeatureSpace({ embedder: async (t) => t.map((s) => Float32Array.from(vec[s] ?? [0.5, 0.5])) });
  const a = await fs.addColumns(["salary", "body height"]);
  assert.deepEqual(await fs.lookup(["annual income"]), [a[0]]);
});

test("columnMapping and the Python hetero score conversion", () => {
  assert.deepEqual(columnMapping([3, 1, 7], [1, -1, 3, 3]), [2, 0, -1]);
  assert.deepEqual(heteroDistToScore([0.5, 0.5]), [1, 1]);
  const s = heteroDistToScore([0.001, 0.2, 1]);
  assert.equal(s[0], 1);
  assert.ok(Math.abs(s[1]! - (1 - 0.2) / (1 - 0.001)) < 1e-15);
});

test("hetero search finds the learnware of the user's domain across column orders and subsets", async () => {
  // domain A: age, income, debt, tenure; domain B: age, height, weight, blood pressure (other distribution)
  const A = sample(1, 300, [0, 2, -1, 1]),
    B = sample(2, 300, [4, -2, 3, 0]);
  const mk = (X: Matrix) => RKMETableSpecification.generate(X, { K: 20, seed: 1 });
  const m = new HeteroMarket();
  await m.add("a1", mk(pick(A, [0, 1, 2])), input(["customer age", "monthly income", "total debt"]));
  await m.add("a2", mk(pick(A, [3, 1])), input(["account tenure", "income per month"]));
  await m.add("b1", mk(pick(B, [0, 1, 2])), input(["age of patient", "height", "weight"]));
  await m.add("b2", mk(pick(B, [3, 0])), input(["blood pressure", "patient age"]));
  // the user has domain-A data, columns (debt, tenure, age), other wording
  const U = sample(3, 200, [0, 2, -1, 1]);
  const user = mk(pick(U, [2, 3, 0]));
  const r = await m.search(user, input(["Total debt", "tenure of the account", "age of customer"]));
  assert.deepEqual(
    r.single
      .slice(0, 2)
      .map((s) => s.id)
      .sort(),
    ["a1", "a2"],
  );
  const a1 = r.single.find((s) => s.id === "a1")!;
  assert.deepEqual(a1.columnMap, [2, -1, 0]);
  assert.ok(r.single[0]!.score >= r.single[1]!.score);
  assert.ok(!r.single.some((s) => s.id === "b1"), "b1 shares no feature with the user");
  const limited = await m.search(user, input(["Total debt", "tenure of the account", "age of customer"]), { candidates: ["b1"] });
  assert.deepEqual(
    limited.single.map((s) => s.id),
    [],
  );
});

test("HeteroAlignedLearnware copies shared columns and imputes the rest from the spec", async () => {
  const rng = createRng(5);
  // x1 = 2·x0 exactly in the learnware's data, so the conditional mean recovers x1 from x0.
  const rows = Array.from({ length: 400 }, () => {
    const x = rng.normal() * 2;
    return [x, 2 * x];
  });
  const spec = RKMETableSpecification.generate(fromRows(rows), { K: 60, seed: 2 });
  const inner = { id: "lw", spec, predict: async (X: Matrix) => X };
  const aligned = new HeteroAlignedLearnware(inner, [0, -1]);
  const out = await aligned.predict(fromRows([[1], [-2], [0.5]]));
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(out.data[i * 2 + 1]! - 2 * out.data[i * 2]!) < 0.6, `row ${i}: ${out.data[i * 2]}, ${out.data[i * 2 + 1]}`);
  const mean = new HeteroAlignedLearnware(inner, [0, -1], { imputation: "mean" }).transform(fromRows([[1], [-2]]));
  assert.equal(mean.data[1], mean.data[3]);
  const mm = new HeteroAlignedLearnware(inner, [0, -1], { matchMoments: true });
  const shifted = mm.transform(fromRows([[100], [102], [104]]));
  assert.ok(Math.abs(shifted.data[2]!) < 1, "moment matching centres the shifted column");
  assert.throws(() => new HeteroAlignedLearnware(inner, [0]), /columnMap/);
});
