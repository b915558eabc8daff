/**
 * Bundles the workerd entry (`edge/entry/worker.ts`) into one ES module with esbuild and writes
 * the workerd configuration beside it:
 *
 * ```sh
 * node --import tsx edge/entry/buildWorker.ts [outDir]     # default dist/worker/
 * LW_DB_URL=postgres://… LW_BLOB_URL=s3://… LW_S3_ENDPOINT=… … \
 *   npx workerd serve dist/worker/workerd.capnp --socket-addr http=127.0.0.1:8787
 * ```
 *
 * The settings are `fromEnvironment` bindings (the `LW_*` variables of the workerd process),
 * so the config holds no secret. Node's built-in modules that `pg` requires are left to
 * workerd's `nodejs_compat` (imported as `node:*`); the build's metafile says which file
 * imports which, so a test can hold the app's own code to none.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/** The workerd release the config is written for (its compatibility date). */
export const COMPATIBILITY_DATE = "2025-09-15";

/** Every setting the worker reads from its environment (any `LW_*` of `loadConfig`). */
export const WORKER_SETTINGS = [
  "LW_DB_URL",
  "LW_BLOB_URL",
  "LW_S3_ENDPOINT",
  "LW_S3_ACCESS_KEY_ID",
  "LW_S3_SECRET_ACCESS_KEY",
  "LW_S3_REGION",
  "LW_S3_TIMEOUT_SECONDS",
  "LW_PUBLIC_READS",
  "LW_COMPAT_PREFIX",
  "LW_DOWNLOAD_REDIRECT",
  "LW_SIGNED_LINK_SECONDS",
  "LW_LINK_SECRET",
  "LW_INDEX_THRESHOLD",
  "LW_INDEX_TOP_N",
  "LW_SEARCH_QUEUE",
  "LW_ANON_EXACT_MAX",
  "LW_ANON_EXACT_POLICY",
  "LW_MAX_JSON_BYTES",
  "LW_RATE_AUTH_FAILURES",
  "LW_RATE_SEARCH",
] as const;

export interface BuiltWorker {
  /** The bundle (one ES module). */
  file: string;
  /** The workerd config naming it. */
  config: string;
  bytes: number;
  metafile: esbuild.Metafile;
}

const builtins = new Set(builtinModules);

/**
 * `require("events")` in CommonJS packages (pg) → workerd's `node:events`: esbuild cannot leave a
 * `require` of an external in an ES module, so each one becomes a tiny module that re-exports it.
 */
const nodeBuiltins: esbuild.Plugin = {
  name: "node-builtins",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (a) => {
      const name = a.path.replace(/^node:/, "");
      if (!builtins.has(name)) return undefined;
      if (a.kind === "require-call") return { path: name, namespace: "node-builtin" };
      return { path: `node:${name}`, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: "node-builtin" }, (a) => ({ contents: `export * from "node:${a.path}";`, loader: "js" }));
  },
};

function capnp(settings: readonly string[]): string {
  const bindings = settings.map((s) => `    (name = "${s}", fromEnvironment = "${s}"),`).join("\n");
  return `# workerd config for the learnware market's edge worker (written by edge/entry/buildWorker.ts).
# Run: npx workerd serve workerd.capnp --socket-addr http=127.0.0.1:8787  (settings from the environment)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .learnware),
    # PostgreSQL and S3 may be on this machine or a private network, not only the internet.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const learnware :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "internet",
  bindings = [
${bindings}
  ],
);
`;
}

/** Bundles the worker into `outDir/worker.js` and writes `outDir/workerd.capnp`. */
export async function buildWorker(opts: { outDir: string; minify?: boolean }): Promise<BuiltWorker> {
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, "worker.js");
  const r = await esbuild.build({
    entryPoints: [fileURLToPath(new URL("./worker.ts", import.meta.url))],
    outfile: file,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    // pg-cloudflare's export for workerd is its socket (cloudflare:sockets); elsewhere it is empty.
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    plugins: [nodeBuiltins],
    minify: opts.minify ?? false,
    metafile: true,
    logLevel: "error",
  });
  const config = join(outDir, "workerd.capnp");
  await writeFile(config, capnp(WORKER_SETTINGS));
  const bytes = r.metafile.outputs[Object.keys(r.metafile.outputs)[0]!]!.bytes;
  return { file, config, bytes, metafile: r.metafile };
}

/** `node:*` modules imported statically, by importing file (the bundle's inputs). */
export function nodeImports(meta: esbuild.Metafile): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [input, m] of Object.entries(meta.inputs)) {
    for (const i of m.imports) {
      const name = i.path.replace(/^node-builtin:/, "node:");
      if (!name.startsWith("node:") || i.kind === "dynamic-import") continue;
      out.set(input, [...(out.get(input) ?? []), name]);
    }
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildWorker({ outDir: process.argv[2] ?? "dist/worker" });
  console.log(`${built.file} (${(built.bytes / 1024).toFixed(0)} KiB) and ${built.config}`);
}
