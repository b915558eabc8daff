/**
 * The text RKME (the Python package's `RKMETextSpecification`): sentence embeddings of the
 * texts, then the table RKME on them; the languages detected in the texts are recorded in
 * `language` (as Python does with langdetect) and used by the search: a learnware is a
 * candidate only when the user's languages are a subset of its own.
 *
 * The embedder is passed in — `(texts) => Promise<Float32Array[]>` — so the core never loads
 * a model: on Node, `runner/text/embedder.ts` wraps a local transformers.js feature-extraction
 * model folder (the Python package uses `paraphrase-multilingual-MiniLM-L12-v2`); in a
 * browser, the same library loading the folder from the server.
 *
 * Stat file: the table spec's keys plus `"language": [...]`, with `"type":
 * "RKMETextSpecification"` (Python saves the object's `__dict__`, which holds `language`).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { RKMETextSpecification } from "./rkmeTextSpec.ts";
 * const embed = async (t: string[]) => t.map((s) => Float32Array.from([s.length / 10, s.split(" ").length / 5]));
 * const spec = await RKMETextSpecification.generate(["the cat sat", "the dog ran and the cat saw it"], embed, { K: 1 });
 * assert.equal(spec.language[0], "en");
 * assert.equal(spec.dim, 2);
 * assert.equal(RKMETextSpecification.parse(spec.stringify()).language[0], "en");
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { parsePythonJson } from "../_internal/pythonJson.ts";
import type { KernelMeanEmbedding } from "../kernel/mmd.ts";
import type { Matrix } from "../matrix.ts";
import { type SearchResult, searchStatistical, type StatSearchOptions } from "../search/statSearch.ts";
import { type GenerateOptions, RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { detectLanguages } from "./languageDetect.ts";
import { TEXT_SPEC_TYPE } from "../spec/specTypes.ts";

export type TextEmbedder = (texts: string[]) => Promise<Float32Array[]>;

const TYPE = TEXT_SPEC_TYPE;

export class RKMETextSpecification implements KernelMeanEmbedding {
  /** The registered type name (the Python class name). */
  static readonly TYPE = TYPE;
  readonly type: "RKMETextSpecification" = TYPE;
  /** The table RKME over the sentence embeddings. */
  readonly table: RKMETableSpecification;
  /** ISO 639-1 codes, most likely first. */
  readonly language: string[];

  constructor(table: RKMETableSpecification, language: readonly string[]) {
    this.table = table;
    this.language = [...language];
  }

  get z(): Matrix {
    return this.table.z;
  }
  get beta(): Float64Array {
    return this.table.beta;
  }
  get gamma(): number {
    return this.table.gamma;
  }
  get dim(): number {
    return this.table.dim;
  }
  get numPoints(): number {
    return this.table.numPoints;
  }

  /** Embeds the texts (in batches of `batchSize`, default 64), detects languages, builds the RKME. */
  static async generate(texts: readonly string[], embed: TextEmbedder, options: GenerateOptions & { batchSize?: number } = {}): Promise<RKMETextSpecification> {
    const X = await embedTexts(texts, embed, options.batchSize ?? 64);
    const { batchSize: _b, ...gen } = options;
    return new RKMETextSpecification(RKMETableSpecification.generate(X, gen), detectLanguages(texts));
  }

  innerProduct(other: KernelMeanEmbedding): number {
    return this.table.innerProduct(other);
  }
  dist(other: KernelMeanEmbedding): number {
    return this.table.dist(other);
  }
  herding(T: number, seed = 0): Matrix {
    return this.table.herding(T, seed);
  }

  toJSON() {
    return { ...this.table.toJSON(), type: TYPE, language: [...this.language] };
  }

  /** Compact JSON as Python writes it (the table file's text with `type` and `language`). */
  stringify(): string {
    const t = this.table.stringify();
    const head = t.slice(0, t.lastIndexOf(',"type":'));
    return `${head},"type":"${TYPE}","language":${JSON.stringify(this.language)}}`;
  }

  static fromJSON(obj: unknown): RKMETextSpecification {
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      throw new LearnwareError("SPEC_INVALID", "Text stat spec must be a JSON object");
    }
    const { type, language, ...rest } = obj as Record<string, unknown>;
    if (type !== undefined && type !== TYPE) {
      throw new LearnwareError("SPEC_INVALID", `Stat spec field 'type' is ${JSON.stringify(type)}, expected "${TYPE}"`);
    }
    const langs = language ?? [];
    if (!Array.isArray(langs) || !langs.every((l) => typeof l === "string")) {
      throw new LearnwareError("SPEC_INVALID", "Stat spec field 'language' must be an array of strings");
    }
    return new RKMETextSpecification(RKMETableSpecification.fromJSON(rest), langs as string[]);
  }

  static parse(text: string): RKMETextSpecification {
    let obj: unknown;
    try {
      obj = parsePythonJson(text);
    } catch (e) {
      throw new LearnwareError("SPEC_INVALID", `Stat spec is not valid JSON: ${(e as Error).message}`);
    }
    return RKMETextSpecification.fromJSON(obj);
  }
}

/** Embeds texts into an n×d matrix, checking the embedder's output. */
export async function embedTexts(texts: readonly string[], embed: TextEmbedder, batchSize = 64): Promise<Matrix> {
  if (texts.length === 0) throw new LearnwareError("DATA_INVALID", "Text spec generation needs at least one text");
  const rows: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const batch = texts.slice(i, i + batchSize).map((t) => String(t));
    const v = await embed(batch);
    if (v.length !== batch.length) throw new RangeError(`Embedder returned ${v.length} vectors for ${batch.length} texts`);
    rows.push(...v);
  }
  const d = rows[0]!.length;
  const data = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new RangeError(`Embedder returned vectors of lengths ${d} and ${r.length}`);
    data.set(r, i * d);
  });
  return { rows: rows.length, cols: d, data };
}

/** `user ⊆ learnware` on language codes (an empty user list matches everything). */
export function languagesCompatible(user: readonly string[], learnware: readonly string[]): boolean {
  const have = new Set(learnware);
  return user.every((l) => have.has(l));
}

/**
 * The statistical search for text specs: learnwares whose languages do not cover the
 * user's are dropped, then the table search runs on the embeddings' RKMEs.
 */
export function searchTextSpecs(
  user: RKMETextSpecification,
  market: readonly { id: string; spec: RKMETextSpecification }[],
  options: StatSearchOptions = {},
): SearchResult {
  const pool = market.filter((m) => languagesCompatible(user.language, m.spec.language));
  return searchStatistical(
    user.table,
    pool.map((m) => ({ id: m.id, spec: m.spec.table })),
    options,
  );
}
