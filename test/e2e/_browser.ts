/**
 * E2E helpers: the page built once (`buildWeb`), the real server (the same start-up as
 * `npm start`: libSQL file in a temp folder, demo market seeded) serving it on loopback, and
 * Debian's Chromium driven by playwright-core with a fresh profile and no network beyond it.
 */
import { serve } from "@hono/node-server";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
/** Builds web/dist once per process. */
export function builtPage(): Promise<string> {
  built ??= buildWeb().then((r) => r.outDir);
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
