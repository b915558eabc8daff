/**
 * The page's sentence embedder, a bundle of its own (`textEmbedder.js`, built by web/build.ts)
 * that the worker imports only when a text search starts: transformers.js with its own
 * onnxruntime-web (1.14, wasm only; its `.wasm` files are copied to `ort-text/` beside this file —
 * the page's newer ONNX Runtime in `ort/` cannot serve it: transformers.js 2.x copies a tensor's
 * own fields, and the newer runtime keeps `data` behind a getter). The model comes only from the
 * market (`/v1/text-model/`, the server's LW_TEXT_MODEL), never from a model hub, through the
 * same core embedder as the CLI's, so both embed alike.
 */
import * as transformers from "@xenova/transformers";
import type { TextEmbedder } from "../../core/text/rkmeTextSpec.ts";
import { type TransformersLibrary, transformersEmbedder } from "../../core/text/transformersEmbedder.ts";

/** The model's name under `/v1/` (transformers.js reads `<localModelPath><model>/config.json`, …). */
export const SERVED_MODEL = "text-model";

/** The embedder over the model the market at `origin` serves at `/v1/text-model/`. */
export function loadServedTextEmbedder(origin: string): Promise<TextEmbedder> {
  const { env } = transformers;
  // The HTTP cache revalidates the model's files (ETag); the Cache API would keep a replaced model.
  env.useBrowserCache = false;
  const wasm = (env.backends.onnx as { wasm: { wasmPaths: string; numThreads: number; proxy: boolean } }).wasm;
  wasm.wasmPaths = new URL("./ort-text/", import.meta.url).href;
  // One thread: the threaded build would need its own helper script; sentence batches are small.
  wasm.numThreads = 1;
  wasm.proxy = false;
  return transformersEmbedder(transformers as unknown as TransformersLibrary, { localModelPath: `${origin}/v1/`, model: SERVED_MODEL });
}
