/**
 * Renamed-column heterogeneous benchmark on real datasets (scikit-learn's bundled wine,
 * breast cancer and iris tables, read through Debian's python3-sklearn): per dataset 3
 * market learnwares, each a logistic model on a random ~70 % of the columns of the first half
 * of the rows, described with the original column names; per dataset 6 users, each with a
 * random ~60 % of the columns of the other half, the columns renamed (synonyms, French,
 * abbreviations — nothing shares the original's key words except where a real abbreviation
 * does). Reports, for the description method (`HeteroMarket`, the fallback) and the learned
 * map (`LearnedHeteroMap`, trained on the market's learnwares), each also as the server
 * answers (`HeteroSpace`: the specs mapped into the shared concept space, then the
 * statistical search — singles by its score rules, and the mixture):
 *
 * * recall@1 / recall@5 — the share of the top k results from the user's dataset (k capped
 *   at the 3 learnwares of that dataset); no result counts as 0;
 * * reuse accuracy — the top-1 learnware aligned to the user's columns (`HeteroAlignedLearnware`,
 *   missing columns imputed from its RKME), on the user's rows; no result counts as the
 *   majority-class rate.
 *
 *   node --import tsx bench/hetero/renamed.ts [--seed 1]
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HeteroAlignedLearnware } from "../../core/hetero/featureAlign.ts";
import { HeteroMarket, type HeteroSearchResult } from "../../core/hetero/heteroSearch.ts";
import { type ColumnProfile, columnProfiles, LearnedHeteroMap, type MappedEntry, searchWithMap } from "../../core/hetero/learnedMap.ts";
import { feedsFromConcepts, HeteroSpace, searchHeteroSpace, type SpaceEntry } from "../../core/hetero/heteroSpace.ts";
import type { Matrix } from "../../core/matrix.ts";
import { createRng } from "../../core/random.ts";
import { fitLogisticCV, Standardizer } from "../../core/reuse/simpleModels.ts";
import type { Learnware } from "../../core/reuse/types.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";

const here = dirname(fileURLToPath(import.meta.url));
const seedArg = process.argv.indexOf("--seed");
const seed = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 1;
const PYTHON = process.env.LW_PYTHON ?? "/usr/bin/python3";

type Dataset = { name: string; X: number[][]; y: number[]; names: string[]; renames: string[][] };

const raw = JSON.parse(
  execFileSync(
    PYTHON,
    [
      "-c",
      "import json; from sklearn import datasets as d\n" +
        "out = {}\n" +
        "for n in ['wine', 'breast_cancer', 'iris']:\n" +
        "    b = getattr(d, 'load_' + n)(); out[n] = {'X': b.data.tolist(), 'y': b.target.tolist(), 'names': list(b.feature_names)}\n" +
        "print(json.dumps(out))",
    ],
    { encoding: "utf8", maxBuffer: 1 << 26 },
  ),
) as Record<string, { X: number[][]; y: number[]; names: string[] }>;

// Three renamings per column: a synonym, French, an abbreviation.
const WINE: Record<string, string[]> = {
  alcohol: ["ethanol content", "teneur en éthanol", "alc"],
  malic_acid: ["malate", "acide malique", "mal ac"],
  ash: ["mineral residue", "cendres", "ash g"],
  alcalinity_of_ash: ["basicity of residue", "alcalinité des cendres", "alc ash"],
  magnesium: ["mg level", "magnésium", "mg"],
  total_phenols: ["overall polyphenols", "phénols totaux", "tot phen"],
  flavanoids: ["flavonoid compounds", "flavonoïdes", "flav"],
  nonflavanoid_phenols: ["non-flavonoid polyphenols", "phénols non flavonoïdes", "nonflav phen"],
  proanthocyanins: ["condensed tannins", "proanthocyanidines", "proanth"],
  color_intensity: ["colour strength", "intensité de couleur", "col int"],
  hue: ["tint", "teinte", "hu"],
  "od280/od315_of_diluted_wines": ["absorbance ratio of thinned samples", "rapport d'absorbance", "od ratio"],
  proline: ["amino acid level", "prolina", "prol"],
};
const IRIS: Record<string, string[]> = {
  "sepal length (cm)": ["calyx leaf length", "longueur du sépale", "sep len"],
  "sepal width (cm)": ["calyx leaf breadth", "largeur du sépale", "sep wid"],
  "petal length (cm)": ["corolla leaf length", "longueur du pétale", "pet len"],
  "petal width (cm)": ["corolla leaf breadth", "largeur du pétale", "pet wid"],
};
const CANCER_STAT: Record<string, string[]> = {
  mean: ["average", "moyenne", "avg"],
  error: ["standard deviation", "écart", "se"],
  worst: ["largest", "pire", "max"],
};
const CANCER_FEAT: Record<string, string[]> = {
  radius: ["half diameter", "rayon", "rad"],
  texture: ["grey level spread", "grain", "tex"],
  perimeter: ["circumference", "périmètre", "perim"],
  area: ["surface size", "aire", "ar"],
  smoothness: ["regularity", "lissité", "smth"],
  compactness: ["shape density", "compacité", "cmpct"],
  concavity: ["hollowness", "creux", "concav"],
  "concave points": ["indentation count", "points creux", "cc pts"],
  symmetry: ["balance", "symétrie", "sym"],
  "fractal dimension": ["coastline complexity", "dimension fractale", "fd"],
};
function cancerRename(name: string): string[] {
  const stat = Object.keys(CANCER_STAT).find((s) => name.startsWith(`${s} `) || name.endsWith(` ${s}`))!;
  const feat = name.replace(stat, "").trim();
  return [0, 1, 2].map((v) => `${CANCER_STAT[stat]![v]} ${CANCER_FEAT[feat]![v]}`);
}

const datasets: Dataset[] = Object.entries(raw).map(([name, d]) => ({
  name,
  ...d,
  renames: d.names.map((n) => (name === "wine" ? WINE[n]! : name === "iris" ? IRIS[n]! : cancerRename(n))),
}));

const rng = createRng(seed);
const shuffle = <T>(a: T[]) => {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};
const subset = (d: number, share: number) => shuffle(Array.from({ length: d }, (_, i) => i)).slice(0, Math.max(3, Math.round(share * d)));
const matrix = (rows: number[][], cols: number[]): Matrix => {
  const data = new Float64Array(rows.length * cols.length);
  rows.forEach((r, i) => cols.forEach((c, j) => (data[i * cols.length + j] = r[c]!)));
  return { rows: rows.length, cols: cols.length, data };
};
/** The RKME of a table, with γ from its own column variances (raw units, as a user would make it). */
const specOf = (X: Matrix, s: number) => {
  const st = new Standardizer(X);
  let v = 0;
  for (const sc of st.scale) v += sc * sc;
  return RKMETableSpecification.generate(X, { K: 30, seed: s, gamma: 1 / (2 * v) });
};

