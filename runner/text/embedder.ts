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

export async function loadTextEmbedder(options: TextEmbedderOptions): Promise<TextEmbedder> {
  const { env, pipeline } = await import("@xenova/transformers");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = options.modelsDir.endsWith("/") ? options.modelsDir : options.modelsDir + "/";
  const extractor = await pipeline("feature-extraction", options.model, { quantized: options.quantized ?? true });
  return async (texts: string[]) => {
    if (texts.length === 0) return [];
    const out = await extractor(texts, { pooling: "mean", normalize: options.normalize ?? false });
    const [n, d] = out.dims as [number, number];
    const data = out.data as Float32Array;
    return Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
  };
}
