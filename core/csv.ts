/**
 * The one CSV reader of `lw` (cli/readData.ts) and the page's worker (web/src/csv.ts), so a CSV
 * gives the same matrix in both. Parsing is papaparse's (RFC 4180 quotes, CRLF, streaming in
 * chunks with progress); the rules on top are ours and documented in the README:
 *
 * - **separator**: tab or `;` when every sampled line splits into the same number (≥ 2) of
 *   fields by it, else papaparse's guess among `,` `|` (default `,`);
 * - **decimal comma**: with a `;` or tab separator, fields such as `1,5` are read as 1.5, and
 *   the table says so in `notes`;
 * - **header**: a first row with any non-empty, non-numeric field;
 * - **missing** (NaN): empty, `nan`, `na`, `n/a`, `null`, `none` (any case) — one rule for the
 *   page and the CLI; `inf` / `-inf` / `infinity` are infinite;
 * - anything else that is not a number is **text** (counted per column; the page leaves text
 *   columns out, the CLI refuses them naming the line and column).
 *
 * @example
 * ```ts
 * import assert from "./testing/assert.ts";
 * import { parseCsv } from "./csv.ts";
 * const t = parseCsv("a;b\n1,5;2\nNA;3\n");
 * assert.equal(t.delimiter, ";");
 * assert.ok(t.decimalComma);
 * assert.equal(t.data[0], 1.5);
 * assert.ok(Number.isNaN(t.data[2]!));
 * ```
 */
import Papa from "papaparse";

/** A field that reads as a number (including nan / inf spellings). */
export const NUMERIC_FIELD = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|inf|infinity)$/i;
/** A number written with a decimal comma, e.g. `-1,25` or `3,5e-2`. */
const DECIMAL_COMMA_FIELD = /^[+-]?\d*,\d+([eE][+-]?\d+)?$/;
const MISSING = new Set(["", "nan", "+nan", "-nan", "na", "n/a", "null", "none"]);

/** Malformed CSV text (the message names the problem). */
export class CsvError extends Error {
  override name = "CsvError";
}

/** The field's number: NaN when missing or not a number; ±Infinity for `inf` spellings. */
export function toNumber(field: string, decimalComma = false): number {
  let t = field.trim();
  if (t === "") return NaN;
  const l = t.toLowerCase();
  if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") return Infinity;
  if (l === "-inf" || l === "-infinity") return -Infinity;
  if (decimalComma && DECIMAL_COMMA_FIELD.test(t)) t = t.replace(",", ".");
  return NUMERIC_FIELD.test(t) && !l.endsWith("nan") ? Number(t) : NaN;
}

/** True for a missing value (empty, nan, na, n/a, null, none) rather than text. */
export function isMissingField(field: string): boolean {
  return MISSING.has(field.trim().toLowerCase());
}

/** A first row with any non-empty, non-numeric field is a header. */
export function hasHeaderRow(first: readonly string[], decimalComma = false): boolean {
  return first.some((f) => !isMissingField(f) && Number.isNaN(toNumber(f, decimalComma)) && !NUMERIC_FIELD.test(f.trim()));
}

/** The separator by the rules above, from the first lines of `text`. */
export function sniffDelimiter(text: string): string {
  const sample = text
    .slice(0, 65536)
    .split(/\r?\n/)
    .slice(0, 20)
    .filter((l) => l.trim() !== "");
  for (const d of ["\t", ";"]) {
    const counts = sample.map((l) => Papa.parse<string[]>(l, { delimiter: d }).data[0]?.length ?? 0);
    if (counts.length > 0 && counts[0]! >= 2 && counts.every((c) => c === counts[0])) return d;
  }
  const guessed = Papa.parse<string[]>(sample.join("\n"), { delimitersToGuess: [",", "|"] }).meta.delimiter;
  return guessed === "|" ? "|" : ",";
}

/** Splits CSV text into rows of fields (papaparse); blank lines are skipped. */
export function splitCsv(text: string, delimiter = sniffDelimiter(text)): string[][] {
  const r = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: "greedy" });
  const bad = r.errors.find((e) => e.type === "Quotes");
  if (bad) throw new CsvError(`Malformed CSV: a quoted field is not closed (row ${(bad.row ?? 0) + 1})`);
  return r.data;
}

