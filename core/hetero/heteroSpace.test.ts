import { test } from "node:test";
import assert from "node:assert/strict";
import { fromRows } from "../matrix.ts";
import { createRng } from "../random.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { searchStatistical } from "../search/statSearch.ts";
import { FeatureSpace } from "./featureSpace.ts";
import { columnMapOf, feedsFromConcepts, HeteroSpace, searchHeteroSpace } from "./heteroSpace.ts";
import { columnProfiles, LearnedHeteroMap } from "./learnedMap.ts";

// Six features with distinct marginals; a learnware holds some of them, named by description.
const FEATURES: Record<string, (r: () => number) => number> = {
  age: (r) => 40 + 12 * r(),
  income: (r) => 50 + 15 * r(),
  debt: (r) => 8 * Math.exp(0.5 * r()),
  tenure: (r) => 5 + 3 * r(),
  balance: (r) => -20 + 4 * r(),
  "credit score": (r) => 0.5 + 0.2 * r(),
  "body height": (r) => 170 + 10 * r(),
  "body weight": (r) => 70 + 12 * r(),
};

function table(names: string[], n: number, seed: number): number[][] {
  const rng = createRng(seed);
  const r = () => rng.normal();
  return Array.from({ length: n }, () => names.map((c) => FEATURES[c]!(r)));
}

async function market() {
  const fs = new FeatureSpace();
  const defs: [string, string[]][] = [
    ["A", ["age", "income", "debt"]],
    ["B", ["tenure", "balance", "credit score"]],
    ["C", ["body height", "body weight", "age"]],
    ["D", ["credit score", "debt"]],
  ];
  const entries = [];
  for (const [k, [id, names]] of defs.entries()) {
    const spec = RKMETableSpecification.generate(fromRows(table(names, 300, k + 1)), { K: 20, seed: k });
    entries.push({ id, names, spec, concepts: await fs.addColumns(names) });
  }
  return { fs, entries };
}

test("a user whose columns span two learnwares gets singles and a mixture of those two, through the homogeneous search's rules", async () => {
  const { fs, entries } = await market();
  const space = new HeteroSpace(entries);
  const userNames = ["income", "balance", "age", "tenure"];
  const spec = RKMETableSpecification.generate(fromRows(table(userNames, 200, 9)), { K: 20, seed: 7 });
  const feeds = feedsFromConcepts(await fs.lookup(userNames));
  assert.equal(feeds.size, 4);
  const r = searchHeteroSpace(space, entries, { spec, feeds }, { maxSearchNum: 3 });
  // D shares no concept with the user: not a candidate.
  assert.ok(!r.single.some((s) => s.id === "D"));
  assert.ok(r.multiple !== null, JSON.stringify(r));
  assert.deepEqual([...r.multiple.ids].sort(), ["A", "B"]);
  const w = Object.fromEntries(r.multiple.ids.map((id, i) => [id, r.multiple!.weights[i]!]));
  // Each covers two of the user's four columns: comparable weights.
  // Each covers two of the user's four columns: both weigh in (the QP's split moves with the
  // reduced sets' sampling noise, here about 0.7 / 0.3).
  assert.ok(w.A! > 0.2 && w.A! < 0.8 && w.B! > 0.2 && w.B! < 0.8, JSON.stringify(w));
  const best = Math.min(...r.single.map((s) => s.dist));
  assert.ok(r.multiple.dist < 0.95 * best, `mixture MMD² ${r.multiple.dist} vs best single ${best}`);
  assert.ok(r.multiple.score > r.single[0]!.score);
  // Column maps: A reads user columns 2 (age) and 0 (income), its debt is imputed; B reads 3 and 1.
  const at = (id: string) => r.multiple!.columnMaps[r.multiple!.ids.indexOf(id)];
  assert.deepEqual(at("A"), [2, 0, -1]);
  assert.deepEqual(at("B"), [3, 1, -1]);
  assert.deepEqual(r.single.find((s) => s.id === "A")!.columnMap, [2, 0, -1]);
  // The same answer as the homogeneous search over the mapped specs (one search, not a second one).
  const singlesOnly = searchHeteroSpace(space, entries, { spec, feeds }, { method: "none" });
  assert.deepEqual(singlesOnly.single.map((s) => s.id).slice(0, 1), ["A"]);
  assert.equal(singlesOnly.multiple, null);
  // (scores differ: the mixture's distance takes part in the score conversion.)
  assert.deepEqual(singlesOnly.single[0]!.dist, r.single[0]!.dist);
});

