/**
 * The shared feature space of the heterogeneous market: every table learnware's columns
 * are mapped, through their semantic `Input.Description` strings, to **concepts** — one
 * concept per distinct feature meaning across the market. Two descriptions name the same
 * concept when
 *
 * 1. their normalised forms are equal (NFKC, lower case, punctuation → space, stop words
 *    dropped, plural `s` / `-ly` trimmed, words sorted: `"Age of the customer (years)"` and
 *    `"customer age, years"` normalise alike), or
 * 2. their token sets overlap enough (Dice coefficient ≥ `tokenThreshold`, default 0.75), or
 * 3. an embedder is given and the cosine of their embeddings is ≥ `embeddingThreshold`
 *    (default 0.85), which catches synonyms (`"salary"` / `"annual income"`).
 *
 * A new description joins the most similar existing concept that passes, else founds a new
 * one. Concepts are only ever added, in insertion order, so a learnware's mapping never
 * changes when later learnwares arrive. A user's descriptions are matched with `lookup`,
 * which never adds: an unmatched column gets concept `-1`. An empty description matches
 * nothing (an undescribed column founds a concept of its own).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { FeatureSpace } from "./featureSpace.ts";
 * const fs = new FeatureSpace();
 * const a = await fs.addColumns(["Age of the customer (years)", "Monthly income"]);
 * const u = await fs.lookup(["income per month", "customer age in years", "shoe size"]);
 * assert.equal(u[0], a[1]);
 * assert.equal(u[1], a[0]);
 * assert.equal(u[2], -1);
 * ```
 */

/** Text embedder: one vector per text (e.g. a sentence-embedding model). */
export type TextEmbedder = (texts: string[]) => Promise<Float32Array[]>;

export interface FeatureSpaceOptions {
  embedder?: TextEmbedder;
  tokenThreshold?: number;
  embeddingThreshold?: number;
}

const STOP = new Set([
  "a",
  "an",
  "the",
  "of",
  "in",
  "on",
  "at",
  "for",
  "to",
  "by",
  "per",
  "and",
  "or",
  "with",
  "is",
  "are",
  "as",
  "its",
  "their",
  "this",
  "that",
  "from",
  "value",
  "feature",
  "number",
  "measured",
  "unit",
  "units",
]);

/** Tokens of a description: NFKC, lower case, alphanumeric words, stop words dropped, plural `s` and `-ly` trimmed. */
export function descriptionTokens(text: string): string[] {
  const words = text
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
  const out: string[] = [];
  for (let w of words) {
    if (STOP.has(w)) continue;
    // a light suffix stemmer: plurals and -ly adverbs/adjectives ("monthly" → "month")
    if (w.length > 4 && w.endsWith("ies")) w = w.slice(0, -3) + "y";
    else if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
    if (w.length > 5 && w.endsWith("ly")) w = w.slice(0, -2);
    out.push(w);
  }
  return out;
}

/** The normalised key: sorted distinct tokens joined by a space. */
export function normalizeDescription(text: string): string {
  return [...new Set(descriptionTokens(text))].sort().join(" ");
}

/** Dice coefficient of two token sets (1 for two empty sets). */
export function tokenSimilarity(a: readonly string[], b: readonly string[]): number {
  const A = new Set(a),
    B = new Set(b);
  if (A.size === 0 && B.size === 0) return 1;
  let inter = 0;
  for (const t of A) if (B.has(t)) inter++;
  return (2 * inter) / (A.size + B.size);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

interface Concept {
  /** Founded by an undescribed column: never matched by anything. */
  anonymous: boolean;
  key: string;
  tokens: string[];
  label: string;
  embedding: Float32Array | null;
}

export class FeatureSpace {
  private readonly concepts: Concept[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly embedder: TextEmbedder | undefined;
  readonly tokenThreshold: number;
  readonly embeddingThreshold: number;

  constructor(options: FeatureSpaceOptions = {}) {
    this.embedder = options.embedder;
    this.tokenThreshold = options.tokenThreshold ?? 0.75;
    this.embeddingThreshold = options.embeddingThreshold ?? 0.85;
  }

  /** Number of concepts. */
  get size(): number {
    return this.concepts.length;
  }

  /** The first description that founded each concept. */
  labels(): string[] {
    return this.concepts.map((c) => c.label);
  }

  private async embed(texts: string[]): Promise<(Float32Array | null)[]> {
    if (this.embedder === undefined || texts.length === 0) return texts.map(() => null);
    const v = await this.embedder(texts);
    if (v.length !== texts.length) throw new RangeError(`Embedder returned ${v.length} vectors for ${texts.length} texts`);
    return v;
  }

  private best(tokens: string[], key: string, emb: Float32Array | null): number {
    if (tokens.length === 0) return -1;
    const exact = this.byKey.get(key);
    if (exact !== undefined) return exact;
    let best = -1,
      bestScore = -Infinity;
    this.concepts.forEach((c, i) => {
      if (c.anonymous) return;
      const t = tokenSimilarity(tokens, c.tokens);
      let s = t >= this.tokenThreshold ? t : -Infinity;
      if (emb !== null && c.embedding !== null) {
        const e = cosine(emb, c.embedding);
        if (e >= this.embeddingThreshold) s = Math.max(s, e);
      }
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    });
    return bestScore > -Infinity ? best : -1;
  }

  /** Maps a learnware's column descriptions to concepts, adding new concepts as needed. */
  async addColumns(descriptions: readonly string[]): Promise<number[]> {
    const embs = await this.embed([...descriptions]);
    return descriptions.map((text, j) => {
      const tokens = descriptionTokens(text),
        key = normalizeDescription(text);
      const found = this.best(tokens, key, embs[j] ?? null);
      if (found >= 0) return found;
      const id = this.concepts.length;
      const anonymous = tokens.length === 0;
      this.concepts.push({ anonymous, key, tokens, label: text, embedding: embs[j] ?? null });
      if (!anonymous) this.byKey.set(key, id);
      return id;
    });
  }

  /** Maps descriptions to existing concepts without adding any (`-1` when none matches). */
  async lookup(descriptions: readonly string[]): Promise<number[]> {
    const embs = await this.embed([...descriptions]);
    return descriptions.map((text, j) => this.best(descriptionTokens(text), normalizeDescription(text), embs[j] ?? null));
  }
}

/**
 * The column descriptions of a semantic `Input` in column order (`""` for an undescribed
 * column); throws a RangeError when `Dimension` does not match `dim`.
 */
export function inputDescriptions(input: { Dimension: number; Description: Record<string, string> }, dim: number): string[] {
  if (Number(input.Dimension) !== dim) {
    throw new RangeError(`Input.Dimension is ${input.Dimension} but the table spec has ${dim} columns`);
  }
  const out: string[] = new Array(dim).fill("");
  for (const [k, v] of Object.entries(input.Description ?? {})) {
    const j = Number.parseInt(k.trim(), 10);
    if (Number.isInteger(j) && j >= 0 && j < dim && typeof v === "string") out[j] = v;
  }
  return out;
}
