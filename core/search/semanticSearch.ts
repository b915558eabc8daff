/**
 * The Python market's semantic searchers (`EasyFuzzSemanticSearcher`, the default first
 * stage of a search, and `EasyExactSemanticSearcher`), case for case.
 *
 * Fuzzy: (1) a `learnware_id` key keeps the learnwares whose id contains its `Values`;
 * (2) tag match per user key (see `tagsMatch`); (3) no tag match → nothing; no or empty
 * `Name` → every tag match, in market order; (4) `q = Name.lower()`: when `q` is a substring
 * of some learnware's lowercased name or description → exactly those, in market order;
 * (5) otherwise `score = max(partial_ratio(q, name), partial_ratio(q, description))` over
 * the lowercased texts, keep `score ≥ 75`, stable sort by score descending. The user's
 * `Description` is ignored.
 *
 * Exact: `learnware_id` must equal the id; the same tag rules; the lowercased `Name` and
 * `Description` must each be a substring of the learnware's lowercased name or
 * description; market order.
 *
 * Python would raise on some malformed inputs; here they never throw: a user value that is
 * neither a string, a list nor an object is ignored like an empty one, a learnware value of
 * that kind fails the key, and a missing learnware name or description reads as "".
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { semanticSearch } from "./semanticSearch.ts";
 * const market = [
 *   { id: "1", semantic: { Name: { Type: "String", Values: "Credit Scoring" }, Description: { Type: "String", Values: "" } } },
 *   { id: "2", semantic: { Name: { Type: "String", Values: "Digit CNN" }, Description: { Type: "String", Values: "" } } },
 * ];
 * const r = semanticSearch({ Name: { Type: "String", Values: "credt scoring" } }, market);
 * assert.equal(r.ids.length, 1);
 * assert.equal(r.ids[0], "1");
 * assert.ok(r.scores![0]! > 75);
 * ```
 */
import { partialRatio } from "../fuzzy/rapidfuzz.ts";
import { semanticValues } from "../semantic/read.ts";
import type { SemanticSpec } from "../semantic/types.ts";

/** A learnware as the semantic searchers see it: its id and semantic spec. */
export interface SemanticMarketItem {
  id: string;
  semantic: SemanticSpec;
}

/**
 * Matching ids in result order; `scores` (fuzzy partial-ratio scores in [0, 100], one per
 * id) only when the fuzzy searcher ranked by score (its step 5).
 */
export interface SemanticSearchResult {
  ids: string[];
  scores?: number[];
}

export type SemanticSearcherKind = "fuzzy" | "exact";

/** The fuzzy searcher's minimum partial-ratio score (kept when `score ≥ 75`). */
export const FUZZY_MIN_SCORE = 75;

/**
 * Runs the fuzzy (default) or exact semantic searcher.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { semanticSearch } from "./semanticSearch.ts";
 * const market = [{ id: "a", semantic: { Data: { Type: "Class", Values: ["Table"] } } }];
 * assert.equal(semanticSearch({ Data: { Type: "Class", Values: ["Image"] } }, market, "exact").ids.length, 0);
 * ```
 */
export function semanticSearch(user: SemanticSpec, market: readonly SemanticMarketItem[], searcher: SemanticSearcherKind = "fuzzy"): SemanticSearchResult {
  if (searcher === "fuzzy") return fuzzySemanticSearch(user, market);
  if (searcher === "exact") return exactSemanticSearch(user, market);
  throw new RangeError(`Unknown semantic searcher ${JSON.stringify(searcher)}: expected "fuzzy" or "exact"`);
}

/** The Python market's `EasyFuzzSemanticSearcher` (README steps 1–5). */
export function fuzzySemanticSearch(user: SemanticSpec, market: readonly SemanticMarketItem[]): SemanticSearchResult {
  const spec = asObject(user);
  let pool: readonly SemanticMarketItem[] = market;

  const wanted = learnwareIdValues(spec);
  if (wanted !== null) pool = pool.filter((m) => wanted.some((w) => m.id.includes(w)));

  const tagged = pool.filter((m) => tagsMatch(spec, asObject(m.semantic)));
  if (tagged.length === 0) return { ids: [] };

  const name = userText(spec, "Name");
  if (name === null || name.length === 0) return { ids: tagged.map((m) => m.id) };

  const q = name.toLowerCase();
  const texts = tagged.map((m) => learnwareTexts(m.semantic));
  const exact = tagged.filter((_, i) => texts[i]!.name.includes(q) || texts[i]!.description.includes(q));
  if (exact.length > 0) return { ids: exact.map((m) => m.id) };

  const kept: { id: string; score: number }[] = [];
  tagged.forEach((m, i) => {
    const t = texts[i]!;
    const score = Math.max(partialRatio(q, t.name), partialRatio(q, t.description));
    if (score >= FUZZY_MIN_SCORE) kept.push({ id: m.id, score });
  });
  kept.sort((a, b) => b.score - a.score); // Array.prototype.sort is stable
  return { ids: kept.map((k) => k.id), scores: kept.map((k) => k.score) };
}

