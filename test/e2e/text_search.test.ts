/**
 * Text search from the page (Debian's Chromium via playwright-core, the real server with
 * LW_TEXT_MODEL set to the tiny built model): the user's texts are embedded in the page's worker
 * with the model the market serves at /v1/text-model/ (transformers.js + onnxruntime-web 1.14
 * wasm), summarised by the same core function as the CLI, and only the spec is sent; the English
 * movie learnware comes first, the French one is not offered. The page's spec is the CLI's
 * (`lw spec generate --texts` on the same texts with the same model folder) to 1e-6 per value.
 * Without LW_TEXT_MODEL the page says the market has no text model; too few texts, a message.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { RKMETextSpecification } from "../../core/text/rkmeTextSpec.ts";
import { buildTinyModel, TINY_DIM, TINY_MODEL_NAME } from "../../runner/text/buildTinyModel.ts";
import { loadTextEmbedder } from "../../runner/text/embedder.ts";
import { requires } from "../_requires.ts";
import { repoRoot, scratch } from "../_util.ts";
import { uploadForm } from "../integration/_server.ts";
import { ADMIN, axeViolations, checkAllUsable, type E2eBrowser, type E2eServer, launch, startE2eServer } from "./_browser.ts";

const { skip } = requires("chromium");

const MOVIES = [
  "the movie was great and the music was good",
  "a boring film with a terrible story",
  "i love this song and the music",
  "the film was fun and the team played a great game",
  "this book is a good story to read",
  "the movie was bad and boring",
];
const MONEY = [
  "the bank loan credit",
  "stock market price today",
  "buy and sell stock",
  "pay the loan to the bank",
  "the company sells cars",
  "money for the business",
];
const FRENCH = ["le chat est sur la table", "la maison est dans la ville avec le chat", "le train est pour la ville"];
const USER = ["a great movie with good music", "the film story was boring", "i like the song", "this movie was fun to watch"];

function textSemantic(name: string): Record<string, unknown> {
  return {
    Data: { Values: ["Text"], Type: "Class" },
    Task: { Values: ["Classification"], Type: "Class" },
    Library: { Values: ["Others"], Type: "Class" },
    Scenario: { Values: ["Entertainment"], Type: "Tag" },
    License: { Values: ["MIT"], Type: "Class" },
    Description: { Values: `sentiment of ${name}`, Type: "String" },
    Name: { Values: name, Type: "String" },
    Output: { Dimension: 2, Description: { "0": "negative", "1": "positive" } },
  };
}

const MODEL_JS = "export default { input_shape: [1], output_shape: [2], predict(texts) { return texts.map(() => [1, 0]); } };\n";

/** Largest |page − cli| over the spec's points, weights and γ (and the MMD² between them). */
function specGap(a: RKMETextSpecification, b: RKMETextSpecification): { maxAbs: number; mmd2: number } {
  assert.equal(a.z.rows, b.z.rows);
  assert.equal(a.z.cols, b.z.cols);
  let maxAbs = Math.abs(a.gamma - b.gamma);
  a.z.data.forEach((v, i) => (maxAbs = Math.max(maxAbs, Math.abs(v - b.z.data[i]!))));
  a.beta.forEach((v, i) => (maxAbs = Math.max(maxAbs, Math.abs(v - b.beta[i]!))));
  return { maxAbs, mmd2: a.dist(b) };
}

/** Non-GET requests since `start`. */
const writes = (b: E2eBrowser, start: number) => b.requests.slice(start).filter((r) => r.method !== "GET");

async function searchWith(p: Page): Promise<string[]> {
  await p.click("#text-search");
  await p.waitForSelector("#text-results li", { timeout: 120_000 });
  return p.$$eval("#text-results li .result-name", (els) => els.map((e) => e.textContent ?? ""));
}

