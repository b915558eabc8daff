/**
 * Builds the page into `web/dist/`: `src/main.ts` and `src/worker.ts` bundled by esbuild (ESM,
 * browser platform), `index.html`, `style.css`, the wasm kernels (one-thread and shared-memory
 * builds, and the helper thread's script) the worker loads next to itself, ONNX Runtime Web's
 * wasm build in `ort/` (for running ONNX learnwares in the page), the text embedder
 * (`textEmbedder.js`: transformers.js, loaded by the worker only for a text search, with its own
 * runtime's wasm in `ort-text/`), and a sample CSV for a first try. `npm start` and the e2e tests call `buildWeb()`; `node --import tsx web/build.ts` runs it
 * by hand. The output is not committed.
 *
 * @example
 * ```ts ignore
 * import { buildWeb } from "./build.ts";
 * const { outDir } = await buildWeb();
 * ```
 */
import { build, type Plugin } from "esbuild";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoLearnwares, demoMixtureQuery } from "../core/demo/synthetic.ts";

const webDir = fileURLToPath(new URL(".", import.meta.url));

/**
 * transformers.js' own onnxruntime-web (1.14; its tensors are not the newer runtime's), whose wasm
 * the text embedder (`textEmbedder.js`) loads from `dist/ort-text/` (one thread: SIMD, else plain).
 */
const fromTransformers = createRequire(createRequire(import.meta.url).resolve("@xenova/transformers/package.json"));
const TRANSFORMERS_ORT = join(dirname(fromTransformers.resolve("onnxruntime-web/package.json")), "dist");
export const ORT_TEXT_FILES = ["ort-wasm-simd.wasm", "ort-wasm.wasm"] as const;

/** Bundles transformers.js with the wasm-only build of its onnxruntime-web (not the one with WebGL). */
const transformersOrt: Plugin = {
  name: "transformers-ort-wasm",
  setup(b) {
    b.onResolve({ filter: /^onnxruntime-web$/ }, (args) =>
      args.importer.includes(join("@xenova", "transformers")) ? { path: join(TRANSFORMERS_ORT, "ort.wasm.min.js") } : undefined,
    );
  },
};

/** The files of onnxruntime-web the worker loads from `dist/ort/`. */
export const ORT_FILES = ["ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"] as const;

export interface BuildOptions {
  /** Output folder. Default `web/dist/`. */
  outDir?: string;
  /** Minify the bundles. Default true. */
  minify?: boolean;
  /** Print a line per output. Default false. */
  verbose?: boolean;
}

export async function buildWeb(opts: BuildOptions = {}): Promise<{ outDir: string; files: string[] }> {
  const outDir = opts.outDir ?? join(webDir, "dist");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    // textEmbedder: transformers.js, imported by the worker only when a text search starts.
    entryPoints: { main: join(webDir, "src", "main.ts"), worker: join(webDir, "src", "worker.ts"), textEmbedder: join(webDir, "src", "textEmbedder.ts") },
    outdir: outDir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: opts.minify ?? true,
    sourcemap: "linked",
    // wasm/mod.ts reads kernels.wasm with node:fs only under a file: URL; in the browser it fetches.
    external: ["node:*"],
    logLevel: "silent",
    metafile: true,
    plugins: [transformersOrt],
  });
  if (result.errors.length > 0) throw new Error(`web build failed: ${result.errors.map((e) => e.text).join("; ")}`);
  // The source page points at dist/ so it also works when web/ itself is the static root.
  const html = (await readFile(join(webDir, "index.html"), "utf8")).replaceAll('"./dist/', '"./');
  await writeFile(join(outDir, "index.html"), html);
  await copyFile(join(webDir, "style.css"), join(outDir, "style.css"));
  // The kernels the worker loads next to itself: one-thread wasm, and the shared-memory build
  // with its helper script for the parallel backend (used when the page is cross-origin isolated).
  for (const f of ["kernels.wasm", "kernels-mt.wasm", "kernels-relaxed.wasm", "kernels-mt-relaxed.wasm", "kernelWorker.js"]) {
    const src = join(webDir, "..", "wasm", f);
    if (existsSync(src)) await copyFile(src, join(outDir, f));
  }
  // ONNX Runtime Web (wasm only), imported by the worker on first use: the ES module, its
  // Emscripten loader and the wasm (SIMD, threads when the page is cross-origin isolated).
  const ort = join(webDir, "..", "node_modules", "onnxruntime-web", "dist");
  await mkdir(join(outDir, "ort"), { recursive: true });
  for (const f of ORT_FILES) await copyFile(join(ort, f), join(outDir, "ort", f));
  await mkdir(join(outDir, "ort-text"), { recursive: true });
  for (const f of ORT_TEXT_FILES) await copyFile(join(TRANSFORMERS_ORT, f), join(outDir, "ort-text", f));
  // The API reference's viewer (Swagger UI from npm, served offline at /vendor/swagger-ui-dist/ for /docs).
  const swagger = join(webDir, "..", "node_modules", "swagger-ui-dist");
  await mkdir(join(outDir, "vendor", "swagger-ui-dist"), { recursive: true });
  for (const f of ["swagger-ui.css", "swagger-ui-bundle.js"]) await copyFile(join(swagger, f), join(outDir, "vendor", "swagger-ui-dist", f));
  await writeSampleCsv(join(outDir, "samples"));
  const files = Object.keys(result.metafile.outputs).map((p) => p.replace(/^.*\/dist\//, ""));
  if (opts.verbose) for (const f of files) console.log(`web/dist/${f}`);
  return { outDir, files };
}

/**
 * A small CSV of readings from the demo market's plants A and C (and a few from B; build-time
 * only), so a new user can try the Find flow at once: plants A and C each fit partly, and their
 * mixture fits (plant B joins it, flagged negligible).
 */
async function writeSampleCsv(dir: string): Promise<void> {
  const X = demoMixtureQuery(400);
  const names = demoLearnwares()[0]!.space.featureNames;
  const lines = [names.join(",")];
  for (let i = 0; i < X.rows; i++) lines.push(Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols), (v) => v.toFixed(4)).join(","));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "sensors.csv"), lines.join("\n") + "\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  // `--quiet` (what `npm start` passes unless LW_LOG_LEVEL=debug): no file list, no summary line.
  const quiet = process.argv.includes("--quiet");
  const r = await buildWeb({ verbose: !quiet });
  if (!quiet) console.log(`built ${r.outDir} in ${Math.round(performance.now() - t0)} ms`);
}
