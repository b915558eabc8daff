/**
 * Deno entry: `deno run -A edge/entry/deno.ts` (the `serve` task). Same `createApp()`,
 * served by `Deno.serve`; configuration from LW_* variables.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { installParallelWasmBackend } from "../../wasm/parallel.ts";
import { loadConfig } from "../config.ts";
import { startServer } from "../server.ts";
import { Deno } from "./denoGlobal.ts";

await installParallelWasmBackend(); // wasm SIMD on every core (Web Workers), else one thread
const config = loadConfig(Deno.env.toObject());
// The page, as the Node entry serves it: web/dist/ (built by `npm run serve:deno`), or LW_WEB_ROOT.
const env = Deno.env.toObject();
const webRoot = env["LW_WEB_ROOT"] || fileURLToPath(new URL("../../web/dist/", import.meta.url));
const withPage = existsSync(join(webRoot, "index.html"));
if (!withPage) console.error(`no page at ${webRoot} (run: node --import tsx web/build.ts): serving the API only`);
const started = await startServer(config, { log: (m) => console.error(m), ...(withPage ? { staticRoot: webRoot } : {}) });
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
