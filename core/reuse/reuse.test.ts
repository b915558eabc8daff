import { test } from "node:test";
import assert from "node:assert/strict";
import { fromRows, type Matrix } from "../matrix.ts";
import { AveragingReuser } from "./averaging.ts";
import { EnsemblePruningReuser } from "./ensemblePruning.ts";
import { FeatureAugmentReuser } from "./featureAugment.ts";
import { JobSelectorReuser } from "./jobSelector.ts";
import { buildReuser, describeReuse } from "./fromSearchResult.ts";
import { fitLogisticCV, fitRidgeCV, KnnClassifier } from "./simpleModels.ts";
import { averagingTask, featureAugmentTask, jobSelectorTask, pruningTask, type ReuseTask, score } from "./_synthetic.ts";
import type { Learnware } from "./types.ts";

const fixed = (id: string, rows: number[][]): Learnware => ({
  id,
  predict: async (X) => fromRows(Array.from({ length: X.rows }, (_, i) => rows[i % rows.length]!)),
});

async function bestSingle(t: ReuseTask): Promise<number> {
  let best = -Infinity;
  for (const l of t.learnwares) best = Math.max(best, score(t.mode, await l.predict(t.testX), t.testY));
  return best;
}

test("AveragingReuser modes follow the Python package", async () => {
  const a = fixed("a", [[2, 0, 0]]),
    b = fixed("b", [[0, 1, 0]]),
    c = fixed("c", [[0, 1, 0]]);
  const X = fromRows([[0]]);
  assert.deepEqual(Array.from((await new AveragingReuser([a, b, c], "vote_by_label").predict(X)).data), [1]);
  const p = await new AveragingReuser([a, b], "vote_by_prob").predict(X);
  assert.equal(p.cols, 3);
  assert.ok(Math.abs(p.data[0]! + p.data[1]! + p.data[2]! - 1) < 1e-12);
  const m = await new AveragingReuser([fixed("x", [[1]]), fixed("y", [[4]])], "mean").predict(fromRows([[0], [0]]));
  assert.deepEqual(Array.from(m.data), [2.5, 2.5]);
  // ties in a label vote go to the smaller label, as numpy's bincount().argmax()
  const tie = await new AveragingReuser([fixed("p", [[0, 1]]), fixed("q", [[1, 0]])], "vote_by_label").predict(X);
  assert.equal(tie.data[0], 0);
  assert.throws(() => new AveragingReuser([a], "median" as never), RangeError);
});

test("simple models: ridge recovers a line, logistic and kNN separate two blobs", () => {
  const X = fromRows([
    [0, 1],
    [1, 0],
    [2, 2],
    [3, 1],
    [4, 5],
    [5, 3],
  ]);
  const y = Float64Array.from([0, 1, 2, 3, 4, 5].map((i) => 2 * X.data[i * 2]! - X.data[i * 2 + 1]! + 1));
  const r = fitRidgeCV(X, y, [1e-8]);
  assert.ok(Math.abs(r.predict(fromRows([[10, 1]])).data[0]! - 20) < 1e-4);
  const B = fromRows([
    [-2, 0],
    [-2.5, 0.3],
    [-1.8, -0.2],
    [2, 0],
    [2.2, 0.1],
    [1.9, -0.3],
  ]);
  const lab = [0, 0, 0, 1, 1, 1];
  const lr = fitLogisticCV(B, lab, { folds: 3 });
  assert.deepEqual(
    Array.from(
      lr.predict(
        fromRows([
          [-3, 0],
          [3, 0],
        ]),
      ),
    ),
    [0, 1],
  );
  assert.deepEqual(
    Array.from(
      new KnnClassifier(B, lab, 3).predict(
        fromRows([
          [-3, 0],
          [3, 0],
        ]),
      ),
    ),
    [0, 1],
  );
});

test("JobSelectorReuser beats the best single learnware on mixed domains", async () => {
  const t = jobSelectorTask(1, 200);
  const r = new JobSelectorReuser(t.learnwares, { herdingNum: 300 });
  const acc = score(t.mode, await r.predict(t.testX), t.testY);
  const single = await bestSingle(t);
  assert.ok(acc > single + 0.2, `job selector ${acc} vs best single ${single}`);
  const w = r.lastMixtureWeights!;
  assert.ok(Math.abs(w[0]! - 0.5) < 0.15, `mixture weights ${Array.from(w)}`);
  const rl = new JobSelectorReuser(t.learnwares, { herdingNum: 300, selector: "logistic", useHerding: false });
  assert.ok(score(t.mode, await rl.predict(t.testX), t.testY) > single + 0.2);
});

