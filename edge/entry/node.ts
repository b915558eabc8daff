/**
 * Node entry: `node --import tsx edge/entry/node.ts` (what `npm start` runs).
 * Serves `createApp()` with @hono/node-server; configuration from LW_* variables.
 */
import "../../wasm/preload.ts"; // the wasm SIMD kernel backend (LW_KERNEL_BACKEND picks another)
import { serve } from "@hono/node-server";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../config.ts";
import { startServer } from "../server.ts";
import { applyTimeouts } from "./nodeTimeouts.ts";

const config = loadConfig(process.env);
const webRoot = fileURLToPath(new URL("../../web/dist/", import.meta.url));
const started = await startServer(config, {
  log: (m) => console.error(m),
  ...(existsSync(webRoot + "index.html") ? { staticRoot: webRoot } : {}),
});
const server = serve({ fetch: started.app.fetch, port: config.port, hostname: config.host }, (info) => {
  const { temps, blobs, uploads } = started.recovered;
  if (temps + blobs + uploads > 0) console.log(`recovered: removed ${temps} temp file(s), ${blobs} orphan blob(s), ${uploads} expired upload(s)`);
  if (started.seeded.length > 0) console.log(`seeded ${started.seeded.length} demo learnwares`);
  if (started.adminTokenFile) console.log(`admin token written to ${started.adminTokenFile} (mode 0600)`);
  console.log(`learnware server listening on http://${info.address}:${info.port} (data: ${config.dataDir}; API reference at /docs)`);
});

applyTimeouts(server, config);

const stop = () => {
  server.close(() => {
    started.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
