/**
 * Served mixtures over loopback: real ONNX learnwares (built by the project's ONNX
 * builder, different weights), a real search over their stat specs, one call to create
 * the mixture, predictions checked against each pooled instance called directly.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { HeteroAlignedLearnware } from "../../core/hetero/featureAlign.ts";
import type { Matrix } from "../../core/matrix.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { createRng } from "../../core/random.ts";
import { search } from "../../core/search/search.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { loadConfig } from "../../runner/config.ts";
import { buildDenseOnnx } from "../../core/onnx/onnxBuilder.ts";
import { Runtime } from "../../runner/runtime.ts";
import { createServiceApp } from "../../runner/service/app.ts";
import { ModelClient } from "../../runner/service/client.ts";
import { createMixture, MixtureClient, MixtureStore } from "../../runner/service/mixtures.ts";
import { ModelService } from "../../runner/service/modelService.ts";
import { LearnwareError } from "../../core/errors.ts";
import type { PackageSource } from "../../runner/service/packageSource.ts";
import { toNested, type Tensor } from "../../runner/tensor.ts";
import type { z } from "zod";
import { RUNNER_OPERATIONS, type RunnerOperation } from "../../client/runnerContract.ts";
import { randomData, scratch } from "./_fixtures.ts";

const D = 4,
  K = 3;

/** An ONNX learnware (d → 8 relu → k softmax) with weights from `seed`, and a stat spec of data centred at `shift`. */
function onnxLearnware(seed: number, shift: number): Uint8Array {
  const rng = createRng(seed);
  const w = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal()));
  const onnx = buildDenseOnnx({
    layers: [
      { weights: w(D, 8), bias: Array(8).fill(0.1), activation: "relu" },
      { weights: w(8, K), bias: Array(K).fill(0) },
    ],
    output: "softmax",
  });
  const data = randomData(60, D, seed);
  for (let i = 0; i < data.data.length; i++) data.data[i]! += shift;
  const stat = RKMETableSpecification.generate(data, { K: 8, seed }).stringify();
  return writeLearnwarePackage({
    yaml: {
      model: { kind: "onnx", file: "model.onnx" },
      stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.onnx": onnx, "stat.json": stat },
  });
}

const packages = new Map<string, Uint8Array>([
  ["lwa@1", onnxLearnware(11, -1)],
  ["lwb@1", onnxLearnware(12, 1)],
  ["lwc@1", onnxLearnware(13, 0)],
  ["lwc@2", onnxLearnware(14, 0)], // the latest version of lwc differs from version 1
]);

/** A local package source that resolves `latest` to the highest version it holds. */
const source: PackageSource = async (model, version) => {
  let key = `${model}@${version}`;
  if (version === "latest") {
    const vs = [...packages.keys()]
      .filter((k) => k.startsWith(`${model}@`))
      .map((k) => Number(k.slice(model.length + 1)))
      .sort((a, b) => b - a);
    if (vs.length > 0) key = `${model}@${vs[0]}`;
  }
  const p = packages.get(key);
  if (!p) throw new LearnwareError("NOT_FOUND", `Learnware ${model} version ${version} is not known to this runner`);
  return p;
};

const dataDir = scratch("lw-mix-");

async function start() {
  const config = loadConfig({ LW_DATA_DIR: dataDir, LW_BATCH_WAIT_MS: "5" });
  const service = new ModelService({
    runtime: new Runtime(config),
    source,
    dataDir: config.dataDir,
    poolSize: config.poolSize,
    poolMemoryBytes: config.poolMemoryBytes,
    batchMax: config.batchMax,
    batchWaitMs: config.batchWaitMs,
  });
  const mixtures = new MixtureStore({ service, source, dataDir: config.dataDir });
  const app = createServiceApp(service, { mixtures });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    service,
    mixtures,
    async close() {
      await service.close();
      await new Promise((r) => server.close(r));
    },
  };
}

let svc = await start();
after(() => svc.close());

const userX = randomData(12, D, 99);
const rows = toNested({ dtype: "float64", shape: [userX.rows, userX.cols], data: userX.data }) as number[][];
// The market: each learnware's latest version with its stat spec, searched for the user's data.
const market = ["lwa@1", "lwb@1", "lwc@2"].map((key) => ({
  id: key.split("@")[0]!,
  stat: RKMETableSpecification.fromJSON(readLearnwarePackage(packages.get(key)!).statSpecs[0]!.json),
}));
const userSpec = RKMETableSpecification.generate(userX, { K: 8, seed: 3 });
// The market's greedy search finds a weighted mixture; `all3` is a result of the same format naming all three.
const result = search({ user: { stat: userSpec }, market, maxSearchNum: 3, method: "greedy" });
const all3 = { single: market.map((m, i) => ({ id: m.id, score: 0.9 - i / 10, dist: i / 10 })), multiple: null };

