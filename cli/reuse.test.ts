// `lw reuse` on a folder market of real ONNX learnware zips: in process, and through a
// real model service over loopback. Expected predictions come from an independent forward
// pass of the same dense networks.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeLearnwarePackage } from "../core/package/writePackage.ts";
import { createRng } from "../core/random.ts";
import { search } from "../core/search/search.ts";
import { RKMETableSpecification } from "../core/spec/rkmeTableSpec.ts";
import { loadConfig } from "../runner/config.ts";
import { buildDenseOnnx } from "../core/onnx/onnxBuilder.ts";
import { Runtime } from "../runner/runtime.ts";
import { createServiceApp } from "../runner/service/app.ts";
import { MixtureStore } from "../runner/service/mixtures.ts";
import { ModelService } from "../runner/service/modelService.ts";
import { mapPackageSource } from "../runner/service/packageSource.ts";
import { numpyPackage, randomData, scratch } from "../test/runtime/_fixtures.ts";
import { reuseCommand } from "./commands/reuse.ts";
import { CliError } from "./errors.ts";
import { parseCsv } from "./readData.ts";
import { loadMarket } from "./market.ts";

const D = 3,
  K = 2;
const dir = scratch("lw-reuse-cli-");
const marketDir = join(dir, "market");
const mixedDir = join(dir, "mixed");

interface Net {
  W1: number[][];
  b1: number[];
  W2: number[][];
  b2: number[];
}

/** A dense net d → 5 relu → k softmax, from `seed`. */
function net(seed: number): Net {
  const rng = createRng(seed);
  const w = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal()));
  return { W1: w(D, 5), b1: Array(5).fill(0.05), W2: w(5, K), b2: [0.1, -0.1] };
}

function forward(n: Net, x: number[]): number[] {
  const h = n.b1.map((b, j) => Math.max(0, b + x.reduce((s, xi, i) => s + xi * n.W1[i]![j]!, 0)));
  const z = n.b2.map((b, j) => b + h.reduce((s, hi, i) => s + hi * n.W2[i]![j]!, 0));
  const m = Math.max(...z),
    e = z.map((v) => Math.exp(v - m)),
    s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function onnxZip(n: Net, seed: number, shift: number): Uint8Array {
  const onnx = buildDenseOnnx({
    layers: [
      { weights: n.W1, bias: n.b1, activation: "relu" },
      { weights: n.W2, bias: n.b2 },
    ],
    output: "softmax",
  });
  const data = randomData(60, D, seed);
  for (let i = 0; i < data.data.length; i++) data.data[i]! += shift;
  return writeLearnwarePackage({
    yaml: {
      model: { kind: "onnx", file: "model.onnx" },
      stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.onnx": onnx, "stat.json": RKMETableSpecification.generate(data, { K: 8, seed }).stringify() },
  });
}

const nets: Record<string, Net> = { alpha: net(21), beta: net(22), gamma: net(23) };
const zips: Record<string, Uint8Array> = { alpha: onnxZip(nets.alpha!, 21, -1), beta: onnxZip(nets.beta!, 22, 1), gamma: onnxZip(nets.gamma!, 23, 0) };
mkdirSync(marketDir);
mkdirSync(mixedDir);
for (const [id, z] of Object.entries(zips)) writeFileSync(join(marketDir, `${id}.zip`), z);
writeFileSync(join(mixedDir, "alpha.zip"), zips.alpha!);
writeFileSync(join(mixedDir, "pyth.zip"), numpyPackage(D, 1));

// The user's data, its stat spec, labelled rows.
const userX = randomData(10, D, 77);
const userRows = Array.from({ length: userX.rows }, (_, i) => Array.from(userX.data.subarray(i * D, (i + 1) * D)));
const csv = (rows: number[][]) => rows.map((r) => r.join(",")).join("\n") + "\n";
writeFileSync(join(dir, "X.csv"), "a,b,c\n" + csv(userRows));
const userSpec = RKMETableSpecification.generate(userX, { K: 8, seed: 5 });
writeFileSync(join(dir, "user_stat.json"), userSpec.stringify());
const fitX = randomData(40, D, 8);
const fitRows = Array.from({ length: fitX.rows }, (_, i) => Array.from(fitX.data.subarray(i * D, (i + 1) * D)));
writeFileSync(join(dir, "fitX.csv"), csv(fitRows));
writeFileSync(join(dir, "fitY.csv"), fitRows.map((r) => String(r[0]! - 2 * r[2]!)).join("\n") + "\n");

function readPred(name: string): number[][] {
  const t = parseCsv(readFileSync(join(dir, name), "utf8"));
  return Array.from({ length: t.rows }, (_, i) => Array.from(t.data.subarray(i * t.cols, (i + 1) * t.cols)));
}

/** What the market's search picks, and the mean of those nets' outputs (unweighted, or by the search weights). */
function expectedAveraging(weighted = false): { ids: string[]; rows: number[][] } {
  const result = search({ user: { stat: userSpec }, market: loadMarket(marketDir), maxSearchNum: 5, method: "greedy" });
  const ids = result.multiple !== null && result.multiple.ids.length > 1 ? result.multiple.ids : [result.single[0]!.id];
  const w = weighted && result.multiple !== null && result.multiple.ids.length > 1 ? result.multiple.weights : ids.map(() => 1);
  const ws = w.reduce((a, b) => a + b, 0);
  const rows = userRows.map((x) => {
    const out = Array(K).fill(0) as number[];
    ids.forEach((id, k) => forward(nets[id]!, x).forEach((v, j) => (out[j]! += (w[k]! / ws) * v)));
    return out;
  });
  return { ids, rows };
}

function assertClose(got: number[][], want: number[][], tol = 1e-5): void {
  assert.equal(got.length, want.length);
  got.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!) < tol, `row ${i} col ${j}: ${v} vs ${want[i]![j]}`)));
}

