/**
 * The type names of the built-in statistical specifications (the Python package's class
 * names), defined once. Loading and behaviour live in the registry (`statSpecs.ts`); this
 * module has no dependencies, so a page's main thread can name a type without bundling the
 * spec code.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { TABLE_SPEC_TYPE } from "./specTypes.ts";
 * assert.equal(TABLE_SPEC_TYPE, "RKMETableSpecification");
 * ```
 */
export const TABLE_SPEC_TYPE = "RKMETableSpecification" as const;
export const TEXT_SPEC_TYPE = "RKMETextSpecification" as const;
export const IMAGE_SPEC_TYPE = "RKMEImageSpecification" as const;