test("the space's coordinates: standardised by the market's concept moments, 0 where a learnware holds no column of a concept", async () => {
  const { entries } = await market();
  const space = new HeteroSpace(entries);
  const age = entries[0]!.concepts[0]!;
  const m = space.moments(age);
  // age is held by A and C (both ~ 40 ± 12).
  assert.ok(Math.abs(m.mean - 40) < 3 && Math.abs(m.sd - 12) < 3, JSON.stringify(m));
  const z = fromRows([
    [40 + 12, 1],
    [40, 2],
  ]);
  const p = space.mapPoints(z, [age, 999], [0, -1]);
  assert.deepEqual([p.rows, p.cols], [2, 2]);
  assert.ok(Math.abs(p.data[0]! - 12 / m.sd - (40 - m.mean) / m.sd) < 1e-12);
  assert.equal(p.data[1], 0);
  assert.deepEqual(columnMapOf([age, 5, -1], new Map([[age, 3]])), [3, -1, -1]);
  assert.throws(() => new HeteroSpace([{ id: "x", spec: entries[0]!.spec, concepts: [0] }]), /1 concepts for 3 columns/);
  const user = { spec: entries[0]!.spec, feeds: new Map([[age, 7]]) };
  assert.throws(() => searchHeteroSpace(space, entries, user), /user column 7/);
  // No shared concept: an empty answer.
  const none = searchHeteroSpace(space, entries, { spec: entries[0]!.spec, feeds: new Map() });
  assert.deepEqual([none.single, none.multiple, none.fit.single, none.fit.mixture], [[], null, [], null]);
  // A user in exactly one learnware's space ranks it first with a near-zero distance, as the homogeneous search would.
  const a = entries[0]!;
  const r = searchHeteroSpace(space, entries, { spec: a.spec, feeds: feedsFromConcepts(a.concepts) });
  assert.equal(r.single[0]!.id, "A");
  assert.ok(r.single[0]!.dist < 1e-9);
  // Its fit, measured in the shared space: a user who is that learnware fits it fully.
  const fitA = r.fit.single.find((f) => f.id === "A")!.fit!;
  assert.ok(fitA.overlap > 0.999 && fitA.band === "fits", JSON.stringify(fitA));
  // A user far from every learnware (shifted by 50 sd in every column) gets "does not fit" beside a relative score.
  const far = a.spec.z.data.map((v) => v + 50 * 12);
  const away = new RKMETableSpecification(
    { rows: a.spec.z.rows, cols: a.spec.z.cols, data: Float64Array.from(far) },
    a.spec.beta,
    a.spec.gamma,
    a.spec.numPoints,
  );
  const rFar = searchHeteroSpace(space, entries, { spec: away, feeds: feedsFromConcepts(a.concepts) });
  assert.ok(rFar.single.length > 0);
  assert.ok(
    rFar.fit.single.every((f) => f.fit?.band === "does not fit"),
    JSON.stringify(rFar.fit.single),
  );
  assert.ok(Number.isFinite(searchStatistical(a.spec, [{ id: "A", spec: a.spec }]).single[0]!.dist!));
});

test("the learned map feeds renamed user columns into the market's concepts", async () => {
  const { entries } = await market();
  const map = new LearnedHeteroMap();
  const profiles = entries.map((e) => columnProfiles(e.spec, e.names));
  map.train(profiles);
  assert.ok(map.trained);
  const members = new Map<number, ReturnType<typeof columnProfiles>>();
  entries.forEach((e, k) =>
    e.concepts.forEach((c, j) => {
      members.set(c, [...(members.get(c) ?? []), profiles[k]![j]!]);
    }),
  );
  const userNames = ["income", "balance", "age", "tenure"];
  const spec = RKMETableSpecification.generate(fromRows(table(userNames, 200, 9)), { K: 20, seed: 7 });
  // Renamed with no shared words; the values identify them.
  const feeds = map.feeds(members, columnProfiles(spec, ["salary", "account funds", "years old", "years as client"]));
  const a = entries[0]!;
  assert.equal(feeds.get(a.concepts[0]!), 2, "age ← years old");
  assert.equal(feeds.get(a.concepts[1]!), 0, "income ← salary");
});