interface Lw extends Learnware {
  dataset: number;
  spec: RKMETableSpecification;
  names: string[];
}
const learnwares: Lw[] = [];
const userSets: { dataset: number; cols: number[]; rows: number[][]; y: number[]; variant: number }[] = [];
datasets.forEach((ds, k) => {
  const order = shuffle(ds.X.map((_, i) => i));
  const half = Math.floor(order.length / 2);
  const trainRows = order.slice(0, half),
    userRows = order.slice(half);
  for (let l = 0; l < 3; l++) {
    const cols = subset(ds.names.length, 0.7);
    const X = matrix(
      trainRows.map((i) => ds.X[i]!),
      cols,
    );
    const st = new Standardizer(X);
    const model = fitLogisticCV(
      st.transform(X),
      trainRows.map((i) => ds.y[i]!),
      { Cs: [1] },
    );
    learnwares.push({
      id: `${ds.name}-${l}`,
      dataset: k,
      spec: specOf(X, l),
      names: cols.map((c) => ds.names[c]!),
      predict: async (Z: Matrix) => model.predictProba(st.transform(Z)),
    });
  }
  for (let u = 0; u < 6; u++) {
    const rows = shuffle([...userRows]).slice(0, Math.round(0.6 * userRows.length));
    userSets.push({ dataset: k, cols: subset(ds.names.length, 0.6), rows: rows.map((i) => ds.X[i]!), y: rows.map((i) => ds.y[i]!), variant: u % 3 });
  }
});

const describe = (names: string[]) => ({ Dimension: names.length, Description: Object.fromEntries(names.map((n, i) => [String(i), n])) });
const descriptionMarket = new HeteroMarket();
for (const l of learnwares) await descriptionMarket.add(l.id, l.spec, describe(l.names));
const map = new LearnedHeteroMap();
const entries: MappedEntry[] = learnwares.map((l) => ({ id: l.id, spec: l.spec, profiles: columnProfiles(l.spec, l.names) }));
const t0 = performance.now();
map.train(entries.map((e) => e.profiles));
const trainMs = performance.now() - t0;
// The served search: every learnware in the shared concept space (description concepts).
const spaceEntries: SpaceEntry[] = learnwares.map((l) => ({ id: l.id, spec: l.spec, concepts: descriptionMarket.get(l.id)!.concepts }));
const space = new HeteroSpace(spaceEntries);
const members = new Map<number, ColumnProfile[]>();
spaceEntries.forEach((e, k) => e.concepts.forEach((c, j) => members.set(c, [...(members.get(c) ?? []), entries[k]!.profiles[j]!])));
const mixtures: Record<string, { found: number; pure: number }> = {};

const byId = new Map(learnwares.map((l) => [l.id, l]));
const accuracy = (P: Matrix, y: number[]) => {
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    let b = 0;
    for (let j = 1; j < P.cols; j++) if (P.data[i * P.cols + j]! > P.data[i * P.cols + b]!) b = j;
    if (b === y[i]) ok++;
  }
  return ok / y.length;
};
const majority = (y: number[]) => Math.max(...[...new Set(y)].map((c) => y.filter((v) => v === c).length)) / y.length;

