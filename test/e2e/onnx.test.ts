/**
 * ONNX learnwares run in the user's browser (Debian's Chromium via playwright-core, against the
 * real server with the demo market): the page's worker runs the demo ONNX learnware with
 * onnxruntime-web on a CSV the user chose (or the one Find loaded), and its predictions equal
 * onnxruntime-node's for the same model file and rows; the download has one line per row; no
 * row goes over the wire; a wrong column count is refused with both numbers.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { demoLearnwares, demoSemantic, demoStatSpec, sampleData } from "../../core/demo/synthetic.ts";
import { buildDenseOnnx } from "../../core/onnx/onnxBuilder.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import type { LearnwarePackage } from "../../core/package/types.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { ADMIN } from "./_browser.ts";
import { uploadForm } from "../integration/_server.ts";
import { requires } from "../_requires.ts";
import { axeViolations, checkAllUsable, csvOf, type E2eBrowser, type E2eServer, type E2eSession, openE2eSession, screenshot } from "./_browser.ts";

const { skip } = requires("chromium");

let server: E2eServer;
let b: E2eBrowser;
let work: string;

/** The demo's ONNX sensor learnware (plant A): 8 inputs, 3 classes, softmax output. */
const ONNX_ID = "00000001";
const ROWS = 150;

/** The package of a demo learnware, as the server hands it out. */
async function packageOf(id: string): Promise<LearnwarePackage> {
  const res = await fetch(`${server.url}/v1/learnwares/${id}/download`);
  assert.equal(res.status, 200);
  const pkg = readLearnwarePackage(new Uint8Array(await res.arrayBuffer()));
  assert.equal(pkg.model.kind, "onnx");
  return pkg;
}

/** What onnxruntime-node answers for the package's model file on the CSV's values (rows × k). */
async function nodeAnswer(pkg: LearnwarePackage, csv: string): Promise<{ k: number; values: Float32Array }> {
  const session = await ort.InferenceSession.create(pkg.files.get(pkg.model.file!)!);
  const rows = csv.trim().split("\n").slice(1);
  const d = rows[0]!.split(",").length;
  const x = Float32Array.from(rows.flatMap((r) => r.split(",").map(Number)));
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", x, [rows.length, d]) });
  const y = out[session.outputNames[0]!]!;
  await session.release();
  return { k: y.dims[1] ?? 1, values: y.data as Float32Array };
}

