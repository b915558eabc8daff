/**
 * Text specifications: sentence embeddings (an embedder passed in) + the table RKME, with
 * detected languages.
 *
 * @example
 * ```ts
 * import { languagesCompatible } from "./mod.ts";
 * console.assert(languagesCompatible(["en"], ["en", "fr"]) && !languagesCompatible(["zh"], ["en"]));
 * ```
 * @module
 */
export { detectLanguages, languageShares } from "./languageDetect.ts";
export { embedTexts, languagesCompatible, RKMETextSpecification, searchTextSpecs, type TextEmbedder } from "./rkmeTextSpec.ts";
