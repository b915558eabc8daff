/** Reads an n×d numeric table from CSV (with or without header), JSON or .npy into a Matrix. */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { Matrix } from "../core/matrix.ts";
import { CsvError, type CsvTable, parseCsv as parseCsvText, toNumber } from "../core/csv.ts";
import { CliError } from "./errors.ts";

export interface Table extends Matrix {
  /** Column names from a CSV header, if there was one. */
  columns: string[] | null;
}

export function readTableFile(path: string, opts: { onProgress?: (fraction: number) => void } = {}): Table {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CliError(`Cannot read input file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".npy") return parseNpy(bytes, path);
  const text = new TextDecoder().decode(bytes);
  if (ext === ".json") return parseJsonTable(text, path);
  return parseCsv(text, path, opts);
}

/**
 * A numeric CSV by the shared rules (core/csv.ts): the separator and decimal comma detected
 * (a note on stderr says how the file was read), NA/empty/nan missing; a text field is an
 * error naming its line and column.
 */
export function parseCsv(text: string, name = "CSV", opts: { onProgress?: (fraction: number) => void; quiet?: boolean } = {}): Table {
  let t: CsvTable;
  try {
    t = parseCsvText(text, opts.onProgress ? { onProgress: opts.onProgress } : {});
  } catch (e) {
    throw e instanceof CsvError ? new CliError(`${name} ${e.message}`) : e;
  }
  for (let j = 0; j < t.cols; j++) {
    const f = t.firstText[j];
    if (t.text[j]! > 0 && f) {
      const hint =
        t.delimiter === "," && /^\d+,\d+$/.test(f.value) ? " (a decimal comma in a comma-separated file: quote nothing, use ; as the separator)" : "";
      throw new CliError(`${name} line ${f.line}, column ${j + 1}: "${f.value}" is not a number${hint}`);
    }
  }
  if (!opts.quiet) for (const note of t.notes) process.stderr.write(`${name}: ${note}\n`);
  return { rows: t.rows, cols: t.cols, data: t.data, columns: t.header };
}

export function parseJsonTable(text: string, name = "JSON"): Table {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${name} is not valid JSON: ${(e as Error).message}`);
  }
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    v = o["X"] ?? o["x"] ?? o["data"];
  }
  if (!Array.isArray(v) || v.length === 0) throw new CliError(`${name} must hold a non-empty array of rows (or {"X": [...]})`);
  const rows = v.map((r) => (Array.isArray(r) ? r : [r]));
  const d = rows[0]!.length;
  const data = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new CliError(`${name} row ${i} has ${r.length} values, expected ${d}`);
    r.forEach((x: unknown, j: number) => {
      const n = x === null ? NaN : typeof x === "string" ? toNumber(x) : x;
      if (typeof n !== "number") throw new CliError(`${name} row ${i}, column ${j}: ${JSON.stringify(x)} is not a number`);
      data[i * d + j] = n;
    });
  });
  return { rows: rows.length, cols: d, data, columns: null };
}

/** Parses NumPy's .npy format (v1–3; little-endian float/int dtypes, C order, 1-D or 2-D). */
export function parseNpy(bytes: Uint8Array, name = "NPY"): Table {
  const { shape, data } = parseNpyArray(bytes, name);
  if (shape.length < 1 || shape.length > 2) throw new CliError(`${name} must be 1-D or 2-D, got shape (${shape.join(", ")})`);
  return { rows: shape[0]!, cols: shape[1] ?? 1, data, columns: null };
}

/** An .npy array of any rank (v1–3; little-endian float/int dtypes, C order) as its shape and values. */
export function parseNpyArray(bytes: Uint8Array, name = "NPY"): { shape: number[]; data: Float64Array } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new CliError(`${name} is not a .npy file (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder("latin1").decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] === "True";
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new CliError(`${name} has a malformed header`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  if (fortran && shape.length >= 2) throw new CliError(`${name} is in Fortran order; save it with np.ascontiguousarray first`);
  const count = shape.reduce((a, b) => a * b, 1);
  const readers: Record<string, [number, (o: number) => number]> = {
    "<f8": [8, (o) => view.getFloat64(o, true)],
    "<f4": [4, (o) => view.getFloat32(o, true)],
    "<i8": [8, (o) => Number(view.getBigInt64(o, true))],
    "<i4": [4, (o) => view.getInt32(o, true)],
    "<i2": [2, (o) => view.getInt16(o, true)],
    "|u1": [1, (o) => view.getUint8(o)],
    "|i1": [1, (o) => view.getInt8(o)],
    "|b1": [1, (o) => view.getUint8(o)],
  };
  const rd = readers[descr];
  if (!rd) throw new CliError(`${name} has unsupported dtype ${descr} (use float64, float32 or little-endian ints)`);
  const off = start + headerLen;
  if (bytes.length < off + count * rd[0]) throw new CliError(`${name} is truncated: shape (${shape.join(", ")}) needs ${count * rd[0]} data bytes`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = rd[1](off + i * rd[0]);
  return { shape, data };
}
