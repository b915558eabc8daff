/**
 * The runner daemon (`npm start` runs it beside the server; `lw serve` runs it alone):
 * the model service on `LW_RUNNER_PORT` and, when `LW_SERVER_URL` is set, the check-job
 * loop against that server. Configuration: see `../config.ts`.
 *
 *   node --import tsx runner/daemon/main.ts
 */
import { serve } from "@hono/node-server";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadConfig, type RunnerConfig } from "../config.ts";
import { Runtime } from "../runtime.ts";
import { createServiceApp } from "../service/app.ts";
import { MixtureStore } from "../service/mixtures.ts";
import { ModelService } from "../service/modelService.ts";
import { mapPackageSource, serverPackageSource } from "../service/packageSource.ts";
import { JobClient } from "./jobClient.ts";
import { runJobLoop } from "./jobLoop.ts";

export interface Daemon {
  config: RunnerConfig;
  service: ModelService;
  address: string;
  stop(): Promise<void>;
}

/** The token: `LW_TOKEN`, else the server's generated `<data>/admin-token` (same data folder). */
function findToken(config: RunnerConfig): string | undefined {
  if (config.token) return config.token;
  const file = join(dirname(config.dataDir), "admin-token");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

export async function startDaemon(config: RunnerConfig = loadConfig(), log: (l: string) => void = (l) => console.error(`[runner] ${l}`)): Promise<Daemon> {
  const runtime = new Runtime(config);
  const token = findToken(config);
  const source = config.serverUrl ? serverPackageSource(config.serverUrl, token) : mapPackageSource(new Map());
  const service = new ModelService({
    runtime, source, dataDir: config.dataDir,
    poolSize: config.poolSize, poolMemoryBytes: config.poolMemoryBytes,
    batchMax: config.batchMax, batchWaitMs: config.batchWaitMs,
  });
  const app = createServiceApp(service, { mixtures: new MixtureStore({ service, source, dataDir: config.dataDir }) });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const addr = server.address();
  const address = `http://${config.host}:${typeof addr === "object" && addr ? addr.port : config.port}`;
  log(`model service listening on ${address} (pool ${config.poolSize} instances / ${config.poolMemoryBytes} bytes, python backend ${config.pythonBackend})`);
  const abort = new AbortController();
  let loop: Promise<void> = Promise.resolve();
  if (config.serverUrl) {
    if (!token) log(`no LW_TOKEN and no admin-token file: job leases to ${config.serverUrl} will be refused`);
    const client = new JobClient(config.serverUrl, token ?? "", config.runnerName);
    loop = runJobLoop({ client, runtime, concurrency: config.workers, leaseSeconds: config.leaseSeconds, pollMs: config.pollMs, signal: abort.signal, log });
    log(`leasing check jobs from ${config.serverUrl} as ${config.runnerName} (${config.workers} at a time)`);
  }
  return {
    config,
    service,
    address,
    async stop() {
      abort.abort();
      await loop;
      await service.close();
      await new Promise((r) => server.close(r));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await import("../../wasm/preload.ts");
  const daemon = await startDaemon();
  console.log(`runner daemon ready: ${daemon.address}`);
  const stop = () => {
    daemon.stop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
