/**
 * A sentence embedder over transformers.js' `feature-extraction` pipeline, shared by the Node
 * side (`runner/text/embedder.ts`, a model folder on disk) and the page's worker (the model the
 * market serves at `/v1/text-model/`). The library is passed in, so the core imports nothing;
 * both sides load the model the same way (local only, quantized ONNX by default) and pool the
 * same way (mean over the attention mask, not normalised, as the Python package keeps raw
 * vectors), so their embeddings agree.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { transformersEmbedder } from "./transformersEmbedder.ts";
 * const env = { allowRemoteModels: true, allowLocalModels: false, localModelPath: "" };
 * const pipeline = async () => async (texts: string[]) => ({ dims: [texts.length, 2], data: Float32Array.from(texts.flatMap((t) => [t.length, 1])) });
 * const embed = await transformersEmbedder({ env, pipeline }, { localModelPath: "/models/", model: "m" });
 * assert.deepEqual(Array.from((await embed(["ab", "abc"]))[1]!), [3, 1]);
 * assert.equal(env.allowRemoteModels, false);
 * ```
 */
import type { TextEmbedder } from "./rkmeTextSpec.ts";

/** What the embedder needs of `@xenova/transformers` (its `env` and `pipeline`). */
export interface TransformersLibrary {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  // biome-ignore lint/suspicious/noExplicitAny: the library's pipeline is typed per task; only feature-extraction is used
  pipeline: (task: "feature-extraction", model: string, options: { quantized: boolean }) => Promise<any>;
}

export interface TransformersEmbedderOptions {
  /** Folder or URL holding model folders (transformers.js `env.localModelPath`). */
  localModelPath: string;
  /** Model folder name inside it. */
  model: string;
  /** Use `onnx/model_quantized.onnx` (default true, as transformers.js) or `onnx/model.onnx`. */
  quantized?: boolean;
  /** L2-normalise the pooled vectors (default false: the Python package keeps raw vectors). */
  normalize?: boolean;
}

/** Loads the model (never from a remote hub) and returns the core's `TextEmbedder`. */
export async function transformersEmbedder(lib: TransformersLibrary, options: TransformersEmbedderOptions): Promise<TextEmbedder> {
  lib.env.allowRemoteModels = false;
  lib.env.allowLocalModels = true;
  lib.env.localModelPath = options.localModelPath.endsWith("/") ? options.localModelPath : options.localModelPath + "/";
  const extractor = await lib.pipeline("feature-extraction", options.model, { quantized: options.quantized ?? true });
  return async (texts: string[]) => {
    if (texts.length === 0) return [];
    const out = (await extractor(texts, { pooling: "mean", normalize: options.normalize ?? false })) as { dims: number[]; data: Float32Array };
    const [n, d] = out.dims as [number, number];
    const data = out.data;
    return Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
  };
}