test("AveragingReuser (mean) beats the best single on independent noisy regressors", async () => {
  const t = averagingTask();
  const s = score(t.mode, await new AveragingReuser(t.learnwares, "mean").predict(t.testX), t.testY);
  const single = await bestSingle(t);
  assert.ok(s > single, `averaging ${s} vs best single ${single}`);
});

test("EnsemblePruningReuser drops the wrong-task learnwares and beats the best single", async () => {
  const t = pruningTask();
  const r = new EnsemblePruningReuser(t.learnwares, "classification");
  await r.fit(t.fitX, t.fitY);
  assert.deepEqual(
    r.selected.filter((i) => i >= 3),
    [],
    `selected ${r.selected}`,
  );
  const acc = score(t.mode, await r.predict(t.testX), t.testY);
  const single = await bestSingle(t);
  assert.ok(acc >= single, `pruning ${acc} vs best single ${single}`);
  const all = score(t.mode, await new AveragingReuser(t.learnwares, "vote_by_label").predict(t.testX), t.testY);
  assert.ok(acc > all + 0.05, `pruned ${acc} vs all-vote ${all}`);
});

test("EnsemblePruningReuser regression picks the subset with the lowest validation MSE", async () => {
  const lws = [fixed("a", [[1]]), fixed("b", [[3]]), fixed("c", [[10]])];
  const r = new EnsemblePruningReuser(lws, "regression");
  await r.fit(fromRows([[0], [0]]), fromRows([[2], [2]]));
  assert.deepEqual(r.selected, [0, 1]);
  assert.equal((await r.predict(fromRows([[0]]))).data[0], 2);
});

test("FeatureAugmentReuser beats the learnware alone and plain ridge", async () => {
  const t = featureAugmentTask();
  const r = new FeatureAugmentReuser(t.learnwares, "regression");
  await assert.rejects(r.predict(t.testX), /not trained/);
  await r.fit(t.fitX, t.fitY);
  const s = score(t.mode, await r.predict(t.testX), t.testY);
  const single = await bestSingle(t);
  const plain = fitRidgeCV(t.fitX, t.fitY.data);
  const sp = score(t.mode, plain.predict(t.testX), t.testY);
  assert.ok(s > single && s > sp, `augment ${s}, learnware ${single}, plain ridge ${sp}`);
});

test("FeatureAugmentReuser classification fits on [X | outputs] and fills NaN", async () => {
  const t = pruningTask(5);
  const r = new FeatureAugmentReuser(t.learnwares, "classification");
  const fitX: Matrix = { ...t.fitX, data: Float64Array.from(t.fitX.data) };
  fitX.data[0] = NaN;
  await r.fit(fitX, t.fitY);
  assert.ok(Number.isNaN(fitX.data[0]!), "the caller's matrix is not modified");
  const acc = score(t.mode, await r.predict(t.testX), t.testY);
  const single = await bestSingle(t);
  assert.ok(acc >= single - 0.02, `augment ${acc} vs best single ${single}`);
});

test("describeReuse / buildReuser turn a search result into one predictor", async () => {
  const res = {
    single: [
      { id: "a", score: 0.9, dist: 0.1 },
      { id: "b", score: 0.8, dist: 0.2 },
    ],
    multiple: { ids: ["a", "b"], weights: [0.75, 0.25], score: 0.95, dist: 0.05 },
  };
  const d = describeReuse(res, { kind: "averaging", mode: "mean" });
  assert.deepEqual(d, { kind: "averaging", ids: ["a", "b"], weights: [0.75, 0.25], mode: "mean" });
  const lws: Record<string, Learnware> = { a: fixed("a", [[4]]), b: fixed("b", [[0]]) };
  const r = await buildReuser(JSON.parse(JSON.stringify(d)), async (id) => lws[id]!);
  assert.equal((await r.predict(fromRows([[0]]))).data[0], 3);
  assert.equal(describeReuse({ single: res.single, multiple: null }).kind, "single");
  assert.throws(() => describeReuse({ single: [], multiple: null }), /no learnware/);
});
