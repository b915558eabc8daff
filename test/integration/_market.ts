/**
 * Large catalogues for the search tests: learnwares written straight into the database (the
 * upload path has its own tests), a server over them (with the search worker pool, or on its
 * own thread), and the two HTTP search APIs read back in full.
 */
import { serve } from "@hono/node-server";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../edge/config.ts";
import { startServer, type Started } from "../../edge/server.ts";
import { insertModel, insertVersion } from "../../edge/services/catalog.ts";
import { appendEvent } from "../../edge/services/events.ts";
import { MARKET_NAMESPACE } from "../../edge/services/market.ts";
import type { SearchExecutor } from "../../edge/services/searchPool.ts";
import { ADMIN } from "./_server.ts";

export const SEMANTIC = {
  Data: { Values: ["Table"], Type: "Class" },
  Task: { Values: ["Regression"], Type: "Class" },
  Library: { Values: ["Scikit-learn"], Type: "Class" },
  Scenario: { Values: ["Business"], Type: "Tag" },
  License: { Values: ["MIT"], Type: "Class" },
  Description: { Values: "search test", Type: "String" },
  Name: { Values: "search test", Type: "String" },
};

export interface MarketServer {
  url: string;
  started: Started;
  /** Model ids in market order, one per stat spec written. */
  ids: string[];
  close(): Promise<void>;
}

/** A server over a fresh catalogue of usable learnwares with these stat specs (JSON), in order. */
export async function marketServer(
  statJsons: readonly unknown[],
  opts: { env?: Record<string, string>; searchExecutor?: SearchExecutor } = {},
): Promise<MarketServer> {
  const dir = await mkdtemp(join(tmpdir(), "lw-exact-"));
  const config = loadConfig({ LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false", ...(opts.env ?? {}) });
  // Filled before start, through a server without workers, so the test's server starts on a full catalogue.
  const filler = await startServer(config, { searchExecutor: (await import("../../edge/services/searchPool.ts")).inProcessExecutor() });
  const ids: string[] = [];
  for (let i0 = 0; i0 < statJsons.length; i0 += 1000) {
    await filler.ctx.db.write(async (tx) => {
      for (let i = i0; i < Math.min(statJsons.length, i0 + 1000); i++) {
        const m = await insertModel(tx, { kind: "learnware", namespace: MARKET_NAMESPACE, owner: "test", name: `lw ${i}`, semantic: SEMANTIC }, 0);
        await insertVersion(
          tx,
          m.id,
          {
            statSpecs: [{ className: "RKMETableSpecification", fileName: "stat.json", json: statJsons[i] }],
            semantic: SEMANTIC,
            checkStatus: 1,
            createdBy: "test",
          },
          0,
        );
        await appendEvent(tx, 0, { type: "model.created", namespace: MARKET_NAMESPACE, modelId: m.id, actor: "test" });
        ids.push(m.id);
      }
    });
  }
  filler.close();
  const started = await startServer(config, opts.searchExecutor ? { searchExecutor: opts.searchExecutor } : {});
  const server = serve({ fetch: started.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server.once("listening", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    started,
    ids,
    close: async () => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      started.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  single: { id: string; score: number; dist?: number }[];
  multiple: { ids: string[]; score: number; weights?: number[] } | null;
  path?: string;
}

/** `POST /v1/search`, every page of singles. */
export async function searchV1(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer & { status: number; ranked?: number }> {
  const single: Answer["single"] = [];
  let multiple: Answer["multiple"] = null,
    path: string | undefined,
    ranked: number | undefined;
  for (let offset = 0; ; offset += 500) {
    const res = await fetch(`${url}/v1/search`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ ...body, limit: 500, offset }),
    });
    const data = (await res.json()) as any;
    if (res.status !== 200) return { status: res.status, single, multiple, ...data };
    single.push(...data.single.items.map((x: any) => ({ id: x.id, score: x.score, dist: x.dist })));
    multiple = data.multiple;
    path = data.path;
    ranked = data.ranked;
    if (offset + 500 >= data.single.total) break;
  }
  return { status: 200, single, multiple, ...(path ? { path } : {}), ...(ranked !== undefined ? { ranked } : {}) };
}

/** `POST /api/engine/search_learnware` as the Python `LearnwareClient` sends it (all singles, no paging). */
export async function searchCompat(url: string, stat: unknown, semantic: unknown = {}): Promise<Answer & { status: number }> {
  const form = new FormData();
  form.set("semantic_specification", JSON.stringify(semantic));
  form.set("statistical_specification", new Blob([JSON.stringify(stat)], { type: "application/json" }), "stat.json");
  const res = await fetch(`${url}/api/engine/search_learnware`, { method: "POST", body: form });
  const body = (await res.json()) as any;
  if (res.status !== 200 || body.code !== 0) return { status: res.status, single: [], multiple: null, ...body };
  const d = body.data;
  const multi = d.learnware_list_multi as { learnware_id: string; matching: number }[];
  return {
    status: 200,
    single: d.learnware_list_single.map((x: any) => ({ id: x.learnware_id, score: x.matching })),
    multiple: multi.length === 0 ? null : { ids: multi.map((x) => x.learnware_id), score: multi[0]!.matching },
  };
}
