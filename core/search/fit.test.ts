import { test } from "node:test";
import assert from "node:assert/strict";
import { demoLearnwares, demoStatSpec, sampleData } from "../demo/synthetic.ts";
import { matrix } from "../matrix.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { bandOf, explainResult, specWarnings } from "./fit.ts";
import { search } from "./search.ts";
import { unknownMethodWarning } from "./statSearch.ts";

const lws = demoLearnwares().slice(0, 3); // plants A, B, C (8 sensor features)
const specs = lws.map((l) => demoStatSpec(l).spec);
const market = specs.map((spec, i) => ({ id: ["A", "B", "C"][i]!, stat: spec }));
const byId = new Map(market.map((m) => [m.id, m.stat]));
const userOf = (X: ReturnType<typeof matrix>) => RKMETableSpecification.generate(X, { K: Math.min(100, X.rows), seed: 0 });

test("bands: the learnware's own distribution fits, half of the data fits partly, a plant the data never meets does not fit", () => {
  const own = userOf(sampleData(lws[0]!, 400).X);
  const e1 = explainResult(own, { single: market.map((m) => ({ id: m.id, score: 0, dist: own.dist(m.stat) })), multiple: null }, (id) => byId.get(id));
  assert.equal(e1.single[0]!.fit!.band, "fits");
  assert.ok(e1.single[0]!.fit!.overlap > 0.95, `own distribution overlap ${e1.single[0]!.fit!.overlap}`);
  assert.equal(e1.single[1]!.fit!.band, "does not fit");
  assert.ok(e1.single[1]!.fit!.overlap < 0.01);
  const a = sampleData(lws[0]!, 200).X,
    c = sampleData(lws[2]!, 200).X;
  const half = matrix(400, 8);
  half.data.set(a.data, 0);
  half.data.set(c.data, 200 * 8);
  const u = userOf(half);
  const r = search({ user: { stat: u }, market, maxSearchNum: 3, method: "greedy" });
  const e = explainResult(u, r, (id) => byId.get(id));
  const fitA = e.single.find((s) => s.id === "A")?.fit;
  if (fitA) assert.equal(fitA.band, "fits partly");
  assert.ok(e.mixture, "a mixture");
  assert.equal(e.mixture.band, "fits", `the A+C mixture covers the data (overlap ${e.mixture.overlap})`);
  // A member whose data never meets the user's is flagged negligible whatever its weight.
  for (const m of e.mixture.members) {
    if (m.id === "B") assert.ok(m.negligible && m.contribution < 0.05, JSON.stringify(m));
    else assert.ok(!m.negligible, JSON.stringify(m));
  }
  const total = e.mixture.members.reduce((s, m) => s + m.contribution, 0);
  assert.ok(Math.abs(total - 1) < 1e-3, `contributions sum to 1, got ${total}`);
  assert.match(e.legend, /score: relative/);
});

test("warnings: a spec from fewer rows than points (one row), and feature scales far apart", () => {
  const one = matrix(1, 8);
  one.data.set(sampleData(lws[0]!, 1).X.data);
  const w1 = specWarnings(RKMETableSpecification.generate(one, { K: 1, seed: 0 }));
  assert.equal(w1[0]?.code, "TINY_SAMPLE");
  assert.match(w1[0]!.message, /summarises only 1 row\b|1 row with/);
  const tiny = new RKMETableSpecification(matrix(4, 1, new Float64Array([0, 1, 2, 3])), new Float64Array(4).fill(0.25), 0.1, 2);
  assert.match(specWarnings(tiny)[0]!.message, /summarises 2 rows with 4 points/);
  const X = matrix(200, 2);
  for (let i = 0; i < 200; i++) {
    X.data[i * 2] = (i % 17) * 1000;
    X.data[i * 2 + 1] = (i % 13) * 0.01;
  }
  const w2 = specWarnings(userOf(X));
  const scales = w2.find((w) => w.code === "FEATURE_SCALES");
  assert.ok(scales, JSON.stringify(w2));
  assert.match(scales.message, /column 1 spans .* column 2 .*Standardise/);
  assert.deepEqual(specWarnings(userOf(sampleData(lws[0]!, 400).X)), []);
});

test("an unknown search method: single results only and a warning, as the Python market does", () => {
  const u = userOf(sampleData(lws[0]!, 100).X);
  const r = search({ user: { stat: u }, market, maxSearchNum: 3, method: "magic" });
  assert.equal(r.multiple, null);
  assert.ok(r.single.length > 0);
  assert.match(unknownMethodWarning("magic")!, /single results only/);
  assert.equal(unknownMethodWarning("auto"), null);
  assert.equal(bandOf(0.85), "fits");
  assert.equal(bandOf(0.4), "fits partly");
  assert.equal(bandOf(0.39), "does not fit");
});