/** The Python market's `EasyExactSemanticSearcher`. */
export function exactSemanticSearch(user: SemanticSpec, market: readonly SemanticMarketItem[]): SemanticSearchResult {
  const spec = asObject(user);
  const wanted = learnwareIdValues(spec);
  const name = userText(spec, "Name");
  const description = userText(spec, "Description");
  const queries = [name, description].filter((q): q is string => q !== null && q.length > 0).map((q) => q.toLowerCase());

  const ids: string[] = [];
  for (const m of market) {
    if (wanted !== null && !wanted.some((w) => m.id === w)) continue;
    if (!tagsMatch(spec, asObject(m.semantic))) continue;
    if (queries.length > 0) {
      const t = learnwareTexts(m.semantic);
      if (!queries.every((q) => t.name.includes(q) || t.description.includes(q))) continue;
    }
    ids.push(m.id);
  }
  return { ids };
}

/** Keys the tag matcher never looks at: the text keys and the id filter. */
const NOT_TAGS = new Set(["Name", "Description", "learnware_id"]);

/**
 * The tag rules, per user key: skip when the learnware lacks the key or the user's
 * `Values` is empty; skip Name/Description; a learnware with empty `Values` fails; if the
 * user's `Type` is `Class`, the learnware's first value must be `in` the user's values (a
 * plain string user value makes this Python's substring test); if `Tag`, the two value
 * sets (a string's set is its characters, as in Python) must intersect.
 */
export function tagsMatch(user: Record<string, unknown>, learnware: Record<string, unknown>): boolean {
  for (const [key, entry] of Object.entries(user)) {
    if (NOT_TAGS.has(key) || !Object.hasOwn(learnware, key)) continue;
    const u = asObject(entry);
    const v1 = semanticValues(user, key) ?? "";
    const n1 = pyLen(v1);
    if (n1 === null || n1 === 0) continue;
    const v2 = semanticValues(learnware, key) ?? "";
    const n2 = pyLen(v2);
    if (n2 === null || n2 === 0) return false;
    const type = u["Type"];
    if (type === "Class") {
      const first = Array.isArray(v2) ? v2[0] : v2;
      if (!pyIn(first, v1)) return false;
    } else if (type === "Tag") {
      const mine = pyItems(v1);
      const theirs = new Set(pyItems(v2));
      if (!mine.some((x) => theirs.has(x))) return false;
    }
  }
  return true;
}

/** The `learnware_id` filter values (a string, or strings in a list), or `null` when absent/empty. */
function learnwareIdValues(spec: Record<string, unknown>): string[] | null {
  if (!Object.hasOwn(spec, "learnware_id")) return null;
  const v = semanticValues(spec, "learnware_id");
  if (typeof v === "string") return v.length > 0 ? [v] : null;
  if (Array.isArray(v)) {
    const ids = v.filter((x): x is string => typeof x === "string");
    return ids.length > 0 ? ids : null;
  }
  return null;
}

/** The user's `Name` / `Description` string, or `null` when absent or not a string. */
function userText(spec: Record<string, unknown>, key: "Name" | "Description"): string | null {
  const v = semanticValues(spec, key);
  return typeof v === "string" ? v : null;
}

/** A learnware's lowercased name and description ("" when missing). */
function learnwareTexts(semantic: SemanticSpec): { name: string; description: string } {
  const text = (key: string): string => {
    const v = semanticValues(semantic, key);
    return typeof v === "string" ? v.toLowerCase() : "";
  };
  return { name: text("Name"), description: text("Description") };
}

/** Python's `x in container` for JSON values (substring test for a string container). */
function pyIn(x: unknown, container: unknown): boolean {
  if (typeof container === "string") return typeof x === "string" && container.includes(x);
  if (Array.isArray(container)) return container.some((c) => pyEquals(c, x));
  if (container !== null && typeof container === "object") {
    return typeof x === "string" && Object.hasOwn(container, x);
  }
  return false;
}

/** Python `==` on the hashable JSON values that sets and `in` compare. */
function pyEquals(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "boolean") return a === Number(b);
  if (typeof a === "boolean" && typeof b === "number") return Number(a) === b;
  return a === b;
}

/** What Python iterates: list items, a string's code points, an object's keys. */
function pyItems(v: unknown): unknown[] {
  if (Array.isArray(v)) return v.map((x) => (typeof x === "boolean" ? Number(x) : x));
  if (typeof v === "string") return Array.from(v);
  if (v !== null && typeof v === "object") return Object.keys(v);
  return [];
}

/** Python's `len()` for JSON values, `null` where it would raise. */
function pyLen(v: unknown): number | null {
  if (typeof v === "string") return v.length;
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === "object") return Object.keys(v).length;
  return null;
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
