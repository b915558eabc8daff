/**
 * Heterogeneous-market benchmark: 3 domains × `--lw` learnwares, each trained on a random
 * column subset (4–7 of 10 columns, random order, paraphrased descriptions); `--users`
 * users per domain with their own random views. Reports
 *
 * * recall@k — the share of the top-k results that come from the user's domain
 *   (k capped at the number of learnwares of that domain), for the hetero search and for
 *   the homogeneous search (`searchStatistical`, which only compares equal dimensions);
 * * reuse accuracy on the user's labelled test rows: the hetero top-1 with feature
 *   alignment, an AveragingReuser (vote_by_prob) over the aligned hetero top-3, the
 *   homogeneous top-1 fed the user's columns as they are, and the oracle (the best
 *   aligned learnware of the user's domain, chosen on the test labels).
 *
 *   node --import tsx bench/hetero/run.ts [--users 10] [--lw 5] [--seed 1]
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HeteroAlignedLearnware } from "../../core/hetero/featureAlign.ts";
import { HeteroMarket } from "../../core/hetero/heteroSearch.ts";
import type { Matrix } from "../../core/matrix.ts";
import { AveragingReuser } from "../../core/reuse/averaging.ts";
import { fitLogisticCV } from "../../core/reuse/simpleModels.ts";
import type { Learnware } from "../../core/reuse/types.ts";
import { searchStatistical } from "../../core/search/statSearch.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { createRng, DOMAINS, inputOf, project, randomView, sampleDomain, type View } from "./tasks.ts";

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const usersPerDomain = arg("users", 10),
  lwPerDomain = arg("lw", 5),
  seed = arg("seed", 1);

const rng = createRng(seed);
interface Lw extends Learnware {
  view: View;
  spec: RKMETableSpecification;
}
const learnwares: Lw[] = [];
for (let d = 0; d < DOMAINS.length; d++) {
  for (let k = 0; k < lwPerDomain; k++) {
    const view = randomView(d, rng);
    const { X, y } = sampleDomain(DOMAINS[d]!, 600, rng);
    const Xm = project(X, view.columns);
    const model = fitLogisticCV(Xm, y, { Cs: [1] });
    learnwares.push({
      id: `${DOMAINS[d]!.name}-${k}`,
      view,
      spec: RKMETableSpecification.generate(Xm, { K: 50, seed: k }),
      predict: async (Z: Matrix) => model.predictProba(Z),
    });
  }
}

const accuracy = (P: Matrix, y: number[]) => {
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    const lab = P.cols === 1 ? Math.round(P.data[i]!) : P.data[i * P.cols + 1]! > P.data[i * P.cols]! ? 1 : 0;
    if (lab === y[i]) ok++;
  }
  return ok / y.length;
};

type Variant = { name: string; missingPenalty: number; unusedPenalty: number };
const variants: Variant[] = [
  { name: "hetero (default penalties)", missingPenalty: 0.5, unusedPenalty: 0.1 },
  { name: "hetero (no coverage penalty)", missingPenalty: 0, unusedPenalty: 0 },
];
const ks = [1, 3, 5];
const recall: Record<string, number[][]> = {};
const reuse: Record<string, number[]> = {};
const push = (k: string, v: number) => (reuse[k] ??= []).push(v);
let homoEmpty = 0,
  conceptCount = 0;

const market = new HeteroMarket();
for (const l of learnwares) await market.add(l.id, l.spec, inputOf(l.view.descriptions));
conceptCount = market.space.size;
const byId = new Map(learnwares.map((l) => [l.id, l]));

for (let d = 0; d < DOMAINS.length; d++) {
  for (let u = 0; u < usersPerDomain; u++) {
    const view = randomView(d, rng);
    const { X, y } = sampleDomain(DOMAINS[d]!, 400, rng);
    const Xu = project(X, view.columns);
    const uspec = RKMETableSpecification.generate(Xu, { K: 50, seed: u });
    const relevant = new Set(learnwares.filter((l) => l.view.domain === d).map((l) => l.id));
    const recallAt = (ids: string[]) =>
      ks.map((k) => {
        const kk = Math.min(k, relevant.size);
        return ids.slice(0, kk).filter((id) => relevant.has(id)).length / kk;
      });
    for (const v of variants) {
      const r = await market.search(uspec, inputOf(view.descriptions), { ...v, minNum: 15 });
      (recall[v.name] ??= []).push(recallAt(r.single.map((s) => s.id)));
      if (v === variants[0]) {
        const aligned = r.single.slice(0, 3).map((s) => new HeteroAlignedLearnware(byId.get(s.id)!, s.columnMap));
        push("hetero top-1, aligned", accuracy(await aligned[0]!.predict(Xu), y));
        push("hetero top-3, aligned, AveragingReuser(vote_by_prob)", accuracy(await new AveragingReuser(aligned, "vote_by_prob").predict(Xu), y));
        // oracle: best aligned learnware of the user's domain (sharing ≥ 1 concept)
        let best = 0;
        for (const s of r.single)
          if (relevant.has(s.id)) best = Math.max(best, accuracy(await new HeteroAlignedLearnware(byId.get(s.id)!, s.columnMap).predict(Xu), y));
        push("oracle: best aligned learnware of the domain", best);
      }
    }
    const homo = searchStatistical(
      uspec,
      learnwares.map((l) => ({ id: l.id, spec: l.spec })),
      { method: "none" },
    );
    (recall["homogeneous (equal dimension only)"] ??= []).push(recallAt(homo.single.map((s) => s.id)));
    if (homo.single.length === 0) {
      homoEmpty++;
      push("homogeneous top-1, columns as given", 0.5);
    } else push("homogeneous top-1, columns as given", accuracy(await byId.get(homo.single[0]!.id)!.predict(Xu), y));
  }
}

const nUsers = usersPerDomain * DOMAINS.length;
const mean = (v: number[]) => v.reduce((a, c) => a + c, 0) / v.length;
const fx = (x: number) => x.toFixed(3);
const md = [
  `# Heterogeneous market benchmark (seed ${seed})`,
  "",
  `${DOMAINS.length} domains × ${lwPerDomain} learnwares (random 4–7 of 10 columns, random order, paraphrased descriptions; ` +
    `${conceptCount} concepts found for ${DOMAINS.length * 10} true features), ${nUsers} users with their own random views.`,
  "",
  "## Search: recall@k (share of the top k from the user's domain)",
  "",
  `| search | ${ks.map((k) => `recall@${k}`).join(" | ")} |`,
  `|---|${ks.map(() => "---").join("|")}|`,
  ...Object.entries(recall).map(([name, rows]) => `| ${name} | ${ks.map((_, i) => fx(mean(rows.map((r) => r[i]!)))).join(" | ")} |`),
  "",
  `The homogeneous search returned nothing for ${homoEmpty} of ${nUsers} users (no learnware with the user's dimension).`,
  "",
  "## Reuse: accuracy on the users' test rows (binary labels, chance ≈ 0.5)",
  "",
  "| method | mean accuracy |",
  "|---|---|",
  ...Object.entries(reuse).map(([name, v]) => `| ${name} | ${fx(mean(v))} |`),
  "",
  "An empty homogeneous result counts as chance (0.5).",
  "",
].join("\n");
writeFileSync(join(here, "results.json"), JSON.stringify({ seed, usersPerDomain, lwPerDomain, conceptCount, homoEmpty, recall, reuse }, null, 2));
writeFileSync(join(here, "results.md"), md);
console.log(md);
