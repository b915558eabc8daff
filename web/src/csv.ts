/**
 * CSV reading in the browser (inside the worker) with the CLI's parser and rules (core/csv.ts,
 * papaparse underneath), so a CSV gives the same matrix here and in `lw spec generate`. Unlike
 * the CLI it keeps text columns for the preview: they are reported and left out of the
 * specification.
 */
import { CsvError, type CsvTable, parseCsv, splitCsv, toNumber } from "../../core/csv.ts";

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
  /** `1,5` read as 1.5 (decimal commas in a `;` or tab separated file). */
  decimalComma: boolean;
  /** How the file was read, to show beside the preview (separator, decimal mark). */
  notes: string[];
  columns: ColumnProfile[];
  /** The first rows, as text, for the preview only (never leaves the page). */
  head: string[][];
  missing: number;
}

export interface ParsedTable {
  profile: TableProfile;
  /** Column-major numeric values (NaN where missing or text), one Float64Array per column. */
  values: Float64Array[];
}

export function parseCsvTable(text: string, fileName: string, bytes: number): ParsedTable {
  let t: CsvTable;
  try {
    t = parseCsv(text);
  } catch (e) {
    throw e instanceof CsvError ? new CsvError(`${fileName} ${e.message}`) : e;
  }
  const n = t.rows,
    d = t.cols;
  const values = Array.from({ length: d }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) values[j]![i] = t.data[i * d + j]!;
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
    const type: ColumnType = t.text[j]! > 0 ? "text" : cnt === 0 && t.missing[j] === n ? "empty" : "number";
    totalMissing += t.missing[j]!;
    columns.push({
      index: j,
      name: t.header ? t.header[j]! : `column ${j + 1}`,
      type,
      missing: t.missing[j]!,
      min: cnt ? min : null,
      max: cnt ? max : null,
      mean: cnt ? sum / cnt : null,
      distinct: type === "text" ? t.distinct[j]!.size : null,
    });
  }
  return {
    profile: {
      fileName,
      bytes,
      rows: n,
      cols: d,
      hasHeader: t.header !== null,
      delimiter: t.delimiter,
      decimalComma: t.decimalComma,
      notes: t.notes,
      columns,
      head: t.head,
      missing: totalMissing,
    },
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