const base = ["--market", marketDir, "--spec", join(dir, "user_stat.json"), "--input", join(dir, "X.csv")];

test("lw reuse (in process, ONNX zips): averaging writes the unweighted mean (as Python's AveragingReuser); --weighted the search-weighted one", async () => {
  const exp = expectedAveraging();
  assert.ok(exp.ids.length >= 2, `expected a mixture, got ${exp.ids.join(", ")}`);
  assert.equal(await reuseCommand([...base, "--kind", "averaging", "--output", join(dir, "avg.csv")]), 0);
  const text = readFileSync(join(dir, "avg.csv"), "utf8");
  assert.match(text, /^y0,y1\n/);
  assertClose(readPred("avg.csv"), exp.rows);
  const wexp = expectedAveraging(true);
  assert.equal(await reuseCommand([...base, "--kind", "averaging", "--weighted", "--output", join(dir, "wavg.csv")]), 0);
  assertClose(readPred("wavg.csv"), wexp.rows);
  // the two differ unless the search weights are uniform
  const uniform =
    new Set(search({ user: { stat: userSpec }, market: loadMarket(marketDir), maxSearchNum: 5, method: "greedy" }).multiple?.weights.map((x) => x.toFixed(9)))
      .size <= 1;
  if (!uniform)
    assert.ok(
      exp.rows.some((r, i) => r.some((v, j) => Math.abs(v - wexp.rows[i]![j]!) > 1e-9)),
      "weighted and unweighted means differ",
    );
});

test("lw reuse: feature_augment fits on the labels; job_selector predicts with each row's learnware", async () => {
  assert.equal(
    await reuseCommand([
      ...base,
      "--kind",
      "feature_augment",
      "--mode",
      "regression",
      "--fit-input",
      join(dir, "fitX.csv"),
      "--labels",
      join(dir, "fitY.csv"),
      "--output",
      join(dir, "fa.csv"),
    ]),
    0,
  );
  const fa = readPred("fa.csv");
  assert.equal(fa.length, 10);
  userRows.forEach((x, i) => assert.ok(Math.abs(fa[i]![0]! - (x[0]! - 2 * x[2]!)) < 0.3, `row ${i}: ${fa[i]![0]} vs ${x[0]! - 2 * x[2]!}`));

  assert.equal(await reuseCommand([...base, "--kind", "job_selector", "--output", join(dir, "js.csv")]), 0);
  const js = readPred("js.csv");
  const ids = expectedAveraging().ids;
  // every row is exactly one of the mixture's learnwares' outputs
  userRows.forEach((x, i) =>
    assert.ok(
      ids.some((id) => forward(nets[id]!, x).every((v, j) => Math.abs(v - js[i]![j]!) < 1e-5)),
      `row ${i}`,
    ),
  );
});

