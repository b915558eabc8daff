/**
 * The new user's journey (issue #20), as one test on real Chromium against the real `npm start`
 * (scripts/start.mjs: the server with its page, the demo market and a runner daemon, on free
 * ports and a fresh data folder): every step asserts what the user sees, saves a screenshot to
 * test-artifacts/journey/NN-name.png and runs the accessibility scan (axe-core, WCAG 2 A/AA) of
 * the view as it is. The details each step stands on (spec equality with the CLI, CSV dialects,
 * resumable uploads, the registry's data) are tested in web.test.ts, ux.test.ts, onnx.test.ts and
 * the integration suites; this file walks them in the order a new user meets them.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { demoLearnwares, demoStatSpec, sampleData, type DemoLearnware } from "../../core/demo/synthetic.ts";
import { matrix, type Matrix } from "../../core/matrix.ts";
import { createRng } from "../../core/random.ts";
import { onnxPackage } from "../../core/demo/packages.ts";
import { repoRoot, scratch } from "../_util.ts";
import { requires } from "../_requires.ts";
import { ARTIFACTS, axeViolations, csvOf, type E2eBrowser, launch } from "./_browser.ts";

// The journey needs the browser and the runner's sandbox (the runner checks the upload for real).
const { skip } = requires("chromium", "bwrap");

const SHOTS = join(ARTIFACTS, "journey");

async function freePort(): Promise<number> {
  return await new Promise((done) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => done(p));
    });
  });
}

async function until(what: string, cond: () => boolean, ms = 180_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The width by which the page scrolls sideways (0 or less: it does not). */
async function sideways(p: Page): Promise<number> {
  return await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/**
 * New rows of a demo learnware's own distribution: its class centres (drawn from its seed, as
 * `sampleData` draws them) with fresh noise. (`demoMixtureQuery` and the page's sample CSV draw
 * their centres from other seeds, so their rows do not come from the plants' distributions.)
 */
function freshRows(lw: DemoLearnware, n: number, noiseSeed: number): Matrix {
  const { centres } = sampleData(lw, 1);
  const rng = createRng(noiseSeed);
  const d = lw.space.dim;
  const X = matrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) X.data[i * d + j] = centres[i % lw.classes]![j]! + 0.6 * rng.normal();
  return X;
}

/** A user's CSV near plants A and C: half new rows of each. */
function nearPlantsAandC(n: number): Matrix {
  const [a, , c] = demoLearnwares();
  const X = matrix(n, a!.space.dim);
  X.data.set(freshRows(a!, n / 2, 901).data, 0);
  X.data.set(freshRows(c!, n / 2, 903).data, (n / 2) * a!.space.dim);
  return X;
}

/** The learnware a developer uploads in the journey: a clinic model of another ward, as ONNX (the runner checks it in a Node worker). */
function wardLearnware(): DemoLearnware {
  const clinic = demoLearnwares()[5]!;
  return {
    ...clinic,
    name: "Clinic triage classifier (ward 7)",
    description: "Triage urgency classes from 5 vital signs, trained on ward 7 (older patients).",
    center: clinic.space.featureNames.map((_, i) => (i % 2 === 0 ? 6 : -5)),
    seed: 377,
    onnx: true,
  };
}

let start: ChildProcess | null = null;
let browser: E2eBrowser | null = null;
after(async () => {
  await browser?.close();
  if (start && start.exitCode === null && start.signalCode === null) start.kill("SIGKILL");
});

