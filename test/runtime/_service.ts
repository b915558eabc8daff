/** Starts a real model service (Hono on @hono/node-server, port 0) for tests. */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { loadConfig, type RunnerConfig } from "../../runner/config.ts";
import { Runtime } from "../../runner/runtime.ts";
import { createServiceApp } from "../../runner/service/app.ts";
import { MixtureStore } from "../../runner/service/mixtures.ts";
import { ModelService } from "../../runner/service/modelService.ts";
import { mapPackageSource } from "../../runner/service/packageSource.ts";

export async function startService(dataDir: string, packages: Map<string, Uint8Array>, env: Record<string, string> = {}, opts: { mixtures?: boolean } = {}) {
  // A wide micro-batch window keeps the batching test deterministic on a loaded 2-core machine.
  const config: RunnerConfig = loadConfig({ LW_DATA_DIR: dataDir, LW_BATCH_WAIT_MS: "40", ...env });
  const runtime = new Runtime(config);
  const service = new ModelService({
    runtime,
    source: mapPackageSource(packages),
    dataDir: config.dataDir,
    poolSize: config.poolSize,
    poolMemoryBytes: config.poolMemoryBytes,
    batchMax: config.batchMax,
    batchWaitMs: config.batchWaitMs,
  });
  const source = mapPackageSource(packages);
  const app = createServiceApp(service, opts.mixtures ? { mixtures: new MixtureStore({ service, source, dataDir: config.dataDir }) } : {});
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    service,
    runtime,
    async close() {
      await service.close();
      await new Promise((r) => server.close(r));
    },
  };
}
