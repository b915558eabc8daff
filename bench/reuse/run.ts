/**
 * Reuse benchmark: on tasks built for each reuser (core/reuse/_synthetic.ts), compare the
 * reuser with the best single learnware (chosen by its *test* score, an oracle no user
 * has, so "beats" is a strict claim), over several seeds.
 *
 *   node --import tsx bench/reuse/run.ts [--seeds 5]
 *
 * Writes bench/reuse/results.json and bench/reuse/results.md.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Matrix } from "../../core/matrix.ts";
import { AveragingReuser } from "../../core/reuse/averaging.ts";
import { EnsemblePruningReuser } from "../../core/reuse/ensemblePruning.ts";
import { FeatureAugmentReuser } from "../../core/reuse/featureAugment.ts";
import { JobSelectorReuser } from "../../core/reuse/jobSelector.ts";
import { fitLogisticCV, fitRidgeCV } from "../../core/reuse/simpleModels.ts";
import { averagingTask, featureAugmentTask, jobSelectorTask, pruningTask, type ReuseTask, score } from "../../core/reuse/_synthetic.ts";
import type { Predictor } from "../../core/reuse/types.ts";

const here = dirname(fileURLToPath(import.meta.url));
const argSeeds = process.argv.indexOf("--seeds");
const seeds = argSeeds > 0 ? Number(process.argv[argSeeds + 1]) : 5;

type Method = { name: string; build: (t: ReuseTask) => Promise<Predictor> };
const fitted = async <R extends Predictor & { fit(X: Matrix, y: Matrix): Promise<void> }>(r: R, t: ReuseTask) => {
  await r.fit(t.fitX, t.fitY);
  return r;
};
const methods: Method[] = [
  { name: "JobSelector", build: async (t) => new JobSelectorReuser(t.learnwares, { herdingNum: 500 }) },
  { name: "Averaging", build: async (t) => new AveragingReuser(t.learnwares, t.mode === "regression" ? "mean" : "vote_by_prob") },
  { name: "EnsemblePruning", build: (t) => fitted(new EnsemblePruningReuser(t.learnwares, t.mode), t) },
  { name: "FeatureAugment", build: (t) => fitted(new FeatureAugmentReuser(t.learnwares, t.mode), t) },
  {
    name: "user-only model",
    build: async (t) => {
      if (t.mode === "regression") {
        const m = fitRidgeCV(t.fitX, t.fitY.data);
        return { predict: async (X) => m.predict(X) };
      }
      const m = fitLogisticCV(t.fitX, t.fitY.data);
      return { predict: async (X) => m.predictProba(X) };
    },
  },
];

const tasks: { target: string; make: (seed: number) => ReuseTask }[] = [
  { target: "JobSelector", make: (s) => jobSelectorTask(100 + s, 400) },
  { target: "Averaging", make: (s) => averagingTask(200 + s) },
  { target: "EnsemblePruning", make: (s) => pruningTask(300 + s) },
  { target: "FeatureAugment", make: (s) => featureAugmentTask(400 + s) },
];

const rows: { task: string; target: string; metric: string; bestSingle: number; methods: Record<string, number>; targetBeatsBest: number }[] = [];
for (const { target, make } of tasks) {
  const acc: Record<string, number[]> = {};
  const best: number[] = [];
  let wins = 0;
  let name = "",
    mode = "";
  for (let s = 0; s < seeds; s++) {
    const t = make(s);
    name = t.name;
    mode = t.mode;
    let b = -Infinity;
    for (const l of t.learnwares) b = Math.max(b, score(t.mode, await l.predict(t.testX), t.testY));
    best.push(b);
    for (const m of methods) {
      const v = score(t.mode, await (await m.build(t)).predict(t.testX), t.testY);
      (acc[m.name] ??= []).push(v);
      if (m.name === target && v >= b) wins++;
    }
  }
  const mean = (v: number[]) => v.reduce((a, c) => a + c, 0) / v.length;
  const metric = mode === "regression" ? "RMSE (lower is better)" : "accuracy";
  const sign = mode === "regression" ? -1 : 1;
  rows.push({
    task: name,
    target,
    metric,
    bestSingle: sign * mean(best),
    methods: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, sign * mean(v)])),
    targetBeatsBest: wins / seeds,
  });
}

const f = (x: number) => x.toFixed(3);
const md = [
  `# Reuse benchmark (${seeds} seeds per task)`,
  "",
  "Best single = the learnware with the best *test* score (an oracle). Each task is built for the reuser in **bold**.",
  "",
  `| task | metric | best single | ${methods.map((m) => m.name).join(" | ")} | target ≥ best single |`,
  `|---|---|---|${methods.map(() => "---").join("|")}|---|`,
  ...rows.map(
    (r) =>
      `| ${r.task} | ${r.metric} | ${f(r.bestSingle)} | ${methods.map((m) => (m.name === r.target ? `**${f(r.methods[m.name]!)}**` : f(r.methods[m.name]!))).join(" | ")} | ${Math.round(r.targetBeatsBest * seeds)}/${seeds} |`,
  ),
  "",
].join("\n");
writeFileSync(join(here, "results.json"), JSON.stringify({ seeds, rows }, null, 2));
writeFileSync(join(here, "results.md"), md);
console.log(md);