function close(a: Tensor, b: ArrayLike<number>, tol = 1e-6): void {
  assert.equal(a.data.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a.data[i]! - b[i]!) < tol, `element ${i}: ${a.data[i]} vs ${b[i]}`);
}

let averagingId = "";
let averagingPred: Tensor;

test("a search result becomes one averaging endpoint in one call; predict is the plain mean of the pooled instances' predictions (Python's AveragingReuser); weighted: true weights it", async () => {
  assert.ok(result.multiple !== null && result.multiple.ids.length >= 2, JSON.stringify(result));
  const info = await createMixture(svc.address, { result, kind: "averaging", mode: "mean" });
  averagingId = info.id;
  assert.equal(info.kind, "averaging");
  assert.equal(info.needsFit, false);
  assert.deepEqual(
    info.learnwares.map((l) => l.id),
    result.multiple.ids,
  );
  assert.deepEqual(
    info.learnwares.map((l) => l.weight),
    result.multiple.weights,
  );
  assert.ok(info.learnwares.every((l) => l.version === "latest"));

  const y = await new MixtureClient(svc.address, info.id).predict(rows);
  assert.deepEqual(y.shape, [12, K]);
  // Each learnware called directly through the model service (lwc's latest is version 2).
  const direct = await Promise.all(info.learnwares.map((l) => new ModelClient(svc.address, { model: l.id, version: l.id === "lwc" ? 2 : 1 }).predict(rows)));
  assert.equal(info.weighted, false);
  const expected = new Float64Array(12 * K);
  direct.forEach((d) => {
    for (let i = 0; i < expected.length; i++) expected[i]! += d.data[i]! / direct.length;
  });
  close(y, expected);
  // weighting is an explicit option
  const weightedInfo = await createMixture(svc.address, { result, kind: "averaging", mode: "mean", weighted: true });
  assert.equal(weightedInfo.weighted, true);
  const yw = await new MixtureClient(svc.address, weightedInfo.id).predict(rows);
  const w = result.multiple.weights,
    wsum = w.reduce((a, b) => a + b, 0);
  const expectedW = new Float64Array(12 * K);
  direct.forEach((d, k) => {
    for (let i = 0; i < expectedW.length; i++) expectedW[i]! += (w[k]! / wsum) * d.data[i]!;
  });
  close(yw, expectedW);
  assert.ok(
    w.some((x) => Math.abs(x / wsum - 1 / w.length) > 1e-3),
    "the search weights are not uniform, so the two answers differ",
  );
  const notAveraging = await fetch(`${svc.address}/mixtures`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ result, kind: "job_selector", weighted: true }),
  });
  assert.equal(notAveraging.status, 400);
  // The learnwares really differ (otherwise the check above proves little).
  assert.ok(Math.abs(direct[0]!.data[0]! - direct[1]!.data[0]!) > 1e-3);
  averagingPred = y;

  // JSON predict gives the same numbers; GET describes the mixture.
  const res = await fetch(`${svc.address}/mixtures/${info.id}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ X: rows }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { y: number[][]; shape: number[] };
  assert.deepEqual(body.shape, [12, K]);
  close(y, body.y.flat());
  const got = await new MixtureClient(svc.address, info.id).info();
  assert.equal(got.fitted, false);
  assert.equal(got.learnwares.length, result.multiple.ids.length);
  // The learnwares went through the service's pool.
  assert.ok(svc.service.metrics().pool.keys.some((k) => k.startsWith(`${result.multiple!.ids[0]}@`)));
});

test("three learnwares from the top singles: the plain mean; the default version is the latest", async () => {
  const info = await createMixture(svc.address, { result: all3, kind: "averaging", topK: 3 });
  assert.deepEqual(
    info.learnwares.map((l) => [l.id, l.version]),
    [
      ["lwa", "latest"],
      ["lwb", "latest"],
      ["lwc", "latest"],
    ],
  );
  const y = await new MixtureClient(svc.address, info.id).predict(rows);
  const direct = await Promise.all(
    [
      ["lwa", 1],
      ["lwb", 1],
      ["lwc", 2],
    ].map(([m, v]) => new ModelClient(svc.address, { model: m as string, version: v! }).predict(rows)),
  );
  const expected = new Float64Array(12 * K);
  for (const d of direct) for (let i = 0; i < expected.length; i++) expected[i]! += d.data[i]! / 3;
  close(y, expected);
  // Version 1 of lwc gives something else.
  const old = await new ModelClient(svc.address, { model: "lwc", version: 1 }).predict(rows);
  assert.ok(Math.abs(old.data[0]! - direct[2]!.data[0]!) > 1e-3);
});

test("a per-learnware version map pins versions", async () => {
  const info = await createMixture(svc.address, { result: all3, kind: "averaging", topK: 3, version: { lwc: 1 } });
  assert.equal(info.learnwares.find((l) => l.id === "lwc")!.version, "1");
  const y = await new MixtureClient(svc.address, info.id).predict(rows);
  const direct = await Promise.all(info.learnwares.map((l) => new ModelClient(svc.address, { model: l.id, version: 1 }).predict(rows)));
  const expected = new Float64Array(12 * K);
  for (const d of direct) for (let i = 0; i < expected.length; i++) expected[i]! += d.data[i]! / direct.length;
  close(y, expected);
});

let augmentId = "";

test("feature_augment needs a fit: 409 before, predictions after", async () => {
  const mc = await MixtureClient.create(svc.address, { result: all3, kind: "feature_augment", mode: "regression", topK: 2 });
  augmentId = mc.id;
  assert.equal(mc.info.needsFit, true);
  assert.equal(mc.info.learnwares.length, 2);
  await assert.rejects(mc.predict(rows), (e: any) => e.code === "CONFLICT" && /fit/.test(e.message));
  const res = await fetch(`${svc.address}/mixtures/${mc.id}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ X: rows }),
  });
  assert.equal(res.status, 409);

  const X = randomData(40, D, 5);
  const Xrows = toNested({ dtype: "float64", shape: [40, D], data: X.data }) as number[][];
  const y = Xrows.map((r) => 2 * r[0]! - r[1]! + 0.5);
  const fitted = await mc.fit(Xrows, y);
  assert.equal(fitted.fitted, true);
  const pred = await mc.predict(Xrows.slice(0, 5));
  assert.deepEqual(pred.shape, [5, 1]);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(pred.data[i]! - y[i]!) < 0.5, `row ${i}: ${pred.data[i]} vs ${y[i]}`);
});

