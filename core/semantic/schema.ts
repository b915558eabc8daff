/**
 * zod schemas of a semantic spec, for documenting request bodies (OpenAPI). They describe;
 * they do not judge: the one validator is the checker (`checker.ts`, the Python market's
 * rules), and the one reader of a raw spec is `read.ts`.
 *
 * * `semanticSpecSchema` is deliberately loose: any JSON object parses (every well-known
 *   key documents its usual shape but accepts anything), so that a malformed learnware spec
 *   reaches the checker and gets the Python market's verdict with every issue named, and a
 *   user's partial search spec (`{ Name: {...} }`, `learnware_id`) is accepted as is.
 * * `semanticFieldSchema` / `semanticIOSchema` are the documented shapes of one key.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { semanticSpecSchema } from "./schema.ts";
 * assert.ok(semanticSpecSchema.safeParse({ Name: { Type: "String", Values: "cnn" } }).success);
 * assert.ok(!semanticSpecSchema.safeParse("cnn").success);
 * ```
 */
import { z } from "zod";
import { SEMANTIC_CONFIG, SEMANTIC_KEYS, type SemanticKey } from "./config.ts";

/** One described key: `{ Type, Values }` (Class/Tag: a list of values; String: a string). */
export const semanticFieldSchema = z
  .object({
    Type: z.string().describe('How Values are judged: "Class" (exactly one value), "Tag" (one or more) or "String"'),
    Values: z.union([z.array(z.string()), z.string()]).describe("A list of allowed values for Class/Tag keys, a non-empty string for String keys"),
  })
  .passthrough();

/** `Input` / `Output`: a dimension and a description per index in `[0, Dimension)`. */
export const semanticIOSchema = z
  .object({
    Dimension: z.number().describe("The number of features (Input) or outputs (Output)"),
    Description: z.record(z.string(), z.string()).describe('Meaning per index: keys are decimal integers in [0, Dimension), e.g. {"0": "age"}'),
  })
  .passthrough();

/** The documented shape, loosened to anything so the checker can judge every value. */
function documented(schema: z.ZodTypeAny, description: string): z.ZodTypeAny {
  return z.union([schema, z.unknown()]).optional().describe(description);
}

function describeKey(key: SemanticKey): string {
  const c = SEMANTIC_CONFIG[key];
  return c.Values === null ? `${key}: Type "${c.Type}", Values a non-empty string` : `${key}: Type "${c.Type}", Values from ${c.Values.join(", ")}`;
}

const knownKeys = Object.fromEntries(SEMANTIC_KEYS.map((key) => [key, documented(semanticFieldSchema, describeKey(key))])) as Record<SemanticKey, z.ZodTypeAny>;

/** Any JSON object; known keys document their usual shapes. */
export const semanticSpecSchema = z
  .object({
    ...knownKeys,
    Input: documented(semanticIOSchema, "Input features (required when Data is Table)"),
    Output: documented(semanticIOSchema, "Outputs (required when Task is Classification or Regression)"),
    learnware_id: documented(
      z.object({ Values: z.string() }).passthrough(),
      "Search only: the learnware id (fuzzy searcher: contained in the id; exact: equal)",
    ),
  })
  .catchall(z.unknown())
  .describe("A semantic specification in the Python learnware package's JSON shape");

export type SemanticSpecInput = z.input<typeof semanticSpecSchema>;
