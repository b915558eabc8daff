/**
 * Node-side sentence embedder: a transformers.js `feature-extraction` pipeline over a model
 * folder on disk (no network: `env.allowRemoteModels = false`). Returns the core's
 * `TextEmbedder` shape, `(texts) => Promise<Float32Array[]>`, mean-pooled over tokens.
 *
 * A real model: put a transformers.js export of a sentence-transformers model (e.g.
 * `Xenova/paraphrase-multilingual-MiniLM-L12-v2`, the Python package's model, with
 * `config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model_quantized.onnx`) in
 * `<modelsDir>/<name>/` and call `loadTextEmbedder({ modelsDir, model: name })`. The tests
 * use the tiny folder `buildTinyModel.ts` writes.
 */
import type { TextEmbedder } from "../../core/text/rkmeTextSpec.ts";
import { type TransformersLibrary, transformersEmbedder } from "../../core/text/transformersEmbedder.ts";

export interface TextEmbedderOptions {
  /** Folder holding model folders (transformers.js `env.localModelPath`). */
  modelsDir: string;
  /** Model folder name inside `modelsDir`. */
  model: string;
  /** Use `onnx/model_quantized.onnx` (default true, as transformers.js) or `onnx/model.onnx`. */
  quantized?: boolean;
  /** L2-normalise the pooled vectors (default false: the Python package keeps raw vectors). */
  normalize?: boolean;
}

/** The model folder on disk, through the same core embedder as the page's worker. */
export async function loadTextEmbedder(options: TextEmbedderOptions): Promise<TextEmbedder> {
  const lib = (await import("@xenova/transformers")) as unknown as TransformersLibrary;
  return transformersEmbedder(lib, {
    localModelPath: options.modelsDir,
    model: options.model,
    ...(options.quantized !== undefined ? { quantized: options.quantized } : {}),
    ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
  });
}
