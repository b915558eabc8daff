/**
 * The page's user experience on real Chromium: results that say what they mean (an absolute
 * fit beside each relative score, mixture contributions with the member whose data never meets
 * the query flagged, the legend, a warning for a 1-row CSV), CSV dialects explained (semicolon
 * and decimal comma), `hidden` meaning hidden, an accessibility scan (axe-core, WCAG 2 A/AA)
 * of every view, and no sideways scroll at 390 px.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { demoLearnwares, demoMixtureQuery } from "../../core/demo/synthetic.ts";
import { requires } from "../_requires.ts";
import { ADMIN, axeViolations, csvOf, type E2eBrowser, type E2eServer, type E2eSession, openE2eSession } from "./_browser.ts";
import { fixture, uploadForm } from "../integration/_server.ts";

const { skip } = requires("chromium");

let server: E2eServer;
let b: E2eBrowser;
let work: string;
let registryModel: string | null = null;

async function sideways(p: Page): Promise<number> {
  return await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

async function hiddenShown(p: Page): Promise<string[]> {
  return await p.evaluate(() =>
    Array.from(document.querySelectorAll("[hidden]"))
      .filter((el) => getComputedStyle(el).display !== "none")
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

async function loadCsv(p: Page, name: string, text: string): Promise<void> {
  const file = join(work, name);
  await writeFile(file, text);
  await p.goto("/#/find");
  await p.setInputFiles("#csv-input", file);
  await p.waitForSelector("#preview-summary");
}

describe("page UX (Chromium)", { skip, timeout: 170_000 }, () => {
  let session: E2eSession | undefined;
  before(async () => {
    session = await openE2eSession("ux");
    ({ server, b, work } = session);
  });
  after(() => session?.close());

  test("results: fit beside each relative score, contributions with plant B flagged negligible, the legend", async () => {
    const X = demoMixtureQuery(400);
    const names = demoLearnwares()[0]!.space.featureNames;
    const p = b.page;
    await loadCsv(p, "plants.csv", csvOf(X, names));
    assert.deepEqual(await hiddenShown(p), [], "hidden elements (Cancel, Pause, empty bars) are not displayed");
    await p.click("#generate");
    await p.waitForSelector("#single-results li", { timeout: 60_000 });
    const badge = await p.textContent("#single-results li .badge.fit");
    assert.match(badge!, /^(fits|fits partly|does not fit) \(overlap \d\.\d\d\)$/);
    assert.match((await p.textContent("#mixture"))!, /least-squares fit/);
    const notes = await p.$$eval("#mixture .member-note", (els) => els.map((e) => `${e.className}|${e.textContent}`));
    assert.ok(
      notes.some((n) => /warn/.test(n) && /negligible: its data barely meets yours/.test(n)),
      `a negligible member is flagged: ${notes.join(" / ")}`,
    );
    assert.match((await p.textContent("#results-legend"))!, /score: relative/);
    assert.deepEqual(await hiddenShown(p), []);
    assert.deepEqual(await axeViolations(p), [], "Find with results");
  });

  test("a 1-row CSV is answered with a tiny-sample warning", async () => {
    const p = b.page;
    await loadCsv(p, "one.csv", "a,b,c,d,e,f,g,h\n1,2,3,4,5,6,7,8\n");
    await p.click("#generate");
    await p.waitForSelector(".fit-warning", { timeout: 60_000 });
    assert.match((await p.textContent(".fit-warning[data-code=TINY_SAMPLE]"))!, /summarises (only )?1 row\b/);
  });

  test("a semicolon CSV with decimal commas is read as numbers, and the page says how", async () => {
    const p = b.page;
    await loadCsv(p, "eu.csv", "t;p\n1,5;1013,2\n2,25;NA\n3,0;1009,9\n");
    assert.match((await p.textContent("#preview-summary"))!, /3 rows × 2 columns \(2 numeric\), 1 missing value/);
    assert.match((await p.textContent(".csv-note"))!, /eu\.csv was read with ";" as the separator and "," as the decimal mark/);
  });

  test("Browse shows each learnware's input dimension, task and status, and sorts", async () => {
    const p = b.page;
    await p.goto("/#/browse?sort=name");
    await p.waitForSelector("#catalogue li");
    const names = await p.$$eval("#catalogue li .result-name", (els) => els.map((e) => e.textContent ?? ""));
    assert.deepEqual(
      names,
      [...names].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())),
    );
    assert.equal(await p.inputValue("#browse-sort"), "name");
    const meta = (await p.textContent("#catalogue li .muted.small"))!;
    assert.match(meta, /\d+ input features? · \w/);
    assert.ok((await p.$$("#catalogue li .badge")).length >= names.length, "a status badge on every card");
  });

  test("/docs renders the OpenAPI document with Swagger UI, served offline from the server itself", async () => {
    const p = b.page;
    const before = b.requests.length;
    const errorsBefore = b.errors.length;
    await p.goto("/docs");
    await p.waitForSelector(".swagger-ui .opblock", { timeout: 30_000 });
    assert.ok((await p.$$(".swagger-ui .opblock")).length > 20, "one block per operation");
    assert.match((await p.textContent(".swagger-ui"))!, /\/v1\/search/);
    const origins = new Set(b.requests.slice(before).map((r) => new URL(r.url).origin));
    assert.deepEqual([...origins], [server.url], "nothing fetched from another origin");
    assert.deepEqual(b.errors.slice(errorsBefore), [], "no console errors (CSP allows it: no inline script)");
  });

  test("the learnware page's status updates live (SSE) when a runner finishes the check; Use shows the runner and the mixture", async () => {
    const fx = fixture(3, " (live)");
    const up = await fetch(`${server.url}/v1/learnwares`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}` },
      body: uploadForm(fx.semantic, fx.zip),
    });
    assert.equal(up.status, 201);
    const id = ((await up.json()) as { learnware: { id: string } }).learnware.id;
    const p = b.page;
    await p.goto(`/#/learnware/${id}`);
    await p.waitForSelector("#check-h .badge");
    assert.match((await p.textContent("#check-h"))!, /pending/);
    assert.match((await p.textContent("#use-run"))!, /\/v1\/models\/\d{8}\/versions\/1\/predict/);
    assert.match((await p.textContent("#use-run"))!, /lw reuse .*--service/);
    // A runner finishes the check (the job API, as a runner-scoped token).
    const tok = await fetch(`${server.url}/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ owner: "runner", scopes: ["runner"], name: "e2e" }),
    });
    const runner = ((await tok.json()) as { token: string }).token;
    const call = (path: string, body: unknown) =>
      fetch(server.url + path, {
        method: "POST",
        headers: { authorization: `Bearer ${runner}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    let job: { id: string; learnwareId: string } | null = null;
    for (let i = 0; i < 20 && job?.learnwareId !== id; i++) {
      const r = await call("/v1/jobs/lease", { runner: "e2e", kinds: ["check"], leaseSeconds: 60 });
      job = r.status === 200 ? ((await r.json()) as { job: { id: string; learnwareId: string } }).job : null;
      if (job && job.learnwareId !== id) await call(`/v1/jobs/${job.id}/complete`, { runner: "e2e", status: "usable", log: "ok" });
    }
    assert.equal(job?.learnwareId, id, "leased the new learnware's check");
    const t0 = Date.now();
    assert.equal((await call(`/v1/jobs/${job!.id}/complete`, { runner: "e2e", status: "usable", log: "checked live" })).status, 200);
    await p.waitForFunction(() => /usable/.test(document.querySelector("#check-h")?.textContent ?? ""), undefined, { timeout: 10_000 });
    assert.ok(Date.now() - t0 < 10_000);
    assert.match((await p.textContent("#check pre.log"))!, /checked live/);
  });

  test("the registry view: models by namespace, a model's versions with tags, metric charts and artifacts", async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      assert.ok(r.ok, `${method} ${path}: ${r.status}`);
      return (await r.json()) as any;
    };
    const m = await call("POST", "/v1/namespaces/vision/models", { name: "resnet-ux", task: "classification" });
    registryModel = m.id;
    await call("POST", `/v1/models/${m.id}/versions`, { framework: "onnx", tags: ["production"] });
    await call("POST", `/v1/models/${m.id}/versions/1/metrics`, {
      metrics: [0, 1, 2, 3].map((step) => ({ key: "auc", value: 0.7 + step / 20, step })),
    });
    const put = await fetch(`${server.url}/v1/models/${m.id}/versions/1/artifacts?path=${encodeURIComponent("weights.bin")}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN}` },
      body: new Uint8Array(1000),
    });
    assert.ok(put.ok);
    const p = b.page;
    await p.goto("/#/registry");
    await p.waitForSelector("#registry-summary");
    assert.match((await p.textContent(".view.registry"))!, /vision\/resnet-ux/);
    await p.click(`tr[data-id="${m.id}"] a`);
    await p.waitForSelector("#model-versions tbody tr");
    assert.match((await p.textContent("#model-versions"))!, /v1.*production/s);
    assert.ok(await p.$("#model-metrics svg"), "a metrics chart");
    assert.match((await p.textContent("#model-artifacts"))!, /weights\.bin/);
    // the model's own artifacts (no version) are shown apart from the version's
    const own = await fetch(`${server.url}/v1/models/${m.id}/artifacts?path=${encodeURIComponent("MODEL_CARD.md")}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN}` },
      body: "# resnet-ux\n",
    });
    assert.ok(own.ok, `PUT model artifact: ${own.status}`);
    await p.goto("/#/registry");
    await p.waitForSelector("#registry-summary");
    await p.goto(`/#/model/${m.id}`);
    await p.waitForSelector("#model-own");
    assert.match((await p.textContent("#model-own"))!, /MODEL_CARD\.md/);
    assert.doesNotMatch((await p.textContent("#model-artifacts"))!, /MODEL_CARD\.md/);
    // a registry model reached by the learnware address: no package to download, no check "queued",
    // never "usable" — the registry's page (versions, tags, metrics, artifacts) instead
    await p.goto(`/#/learnware/${m.id}`);
    await p.waitForSelector("#model-versions tbody tr");
    assert.equal(await p.evaluate(() => location.hash), `#/model/${m.id}`);
    const text = (await p.textContent("main"))!;
    assert.doesNotMatch(text, /Download v\d/);
    assert.doesNotMatch(text, /queued/);
    assert.doesNotMatch(text, /usable/);
    assert.equal(await p.$(`a[href*="/download"]`), null, "no download link");
    assert.match((await p.textContent("#model-versions"))!, /v1.*production/s);
  });

  test("every view passes the accessibility scan and never scrolls sideways at 390 px", async () => {
    const p = b.page;
    for (const width of [1200, 390]) {
      await p.setViewportSize({ width, height: 900 });
      for (const view of ["find", "browse", "upload", "learnware/00000001", "registry", ...(registryModel ? [`model/${registryModel}`] : [])]) {
        await p.goto(`/#/${view}`);
        await p.waitForLoadState("networkidle");
        await p.waitForTimeout(300);
        assert.ok((await sideways(p)) <= 0, `${view} at ${width} px scrolls sideways by ${await sideways(p)} px`);
        assert.deepEqual(await axeViolations(p), [], `${view} at ${width} px`);
        assert.deepEqual(await hiddenShown(p), [], `${view} at ${width} px`);
      }
    }
    await p.setViewportSize({ width: 1200, height: 900 });
  });
});