describe("text search in the browser (Chromium)", { skip, timeout: 300_000 }, () => {
  const work = scratch("lw-e2e-text-");
  const model = buildTinyModel(join(work, "models"));
  let server: E2eServer | undefined;
  let bare: E2eServer | undefined;
  let b: E2eBrowser | undefined;
  before(async () => {
    server = await startE2eServer({ LW_TEXT_MODEL: model });
    bare = await startE2eServer();
    b = await launch(server.url);
    const embed = await loadTextEmbedder({ modelsDir: join(work, "models"), model: TINY_MODEL_NAME });
    for (const [name, texts] of [
      ["movie reviews", MOVIES],
      ["finance news", MONEY],
      ["notes en français", FRENCH],
    ] as const) {
      const spec = await RKMETextSpecification.generate(texts, embed, { K: 3 });
      const zip = writeLearnwarePackage({
        yaml: {
          model: { kind: "js", module_path: "model.mjs", kwargs: {} },
          stat_specifications: [{ module_path: "learnware.specification", class_name: RKMETextSpecification.TYPE, file_name: "stat.json", kwargs: {} }],
        },
        files: { "model.mjs": MODEL_JS, "stat.json": spec.stringify() },
      });
      const r: Response = await fetch(`${server.url}/v1/learnwares`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}` },
        body: uploadForm(textSemantic(name), zip),
      });
      assert.equal(r.status, 201, await r.clone().text());
    }
    await checkAllUsable(server);
  });
  after(async () => {
    await b?.close();
    await server?.close();
    await bare?.close();
  });

  test("typed texts are embedded in the page with the served model; only the spec is sent; the movie learnware comes first; the spec is the CLI's", async () => {
    const p = b!.page;
    await p.goto("/#/find");
    await p.waitForSelector("#text-input");
    const start = b!.requests.length;
    await p.fill("#text-input", USER.join("\n"));
    await p.fill("#text-k", "3");
    const names = await searchWith(p);
    assert.equal(names[0], "movie reviews", `the movie learnware first: ${names}`);
    assert.ok(!names.includes("notes en français"), "the French learnware does not cover English texts");
    const done = (await p.textContent("#text-status"))!;
    assert.match(done, new RegExp(`${names.length} text learnwares? ranked .*languages en`));
    process.stderr.write(`first text search in the page: ${/summarised here in ([\d.]+ s)/.exec(done)?.[1]} (model + runtime fetched, embedded, RKME)\n`);

    // What went over the wire: the model's files fetched from this server, one search with the spec, no text.
    const sent = b!.requests.slice(start);
    assert.ok(
      sent.every((r) => r.url.startsWith(server!.url)),
      `only this server: ${sent.map((r) => r.url).filter((u) => !u.startsWith(server!.url))}`,
    );
    const modelFiles = sent.filter((r) => new URL(r.url).pathname.startsWith("/v1/text-model/")).map((r) => new URL(r.url).pathname);
    for (const f of ["config.json", "tokenizer.json", "onnx/model_quantized.onnx"])
      assert.ok(modelFiles.includes(`/v1/text-model/${f}`), `${f} in ${modelFiles}`);
    assert.ok(
      sent.some((r) => new URL(r.url).pathname === "/ort-text/ort-wasm-simd.wasm"),
      "the text runtime's wasm from the page's own folder",
    );
    assert.deepEqual(
      writes(b!, start).map((r) => new URL(r.url).pathname),
      ["/v1/search"],
    );
    for (const r of sent)
      for (const t of USER) assert.ok(!(r.body ?? "").includes(t) && !decodeURIComponent(r.url).includes(t), `"${t}" left the page in ${r.url}`);
    const body = JSON.parse(writes(b!, start)[0]!.body!) as { stat: unknown };
    const sentSpec = RKMETextSpecification.fromJSON(body.stat);
    assert.equal(sentSpec.z.rows, 3, "K = 3 points");
    assert.equal(sentSpec.numPoints, USER.length, "num_points: the texts summarised");
    assert.equal(sentSpec.dim, TINY_DIM);
    assert.deepEqual(sentSpec.language, ["en"]);

    // The page's spec is the CLI's on the same texts with the same model folder.
    const [download] = await Promise.all([p.waitForEvent("download"), p.click("#text-download-spec")]);
    const pageSpec = RKMETextSpecification.parse(await readFile((await download.path())!, "utf8"));
    await writeFile(join(work, "mine.txt"), USER.join("\n") + "\n");
    const out = join(work, "cli.json");
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [join(repoRoot, "cli", "lw.js"), "spec", "generate", "--texts", join(work, "mine.txt"), "--output", out, "--text-model", model, "--K", "3"],
        (err, _o, e) => (err ? reject(new Error(e)) : resolve()),
      ),
    );
    const cliSpec = RKMETextSpecification.parse(await readFile(out, "utf8"));
    const gap = specGap(pageSpec, cliSpec);
    process.stderr.write(`page vs CLI text spec: max |Δ| ${gap.maxAbs.toExponential(2)}, MMD² ${gap.mmd2.toExponential(2)}\n`);
    assert.ok(gap.maxAbs <= 1e-6, `page vs CLI spec differ by ${gap.maxAbs} (MMD² ${gap.mmd2})`);
    assert.deepEqual(pageSpec.language, cliSpec.language);
    assert.deepEqual(await axeViolations(p), []);
    assert.deepEqual(b!.errors, []);
  });

  test("a .json file of texts gives the same spec as the same texts typed", async () => {
    const p = b!.page;
    const [first] = await Promise.all([p.waitForEvent("download"), p.click("#text-download-spec")]);
    const typed = RKMETextSpecification.parse(await readFile((await first.path())!, "utf8"));
    const file = join(work, "mine.json");
    await writeFile(file, JSON.stringify(USER));
    await p.setInputFiles("#text-file", file);
    await p.waitForFunction(() => /4 texts read from mine\.json/.test(document.querySelector("#text-status")?.textContent ?? ""));
    assert.equal(await p.inputValue("#text-input"), "", "the file's texts replace the box's");
    const start = b!.requests.length;
    const names = await searchWith(p);
    assert.equal(names[0], "movie reviews");
    process.stderr.write(`second text search: ${/summarised here in ([\d.]+ s)/.exec((await p.textContent("#text-status"))!)?.[1]} (model loaded)\n`);
    assert.deepEqual(
      writes(b!, start).map((r) => new URL(r.url).pathname),
      ["/v1/search"],
    );
    const [again] = await Promise.all([p.waitForEvent("download"), p.click("#text-download-spec")]);
    const fromFile = RKMETextSpecification.parse(await readFile((await again.path())!, "utf8"));
    assert.equal(specGap(fromFile, typed).maxAbs, 0);
  });

  test("no texts and too few texts: a message each, nothing sent", async () => {
    const p = b!.page;
    await p.goto("/#/find");
    await p.reload();
    await p.waitForSelector("#text-search");
    const start = b!.requests.length;
    await p.click("#text-search");
    assert.match((await p.textContent("#text-status"))!, /No texts: give your texts, one per line/);
    await p.fill("#text-input", "only one text\n\nand a second");
    await p.click("#text-search");
    assert.match((await p.textContent("#text-status"))!, /Too few texts: 2 given, a text specification needs at least 3/);
    assert.equal(writes(b!, start).length, 0);
    assert.equal(b!.requests.slice(start).filter((r) => r.url.includes("/v1/text-model")).length, 0, "the model is not fetched for too few texts");
  });

  test("a market without LW_TEXT_MODEL: the page says so, nothing is sent", async () => {
    const p = b!.page;
    await p.goto(`${bare!.url}/#/find`);
    await p.waitForSelector("#text-input");
    const start = b!.requests.length;
    await p.fill("#text-input", USER.join("\n"));
    await p.click("#text-search");
    await p.waitForSelector("#text-status .error", { timeout: 30_000 });
    const msg = (await p.textContent("#text-status"))!;
    assert.match(msg, /This market has no text embedding model/);
    assert.match(msg, /LW_TEXT_MODEL/);
    assert.equal(writes(b!, start).length, 0);
    assert.equal(await p.$$eval("#text-results li", (els) => els.length), 0);
    assert.deepEqual(await axeViolations(p), []);
  });
});