test("ensemble_pruning: 409 before fit; after a fit on validation labels it votes with the chosen subset", async () => {
  const mc = await MixtureClient.create(svc.address, { result: all3, kind: "ensemble_pruning", mode: "classification", topK: 3 });
  assert.equal(mc.info.needsFit, true);
  await assert.rejects(mc.predict(rows), (e: any) => e.code === "CONFLICT");
  // Validation labels: what lwa says (so any chosen subset must agree with lwa on most rows).
  const V = randomData(30, D, 6);
  const Vrows = toNested({ dtype: "float64", shape: [30, D], data: V.data }) as number[][];
  const a = await new ModelClient(svc.address, { model: "lwa", version: 1 }).predict(Vrows);
  const labels = Array.from({ length: 30 }, (_, i) => {
    const r = Array.from(a.data.subarray(i * K, (i + 1) * K));
    return r.indexOf(Math.max(...r));
  });
  assert.equal((await mc.fit(Vrows, labels)).fitted, true);
  const pred = await mc.predict(Vrows);
  assert.deepEqual(pred.shape, [30, 1]);
  const agree = labels.filter((l, i) => pred.data[i] === l).length;
  assert.ok(agree >= 20, `only ${agree}/30 rows agree with the validation labels`);
});

test("a heterogeneous result (columnMap per learnware): each learnware gets the user's columns through its map, missing ones imputed from its RKME", async () => {
  // The user's table has 6 columns in another order; lwa reads user columns 2, 0, 5 and imputes its 4th,
  // lwb reads 1, 3, 4, 0 (as a path: "hetero" search answers them).
  const user = randomData(10, 6, 321);
  const userRows = toNested({ dtype: "float64", shape: [user.rows, user.cols], data: user.data }) as number[][];
  const maps: Record<string, number[]> = { lwa: [2, 0, 5, -1], lwb: [1, 3, 4, 0] };
  const hetero = { single: ["lwa", "lwb"].map((id, i) => ({ id, score: 0.9 - i / 10, dist: i / 10, columnMap: maps[id]! })), multiple: null };
  const info = await createMixture(svc.address, { result: hetero, kind: "averaging", topK: 2 });
  assert.deepEqual(
    info.learnwares.map((l) => [l.id, l.columnMap]),
    [
      ["lwa", maps.lwa],
      ["lwb", maps.lwb],
    ],
  );
  const y = await new MixtureClient(svc.address, info.id).predict(userRows);
  assert.deepEqual(y.shape, [10, K]);
  // The reference: the core's alignment over each learnware called directly through the model service.
  const aligned = ["lwa", "lwb"].map((id) => {
    const spec = RKMETableSpecification.fromJSON(readLearnwarePackage(packages.get(`${id}@1`)!).statSpecs[0]!.json);
    const direct = {
      id,
      spec,
      async predict(X: Matrix): Promise<Matrix> {
        const t = await new ModelClient(svc.address, { model: id, version: 1 }).predict(
          toNested({ dtype: "float64", shape: [X.rows, X.cols], data: X.data }) as number[][],
        );
        return { rows: X.rows, cols: t.data.length / X.rows, data: Float64Array.from(t.data) };
      },
    };
    return new HeteroAlignedLearnware(direct, maps[id]!);
  });
  const preds = await Promise.all(aligned.map((a) => a.predict(user)));
  const expected = new Float64Array(10 * K);
  for (const p of preds) for (let i = 0; i < expected.length; i++) expected[i]! += p.data[i]! / preds.length;
  close(y, expected);

  // Refusals naming the problem: a job selector cannot take a heterogeneous result; a map of the
  // wrong length; a map that reads a column the rows do not have.
  const post = (body: unknown) =>
    fetch(`${svc.address}/mixtures`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const js = await post({ result: hetero, kind: "job_selector", topK: 2 });
  assert.equal(js.status, 400);
  assert.match(((await js.json()) as { error: { message: string } }).error.message, /job_selector/);
  const short = await post({ result: { single: [{ id: "lwa", score: 1, dist: 0, columnMap: [0, 1] }], multiple: null }, kind: "averaging" });
  assert.equal(short.status, 400);
  assert.match(((await short.json()) as { error: { message: string } }).error.message, /columnMap of 'lwa' has 2 entries, but the learnware takes 4 columns/);
  await assert.rejects(new MixtureClient(svc.address, info.id).predict(userRows.map((r) => r.slice(0, 4))), /reads user column 5/);
});

test("errors: unknown learnware 404 naming it, bad shapes 400, bad kind 400, unknown mixture 404, fit on averaging 400", async () => {
  const ghost = {
    single: [
      { id: "ghost", score: 1, dist: 0 },
      { id: "lwa", score: 0.5, dist: 1 },
    ],
    multiple: null,
  };
  const r404 = await fetch(`${svc.address}/mixtures`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ result: ghost, kind: "averaging", topK: 2 }),
  });
  assert.equal(r404.status, 404);
  assert.match(((await r404.json()) as { error: { message: string } }).error.message, /ghost/);

  const badKind = await fetch(`${svc.address}/mixtures`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ result, kind: "stacking" }),
  });
  assert.equal(badKind.status, 400);

  const mc = new MixtureClient(svc.address, averagingId);
  await assert.rejects(mc.predict([[1, 2, 3]]), (e: any) => e.code === "BAD_REQUEST" && /3 columns/.test(e.message));
  const ragged = await fetch(`${svc.address}/mixtures/${averagingId}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      X: [
        [1, 2, 3, 4],
        [1, 2],
      ],
    }),
  });
  assert.equal(ragged.status, 400);
  const noX = await fetch(`${svc.address}/mixtures/${averagingId}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(noX.status, 400);
  await assert.rejects(
    mc.fit(
      rows,
      rows.map(() => 0),
    ),
    (e: any) => e.code === "BAD_REQUEST",
  );
  await assert.rejects(new MixtureClient(svc.address, augmentId).fit(rows, [1, 2]), (e: any) => e.code === "BAD_REQUEST" && /labels/.test(e.message));
  await assert.rejects(new MixtureClient(svc.address, "mx-nope").info(), (e: any) => e.code === "NOT_FOUND");
});

