/**
 * CSV reading in the browser (inside the worker) with the CLI's rules (core/csv.ts), so a
 * numeric CSV gives the same matrix here and in `lw spec generate`. Unlike the CLI it keeps
 * text columns for the preview: they are reported and left out of the specification.
 */
import { CsvError, hasHeaderRow, isMissingField, sniffDelimiter, splitCsv, toNumber } from "../../core/csv.ts";

export { CsvError, splitCsv, toNumber };
export type ColumnType = "number" | "text" | "empty";

export interface ColumnProfile {
  index: number;
  name: string;
  type: ColumnType;
  missing: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Distinct values seen in a text column (capped at 50). */
  distinct: number | null;
}

export interface TableProfile {
  fileName: string;
  bytes: number;
  rows: number;
  cols: number;
  hasHeader: boolean;
  delimiter: string;
  columns: ColumnProfile[];
  /** The first rows, as text, for the preview only (never leaves the page). */
  head: string[][];
  missing: number;
}

/** Missing in the page's preview: the shared rule plus `na` / `null`. */
function isMissing(field: string): boolean {
  const t = field.trim().toLowerCase();
  return isMissingField(field) || t === "na" || t === "null";
}

export interface ParsedTable {
  profile: TableProfile;
  /** Column-major numeric values (NaN where missing or text), one Float64Array per column. */
  values: Float64Array[];
}

export function parseCsvTable(text: string, fileName: string, bytes: number): ParsedTable {
  const delimiter = sniffDelimiter(text);
  const rows = splitCsv(text, delimiter);
  if (rows.length === 0) throw new CsvError(`${fileName} has no rows`);
  const first = rows[0]!;
  const hasHeader = hasHeaderRow(first);
  const body = hasHeader ? rows.slice(1) : rows;
  if (body.length === 0) throw new CsvError(`${fileName} has a header but no data rows`);
  const d = first.length;
  const n = body.length;
  const values = Array.from({ length: d }, () => new Float64Array(n));
  const text_ = new Uint8Array(d),
    missing = new Uint32Array(d);
  const distinct = Array.from({ length: d }, () => new Set<string>());
  for (let i = 0; i < n; i++) {
    const r = body[i]!;
    if (r.length !== d) throw new CsvError(`${fileName} line ${i + (hasHeader ? 2 : 1)} has ${r.length} fields, expected ${d}`);
    for (let j = 0; j < d; j++) {
      const f = r[j]!;
      const v = toNumber(f);
      values[j]![i] = v;
      if (Number.isNaN(v)) {
        if (isMissing(f)) missing[j]!++;
        else {
          text_[j] = 1;
          const s = distinct[j]!;
          if (s.size < 50) s.add(f.trim());
        }
      }
    }
  }
  let totalMissing = 0;
  const columns: ColumnProfile[] = [];
  for (let j = 0; j < d; j++) {
    const col = values[j]!;
    let min = Infinity,
      max = -Infinity,
      sum = 0,
      cnt = 0;
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
        cnt++;
      }
    }
    const type: ColumnType = text_[j] ? "text" : cnt === 0 && missing[j] === n ? "empty" : "number";
    totalMissing += missing[j]!;
    columns.push({
      index: j,
      name: hasHeader ? first[j]!.trim() || `column ${j + 1}` : `column ${j + 1}`,
      type,
      missing: missing[j]!,
      min: cnt ? min : null,
      max: cnt ? max : null,
      mean: cnt ? sum / cnt : null,
      distinct: type === "text" ? distinct[j]!.size : null,
    });
  }
  return {
    profile: { fileName, bytes, rows: n, cols: d, hasHeader, delimiter, columns, head: body.slice(0, 8), missing: totalMissing },
    values,
  };
}

/** Row-major n×k matrix of the chosen numeric columns. */
export function selectColumns(t: ParsedTable, cols: readonly number[]): { rows: number; cols: number; data: Float64Array } {
  const n = t.profile.rows,
    k = cols.length;
  const data = new Float64Array(n * k);
  cols.forEach((c, j) => {
    const col = t.values[c];
    if (!col) throw new RangeError(`No column ${c}`);
    for (let i = 0; i < n; i++) data[i * k + j] = col[i]!;
  });
  return { rows: n, cols: k, data };
}
