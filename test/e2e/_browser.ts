/**
 * E2E helpers: the page built once (`buildWeb`), the real server (the same start-up as
 * `npm start`: libSQL file in a temp folder, demo market seeded) serving it on loopback, and
 * Debian's Chromium driven by playwright-core with a fresh profile and no network beyond it.
 */
import { serve } from "@hono/node-server";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium, type BrowserContext, type Page, type Request } from "playwright-core";
import { loadConfig } from "../../edge/config.ts";
import { startServer, type Started } from "../../edge/server.ts";
import { buildWeb } from "../../web/build.ts";
import { repoRoot } from "../_util.ts";

export const ADMIN = "lw_e2e_admin_token_0123456789abcdef";
export { CHROMIUM } from "../_requires.ts";
import { CHROMIUM } from "../_requires.ts";
export const ARTIFACTS = join(repoRoot, "test-artifacts");
export const SCREENSHOTS = join(repoRoot, "docs", "screenshots");

export interface E2eServer {
  url: string;
  dir: string;
  started: Started;
  close(): Promise<void>;
}

let built: Promise<string> | null = null;
/**
 * Builds the page once per process, into a temp folder of its own (removed when the process
 * exits): test files run two at a time, and one rebuilding web/dist would pull the files
 * from under the other's server.
 */
export function builtPage(): Promise<string> {
  built ??= mkdtemp(join(tmpdir(), "lw-e2e-page-")).then((outDir) => {
    process.once("exit", () => rmSync(outDir, { recursive: true, force: true }));
    return buildWeb({ outDir }).then((r) => r.outDir);
  });
  return built;
}

export async function startE2eServer(env: Record<string, string> = {}): Promise<E2eServer> {
  const staticRoot = await builtPage();
  const dir = await mkdtemp(join(tmpdir(), "lw-e2e-"));
  const config = loadConfig({ LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "true", ...env });
  const started = await startServer(config, { staticRoot, log: () => {} });
  const server = serve({ fetch: started.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server.once("listening", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    started,
    close: async () => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      started.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface E2eBrowser {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, with its body. */
  requests: { url: string; method: string; body: string | null; resourceType: string }[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  close(): Promise<void>;
}

export async function launch(baseUrl: string): Promise<E2eBrowser> {
  // A new empty profile: playwright passes it to Chromium as --user-data-dir.
  const profile = await mkdtemp(join(tmpdir(), "lw-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
    baseURL: baseUrl,
    viewport: { width: 1200, height: 900 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: E2eBrowser["requests"] = [];
  const errors: string[] = [];
  const record = (r: Request) => requests.push({ url: r.url(), method: r.method(), body: r.postData(), resourceType: r.resourceType() });
  context.on("request", record);
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return {
    context,
    page,
    requests,
    errors,
    close: async () => {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** One suite's set-up: a temp folder for its files, the server (demo market) and a browser on it. */
export interface E2eSession {
  server: E2eServer;
  b: E2eBrowser;
  work: string;
  /** Closes the browser and the server and removes the folder. */
  close(): Promise<void>;
}

export async function openE2eSession(name: string): Promise<E2eSession> {
  const work = await mkdtemp(join(tmpdir(), `lw-e2e-${name}-`));
  const server = await startE2eServer().catch(async (e) => {
    await rm(work, { recursive: true, force: true });
    throw e;
  });
  const b = await launch(server.url).catch(async (e) => {
    await server.close();
    await rm(work, { recursive: true, force: true });
    throw e;
  });
  return {
    server,
    b,
    work,
    close: async () => {
      await b.close();
      await server.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/**
 * Saves a full-page screenshot to test-artifacts/ and, when `doc` is given and
 * `LW_UPDATE_SCREENSHOTS=1`, to docs/screenshots/ (the README's images; a plain test run never
 * touches tracked files).
 */
export async function screenshot(page: Page, name: string, doc = false): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (doc && process.env.LW_UPDATE_SCREENSHOTS === "1") {
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }
  return file;
}

/** The accessibility scan (axe-core, WCAG 2 A and AA) of the page as it is: one line per violation. */
export async function axeViolations(p: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page: p }).withTags(["wcag2a", "wcag2aa"]).analyze();
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** A CSV of a row-major matrix with a header line, values written with `digits` decimals. */
export function csvOf(X: { rows: number; cols: number; data: Float64Array }, names: string[], digits = 4): string {
  const lines = [names.join(",")];
  for (let i = 0; i < X.rows; i++) lines.push(Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols), (v) => v.toFixed(digits)).join(","));
  return lines.join("\n") + "\n";
}

/** Completes every queued check as usable (as a runner would), so anyone may find and download the learnwares. */
export async function checkAllUsable(server: E2eServer): Promise<void> {
  const call = (path: string, body: unknown) =>
    fetch(server.url + path, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  for (let r = await call("/v1/jobs/lease", { runner: "e2e", kinds: ["check"], leaseSeconds: 60 }); r.status === 200; ) {
    const { job } = (await r.json()) as { job: { id: string } };
    const done = await call(`/v1/jobs/${job.id}/complete`, { runner: "e2e", status: "usable", log: "checked by the e2e test" });
    if (done.status !== 200) throw new Error(`completing check ${job.id}: HTTP ${done.status}`);
    r = await call("/v1/jobs/lease", { runner: "e2e", kinds: ["check"], leaseSeconds: 60 });
  }
}