test("lw reuse: bad inputs are one-line CliErrors", async () => {
  const rejects = (argv: string[], re: RegExp) =>
    assert.rejects(reuseCommand(argv), (e: unknown) => e instanceof CliError && re.test(e.message) && !e.message.includes("\n"));
  await rejects([...base, "--kind", "feature_augment", "--output", join(dir, "x.csv")], /--fit-input/);
  await rejects([...base, "--kind", "stacking", "--output", join(dir, "x.csv")], /--kind must be one of/);
  await rejects([...base, "--kind", "averaging", "--mode", "regression", "--output", join(dir, "x.csv")], /--mode for --kind averaging/);
  await rejects([...base, "--kind", "job_selector", "--weighted", "--output", join(dir, "x.csv")], /--weighted applies only to --kind averaging/);
  await rejects(
    [...base, "--kind", "averaging", "--fit-input", join(dir, "fitX.csv"), "--labels", join(dir, "fitY.csv"), "--output", join(dir, "x.csv")],
    /takes no fit/,
  );
  await rejects(
    [...base, "--kind", "feature_augment", "--fit-input", join(dir, "fitX.csv"), "--labels", join(dir, "X.csv"), "--output", join(dir, "x.csv")],
    /rows/,
  );
  writeFileSync(join(dir, "X2.csv"), "1,2\n3,4\n");
  await rejects(
    ["--market", marketDir, "--spec", join(dir, "user_stat.json"), "--input", join(dir, "X2.csv"), "--kind", "averaging", "--output", join(dir, "x.csv")],
    /2 columns/,
  );
  await rejects(
    ["--market", marketDir, "--spec", join(dir, "nope.json"), "--input", join(dir, "X.csv"), "--kind", "averaging", "--output", join(dir, "x.csv")],
    /nope\.json/,
  );
  // A Python learnware cannot run in process: the error names it.
  await rejects(
    [
      "--market",
      mixedDir,
      "--spec",
      join(dir, "user_stat.json"),
      "--input",
      join(dir, "X.csv"),
      "--kind",
      "averaging",
      "--method",
      "none",
      "--top-k",
      "2",
      "--output",
      join(dir, "x.csv"),
    ],
    /"pyth" \(a python learnware\).*--service/,
  );
  // A market.json holds no packages.
  writeFileSync(join(dir, "market.json"), JSON.stringify([{ id: "alpha", spec: userSpec.toJSON() }]));
  await rejects(
    [
      "--market",
      join(dir, "market.json"),
      "--spec",
      join(dir, "user_stat.json"),
      "--input",
      join(dir, "X.csv"),
      "--kind",
      "averaging",
      "--output",
      join(dir, "x.csv"),
    ],
    /market\.json holds no model packages/,
  );
  await rejects([...base, "--kind", "averaging", "--output", join(dir, "x.csv"), "--service", "http://127.0.0.1:9"], /Cannot reach the model service/);
});

test("lw reuse --service: the same predictions through a served mixture", async () => {
  const config = loadConfig({ LW_DATA_DIR: join(dir, "svc") });
  const source = mapPackageSource(new Map(Object.entries(zips).map(([id, z]) => [`${id}@latest`, z])));
  const service = new ModelService({
    runtime: new Runtime(config),
    source,
    dataDir: config.dataDir,
    poolSize: config.poolSize,
    poolMemoryBytes: config.poolMemoryBytes,
    batchMax: config.batchMax,
    batchWaitMs: config.batchWaitMs,
  });
  const app = createServiceApp(service, { mixtures: new MixtureStore({ service, source, dataDir: config.dataDir }) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  after(async () => {
    await service.close();
    await new Promise((r) => server.close(r));
  });
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  assert.equal(await reuseCommand([...base, "--kind", "averaging", "--output", join(dir, "svc.csv"), "--service", address]), 0);
  assertClose(readPred("svc.csv"), expectedAveraging().rows);
  assert.equal(await reuseCommand([...base, "--kind", "averaging", "--weighted", "--output", join(dir, "svcw.csv"), "--service", address]), 0);
  assertClose(readPred("svcw.csv"), expectedAveraging(true).rows);
  assert.equal(
    await reuseCommand([
      ...base,
      "--kind",
      "feature_augment",
      "--mode",
      "regression",
      "--fit-input",
      join(dir, "fitX.csv"),
      "--labels",
      join(dir, "fitY.csv"),
      "--output",
      join(dir, "svcfa.csv"),
      "--service",
      address,
    ]),
    0,
  );
  assertClose(readPred("svcfa.csv"), readPred("fa.csv"), 1e-6);
  assert.ok(service.metrics().predicts > 0);
});
