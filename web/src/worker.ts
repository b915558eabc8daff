/**
 * The page's Web Worker: reads the user's CSV, builds the RKME with the portable core (wasm
 * SIMD kernels on every core when the browser has them, the TypeScript reference otherwise) and checks
 * learnware packages before upload, and runs ONNX learnwares on that CSV with onnxruntime-web
 * (its wasm build, loaded from this worker's folder on first use); it also summarises pictures
 * (image RKME) and texts (text RKME, embedded with the market's model through transformers.js,
 * imported only for a text search). The raw data stays here: only the spec, or the predictions,
 * go back.
 * Exposed with comlink; cancellation terminates the worker (see `genClient.ts`), because a
 * generation is one synchronous computation that cannot read messages while it runs.
 */
import * as Comlink from "comlink";
import type * as Ort from "onnxruntime-web";
import { getKernelBackend } from "../../core/kernel/backend.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { type ImageBatch, pictureToImage, stackImages } from "../../core/image/preprocess.ts";
import { RKMEImageSpecification } from "../../core/image/rkmeImageSpec.ts";
import type { TextEmbedder } from "../../core/text/rkmeTextSpec.ts";
import { checkUserTexts, userTextSpec } from "../../core/text/userTexts.ts";
import { LearnwareError } from "../../core/errors.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { checkLearnwareStatic } from "../../core/check/packageCheck.ts";
import { kindOfEntry } from "../../core/spec/statSpecs.ts";
import { checkSemanticSpec } from "../../core/semantic/checker.ts";
import { installParallelWasmBackend } from "../../wasm/parallel.ts";
import { type ParsedTable, parseCsvTable, selectColumns, type TableProfile } from "./csv.ts";
import { inputDimOf, onnxModelOf, type Prediction, predictInput, readOutput } from "./onnxPredict.ts";

// Every core when the page is cross-origin isolated (the server sends COOP/COEP), one thread
// otherwise, the TypeScript reference without wasm SIMD.
const backendReady = installParallelWasmBackend()
  .then((b) => b.name)
  .catch(() => getKernelBackend().name);
let table: ParsedTable | null = null;

export interface GenerateRequest {
  columns: number[];
  K: number;
  seed: number;
  gamma?: number;
}

export interface GenerateResult {
  /** The stat.json text, exactly as the Python package writes it. */
  json: string;
  ms: number;
  backend: string;
  rows: number;
  cols: number;
  points: number;
}

export interface PackageReport {
  ok: boolean;
  /** One line per problem, as a person should read it. */
  problems: string[];
  entries: { path: string; size: number }[];
  modelKind: string | null;
  environment: string | null;
  statSpecs: { fileName: string; className: string; dim: number | null; points: number | null }[];
  name: string | null;
}

