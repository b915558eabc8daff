/**
 * Text specifications: sentence embeddings (an embedder passed in) + the table RKME, with
 * detected languages.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { languagesCompatible } from "./mod.ts";
 * assert.ok(languagesCompatible(["en"], ["en", "fr"]));
 * assert.ok(!languagesCompatible(["zh"], ["en"]));
 * ```
 * @module
 */
export { detectLanguages, languageShares } from "./languageDetect.ts";
export { embedTexts, languagesCompatible, RKMETextSpecification, searchTextSpecs, type TextEmbedder } from "./rkmeTextSpec.ts";
export { type TransformersEmbedderOptions, type TransformersLibrary, transformersEmbedder } from "./transformersEmbedder.ts";
export { checkUserTexts, DEFAULT_USER_TEXT_K, MIN_USER_TEXTS, parseTexts, type UserTextSpecOptions, userTextSpec } from "./userTexts.ts";
