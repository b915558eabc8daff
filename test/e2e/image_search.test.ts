/**
 * Image search from the page (Debian's Chromium via playwright-core, the real server): the
 * user's pictures are decoded and summarised into an image RKME in the page's worker, only that
 * spec is sent, and the image learnware of the same kind of pictures comes first. The page's
 * spec is the CLI's (`lw spec generate --images` on the same PNG files) to 1e-9.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { RKMEImageSpecification } from "../../core/image/rkmeImageSpec.ts";
import { imagePackage, imageSemantic, rgbStripes, writeStripePngs } from "../_images.ts";
import { requires } from "../_requires.ts";
import { repoRoot } from "../_util.ts";
import { uploadForm } from "../integration/_server.ts";
import { ADMIN, axeViolations, checkAllUsable, type E2eSession, openE2eSession } from "./_browser.ts";

const { skip } = requires("chromium");

describe("image search in the browser (Chromium)", { skip, timeout: 170_000 }, () => {
  let session: E2eSession | undefined;
  const ids: string[] = [];
  before(async () => {
    session = await openE2eSession("images");
    // Two image learnwares (CNN-GP, three channels): horizontal and vertical stripes.
    for (const [name, kind, seed] of [
      ["horizontal stripes", "h", 31],
      ["vertical stripes", "v", 32],
    ] as const) {
      const spec = RKMEImageSpecification.generate(rgbStripes(16, kind, seed), { K: 3 });
      const r: Response = await fetch(`${session.server.url}/v1/learnwares`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}` },
        body: uploadForm(imageSemantic(name), imagePackage(spec)),
      });
      assert.equal(r.status, 201, await r.clone().text());
      ids.push(((await r.json()) as { learnware: { id: string } }).learnware.id);
    }
    await checkAllUsable(session.server);
  });
  after(() => session?.close());

  test("pictures chosen on Find are summarised in the page; only the spec is sent; the vertical-stripe learnware comes first", async () => {
    const { b, work } = session!;
    const pics = join(work, "pics");
    await mkdir(pics);
    const files = await writeStripePngs(pics, 8, "v", 41);
    const p = b.page;
    await p.goto("/#/find");
    await p.waitForSelector("#image-input");
    const start = b.requests.length;
    await p.setInputFiles("#image-input", files);
    await p.fill("#image-k", "3");
    await p.click("#image-search");
    await p.waitForSelector("#image-results li", { timeout: 90_000 });
    const names = await p.$$eval("#image-results li .result-name", (els) => els.map((e) => e.textContent));
    assert.deepEqual(names.slice(0, 2), ["vertical stripes", "horizontal stripes"]);
    assert.match((await p.textContent("#image-status"))!, /2 image learnwares ranked/);

    // What went over the wire: the search with the spec, and no picture.
    const sent = b.requests.slice(start).filter((r) => r.method !== "GET");
    assert.deepEqual(
      sent.map((r) => new URL(r.url).pathname),
      ["/v1/search"],
    );
    const body = JSON.parse(sent[0]!.body!) as { stat: { type?: string } };
    assert.equal(RKMEImageSpecification.fromJSON(body.stat).numPoints, 8);

    // The page's spec is the CLI's on the same files.
    const [download] = await Promise.all([p.waitForEvent("download"), p.click("#image-download-spec")]);
    const pageSpec = RKMEImageSpecification.fromJSON(JSON.parse(await readFile((await download.path())!, "utf8")));
    const out = join(work, "cli.json");
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [join(repoRoot, "cli", "lw.js"), "spec", "generate", "--images", pics, "--output", out, "--K", "3"], (err, _o, e) =>
        err ? reject(new Error(e)) : resolve(),
      ),
    );
    const cliSpec = RKMEImageSpecification.fromJSON(JSON.parse(await readFile(out, "utf8")));
    assert.ok(pageSpec.dist(cliSpec) < 1e-9, `page vs CLI spec MMD² ${pageSpec.dist(cliSpec)}`);
    assert.deepEqual(await axeViolations(p), []);
  });

  test("no pictures chosen: a message, no request", async () => {
    const p = session!.b.page;
    // A fresh page (Find keeps its state while the page lives).
    await p.goto("/#/find");
    await p.reload();
    await p.waitForSelector("#image-search");
    assert.equal(await p.$eval("#image-input", (el) => (el as HTMLInputElement).files?.length ?? 0), 0);
    const start = session!.b.requests.length;
    await p.click("#image-search");
    assert.match((await p.textContent("#image-status"))!, /Choose one or more pictures first/);
    assert.equal(session!.b.requests.slice(start).filter((r) => r.method !== "GET").length, 0);
  });
});
