/**
 * A small language detector for text specs, standing in for the Python package's
 * `langdetect` (`RKMETextSpecification.get_language_ids` joins the texts and records every
 * language `detect_langs` reports, i.e. those with probability > 0.1, most likely first).
 *
 * Method: letters are counted per Unicode script; non-Latin scripts map to their language
 * (Han → `zh`, or `ja` when kana are present; Hangul → `ko`; Cyrillic → `ru`; Arabic → `ar`;
 * Devanagari → `hi`; Greek → `el`; Hebrew → `he`; Thai → `th`). Latin-script text is split
 * among `en, fr, de, es, it, pt, nl` by counts of each language's most frequent function
 * words (a word listed for several languages counts only when no exclusive word occurs). Shares above `threshold` (default 0.1) are reported, in ISO 639-1 codes as langdetect
 * writes them (`zh-cn` is written `zh`). Deviation: langdetect's n-gram model tells ~55
 * languages apart; this covers the scripts above and seven Latin-script languages.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { detectLanguages } from "./languageDetect.ts";
 * assert.equal(detectLanguages(["The cat is on the table and it is happy."])[0], "en");
 * assert.equal(detectLanguages(["今天天气很好"])[0], "zh");
 * ```
 */

const FUNCTION_WORDS: Record<string, string[]> = {
  en: ["the", "and", "is", "of", "to", "in", "it", "that", "was", "for", "with", "this", "are", "on", "you", "not", "be", "have"],
  fr: [
    "le",
    "la",
    "les",
    "et",
    "est",
    "des",
    "une",
    "un",
    "du",
    "que",
    "pas",
    "pour",
    "dans",
    "qui",
    "sur",
    "avec",
    "ce",
    "je",
    "il",
    "elle",
    "sont",
    "mais",
    "nous",
    "vous",
  ],
  de: ["der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "den", "mit", "sich", "auf", "ich", "es", "von", "dem", "auch"],
  es: ["el", "los", "las", "y", "es", "una", "que", "por", "con", "para", "del", "se", "su", "al", "como", "pero", "muy", "lo"],
  it: ["il", "di", "che", "è", "e", "la", "per", "non", "una", "sono", "gli", "del", "con", "della", "questo", "anche", "ma", "ho"],
  pt: ["o", "os", "e", "é", "que", "não", "uma", "um", "do", "da", "para", "com", "em", "se", "mais", "como", "muito", "por"],
  nl: ["de", "het", "een", "en", "is", "van", "niet", "dat", "op", "te", "zijn", "met", "voor", "ik", "maar", "ook", "aan", "er"],
};

const SCRIPTS: [RegExp, string][] = [
  [/\p{Script=Hangul}/u, "ko"],
  [/\p{Script=Hiragana}|\p{Script=Katakana}/u, "ja"],
  [/\p{Script=Han}/u, "zh"],
  [/\p{Script=Cyrillic}/u, "ru"],
  [/\p{Script=Arabic}/u, "ar"],
  [/\p{Script=Devanagari}/u, "hi"],
  [/\p{Script=Greek}/u, "el"],
  [/\p{Script=Hebrew}/u, "he"],
  [/\p{Script=Thai}/u, "th"],
  [/\p{Script=Latin}/u, "latin"],
];

/** Language shares of a text collection, most likely first (shares sum to 1 over letters). */
export function languageShares(texts: readonly string[]): { lang: string; prob: number }[] {
  const text = texts.join(" ");
  const counts = new Map<string, number>();
  let letters = 0;
  for (const ch of text) {
    if (!/\p{L}/u.test(ch)) continue;
    letters++;
    for (const [re, lang] of SCRIPTS) {
      if (re.test(ch)) {
        counts.set(lang, (counts.get(lang) ?? 0) + 1);
        break;
      }
    }
  }
  if (letters === 0) return [];
  // Japanese text mixes kanji (Han) with kana: with any kana, Han letters count as ja.
  if ((counts.get("ja") ?? 0) > 0 && (counts.get("zh") ?? 0) > 0) {
    counts.set("ja", counts.get("ja")! + counts.get("zh")!);
    counts.delete("zh");
  }
  const latin = counts.get("latin") ?? 0;
  counts.delete("latin");
  const out: { lang: string; prob: number }[] = [];
  for (const [lang, c] of counts) out.push({ lang, prob: c / letters });
  if (latin > 0) {
    const words = text
      .normalize("NFC")
      .toLowerCase()
      .split(/[^\p{L}]+/u)
      .filter((w) => w.length > 0);
    // Words in several lists ("is", "de", "e") say little: count a word only for the
    // languages whose list holds it alone, unless no word is exclusive at all.
    const owners = new Map<string, string[]>();
    for (const [lang, list] of Object.entries(FUNCTION_WORDS)) for (const w of list) owners.set(w, [...(owners.get(w) ?? []), lang]);
    const count = (exclusiveOnly: boolean) => {
      const hits = new Map<string, number>();
      let total = 0;
      for (const w of words) {
        const o = owners.get(w);
        if (o === undefined || (exclusiveOnly && o.length > 1)) continue;
        for (const lang of o) hits.set(lang, (hits.get(lang) ?? 0) + 1 / o.length);
        total += 1;
      }
      return { hits, total };
    };
    let { hits, total } = count(true);
    if (total === 0) ({ hits, total } = count(false));
    if (total === 0) out.push({ lang: "en", prob: latin / letters });
    else for (const [lang, h] of hits) if (h > 0) out.push({ lang, prob: (latin / letters) * (h / total) });
  }
  return out.sort((a, b) => b.prob - a.prob || (a.lang < b.lang ? -1 : 1));
}

/** The languages `langdetect.detect_langs` would list: shares above `threshold`, most likely first. */
export function detectLanguages(texts: readonly string[], threshold = 0.1): string[] {
  return languageShares(texts)
    .filter((s) => s.prob > threshold)
    .map((s) => s.lang);
}
