/**
 * The runner daemon (`npm start` runs it beside the server; `lw serve` runs it alone):
 * the model service on `LW_RUNNER_PORT` and, when `LW_SERVER_URL` is set, the check-job
 * loop against that server. Configuration: see `../config.ts`.
 *
 *   node --import tsx runner/daemon/main.ts
 */
import { ApiError, LwClient } from "../../client/client.ts";
import { serve } from "@hono/node-server";
import { loadConfig, type RunnerConfig } from "../config.ts";
import { Runtime } from "../runtime.ts";
import { createServiceApp } from "../service/app.ts";
import { MixtureStore } from "../service/mixtures.ts";
import { ModelService } from "../service/modelService.ts";
import { mapPackageSource, serverPackageSource } from "../service/packageSource.ts";
import { serverAuthorizer } from "../service/auth.ts";
import { JobClient } from "./jobClient.ts";
import { runJobLoop } from "./jobLoop.ts";

export interface Daemon {
  config: RunnerConfig;
  service: ModelService;
  address: string;
  stop(): Promise<void>;
}

/**
 * The runner's own token must carry the `runner` scope and nothing more: it leases check
 * jobs, fetches the packages of the jobs it holds and posts results. An admin (or write)
 * token is refused, so no secret that could take over the market sits in the runner.
 */
async function checkRunnerToken(serverUrl: string, token: string): Promise<string | null> {
  let who: { owner: string | null; scopes: string[] };
  try {
    who = await new LwClient({ baseUrl: serverUrl, token }).call("whoami");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return "the token is not accepted by the server";
    return null; // the server is not up yet: the job loop retries, and the server checks every call
  }
  const scopes = who.scopes;
  if (who.owner == null) return "the token is not accepted by the server";
  const extra = scopes.filter((s) => s !== "runner");
  if (!scopes.includes("runner") || extra.length > 0) {
    return `the token has scopes [${scopes.join(", ")}]; the runner takes a token with the 'runner' scope only (create one: lw tokens create --owner runner --scopes runner)`;
  }
  return null;
}

export async function startDaemon(config: RunnerConfig = loadConfig(), log: (l: string) => void = (l) => console.error(`[runner] ${l}`)): Promise<Daemon> {
  const runtime = new Runtime(config);
  const token = config.token;
  const source = config.serverUrl ? serverPackageSource(config.serverUrl) : mapPackageSource(new Map());
  const safety = await runtime.safety();
  if (config.sandbox === "none")
    log("WARNING: LW_SANDBOX=none — learnwares run UNSANDBOXED on this host with the runner's rights; use this only for a single trusted user");
  else if (!safety.ok) log(`refusing to check or serve uploaded learnwares: ${safety.reason}`);
  const service = new ModelService({
    runtime,
    source,
    dataDir: config.dataDir,
    instancesDir: config.instancesDir,
    ...(config.serverUrl ? { authorize: serverAuthorizer(config.serverUrl) } : {}),
    poolSize: config.poolSize,
    poolMemoryBytes: config.poolMemoryBytes,
    batchMax: config.batchMax,
    batchWaitMs: config.batchWaitMs,
  });
  const app = createServiceApp(service, {
    mixtures: new MixtureStore({ service, source, dataDir: config.dataDir }),
    maxConcurrentRequests: config.maxConcurrentRequests,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const addr = server.address();
  const address = `http://${config.host}:${typeof addr === "object" && addr ? addr.port : config.port}`;
  log(
    `model service listening on ${address} (pool ${Number.isFinite(config.poolSize) ? `${config.poolSize} instances / ` : ""}${config.poolMemoryBytes} bytes, ${config.warmWorkers} warm workers per environment, python backend ${config.pythonBackend})`,
  );
  if (config.gpus.length > 0)
    log(`GPUs: ${config.gpus.map((g) => `${g.uuid}${g.name ? ` (${g.name}${g.memoryMiB ? `, ${g.memoryMiB} MiB` : ""})` : ""}`).join(", ")}`);
  else if (config.gpuNote) log(`GPUs: ${config.gpuNote}`);
  if (config.labels.length > 0) log(`labels: ${config.labels.join(", ")}`);
  const abort = new AbortController();
  let loop: Promise<void> = Promise.resolve();
  const tokenProblem = config.serverUrl && token ? await checkRunnerToken(config.serverUrl, token) : null;
  if (config.serverUrl && !token) log(`no LW_TOKEN: no check jobs are leased from ${config.serverUrl}`);
  else if (tokenProblem) log(`no check jobs are leased: ${tokenProblem}`);
  if (config.serverUrl && token && !tokenProblem) {
    const client = new JobClient(config.serverUrl, token, config.runnerName);
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
      await runtime.close();
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