describe("ONNX learnwares in the browser (Chromium)", { skip, timeout: 170_000 }, () => {
  let session: E2eSession | undefined;
  before(async () => {
    session = await openE2eSession("onnx");
    ({ server, b, work } = session);
  });
  after(() => session?.close());

  test("the page runs the ONNX learnware on the CSV Find loaded, equal to onnxruntime-node, and offers every row as CSV", async () => {
    const lw = demoLearnwares()[0]!;
    assert.equal(lw.onnx, true);
    const csv = csvOf(sampleData({ ...lw, seed: 907 }, ROWS).X, lw.space.featureNames, 6);
    const csvPath = join(work, "plant-a-readings.csv");
    await writeFile(csvPath, csv);
    const want = await nodeAnswer(await packageOf(ONNX_ID), csv);

    const p = b.page;
    await p.goto("/#/find");
    await p.setInputFiles("#csv-input", csvPath);
    await p.waitForSelector("#preview-summary");
    const start = b.requests.length;
    await p.evaluate((id) => (location.hash = `#/learnware/${id}`), ONNX_ID);
    await p.waitForSelector("#run-browser");
    assert.match((await p.textContent("#run-privacy"))!, /never leaves the browser/);
    await p.click("#run-use-loaded");
    assert.match((await p.textContent("#run-summary"))!, /plant-a-readings\.csv — 150 rows, 8 numeric columns/);
    await p.click("#run-onnx");
    await p.waitForSelector("#predictions tbody tr", { timeout: 60_000 });
    // Cross-origin isolated (the server sends COOP/COEP): ONNX Runtime Web may use up to 4 threads.
    const threads = await p.evaluate(() => (globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 0));
    assert.ok(threads >= 1, "the page is cross-origin isolated");
    assert.match(
      (await p.textContent("#run-status"))!,
      new RegExp(`Predicted 150 rows in [\\d.]+ ms, in this browser \\(ONNX Runtime Web, ${threads} threads?\\)`),
    );
    assert.match((await p.textContent("#predictions caption"))!, /first 20 of 150 rows/);
    assert.equal(await p.textContent("#predictions thead tr th:last-child"), "probability");

    // The 20 rows shown: the class with the largest output and that probability, as onnxruntime-node says.
    const shown = await p.$$eval("#predictions tbody tr", (trs) =>
      trs.map((tr) => ({ cls: tr.querySelector(".pred-class")!.textContent!, top: tr.querySelector(".pred-top")!.textContent! })),
    );
    assert.equal(shown.length, 20);
    shown.forEach((s, i) => {
      const row = Array.from(want.values.subarray(i * want.k, (i + 1) * want.k));
      const best = row.indexOf(Math.max(...row));
      assert.equal(Number.parseInt(s.cls, 10), best, `row ${i + 1}: class ${s.cls}, onnxruntime-node ${best}`);
      assert.match(s.cls, /\(score of class \d\)/, "the class is named by the output description");
      assert.ok(Math.abs(Number(s.top) - row[best]!) <= 1e-5, `row ${i + 1}: probability ${s.top}, onnxruntime-node ${row[best]}`);
    });
    const classes = new Set(shown.map((s) => s.cls));
    assert.ok(classes.size >= 2, "the rows span several classes");

    // The download: one line per input row, every output within 1e-5 of onnxruntime-node's.
    const [download] = await Promise.all([p.waitForEvent("download"), p.click("#download-predictions")]);
    assert.equal(download.suggestedFilename(), `predictions-${ONNX_ID}-v1.csv`);
    const lines = (await readFile((await download.path())!, "utf8")).trim().split("\n");
    assert.deepEqual(lines[0]!.split(","), ["row", "class", "output_0", "output_1", "output_2"]);
    assert.equal(lines.length - 1, ROWS, "one line per input row");
    lines.slice(1).forEach((line, i) => {
      const [row, cls, ...out] = line.split(",").map(Number);
      assert.equal(row, i + 1);
      out.forEach((v, j) =>
        assert.ok(Math.abs(v - want.values[i * want.k + j]!) <= 1e-5, `row ${i + 1} output ${j}: page ${v}, node ${want.values[i * want.k + j]}`),
      );
      assert.equal(cls, out.indexOf(Math.max(...out)));
    });

    // Only downloads: the package and ONNX Runtime Web's files, all from the server's own origin.
    const reqs = b.requests.slice(start);
    assert.deepEqual(
      reqs.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.url}`),
      [],
      "nothing is sent",
    );
    assert.ok(
      reqs.some((r) => r.url.endsWith("/ort/ort-wasm-simd-threaded.wasm")),
      "the worker loaded ONNX Runtime Web's wasm",
    );
    assert.ok(
      reqs.every((r) => new URL(r.url).origin === server.url),
      "no request leaves the server's origin",
    );
    await screenshot(p, "run-in-browser");
    assert.deepEqual(await axeViolations(p), [], "the learnware page with predictions");
    assert.deepEqual(b.errors, []);
  });

  test("a CSV whose column count is not the model's is refused with both numbers; a Python learnware points to the runner", async () => {
    const lw = demoLearnwares()[0]!;
    const X = sampleData({ ...lw, seed: 908 }, 30).X;
    const six = { rows: X.rows, cols: 6, data: new Float64Array(X.rows * 6) };
    for (let i = 0; i < X.rows; i++) for (let j = 0; j < 6; j++) six.data[i * 6 + j] = X.data[i * X.cols + j]!;
    const path = join(work, "six-columns.csv");
    await writeFile(path, csvOf(six, lw.space.featureNames.slice(0, 6)));

    const p = b.page;
    await p.goto(`/#/learnware/${ONNX_ID}`);
    await p.setInputFiles("#run-csv", path);
    await p.waitForSelector("#run-columns fieldset");
    assert.match((await p.textContent("#run-columns legend"))!, /model's 8 inputs \(your file has 6 numeric/);
    await p.click("#run-onnx");
    await p.waitForSelector("#run-status .error");
    assert.match((await p.textContent("#run-status"))!, /The model takes 8 input columns, but 6 are chosen/);
    assert.equal(await p.$("#predictions"), null);

    await p.goto("/#/learnware/00000002");
    await p.waitForSelector("#run-browser-note");
    assert.match((await p.textContent("#run-browser-note"))!, /Python learnware: it runs through the runner/);
    assert.equal(await p.$("#run-browser"), null);
    assert.deepEqual(b.errors, []);
  });
  test("a regression learnware (one output, input shape from the model itself) shows its values, equal to onnxruntime-node", async () => {
    // The clinic space (5 inputs) with a linear ONNX model and no input_shape in learnware.yaml.
    const lw = { ...demoLearnwares()[5]!, name: "Clinic risk score (browser)" };
    const { spec } = demoStatSpec(lw);
    const onnx = buildDenseOnnx({ layers: [{ weights: [[0.5], [-0.25], [2], [1], [-1]], bias: [0.75] }] });
    const zip = writeLearnwarePackage({
      yaml: {
        name: lw.name,
        model: { kind: "onnx", file: "model.onnx" },
        stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
      },
      files: { "model.onnx": onnx, "stat.json": spec.stringify() },
    });
    const semantic = { ...demoSemantic(lw), Task: { Type: "Class", Values: ["Regression"] }, Output: { Dimension: 1, Description: { "0": "risk score" } } };
    const up = await fetch(`${server.url}/v1/learnwares`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: uploadForm(semantic, zip) });
    assert.equal(up.status, 201, await up.clone().text());
    const id = ((await up.json()) as { learnware: { id: string } }).learnware.id;
    await checkAllUsable(server);
    const csv = csvOf(sampleData({ ...lw, seed: 909 }, 25).X, lw.space.featureNames, 5);
    const path = join(work, "clinic.csv");
    await writeFile(path, csv);
    const want = await nodeAnswer(await packageOf(id), csv);
    assert.equal(want.k, 1);

    const p = b.page;
    await p.goto(`/#/learnware/${id}`);
    await p.setInputFiles("#run-csv", path);
    await p.waitForSelector("#run-summary");
    await p.click("#run-onnx");
    await p.waitForSelector("#predictions tbody tr", { timeout: 60_000 });
    assert.deepEqual(await p.$$eval("#predictions thead th", (ths) => ths.map((t) => t.textContent)), ["row", "value"]);
    const shown = await p.$$eval("#predictions tbody .pred-value", (tds) => tds.map((t) => Number(t.textContent)));
    assert.equal(shown.length, 20);
    shown.forEach((v, i) =>
      assert.ok(Math.abs(v - want.values[i]!) <= 1e-5 + 1e-5 * Math.abs(want.values[i]!), `row ${i + 1}: page ${v}, onnxruntime-node ${want.values[i]}`),
    );
    const [download] = await Promise.all([p.waitForEvent("download"), p.click("#download-predictions")]);
    const lines = (await readFile((await download.path())!, "utf8")).trim().split("\n");
    assert.equal(lines[0], "row,output_0");
    assert.equal(lines.length - 1, 25);
    assert.deepEqual(b.errors, []);
  });
  test("a page that is not cross-origin isolated runs the model on one thread, with the same answer", async () => {
    const lw = demoLearnwares()[0]!;
    const csv = csvOf(sampleData({ ...lw, seed: 910 }, 40).X, lw.space.featureNames, 6);
    const path = join(work, "plant-a-40.csv");
    await writeFile(path, csv);
    const want = await nodeAnswer(await packageOf(ONNX_ID), csv);
    const p = b.page;
    // The page's own files without COOP/COEP, as another static server would send them.
    const pageFiles = (url: URL) => !url.pathname.startsWith("/v1/");
    await p.route(pageFiles, async (route) => {
      const res = await route.fetch();
      const headers = { ...res.headers() };
      delete headers["cross-origin-opener-policy"];
      delete headers["cross-origin-embedder-policy"];
      await route.fulfill({ response: res, headers });
    });
    try {
      await p.goto(`/?plain#/learnware/${ONNX_ID}`);
      await p.waitForSelector("#run-browser");
      assert.equal(await p.evaluate(() => globalThis.crossOriginIsolated), false);
      await p.setInputFiles("#run-csv", path);
      await p.waitForSelector("#run-summary");
      await p.click("#run-onnx");
      await p.waitForSelector("#predictions tbody tr", { timeout: 60_000 });
      assert.match((await p.textContent("#run-status"))!, /Predicted 40 rows in [\d.]+ ms, in this browser \(ONNX Runtime Web, 1 thread\)/);
      const tops = await p.$$eval("#predictions .pred-top", (tds) => tds.map((t) => Number(t.textContent)));
      tops.forEach((v, i) => {
        const row = Array.from(want.values.subarray(i * want.k, (i + 1) * want.k));
        assert.ok(Math.abs(v - Math.max(...row)) <= 1e-5, `row ${i + 1}: page ${v}, onnxruntime-node ${Math.max(...row)}`);
      });
    } finally {
      await p.unrouteAll({ behavior: "ignoreErrors" });
    }
    assert.deepEqual(b.errors, []);
  });
});
