/**
 * The user's side of a text search, shared by every place that builds one (the `lw` command
 * and the page's worker): the texts read from a file's content (a JSON array of strings, or one
 * text per non-empty line), the rule on how many there must be, and the text RKME built with the
 * same options everywhere — so the page's spec and the CLI's are the same on the same texts.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { parseTexts, userTextSpec } from "./userTexts.ts";
 * const texts = parseTexts("the cat sat\n\nthe dog ran\na bird sang\n", "mine.txt");
 * assert.deepEqual(texts, ["the cat sat", "the dog ran", "a bird sang"]);
 * const embed = async (t: string[]) => t.map((s) => Float32Array.from([s.length / 10, s.split(" ").length / 5]));
 * const spec = await userTextSpec(texts, embed, { K: 2 });
 * assert.equal(spec.z.rows, 2);
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { RKMETextSpecification, type TextEmbedder } from "./rkmeTextSpec.ts";

/** Points (K) of a user's text spec unless asked otherwise (at most one per text). */
export const DEFAULT_USER_TEXT_K = 50;
/** Fewest texts a user's text spec is built from: one or two texts say nothing about a distribution. */
export const MIN_USER_TEXTS = 3;

/**
 * The texts in a file's content: a JSON array of strings when the name ends in `.json`, else
 * one text per non-empty line. Throws `DATA_INVALID` naming the file when it holds none.
 */
export function parseTexts(content: string, fileName: string): string[] {
  if (fileName.toLowerCase().endsWith(".json")) {
    let v: unknown;
    try {
      v = JSON.parse(content);
    } catch (e) {
      throw new LearnwareError("DATA_INVALID", `Texts ${fileName} is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
      throw new LearnwareError("DATA_INVALID", `Texts ${fileName} must be a JSON array of strings`);
    const texts = v.filter((t) => t.trim() !== "");
    if (texts.length === 0) throw new LearnwareError("DATA_INVALID", `Texts ${fileName} holds no text (an empty array)`);
    return texts;
  }
  const lines = content.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new LearnwareError("DATA_INVALID", `Texts ${fileName} holds no text (one text per line)`);
  return lines;
}

/** Options of a user's text spec. */
export interface UserTextSpecOptions {
  /** Points of the RKME (default 50; never more than the texts). */
  K?: number;
  /** Seed of the RKME's initialisation (default the table spec's). */
  seed?: number;
}

/**
 * Throws `DATA_INVALID` unless there are at least `MIN_USER_TEXTS` texts: "No texts" for none,
 * "Too few texts" naming the count and the minimum otherwise. Cheap: check before loading a model.
 */
export function checkUserTexts(texts: readonly string[]): void {
  if (texts.length === 0) throw new LearnwareError("DATA_INVALID", "No texts: give your texts, one per line");
  if (texts.length < MIN_USER_TEXTS)
    throw new LearnwareError(
      "DATA_INVALID",
      `Too few texts: ${texts.length} given, a text specification needs at least ${MIN_USER_TEXTS} (one text per line)`,
      { texts: texts.length, min: MIN_USER_TEXTS },
    );
}

/**
 * The user's text RKME: at least `MIN_USER_TEXTS` texts (`checkUserTexts`), embedded with
 * `embed`, summarised into `min(K, texts)` points.
 */
export async function userTextSpec(texts: readonly string[], embed: TextEmbedder, options: UserTextSpecOptions = {}): Promise<RKMETextSpecification> {
  checkUserTexts(texts);
  const K = options.K ?? DEFAULT_USER_TEXT_K;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`K must be a positive integer, got ${K}`);
  return RKMETextSpecification.generate(texts, embed, {
    K: Math.min(K, texts.length),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}
