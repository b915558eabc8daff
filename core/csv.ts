/**
 * The CSV rules shared by `lw` (cli/readData.ts) and the page's worker (web/src/csv.ts), so a
 * numeric CSV gives the same matrix in both: RFC 4180 quotes; `,`, `;` or tab sniffed from the
 * first line; a header when a first-row field is not a number; empty and `nan` fields are
 * missing (NaN), `inf` / `-inf` infinite.
 *
 * @example
 * ```ts
 * import assert from "./testing/assert.ts";
 * import { hasHeaderRow, splitCsv, toNumber } from "./csv.ts";
 * const rows = splitCsv('a;b\n1;"2"\n');
 * assert.ok(hasHeaderRow(rows[0]!));
 * assert.equal(toNumber(rows[1]![1]!), 2);
 * ```
 */

/** A field that reads as a number (including nan / inf spellings). */
export const NUMERIC_FIELD = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|inf|infinity)$/i;

/** Malformed CSV text (the message names the problem). */
export class CsvError extends Error {
  override name = "CsvError";
}

/** The field's number: NaN when empty, `nan` or not a number; ±Infinity for `inf` spellings. */
export function toNumber(field: string): number {
  const t = field.trim();
  if (t === "") return NaN;
  const l = t.toLowerCase();
  if (l === "nan" || l === "+nan" || l === "-nan") return NaN;
  if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") return Infinity;
  if (l === "-inf" || l === "-infinity") return -Infinity;
  return NUMERIC_FIELD.test(t) ? Number(t) : NaN;
}

/** True for an empty or `nan` field (a missing value rather than text). */
export function isMissingField(field: string): boolean {
  const t = field.trim().toLowerCase();
  return t === "" || t === "nan" || t === "+nan" || t === "-nan";
}

/** The delimiter among `,` `;` and tab that splits the first line into the most fields. */
export function sniffDelimiter(text: string): string {
  const nl = text.indexOf("\n");
  const firstLine = nl < 0 ? text : text.slice(0, nl);
  return [",", ";", "\t"].map((d) => [d, firstLine.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
}

/** A first row with any non-empty, non-numeric field is a header. */
export function hasHeaderRow(first: readonly string[]): boolean {
  return first.some((f) => f.trim() !== "" && !NUMERIC_FIELD.test(f.trim()));
}

/** Splits CSV text into rows of fields; blank lines are skipped. */
export function splitCsv(text: string, delim = sniffDelimiter(text)): string[][] {
  const rows: string[][] = [];
  let field = "",
    row: string[] = [],
    inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === delim) {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      field = "";
      if (row.length > 1 || row[0]!.trim() !== "") rows.push(row);
      row = [];
    } else field += ch;
  }
  if (inQuotes) throw new CsvError("Malformed CSV: a quoted field is not closed");
  row.push(field);
  if (row.length > 1 || row[0]!.trim() !== "") rows.push(row);
  return rows;
}