export interface CsvTable {
  delimiter: string;
  /** `1,5` was read as 1.5 (a `;` or tab separated file with decimal commas). */
  decimalComma: boolean;
  /** The header's names, or null when the first row is data. */
  header: string[] | null;
  rows: number;
  cols: number;
  /** Row-major numbers, NaN where missing or text. */
  data: Float64Array;
  /** Per column: missing fields, text fields, and where the first text field is (1-based line). */
  missing: Uint32Array;
  text: Uint32Array;
  firstText: { line: number; value: string }[];
  /** Distinct text values per column (capped at 50), for the page's profile. */
  distinct: Set<string>[];
  /** The first body rows as text (the page's preview; never leaves the page). */
  head: string[][];
  /** What a user should know about how the file was read (decimal commas, …). */
  notes: string[];
}

export interface CsvOptions {
  /** Called with the fraction of the text parsed so far, from the first chunk on. */
  onProgress?: (fraction: number) => void;
  /** Rows kept in `head`. Default 8. */
  headRows?: number;
  /** Characters per parsing chunk. Default 1 MiB. */
  chunkSize?: number;
}

/** Parses a whole CSV text into numbers by the rules above, in chunks (progress as it goes). */
export function parseCsv(text: string, opts: CsvOptions = {}): CsvTable {
  const delimiter = sniffDelimiter(text);
  const sampleFields = Papa.parse<string[]>(text.slice(0, 65536), { delimiter, preview: 50, skipEmptyLines: "greedy" }).data.flat();
  const decimalComma = delimiter !== "," && sampleFields.some((f) => DECIMAL_COMMA_FIELD.test(f.trim()));
  const headRows = opts.headRows ?? 8;
  let header: string[] | null = null;
  let first = true;
  let d = 0;
  let n = 0;
  let line = 0;
  let data = new Float64Array(1024);
  let missing = new Uint32Array(0),
    textCount = new Uint32Array(0);
  const firstText: { line: number; value: string }[] = [];
  const distinct: Set<string>[] = [];
  const head: string[][] = [];
  let quoteError: string | null = null;
  const total = Math.max(1, text.length);
  opts.onProgress?.(0);
  // String input with `chunk` is parsed synchronously, chunk by chunk (papaparse's
  // StringStreamer); the published types only allow `chunk` for files and streams.
  const config = {
    delimiter,
    skipEmptyLines: "greedy",
    chunkSize: opts.chunkSize ?? 1 << 20,
    chunk(res: Papa.ParseResult<string[]>) {
      if (quoteError === null) {
        const q = res.errors.find((e) => e.type === "Quotes");
        if (q) quoteError = `Malformed CSV: a quoted field is not closed (near data row ${n + (q.row ?? 0) + 1})`;
      }
      for (const row of res.data) {
        line++;
        if (first) {
          first = false;
          d = row.length;
          missing = new Uint32Array(d);
          textCount = new Uint32Array(d);
          for (let j = 0; j < d; j++) distinct.push(new Set());
          if (hasHeaderRow(row, decimalComma)) {
            header = row.map((f, j) => f.trim() || `column ${j + 1}`);
            continue;
          }
        }
        if (row.length !== d) throw new CsvError(`line ${line} has ${row.length} fields, expected ${d}`);
        if ((n + 1) * d > data.length) {
          const grown = new Float64Array(Math.max(data.length * 2, (n + 1) * d));
          grown.set(data);
          data = grown;
        }
        for (let j = 0; j < d; j++) {
          const f = row[j]!;
          const v = toNumber(f, decimalComma);
          data[n * d + j] = v;
          if (Number.isNaN(v)) {
            if (isMissingField(f)) missing[j]!++;
            else {
              if (textCount[j]! === 0) firstText[j] = { line, value: f.trim() };
              textCount[j]!++;
              if (distinct[j]!.size < 50) distinct[j]!.add(f.trim());
            }
          }
        }
        if (head.length < headRows) head.push(row);
        n++;
      }
      opts.onProgress?.(Math.min(1, res.meta.cursor / total));
    },
  };
  Papa.parse<string[]>(text, config as unknown as Papa.ParseConfig<string[]>);
  if (quoteError !== null) throw new CsvError(quoteError);
  if (first) throw new CsvError("has no rows");
  if (n === 0) throw new CsvError("has a header but no data rows");
  const notes: string[] = [];
  if (decimalComma) notes.push(`read with "${delimiter === "\t" ? "tab" : delimiter}" as the separator and "," as the decimal mark (1,5 = 1.5)`);
  else if (delimiter !== ",") notes.push(`read with "${delimiter === "\t" ? "tab" : delimiter}" as the separator`);
  opts.onProgress?.(1);
  return {
    delimiter,
    decimalComma,
    header,
    rows: n,
    cols: d,
    data: data.length === n * d ? data : data.slice(0, n * d),
    missing,
    text: textCount,
    firstText,
    distinct,
    head,
    notes,
  };
}
