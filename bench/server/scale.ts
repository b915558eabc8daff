/**
 * The server's statistical search on a large catalogue, over real HTTP on loopback (libSQL
 * file in a temp dir): N learnwares in √N clustered tasks (K = 20 points, d = 10), written
 * straight into the catalogue (the upload path is measured by `measure.ts`). Reports the
 * first search (every version sketched and its row written), warm index-path (`approximate: true`) searches, the
 * first search after one catalogue change (a delete), the exact scan, and the first search
 * after a restart (the index rebuilt from `spec_sketches`).
 *
 *   node --import tsx bench/server/scale.ts [--market 20000] [--runs 20]
 */
import "../../wasm/preload.ts"; // the kernels the server runs with (edge/entry/node.ts)
import { serve } from "@hono/node-server";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clusteredMarket, tableSemantic } from "../../core/demo/clustered.ts";
import { loadConfig } from "../../edge/config.ts";
import { startServer, type Started } from "../../edge/server.ts";
import { insertModel, insertVersion } from "../../edge/services/catalog.ts";
import { appendEvent } from "../../edge/services/events.ts";
import { MARKET_NAMESPACE } from "../../edge/services/market.ts";
import { indexTrained } from "../../edge/services/specIndex.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg("market", 20000);
const RUNS = arg("runs", 20);
const K = 20,
  D = 10;
const ADMIN = "lw_bench_admin";

const dir = await mkdtemp(join(tmpdir(), "lw-scale-"));
const config = loadConfig({ LW_DATA_DIR: dir, LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false" });
const tasks = Math.max(10, Math.round(Math.sqrt(N)));
const market = clusteredMarket({ seed: 11, tasks, dim: D, centreScale: 4, shiftScale: 0.4, numPoints: 500 });
const rng = market.rng;
const stat = (t: number, spread: number) => market.stat(t, K, spread);
const semantic = tableSemantic("scale", "scale benchmark", D);

async function open(): Promise<{ started: Started; base: string; close(): Promise<void> }> {
  const started = await startServer(config, { log: () => {} });
  const server = serve({ fetch: started.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server.once("listening", () => r()));
  return {
    started,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      started.close();
    },
  };
}

let s = await open();
let t0 = performance.now();
for (let i0 = 0; i0 < N; i0 += 1000) {
  await s.started.ctx.db.write(async (tx) => {
    for (let i = i0; i < Math.min(N, i0 + 1000); i++) {
      const m = await insertModel(tx, { kind: "learnware", namespace: MARKET_NAMESPACE, owner: "bench", name: `lw ${i}`, semantic }, 0);
      const json = stat(i % tasks, 0.5 + rng.next());
      await insertVersion(
        tx,
        m.id,
        { statSpecs: [{ className: "RKMETableSpecification", fileName: "stat.json", json }], semantic, checkStatus: 1, createdBy: "bench" },
        0,
      );
      // Every catalogue change leaves an event (the server's listing follows them).
      await appendEvent(tx, 0, { type: "model.created", namespace: MARKET_NAMESPACE, modelId: m.id, actor: "bench" });
    }
  });
}
const fillS = (performance.now() - t0) / 1000;

const users = Array.from({ length: RUNS }, (_, u) => stat(u % tasks, 0.8));
async function search(user: unknown, exact = false): Promise<{ ms: number; path: string }> {
  const t = performance.now();
  const r = await fetch(`${s.base}/v1/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ stat: user, approximate: !exact }),
  });
  const body = (await r.json()) as { path?: string; error?: unknown };
  if (r.status !== 200) throw new Error(`search failed: ${r.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, path: body.path ?? "?" };
}
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const first = await search(users[0]);
// The inverted file trains in slices between requests from 20 000 specs on; measure after it.
t0 = performance.now();
await indexTrained(s.started.ctx.db);
const trainMs = performance.now() - t0;
const warm: number[] = [];
for (const u of users) warm.push((await search(u)).ms);
const path = (await search(users[1])).path;
// One catalogue change (a learnware deleted through the API), then the next search.
const victim = (await (await fetch(`${s.base}/v1/learnwares?limit=1`)).json()) as { items: { id: string }[] };
const del = await fetch(`${s.base}/v1/learnwares/${victim.items[0]!.id}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
if (!del.ok) throw new Error(`delete failed: ${del.status}`);
const afterChange = await search(users[2]);
const exact: number[] = [];
for (const u of users.slice(0, 5)) exact.push((await search(u, true)).ms);
await s.close();
s = await open();
t0 = performance.now();
const afterRestart = await search(users[0]);
await s.close();
await rm(dir, { recursive: true, force: true });

const out = {
  learnwares: N,
  tasks,
  K,
  d: D,
  fill_s: +fillS.toFixed(1),
  path,
  first_search_ms: +first.ms.toFixed(0),
  index_training_after_it_ms: +trainMs.toFixed(0),
  warm_p50_ms: +p50(warm).toFixed(1),
  warm_max_ms: +Math.max(...warm).toFixed(1),
  search_after_one_change_ms: +afterChange.ms.toFixed(1),
  exact_scan_p50_ms: +p50(exact).toFixed(1),
  first_search_after_restart_ms: +afterRestart.ms.toFixed(0),
};
console.log(JSON.stringify(out, null, 2));