describe("the new user's journey (npm start, Chromium, lw)", { skip, timeout: 600_000 }, () => {
  test("23 steps from the README's quick start to deleting what was made, every view scanned and screenshotted", async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    const work = scratch("lw-journey-");
    const data = join(work, "data");
    const port = await freePort();
    const runnerPort = await freePort();
    const cliEnv: Record<string, string> = {
      ...(process.env as Record<string, string>),
      LW_CONFIG: join(work, "lw-config.json"),
      LW_SERVER: "",
      LW_SERVER_URL: "",
      LW_TOKEN: "",
    };
    let page!: Page;
    let n = 0;
    const done: string[] = [];
    /** What the terminal showed during the current step (saved beside its screenshot). */
    let transcript = "";
    /** The current step's label, for a screenshot in the middle of it. */
    let current = "";
    const midShot = (what: string) => page.screenshot({ path: join(SHOTS, `${current}-${what}.png`), fullPage: true });
    /** One numbered step: its assertions, then a screenshot and the accessibility scan of the page as it is. */
    const step = async (name: string, body: () => Promise<void>, opts: { scan?: boolean } = {}) => {
      n++;
      const label = `${String(n).padStart(2, "0")}-${name}`;
      transcript = "";
      current = label;
      try {
        await body();
      } catch (e) {
        if (browser) await page.screenshot({ path: join(SHOTS, `${label}-FAILED.png`), fullPage: true }).catch(() => {});
        throw new Error(`journey step ${label} failed: ${(e as Error).message}`, { cause: e });
      }
      if (transcript) writeFileSync(join(SHOTS, `${label}.txt`), transcript);
      if (browser) {
        await page.screenshot({ path: join(SHOTS, `${label}.png`), fullPage: true });
        if (opts.scan !== false) assert.deepEqual(await axeViolations(page), [], `axe at step ${label}`);
      }
      done.push(label);
    };
    /** `lw …` as a user types it (the same cli/lw.js as `npx lw`), with its own config file. */
    const lw = (args: string[], input?: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const c = spawn(process.execPath, [join(repoRoot, "cli", "lw.js"), ...args], { cwd: work, env: cliEnv });
        let out = "",
          err = "";
        c.stdout.on("data", (d) => (out += d));
        c.stderr.on("data", (d) => (err += d));
        c.on("close", (code) => {
          transcript += `$ lw ${args.map((a) => (/[\s"'$]/.test(a) ? `'${a}'` : a)).join(" ")}\n${out}${err}(exit ${code})\n\n`;
          resolve({ code, out, err });
        });
        c.stdin.end(input ?? "");
      });
    const lwOk = async (args: string[], input?: string) => {
      const r = await lw(args, input);
      assert.equal(r.code, 0, `lw ${args.join(" ")}: ${r.err}`);
      return r.out;
    };
    const csvFile = (name: string, text: string) => {
      const f = join(work, name);
      writeFileSync(f, text);
      return f;
    };

    // ---- 1. The README's quick start: `npm start` (what it runs: scripts/start.mjs) ----
    let out = "",
      err = "";
    let market = "",
      adminToken = "",
      runnerUrl = "";
    await step("npm-start", async () => {
      const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
      assert.equal(pkg.scripts["start"], "node scripts/start.mjs", "the README's `npm start` runs scripts/start.mjs");
      start = spawn(process.execPath, [join(repoRoot, "scripts", "start.mjs")], {
        cwd: repoRoot,
        env: { ...process.env, LW_DATA_DIR: data, LW_PORT: String(port), LW_RUNNER_PORT: String(runnerPort), LW_LOG_LEVEL: "", LW_ADMIN_TOKEN: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      start.stdout!.on("data", (d) => (out += d));
      start.stderr!.on("data", (d) => (err += d));
      await until("npm start to print its address", () => /runner: .*\n/.test(out) || start!.exitCode !== null);
      transcript = `$ npm start\n${out}${err}`;
      assert.equal(start.exitCode, null, `npm start exited: ${err}`);
      market = /market: +(\S+)\//.exec(out)?.[1] ?? "";
      assert.equal(market, `http://127.0.0.1:${port}`, out);
      const tokenFile = /admin token: +(\S+)/.exec(out)?.[1] ?? "";
      assert.equal(tokenFile, join(data, "admin-token"), "the admin token's file is printed");
      assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
      adminToken = readFileSync(tokenFile, "utf8").trim();
      runnerUrl = /runner: +checking uploads, model service on (\S+)/.exec(out)?.[1] ?? "";
      assert.equal(runnerUrl, `http://127.0.0.1:${runnerPort}`, `the runner runs and checks uploads: ${out}`);
      assert.doesNotMatch(out + err, /seeded \d+ demo|web\/dist\//, "quiet by default");
      assert.equal((await fetch(`${market}/healthz`)).status, 200);
    });

    // ---- 2. Open the page ----
    await step("open-page", async () => {
      browser = await launch(market);
      page = browser.page;
      await page.goto("/");
      await page.waitForSelector("#preview-summary, #csv-input", { state: "attached" });
      assert.match((await page.textContent("#s1"))!, /Your data/);
      assert.match((await page.textContent("main"))!, /Your CSV is read and summarised here, in your browser/, "the page says the CSV stays in the browser");
      await page.waitForFunction(() => ((document.querySelector("#filter-task") as HTMLSelectElement | null)?.options.length ?? 0) > 1);
      assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    });

    // ---- 3. Browse: input dimension, task, status on every card; sorted by name ----
    await step("browse-sorted", async () => {
      await page.click('a[href="#/browse"]');
      await page.waitForSelector("#catalogue li");
      assert.match((await page.textContent("#browse-summary"))!, /of 6 learnwares/);
      await page.selectOption("#browse-sort", "name");
      await page.waitForFunction(() => location.hash.includes("sort=name"));
      await page.waitForSelector("#catalogue li");
      const names = await page.$$eval("#catalogue > li .result-name", (els) => els.map((e) => e.textContent ?? ""));
      assert.equal(names.length, 6);
      assert.deepEqual(
        names,
        [...names].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())),
      );
      const metas = await page.$$eval("#catalogue > li .muted.small", (els) => els.map((e) => e.textContent ?? ""));
      for (const m of metas) assert.match(m, /\d+ input features? · \w/);
      const badges = await page.$$eval("#catalogue > li .badge", (els) => els.map((e) => e.textContent ?? ""));
      assert.ok(badges.filter((t) => t === "usable").length >= 6, `every demo learnware is usable: ${badges.join(",")}`);
    });

    // ---- 4. A learnware's page: "Use" says how to run it (runner, mixture) and download it ----
    await step("learnware-use", async () => {
      await page.click('#catalogue li[data-id="00000001"] a.result-name');
      await page.waitForSelector("#use-run");
      assert.match((await page.textContent("h1"))!, /Sensor fault classifier \(plant A\)/);
      const run = (await page.textContent("#use-run"))!;
      assert.match(run, /the address npm start prints after "model service on"/);
      assert.match(run, /lw reuse .*--kind averaging .*--service "\$RUNNER"/);
      // The predict snippet, pasted into bash with the runner's address npm start printed: the runner answers.
      const snippet = run.split("\n\n")[0]!.replace(/^RUNNER=.*$/m, `RUNNER=${runnerUrl}`);
      assert.ok(snippet.includes('"$RUNNER/v1/models/00000001/versions/1/predict"'), snippet);
      const r = spawnSync("bash", ["-c", snippet], { env: { ...process.env, LW_TOKEN: adminToken }, encoding: "utf8", timeout: 60_000 });
      transcript += `$ ${snippet}\n${r.stdout}${r.stderr}(exit ${r.status})\n`;
      assert.equal(r.status, 0, r.stderr);
      const answer = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.match(JSON.stringify(answer), /\[\[[-0-9.e]+,[-0-9.e]+,[-0-9.e]+\]\]/, "one row of 3 class scores");
      const dl = (await page.textContent("#use-download"))!;
      assert.ok(dl.includes(`lw download 00000001 --server ${market}`), dl);
      assert.match(dl, /LearnwareClient\(host=/);
      assert.ok(await page.$("#run-browser"), "an ONNX learnware also runs in the page");
    });

    // ---- 5. Find with a CSV near plants A and C ----
    const sensorNames = demoLearnwares()[0]!.space.featureNames;
    const plantsCsv = csvFile("plants.csv", csvOf(nearPlantsAandC(400), sensorNames));
    let pageTop = "";
    await step("find-plants", async () => {
      await page.click('a[href="#/find"]');
      await page.setInputFiles("#csv-input", plantsCsv);
      await page.waitForSelector("#preview-summary");
      assert.match((await page.textContent("#preview-summary"))!, /400 rows × 8 columns \(8 numeric\), 0 missing values/);
      await page.click("#generate");
      await page.waitForSelector("#single-results li", { timeout: 90_000 });
      pageTop = (await page.getAttribute("#single-results li:first-child", "data-id"))!;
      assert.ok(["00000001", "00000003"].includes(pageTop), `plant A or C first, got ${pageTop}`);
      const mix = (await page.textContent("#mixture"))!;
      assert.match(mix, /plant A/);
      assert.match(mix, /plant C/);
      await page.waitForSelector("svg.projection circle");
    });

    // ---- 6. What the results mean: relative scores, absolute fit bands, negligible members ----
    await step("results-meaning", async () => {
      const badges = await page.$$eval("#single-results li .badge.fit", (els) => els.map((e) => e.textContent ?? ""));
      assert.ok(badges.length >= 2);
      for (const b of badges) assert.match(b, /^(fits|fits partly|does not fit) \(overlap \d\.\d\d\)$/);
      // Half the rows come from each plant: each alone fits partly, the two together fit.
      assert.match(badges[0]!, /^fits partly/);
      assert.match((await page.textContent("#mixture .badge.fit"))!, /^fits \(overlap 0\.9\d\)$/);
      assert.match((await page.textContent("#single-results li:first-child .scorebar"))!, /\d+\.\d%/);
      assert.match((await page.textContent("#results-legend"))!, /score: relative/);
      assert.match((await page.textContent("#mixture"))!, /least-squares fit/);
      const notes = await page.$$eval("#mixture .member-note", (els) => els.map((e) => e.textContent ?? ""));
      const flagged = notes.filter((t) => /negligible: its data barely meets yours/.test(t));
      assert.match((await page.textContent("#mixture"))!, /plant B/, "the greedy mixture takes plant B in as well");
      assert.equal(flagged.length, 1, `plant B, whose data the query never meets, is flagged: ${notes.join(" / ")}`);
    });

    // ---- 7. One row: the tiny-sample warning ----
    await step("tiny-sample", async () => {
      await page.setInputFiles("#csv-input", csvFile("one-row.csv", `${sensorNames.join(",")}\n-4,0,-4,0,-4,0,-4,0\n`));
      await page.waitForFunction(() => /1 row × 8 columns/.test(document.querySelector("#preview-summary")?.textContent ?? ""));
      await page.click("#generate");
      await page.waitForSelector(".fit-warning[data-code=TINY_SAMPLE]", { timeout: 60_000 });
      assert.match((await page.textContent(".fit-warning[data-code=TINY_SAMPLE]"))!, /summarises (only )?1 row\b/);
    });

    // ---- 8–9. An empty result names the filter that removed everything; following the advice finds them ----
    await step("empty-result-advice", async () => {
      await page.setInputFiles("#csv-input", plantsCsv);
      await page.waitForFunction(() => /400 rows × 8 columns/.test(document.querySelector("#preview-summary")?.textContent ?? ""));
      const tasks = await page.$$eval("#filter-task option", (os) => os.map((o) => (o as HTMLOptionElement).value));
      assert.ok(tasks.includes("Regression"), tasks.join(","));
      await page.selectOption("#filter-task", "Regression");
      await page.click("#generate");
      await page.waitForSelector("#empty-reason", { timeout: 60_000 });
      const why = (await page.textContent("#empty-reason"))!;
      // The count is of the learnwares of that width (the demo's sensor plants), not of a search's kept results.
      const width8 = demoLearnwares().filter((l) => l.space.dim === 8).length;
      assert.match(
        why,
        new RegExp(`${width8} learnwares? takes? 8 inputs, but the filters removed (it|them all): Task = "Regression" \\(${width8} without it\\)`),
      );
      assert.equal(await page.locator("#single-results li").count(), 0);
    });
    await step("advice-followed", async () => {
      await page.selectOption("#filter-task", "");
      await page.click("#search");
      await page.waitForSelector("#single-results li", { timeout: 60_000 });
      assert.equal(await page.$("#empty-reason"), null);
      assert.equal(await page.getAttribute("#single-results li:first-child", "data-id"), pageTop);
    });

    // ---- 10. A CSV nothing in the market takes: the answer says so and what would match ----
    await step("nothing-matches", async () => {
      const seven = { rows: 50, cols: 7, data: Float64Array.from({ length: 350 }, (_, i) => Math.sin(i) * 3) };
      const names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"];
      await page.setInputFiles("#csv-input", csvFile("seven.csv", csvOf(seven, names)));
      await page.waitForFunction(() => /50 rows × 7 columns/.test(document.querySelector("#preview-summary")?.textContent ?? ""));
      await page.click("#generate");
      await page.waitForSelector("#empty-reason", { timeout: 60_000 });
      const why = (await page.textContent("#empty-reason"))!;
      // Nothing takes 7 inputs: the heterogeneous search's answer (columns matched by meaning), and the widths the market takes.
      assert.match(why, /^No learnware takes 7 inputs; (\d+ learnwares? match(es)? by feature meaning|and none matches)/);
      assert.match(
        why,
        /keep 5, 8 or 20 of your columns|take 5, 8 or 20 inputs: keep that many of your columns/,
        "the market's input dimensions, so the user can choose columns",
      );
      await midShot("advice");
      // Following it: keep 5 columns. Now something answers, and its absolute fit says it does not fit.
      for (const c of ["foxtrot", "golf"]) await page.uncheck(`input[aria-label="Use column ${c}"]`);
      await page.click("#generate");
      await page.waitForSelector("#empty-reason", { state: "detached", timeout: 60_000 });
      await page.waitForSelector('#single-results li[data-id="00000006"]', { timeout: 60_000 });
      assert.equal(await page.getAttribute("#single-results li:first-child", "data-id"), "00000006", "the 5-input clinic learnware");
      assert.match((await page.textContent("#single-results li:first-child .badge.fit"))!, /^does not fit/);
    });

    // ---- 11. Log in on the command line with the admin token from the file npm start named ----
    let devToken = "";
    await step(
      "lw-login",
      async () => {
        const login = await lwOk(["login", "--server", market], `${adminToken}\n`);
        assert.match(login, /admin/);
        assert.equal(statSync(cliEnv.LW_CONFIG!).mode & 0o777, 0o600);
        const who = JSON.parse(await lwOk(["tokens", "whoami", "--json"])) as { owner: string; scopes: string[] };
        assert.ok(who.scopes.includes("admin"), JSON.stringify(who));
        const created = JSON.parse(await lwOk(["tokens", "create", "--owner", "dana", "--scopes", "read,write", "--json"])) as { token: string };
        devToken = created.token;
        assert.match(devToken, /^lw_/);
      },
      { scan: false },
    );

    // ---- 12. Upload: the token, then the package checked in the page ----
    const ward = wardLearnware();
    const { spec: wardSpec, centres } = demoStatSpec(ward);
    const wardZip = join(work, "ward7.zip");
    writeFileSync(wardZip, onnxPackage(ward, JSON.stringify(wardSpec.toJSON()), centres));
    await step("upload-token-package", async () => {
      await page.click('a[href="#/upload"]');
      await page.waitForSelector("#token");
      await page.fill("#token", devToken);
      await page.dispatchEvent("#token", "change");
      await page.waitForFunction(() => /dana/.test(document.querySelector("#whoami")?.textContent ?? ""));
      await page.setInputFiles("#package", wardZip);
      await page.waitForFunction(() => /RKMETableSpecification \(\d+ points, d=5\)/.test(document.querySelector("#package-report")?.textContent ?? ""));
      assert.equal(await page.inputValue("#in-dim"), "5");
      assert.equal(await page.inputValue("#update-id"), "", "a new learnware, not a version of another");
    });

    // ---- 13. The semantic spec as a form; the upload lands a new learnware (v1), never silently a version ----
    let wardId = "";
    await step("upload-done", async () => {
      await page.fill("#sem-name", ward.name);
      await page.fill("#sem-desc", ward.description);
      await page.selectOption("#sem-task", "Classification");
      await page.selectOption("#sem-library", "Scikit-learn");
      await page.selectOption("#sem-license", "CC-BY-4.0");
      await page.check(`#scen-${ward.space.scenario[0]}`);
      for (const [i, f] of ward.space.featureNames.entries()) await page.fill(`#in-desc-${i}`, f);
      await page.fill("#out-dim", String(ward.classes));
      await page.dispatchEvent("#out-dim", "input");
      for (let c = 0; c < ward.classes; c++) await page.fill(`#out-desc-${c}`, `urgency ${c}`);
      await page.click("#upload");
      await page.waitForSelector("#upload-result", { timeout: 60_000 });
      wardId = (await page.getAttribute("#upload-result", "data-id"))!;
      assert.match(wardId, /^\d{8}$/);
      assert.ok(Number(wardId) > 6, "a new id after the six demo learnwares");
      assert.equal(await page.getAttribute("#upload-result", "data-version"), "1");
      assert.equal(await page.inputValue("#update-id"), "", "the next upload is not turned into a version by itself");
    });

    // ---- 14. The learnware's page follows the check live (SSE) until the runner says USABLE ----
    await step(
      "live-status-usable",
      async () => {
        await page.click("#upload-result a");
        await page.waitForSelector("#check-h .badge");
        await page.evaluate(() => ((globalThis as { __journeyMark?: number }).__journeyMark = 1));
        await page.waitForFunction(() => /usable/.test(document.querySelector("#check-h")?.textContent ?? ""), undefined, { timeout: 180_000 });
        assert.equal(await page.evaluate(() => (globalThis as { __journeyMark?: number }).__journeyMark), 1, "updated in place, not by a reload");
        assert.ok(
          browser!.requests.some((r) => r.url.includes("/v1/events/stream")),
          "the page follows the event feed",
        );
        assert.match((await page.textContent("#check pre.log"))!, /\S/);
        assert.match((await page.textContent("h1"))!, /ward 7/);
      },
      { scan: false },
    );
    // The scan after the live update (the step above saves its screenshot; this one checks the view).
    assert.deepEqual(await axeViolations(page), [], "axe on the learnware page after the live update");

    // ---- 15. Search finds the new learnware with data like its own ----
    const wardCsv = csvFile("ward7-patients.csv", csvOf(freshRows(ward, 300, 977), ward.space.featureNames));
    await step("search-finds-upload", async () => {
      await page.click('a[href="#/find"]');
      await page.setInputFiles("#csv-input", wardCsv);
      await page.waitForFunction(() => /300 rows × 5 columns/.test(document.querySelector("#preview-summary")?.textContent ?? ""));
      await page.fill("#opt-seed", "0");
      await page.click("#generate");
      await page.waitForFunction((id) => document.querySelector("#single-results li")?.getAttribute("data-id") === id, wardId, { timeout: 90_000 });
      assert.match((await page.textContent("#single-results li:first-child .badge.fit"))!, /^fits \(overlap/);
    });

    // ---- 16. `lw search` with the same CSV gives the same top result (names in a table with a header) ----
    await step(
      "lw-search-same-top",
      async () => {
        await lwOk(["spec", "generate", "--input", wardCsv, "--output", join(work, "ward7-stat.json"), "--seed", "0"]);
        const json = JSON.parse(await lwOk(["search", "--spec", join(work, "ward7-stat.json"), "--json"])) as { single: { id: string }[] };
        assert.equal(json.single[0]?.id, wardId);
        const table = await lwOk(["search", "--spec", join(work, "ward7-stat.json")]);
        const lines = table.split("\n").filter((l) => l.trim() !== "");
        assert.match(lines[0]!, /\bid\b.*\bname\b.*\bscore\b/i, `a header row: ${lines[0]}`);
        assert.ok(table.includes(ward.name), "the table names the learnware");
      },
      { scan: false },
    );

    // ---- 17. The registry from the CLI: a model, a tagged version, metrics, artifacts, a model card ----
    let modelId = "";
    await step(
      "lw-models",
      async () => {
        const m = JSON.parse(
          await lwOk(["models", "create", "vision", "journey-net", "--task", "classification", "--description", "LeNet on digits", "--json"]),
        ) as {
          id: string;
        };
        modelId = m.id;
        await lwOk(["models", "new-version", "vision/journey-net", "--framework", "onnx", "--tag", "production"]);
        for (const [s, v] of [0.71, 0.8, 0.86, 0.9].entries()) await lwOk(["models", "log", "vision/journey-net", "1", `auc=${v}`, "--step", String(s)]);
        const bad = await lw(["models", "log", "vision/journey-net", "1", "auc=abc"]);
        assert.equal(bad.code, 2, "a metric must be a number");
        writeFileSync(join(work, "weights.bin"), new Uint8Array(2048).fill(7));
        await lwOk(["models", "put-artifact", "vision/journey-net", "1", "weights.bin"]);
        writeFileSync(
          join(work, "README.md"),
          "# journey-net\n\nA **LeNet** for digits. <script>window.__pwned = 1</script>\n\n- trained on 60k images\n- [paper](javascript:alert(1))\n- [code](https://example.org/lenet)\n",
        );
        await lwOk(["models", "put-artifact", "--model-level", "vision/journey-net", "README.md"]);
        const list = await lwOk(["models", "list"]);
        assert.match(list.split("\n")[0]!, /name/i, "a header row");
        assert.ok(list.includes("vision/journey-net") || /vision\s+journey-net/.test(list), list);
      },
      { scan: false },
    );

    // ---- 18. The registry view: namespaces, versions with tags, metric chart, artifacts, the model card rendered safely ----
    await step("registry-view", async () => {
      await page.click('a[href="#/registry"]');
      await page.waitForSelector("#registry-summary");
      assert.match((await page.textContent(".view.registry"))!, /vision\/journey-net/);
      await page.click(`tr[data-id="${modelId}"] a`);
      await page.waitForSelector("#model-versions tbody tr");
      assert.match((await page.textContent("#model-versions"))!, /v1.*production/s);
      assert.ok(await page.$("#model-metrics svg"), "the auc chart");
      assert.match((await page.textContent("#model-metrics"))!, /auc/);
      assert.match((await page.textContent("#model-artifacts"))!, /weights\.bin/);
      await page.waitForSelector("#model-card h3");
      assert.equal(await page.textContent("#model-card h3"), "journey-net", "the card's heading, under the section's");
      assert.equal(await page.textContent("#model-card strong"), "LeNet");
      assert.equal(await page.$("#model-card script"), null, "no markup from the card is executed or inserted");
      assert.match((await page.textContent("#model-card"))!, /<script>/, "shown as text");
      assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
      const links = await page.$$eval("#model-card a", (as) => as.map((a) => `${a.getAttribute("href")} ${a.getAttribute("rel")}`));
      assert.deepEqual(links, ["https://example.org/lenet noopener noreferrer nofollow"], "the https link kept, the javascript: one shown as text");
    });

    // ---- 19. 390 px wide: no view scrolls sideways ----
    const views = ["find", "browse?sort=name", "learnware/00000001", `learnware/${wardId}`, "upload", "registry", `model/${modelId}`];
    await step(
      "narrow-390",
      async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        for (const v of views) {
          await page.goto(`/#/${v}`);
          await page.waitForLoadState("networkidle");
          await page.waitForTimeout(200);
          assert.ok((await sideways(page)) <= 0, `${v} at 390 px scrolls sideways by ${await sideways(page)} px`);
          assert.deepEqual(await axeViolations(page), [], `axe: ${v} at 390 px`);
          await page.screenshot({ path: join(SHOTS, `${String(n).padStart(2, "0")}-narrow-${v.replace(/[^a-z0-9]+/gi, "-")}.png`), fullPage: true });
        }
        // Find with results (scores, the mixture, the map) at 390 px too.
        await page.goto("/#/find");
        await page.setInputFiles("#csv-input", plantsCsv);
        await page.waitForSelector("#preview-summary");
        await page.click("#generate");
        await page.waitForFunction(
          () => ["00000001", "00000003"].includes(document.querySelector("#single-results li")?.getAttribute("data-id") ?? ""),
          undefined,
          {
            timeout: 90_000,
          },
        );
        await page.waitForSelector("svg.projection circle");
        assert.ok((await sideways(page)) <= 0, `Find with results at 390 px scrolls sideways by ${await sideways(page)} px`);
        assert.deepEqual(await axeViolations(page), [], "axe: Find with results at 390 px");
      },
      { scan: false },
    );

    // ---- 20. Delete the registry model with `lw models delete` ----
    await step("lw-models-delete", async () => {
      const refused = await lw(["models", "delete", "vision/journey-net"]);
      assert.notEqual(refused.code, 0, "without --yes nothing is deleted");
      await lwOk(["models", "delete", "vision/journey-net", "--yes"]);
      assert.equal((await fetch(`${market}/v1/models/${modelId}`)).status, 404);
      await page.goto("/#/registry");
      await page.waitForSelector("#registry-summary");
      assert.doesNotMatch((await page.textContent(".view.registry"))!, /journey-net/);
    });

    // ---- 21. The developer deletes the learnware with `lw delete`; Browse no longer lists it ----
    await step("lw-delete", async () => {
      const r = await lw(["delete", wardId, "--yes", "--token", devToken]);
      assert.equal(r.code, 0, r.err);
      await page.goto("/#/browse");
      await page.waitForSelector("#catalogue li");
      assert.match((await page.textContent("#browse-summary"))!, /of 6 learnwares/);
      assert.equal(await page.$(`#catalogue li[data-id="${wardId}"]`), null);
    });

    // ---- 22. Log out: the stored token is gone ----
    await step(
      "lw-logout",
      async () => {
        await lwOk(["logout"]);
        const r = await lw(["tokens", "whoami"]);
        assert.notEqual(r.code, 0, "no token once logged out");
        assert.deepEqual(
          browser!.errors.filter((e) => !/Failed to load resource/.test(e)),
          [],
          "no console errors in the whole journey",
        );
      },
      { scan: false },
    );

    // ---- 23. Ctrl-C: npm start stops its server and runner and exits 0 ----
    await step(
      "stop",
      async () => {
        await browser!.close();
        browser = null;
        const exited = new Promise<number | null>((r) => start!.once("exit", (code) => r(code)));
        start!.kill("SIGINT");
        assert.equal(await exited, 0, err);
        await assert.rejects(fetch(`${market}/healthz`));
      },
      { scan: false },
    );
    assert.equal(done.length, 23, done.join(", "));
    console.log(`# journey: ${done.length} steps, screenshots in ${SHOTS}`);
  });
});
