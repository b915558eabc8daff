/**
 * Deno entry: `deno run -A edge/entry/deno.ts` (the `serve` task). Same `createApp()`,
 * served by `Deno.serve`; configuration from LW_* variables.
 */
import { installParallelWasmBackend } from "../../wasm/parallel.ts";
import { loadConfig } from "../config.ts";
import { startServer } from "../server.ts";

declare const Deno: {
  env: { toObject(): Record<string, string> };
  serve(
    opts: { port: number; hostname: string; onListen?: (a: { hostname: string; port: number }) => void },
    handler: (req: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
  addSignalListener(sig: string, f: () => void): void;
  exit(code: number): never;
};

await installParallelWasmBackend(); // wasm SIMD on every core (Web Workers), else one thread
const config = loadConfig(Deno.env.toObject());
const started = await startServer(config, { log: (m) => console.error(m) });
const server = Deno.serve(
  {
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) => {
      if (started.adminTokenFile) console.log(`admin token written to ${started.adminTokenFile} (mode 0600)`);
      console.log(`learnware server (deno) listening on http://${hostname}:${port}`);
    },
  },
  started.app.fetch,
);
for (const sig of ["SIGINT", "SIGTERM"]) {
  Deno.addSignalListener(sig, () => {
    server.shutdown().finally(() => {
      started.close();
      Deno.exit(0);
    });
  });
}