function message(e: unknown): string {
  if (e instanceof LearnwareError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

let ortReady: Promise<typeof Ort> | null = null;
/**
 * ONNX Runtime Web's wasm build, imported on first use from `ort/` beside this worker (web/build.ts
 * copies it there, with its loader and the .wasm; nothing comes from another origin). Threads
 * need SharedArrayBuffer, so more than one only when the page is cross-origin isolated.
 */
function onnxRuntime(): Promise<typeof Ort> {
  ortReady ??= (async () => {
    const base = new URL("./ort/", import.meta.url).href;
    const ort = (await import(/* the file copied by web/build.ts, not bundled */ `${base}ort.wasm.min.mjs`)) as typeof Ort;
    ort.env.wasm.wasmPaths = base;
    ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
    ort.env.wasm.proxy = false;
    return ort;
  })().catch((e) => {
    ortReady = null;
    throw new Error(`ONNX Runtime Web could not start in this browser: ${message(e)}`);
  });
  return ortReady;
}

let textEmbedder: Promise<{ embed: TextEmbedder; model: string }> | null = null;
/**
 * The market's text model (`/v1/text-model/`), loaded on the first text search: the server is
 * asked whether it has one (a clear message when not), then `textEmbedder.js` (transformers.js,
 * a bundle of its own beside this worker) is imported and loads the model from there only.
 */
function servedTextEmbedder(): Promise<{ embed: TextEmbedder; model: string }> {
  textEmbedder ??= (async () => {
    const origin = self.location.origin;
    const res = await fetch(`${origin}/v1/text-model`);
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      if (body?.error?.code === "TEXT_MODEL_NOT_CONFIGURED")
        throw new Error(
          "This market has no text embedding model, so texts cannot be summarised in the page. Whoever runs the server sets LW_TEXT_MODEL to a model folder (see the README); the lw command can search with texts using a model folder of your own.",
        );
      throw new Error(`The market's text model is not available: HTTP ${res.status}${body?.error?.message ? ` (${body.error.message})` : ""}`);
    }
    const info = (await res.json()) as { name: string };
    const base = new URL("./", import.meta.url).href;
    const mod = (await import(/* built beside this worker by web/build.ts, not bundled */ `${base}textEmbedder.js`)) as typeof import("./textEmbedder.ts");
    try {
      return { embed: await mod.loadServedTextEmbedder(origin), model: info.name };
    } catch (e) {
      throw new Error(`The market's text model ${info.name} cannot be loaded in this browser: ${message(e).split("\n")[0]}`);
    }
  })().catch((e) => {
    textEmbedder = null;
    throw e;
  });
  return textEmbedder;
}

/** The input shape an ONNX model states itself (after the batch axis), when every size is fixed. */
function declaredShape(meta: Ort.InferenceSession.ValueMetadata | undefined): number[] | null {
  if (meta === undefined || !meta.isTensor) return null;
  const tail = meta.shape.slice(1);
  return tail.length > 0 && tail.every((d) => typeof d === "number" && d > 0) ? (tail as number[]) : null;
}

const api = {
  async backend(): Promise<string> {
    return backendReady;
  },

  async load(file: Blob & { name?: string }): Promise<TableProfile> {
    table = null;
    const text = await file.text();
    table = parseCsvTable(text, file.name ?? "data.csv", file.size);
    return table.profile;
  },

  async generate(req: GenerateRequest, onProgress?: (fraction: number, stage: string) => void): Promise<GenerateResult> {
    const backend = await backendReady;
    if (!table) throw new Error("Load a CSV first");
    if (req.columns.length === 0) throw new Error("Choose at least one numeric column");
    for (const c of req.columns) {
      const col = table.profile.columns[c];
      if (col?.type !== "number") throw new Error(`Column ${c + 1} is not numeric and cannot be part of the specification`);
    }
    const X = selectColumns(table, req.columns);
    let last = 0;
    const t0 = performance.now();
    const spec = RKMETableSpecification.generate(X, {
      K: req.K,
      seed: req.seed,
      ...(req.gamma !== undefined ? { gamma: req.gamma } : {}),
      onProgress: (f, stage) => {
        const now = performance.now();
        if (onProgress && (now - last > 40 || f >= 1)) {
          last = now;
          void onProgress(f, stage);
        }
      },
    });
    const ms = performance.now() - t0;
    return { json: spec.stringify(), ms, backend, rows: X.rows, cols: X.cols, points: spec.z.rows };
  },

  async inspectPackage(file: Blob, semantic?: unknown): Promise<PackageReport> {
    const report: PackageReport = { ok: false, problems: [], entries: [], modelKind: null, environment: null, statSpecs: [], name: null };
    const bytes = new Uint8Array(await file.arrayBuffer());
    let pkg;
    try {
      pkg = readLearnwarePackage(bytes);
    } catch (e) {
      report.problems.push(message(e));
      return report;
    }
    report.entries = [...pkg.files.entries()].map(([path, data]) => ({ path, size: data.byteLength })).sort((a, b) => a.path.localeCompare(b.path));
    report.modelKind = pkg.model.kind;
    report.environment = pkg.environment ? (pkg.environment.kind === "pip" ? "requirements.txt" : "environment.yaml") : null;
    report.name = pkg.name ?? null;
    for (const s of pkg.statSpecs) {
      let dim: number | null = null,
        points: number | null = null;
      const kind = kindOfEntry(s);
      if (kind) {
        try {
          const spec = kind.fromJSON(s.json);
          dim = kind.dimension(spec);
          points = kind.embedding(spec)?.z.rows ?? null;
        } catch {
          /* reported by the static check below */
        }
      }
      report.statSpecs.push({ fileName: s.fileName, className: s.className, dim, points });
    }
    if (pkg.model.kind === "python" && pkg.environment === null)
      report.problems.push("The package has no requirements.txt or environment.yaml for its Python model");
    if (pkg.statSpecs.length === 0) report.problems.push("learnware.yaml declares no stat specifications");
    const semanticOk = semantic !== undefined && checkSemanticSpec(semantic).status !== -1;
    const r = checkLearnwareStatic(pkg, semanticOk ? semantic : undefined);
    for (const i of r.issues) report.problems.push(i.message);
    report.ok = report.problems.length === 0;
    return report;
  },

  /**
   * Runs an ONNX learnware (its package's bytes) on the loaded CSV's columns (default: every
   * numeric one, in order) and returns the outputs with each row's class and top value.
   */
  async predictOnnx(packageBytes: Uint8Array, columns?: number[]): Promise<Prediction> {
    let pkg;
    try {
      pkg = readLearnwarePackage(packageBytes);
    } catch (e) {
      throw new Error(`The learnware package cannot be read: ${message(e)}`);
    }
    const model = onnxModelOf(pkg);
    if (!table) throw new Error("Load a CSV first");
    const chosen = columns ?? table.profile.columns.filter((c) => c.type === "number").map((c) => c.index);
    const ort = await onnxRuntime();
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model.bytes);
    } catch (e) {
      throw new Error(`The ONNX model ${model.file} cannot be loaded: ${message(e)}`);
    }
    try {
      const shape = model.inputShape ?? declaredShape(session.inputMetadata[0]);
      if (shape === null) throw new Error(`The input shape of ${model.file} is unknown: the learnware.yaml should declare model.input_shape`);
      const X = predictInput(table, chosen, inputDimOf(shape));
      const t0 = performance.now();
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", X.data, [X.rows, ...shape]) });
      const ms = performance.now() - t0;
      const y = out[session.outputNames[0]!];
      if (!y) throw new Error(`The ONNX model ${model.file} gave no output`);
      const values = y.data instanceof Float32Array ? y.data : Float32Array.from(y.data as ArrayLike<number | bigint>, Number);
      return { ...readOutput(y.dims, values, ms), threads: ort.env.wasm.numThreads ?? 1 };
    } finally {
      await session.release();
    }
  },

  /**
   * The image RKME (`RKMEImageSpecification`, CNN-GP) of the user's pictures, decoded here
   * (createImageBitmap + OffscreenCanvas, RGB in [0, 1], resized to 32×32): only the spec leaves.
   */
  async imageSpec(files: Blob[], K: number, seed: number): Promise<ImageSpecResult> {
    if (files.length === 0) throw new Error("Choose at least one picture");
    if (files.length > MAX_PAGE_IMAGES) throw new Error(`${files.length} pictures chosen; at most ${MAX_PAGE_IMAGES} (a specification needs a sample)`);
    const t0 = performance.now();
    const pictures: ImageBatch[] = [];
    for (const [i, f] of files.entries()) {
      let bitmap: ImageBitmap;
      try {
        bitmap = await createImageBitmap(f);
      } catch {
        throw new Error(`Picture ${i + 1} (${(f as File).name ?? "unnamed"}) cannot be decoded by this browser`);
      }
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = canvas.getContext("2d")!;
      g.drawImage(bitmap, 0, 0);
      const { data } = g.getImageData(0, 0, bitmap.width, bitmap.height);
      pictures.push(pictureToImage(data, bitmap.width, bitmap.height, 4));
      bitmap.close();
    }
    const spec = RKMEImageSpecification.generate(stackImages(pictures), { K: Math.max(1, Math.min(K, files.length)), seed });
    return { json: spec.stringify(), images: files.length, points: spec.z.n, ms: performance.now() - t0 };
  },

  /**
   * The text RKME (`RKMETextSpecification`) of the user's texts, embedded here with the market's
   * model and built by the same core function and options as `lw spec generate --texts`
   * (`userTextSpec`): only the spec leaves. `seed` unset is the CLI's default seed.
   */
  async textSpec(texts: string[], K: number, seed?: number): Promise<TextSpecResult> {
    checkUserTexts(texts);
    const t0 = performance.now();
    const { embed, model } = await servedTextEmbedder();
    const spec = await userTextSpec(texts, embed, { K, ...(seed !== undefined ? { seed } : {}) });
    return { json: spec.stringify(), texts: texts.length, points: spec.z.rows, dim: spec.dim, languages: spec.language, model, ms: performance.now() - t0 };
  },
};

export interface TextSpecResult {
  /** The stat.json text (the Python package's RKMETextSpecification shape, with `language`). */
  json: string;
  texts: number;
  points: number;
  /** The embedding's dimension. */
  dim: number;
  languages: string[];
  /** The market's model folder name. */
  model: string;
  ms: number;
}

/** At most this many pictures for one image specification in the page. */
export const MAX_PAGE_IMAGES = 2000;

export interface ImageSpecResult {
  /** The stat.json text (the Python package's RKMEImageSpecification shape). */
  json: string;
  images: number;
  points: number;
  ms: number;
}

export type WorkerApi = typeof api;
Comlink.expose(api);