type Row = { r1: number; r5: number; acc: number; empty: number };
const results: Record<string, Row[]> = {
  "description matching (fallback)": [],
  "learned map": [],
  "shared space, description feeds (served fallback)": [],
  "shared space, learned-map feeds (served)": [],
};
const variantNames = ["synonyms", "French", "abbreviations"];
const perVariant: Record<string, Record<string, number[]>> = {};
for (const u of userSets) {
  const ds = datasets[u.dataset]!;
  const X = matrix(u.rows, u.cols);
  const names = u.cols.map((c) => ds.renames[c]![u.variant]!);
  const spec = specOf(X, 7);
  const runs: [string, HeteroSearchResult][] = [
    ["description matching (fallback)", await descriptionMarket.search(spec, describe(names), { minNum: 9 })],
    ["learned map", searchWithMap(map, entries, { spec, profiles: columnProfiles(spec, names) }, { minNum: 9 })],
    [
      "shared space, description feeds (served fallback)",
      searchHeteroSpace(space, spaceEntries, { spec, feeds: feedsFromConcepts(await descriptionMarket.userConcepts(spec, describe(names))) }) as never,
    ],
    [
      "shared space, learned-map feeds (served)",
      searchHeteroSpace(space, spaceEntries, { spec, feeds: map.feeds(members, columnProfiles(spec, names)) }) as never,
    ],
  ];
  for (const [method, r] of runs) {
    const ids = r.single.map((s) => s.id);
    const rel = (id: string) => byId.get(id)!.dataset === u.dataset;
    const r1 = ids.length > 0 && rel(ids[0]!) ? 1 : 0;
    const r5 = ids.slice(0, 3).filter(rel).length / 3;
    let acc = majority(u.y);
    if (r.single.length > 0) {
      const top = r.single[0]!;
      const lw = byId.get(top.id)!;
      acc = lw.dataset === u.dataset ? accuracy(await new HeteroAlignedLearnware(lw, top.columnMap).predict(X), u.y) : majority(u.y) * 0;
    }
    results[method]!.push({ r1, r5, acc, empty: r.single.length === 0 ? 1 : 0 });
    const mix = (r as { multiple: { ids: string[] } | null }).multiple;
    const mx = (mixtures[method] ??= { found: 0, pure: 0 });
    if (mix) {
      mx.found++;
      if (mix.ids.every(rel)) mx.pure++;
    }
    ((perVariant[method] ??= {})[variantNames[u.variant]!] ??= []).push(r1);
  }
}

const mean = (v: number[]) => v.reduce((a, c) => a + c, 0) / Math.max(1, v.length);
const fx = (x: number) => x.toFixed(3);
const md = [
  `# Renamed-column heterogeneous benchmark (seed ${seed})`,
  "",
  `Datasets (scikit-learn's bundled): ${datasets.map((d) => `${d.name} (${d.X.length}×${d.names.length})`).join(", ")}. ` +
    `${learnwares.length} learnwares (3 per dataset, ~70 % of the columns, original names), ${userSets.length} users (~60 % of the columns, renamed: synonyms, French, abbreviations). ` +
    `Learned map trained on the market's ${learnwares.length} learnwares in ${trainMs.toFixed(0)} ms (${map.trainedPairs} pairs).`,
  "",
  "| method | recall@1 | recall@5 (k capped at 3) | reuse accuracy (top-1, aligned) | users with no result |",
  "|---|---|---|---|---|",
  ...Object.entries(results).map(
    ([m, rows]) =>
      `| ${m} | ${fx(mean(rows.map((r) => r.r1)))} | ${fx(mean(rows.map((r) => r.r5)))} | ${fx(mean(rows.map((r) => r.acc)))} | ${rows.reduce((a, r) => a + r.empty, 0)} |`,
  ),
  "",
  "recall@1 by renaming:",
  "",
  `| method | ${variantNames.join(" | ")} |`,
  `|---|${variantNames.map(() => "---").join("|")}|`,
  ...Object.entries(perVariant).map(([m, v]) => `| ${m} | ${variantNames.map((n) => fx(mean(v[n] ?? []))).join(" | ")} |`),
  "",
  "Mixtures (the shared-space searches; the other two return singles only):",
  "",
  "| method | users with a mixture | … all of whose members are the user's dataset |",
  "|---|---|---|",
  ...Object.entries(mixtures)
    .filter(([m]) => m.startsWith("shared"))
    .map(([m, v]) => `| ${m} | ${v.found} of ${userSets.length} | ${v.pure} |`),
  "",
  "No result: recall 0, accuracy the majority-class rate; a wrong dataset on top: accuracy 0.",
  "",
].join("\n");
writeFileSync(join(here, "renamed.json"), JSON.stringify({ seed, trainMs, weights: map.weights, results, perVariant, mixtures }, null, 2));
writeFileSync(join(here, "renamed.md"), md);
console.log(md);