test("a learnware whose stat spec lacks beta: POST /mixtures answers 422 SPEC_INVALID in the one envelope, not 500", async () => {
  const good = readLearnwarePackage(packages.get("lwa@1")!);
  const stat = JSON.parse(new TextDecoder().decode(good.files.get("stat.json")!)) as Record<string, unknown>;
  delete stat.beta;
  packages.set(
    "nobeta@1",
    writeLearnwarePackage({
      yaml: {
        model: { kind: "onnx", file: "model.onnx" },
        stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
      },
      files: { "model.onnx": good.files.get("model.onnx")!, "stat.json": new TextEncoder().encode(JSON.stringify(stat)) },
    }),
  );
  const r = await fetch(`${svc.address}/mixtures`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ result: { single: [{ id: "nobeta", score: 1, dist: 0 }], multiple: null }, kind: "job_selector" }),
  });
  const body = (await r.json()) as { error: { code: string; message: string } };
  assert.equal(r.status, 422, JSON.stringify(body));
  assert.equal(body.error.code, "SPEC_INVALID");
  assert.match(body.error.message, /beta/);
});

test("the service's /openapi.json names every operation; real JSON answers match the declared schemas field for field", async () => {
  const doc = (await (await fetch(`${svc.address}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, unknown> }> }>>;
  };
  const ops = RUNNER_OPERATIONS as Record<string, RunnerOperation>;
  const listed = Object.entries(doc.paths).flatMap(([p, o]) => Object.entries(o).map(([m, op]) => ({ key: `${m} ${p}`, op })));
  assert.deepEqual(listed.map((l) => l.key).sort(), Object.keys(ops).sort());
  for (const { key, op } of listed) {
    assert.equal(op.operationId, ops[key]!.operationId, key);
    assert.ok(
      Object.entries(op.responses).every(([st, r]) => st === "204" || r.content !== undefined),
      `${key} declares an answer without a schema`,
    );
  }
  const templates = Object.keys(ops).map((key) => ({ key, re: new RegExp(`^${key.replace(/\{[^}]+\}/g, "[^/]+")}$`) }));
  const seen = new Set<string>();
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await fetch(svc.address + path, {
      method,
      ...(json !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(json) } : {}),
    });
    const body = await res.json();
    const t = templates.find((t) => t.re.test(`${method.toLowerCase()} ${path}`));
    assert.ok(t, `${method} ${path} is not in the contract`);
    const schema = (ops[t.key]!.responses as Record<number, z.ZodTypeAny>)[res.status];
    assert.ok(schema, `${t.key} answered ${res.status}: ${JSON.stringify(body)}`);
    const r = schema.safeParse(body);
    assert.ok(r.success, `${t.key}: ${JSON.stringify(body).slice(0, 300)}`);
    assert.deepEqual(r.data, body, `${t.key} carries fields its schema does not declare`);
    seen.add(t.key);
    return body;
  };
  await call("GET", "/healthz");
  await call("POST", "/v1/models/lwa/versions/1/initialize", { note: "contract" });
  await call("POST", "/v1/models/lwa/versions/1/predict", { X: rows.slice(0, 2) });
  await call("POST", "/v1/models/lwa/versions/1/train", { X: rows.slice(0, 2), y: [0, 1] });
  await call("GET", "/v1/models/lwa/versions/1/train");
  await call("GET", "/v1/models/lwa/versions/1/log");
  await call("GET", "/metrics");
  const made = await call("POST", "/mixtures", { result: all3, kind: "feature_augment", mode: "classification", topK: 2, id: "mx-contract" });
  await call("GET", "/mixtures");
  await call("GET", `/mixtures/${made.id}`);
  await call("POST", `/mixtures/${made.id}/fit`, { X: rows, y: rows.map((_, i) => i % K) });
  await call("POST", `/mixtures/${made.id}/predict`, { X: rows });
  await call("DELETE", `/mixtures/${made.id}`);
  // (invoke: runner learnwares only; POST …/log: AIPOD models only — both in their own suites.)
  const missed = Object.keys(ops).filter((k) => !seen.has(k) && !k.endsWith("/invoke") && k !== "post /v1/models/{model}/versions/{version}/log");
  assert.deepEqual(missed, [], "every operation but invoke and the AIPOD log answered");
});

test("a restart keeps the descriptors (fitted state is reported lost); DELETE removes a mixture", async () => {
  await svc.close();
  svc = await start();
  const avg = new MixtureClient(svc.address, averagingId);
  const info = await avg.info();
  assert.equal(info.kind, "averaging");
  close(await avg.predict(rows), averagingPred.data);

  const aug = new MixtureClient(svc.address, augmentId);
  const ainfo = await aug.info();
  assert.equal(ainfo.needsFit, true);
  assert.equal(ainfo.fitted, false);
  await assert.rejects(aug.predict(rows), (e: any) => e.code === "CONFLICT");

  const list = (await (await fetch(`${svc.address}/mixtures`)).json()) as { mixtures: { id: string }[] };
  assert.ok(list.mixtures.some((m) => m.id === averagingId));
  await aug.delete();
  await assert.rejects(aug.info(), (e: any) => e.code === "NOT_FOUND");
});
