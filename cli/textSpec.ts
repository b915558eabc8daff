/**
 * Text specs on the user's machine: the texts of a file embedded with a local sentence-
 * embedding model folder (transformers.js layout; `--text-model DIR` or `LW_TEXT_MODEL`),
 * then the text RKME — the texts never leave the machine, only the spec does.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { LearnwareError } from "../core/errors.ts";
import type { RKMETextSpecification } from "../core/text/rkmeTextSpec.ts";
import { checkUserTexts, parseTexts, type UserTextSpecOptions, userTextSpec } from "../core/text/userTexts.ts";
import { loadTextEmbedder } from "../runner/text/embedder.ts";
import { CliError } from "./errors.ts";

/** The texts of a file: a JSON array of strings (`.json`), else one text per non-empty line. */
export function readTexts(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`Cannot read texts ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseTexts(text, path);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** The local embedding model folder: the option, else `LW_TEXT_MODEL`. */
export function textModelFolder(option: string | undefined): string {
  const folder = option ?? process.env.LW_TEXT_MODEL;
  if (!folder) throw new CliError("Text specs need a local embedding model folder: --text-model DIR or LW_TEXT_MODEL (see the README's text learnwares)");
  return resolve(folder);
}

/** Embeds the texts of `path` with the model folder and builds the text RKME. */
export async function textSpecFromFile(path: string, modelOption: string | undefined, options: UserTextSpecOptions = {}): Promise<RKMETextSpecification> {
  const texts = readTexts(path);
  try {
    checkUserTexts(texts);
  } catch (e) {
    throw new CliError(`Texts ${path}: ${(e as Error).message}`);
  }
  const folder = textModelFolder(modelOption);
  let embed;
  try {
    embed = await loadTextEmbedder({ modelsDir: dirname(folder), model: basename(folder) });
  } catch (e) {
    throw new CliError(`Cannot load the text model ${folder}: ${(e as Error).message.split("\n")[0]}`);
  }
  try {
    // The same core function and options as the page's worker (core/text/userTexts.ts).
    return await userTextSpec(texts, embed, options);
  } catch (e) {
    if (e instanceof LearnwareError || e instanceof RangeError) throw new CliError(`Texts ${path}: ${e.message}`);
    throw e;
  }
}
