/**
 * The table RKME specification (`RKMETableSpecification` of the Python `learnware`
 * package): a reduced set `z` (m×d) with weights `beta` summarising a data set in the RBF
 * kernel space of bandwidth `gamma`, plus the number of rows it summarises.
 *
 * Loads and writes the Python package's stat file (`stat.json`): compact JSON with keys
 * `z, beta, gamma, num_points, type`, floats written as Python's `repr` writes them, so a
 * file saved here is byte-identical to one the Python package would save for the same values.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { RKMETableSpecification } from "./rkmeTableSpec.ts";
 * const spec = RKMETableSpecification.parse('{"z":[[0.0,1.0],[2.0,3.0]],"beta":[0.5,0.5],"gamma":0.1,"num_points":10,"type":"RKMETableSpecification"}');
 * assert.equal(spec.dim, 2);
 * assert.equal(spec.dist(spec), 0);
 * assert.equal(RKMETableSpecification.parse(spec.stringify()).stringify(), spec.stringify());
 * ```
 */
import { LearnwareError } from "../errors.ts";
import { parsePythonJson } from "../_internal/pythonJson.ts";
import { innerProduct, type KernelMeanEmbedding, mmd2 } from "../kernel/mmd.ts";
import { type Matrix, toRows } from "../matrix.ts";
import { generateRkme, type GenerateOptions } from "./generateRkme.ts";
import { herding } from "./herding.ts";
import { TABLE_SPEC_TYPE } from "./specTypes.ts";

export type { GenerateOptions } from "./generateRkme.ts";
export { innerProduct, mmd2 } from "../kernel/mmd.ts";

/** The stat-file object, exactly as the Python package saves it. */
export interface StatSpecJson {
  z: number[][];
  beta: number[];
  gamma: number;
  num_points: number;
  type: "RKMETableSpecification";
}

const TYPE = TABLE_SPEC_TYPE;

export class RKMETableSpecification implements KernelMeanEmbedding {
  /** The registered type name (the Python class name). */
  static readonly TYPE = TYPE;
  readonly type: "RKMETableSpecification" = TYPE;
  /** Reduced set, m×d (the spec owns it: do not mutate). */
  readonly z: Matrix;
  /** Weights of the reduced set, length m (need not sum to 1 in loaded files). */
  readonly beta: Float64Array;
  /** RBF bandwidth: `k(x, y) = exp(−gamma‖x − y‖²)`. */
  readonly gamma: number;
  /** Number of rows of the data the spec summarises. */
  readonly numPoints: number;

  /** Wraps the arrays (no copy) after checking their shapes. */
  constructor(z: Matrix, beta: Float64Array, gamma: number, numPoints: number) {
    if (z === null || typeof z !== "object" || !(z.data instanceof Float64Array)) {
      throw new TypeError("RKMETableSpecification: z must be a Matrix over a Float64Array");
    }
    if (!(beta instanceof Float64Array)) throw new TypeError("RKMETableSpecification: beta must be a Float64Array");
    if (!Number.isInteger(z.rows) || !Number.isInteger(z.cols) || z.rows < 1 || z.cols < 1) {
      throw new RangeError(`RKMETableSpecification: z must have at least one row and column, got ${z.rows}x${z.cols}`);
    }
    if (z.data.length !== z.rows * z.cols) {
      throw new RangeError(`RKMETableSpecification: z data length ${z.data.length} does not match ${z.rows}x${z.cols}`);
    }
    if (beta.length !== z.rows) {
      throw new RangeError(`RKMETableSpecification: beta has length ${beta.length} but z is ${z.rows}x${z.cols}`);
    }
    if (typeof gamma !== "number") throw new TypeError(`RKMETableSpecification: gamma must be a number, got ${typeof gamma}`);
    if (!Number.isFinite(gamma) || gamma <= 0) {
      throw new RangeError(`RKMETableSpecification: gamma must be a positive finite number, got ${gamma}`);
    }
    if (!Number.isInteger(numPoints) || numPoints < 0) {
      throw new RangeError(`RKMETableSpecification: numPoints must be a non-negative integer, got ${numPoints}`);
    }
    this.z = z;
    this.beta = beta;
    this.gamma = gamma;
    this.numPoints = numPoints;
  }

  /**
   * Builds a spec from a parsed stat-file object. Old files without `type` and with extra
   * keys (`cuda_idx`, `device`) load; a missing `num_points` reads as 0 (as the Python
   * loader leaves it). A different `type` or a malformed field throws
   * `LearnwareError("SPEC_INVALID")` naming the field. Values must be JSON numbers
   * (non-finite numbers, as Python writes `NaN`, are kept: their distances are NaN).
   */
  static fromJSON(obj: unknown): RKMETableSpecification {
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      throw invalid(`Stat spec must be a JSON object, got ${describe(obj)}`);
    }
    const o = obj as Record<string, unknown>;
    if (o.type !== undefined && o.type !== TYPE) {
      throw invalid(`Stat spec field 'type' is ${JSON.stringify(o.type)}, expected "${TYPE}"`);
    }
    const z = readZ(o.z);
    const beta = readBeta(o.beta, z.rows);
    const gamma = o.gamma;
    if (typeof gamma !== "number" || !Number.isFinite(gamma) || gamma <= 0) {
      throw invalid(`Stat spec field 'gamma' must be a positive number, got ${describe(gamma)}`);
    }
    let numPoints = 0;
    if (o.num_points !== undefined) {
      if (typeof o.num_points !== "number" || !Number.isInteger(o.num_points) || o.num_points < 0) {
        throw invalid(`Stat spec field 'num_points' must be a non-negative integer, got ${describe(o.num_points)}`);
      }
      numPoints = o.num_points;
    }
    return new RKMETableSpecification(z, beta, gamma, numPoints);
  }

  /**
   * Parses stat-file text. Accepts Python's bare `NaN` / `Infinity` / `-Infinity` tokens
   * (which `json.dump` writes for non-finite floats); other bad JSON throws
   * `LearnwareError("SPEC_INVALID")`.
   */
  static parse(text: string): RKMETableSpecification {
    if (typeof text !== "string") throw new TypeError(`Stat spec text must be a string, got ${typeof text}`);
    return RKMETableSpecification.fromJSON(parseSpecJson(text));
  }

  /** Generates a spec from raw data (see `generateRkme`). */
  static generate(X: Matrix, options: GenerateOptions = {}): RKMETableSpecification {
    const r = generateRkme(X, options);
    return new RKMETableSpecification(r.z, r.beta, r.gamma, r.numPoints);
  }

  /** The stat-file object (nested plain arrays). */
  toJSON(): StatSpecJson {
    return { z: toRows(this.z), beta: Array.from(this.beta), gamma: this.gamma, num_points: this.numPoints, type: TYPE };
  }

  /**
   * Compact JSON exactly as the Python package writes it (`json.dump(..., separators=(",", ":"))`,
   * floats in `repr` form such as `1e-05` and `3.0`, non-finite floats as `NaN` / `Infinity`).
   */
  stringify(): string {
    const { rows, cols, data } = this.z;
    const parts: string[] = new Array(rows);
    const rowBuf: string[] = new Array(cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) rowBuf[j] = formatPythonFloat(data[i * cols + j]!);
      parts[i] = "[" + rowBuf.join(",") + "]";
    }
    const beta = Array.from(this.beta, formatPythonFloat).join(",");
    return `{"z":[${parts.join(",")}],"beta":[${beta}],"gamma":${formatPythonFloat(this.gamma)},` + `"num_points":${this.numPoints},"type":"${TYPE}"}`;
  }

  /** Dimension of the reduced-set points (`z.cols`). */
  get dim(): number {
    return this.z.cols;
  }

  /** `ip(this, other)` with this spec's gamma. */
  innerProduct(other: KernelMeanEmbedding): number {
    return innerProduct(this, other);
  }

  /** MMD² `ip(this,this) − 2·ip(this,other) + ip(other,other)`; exactly 0 for an identical spec. */
  dist(other: KernelMeanEmbedding): number {
    return mmd2(this, other);
  }

  /** The Python package's herding: `T` synthetic points sampled greedily (see `herding.ts`). */
  herding(T: number, seed = 0): Matrix {
    return herding(this, T, seed);
  }
}

function invalid(message: string): LearnwareError {
  return new LearnwareError("SPEC_INVALID", message);
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing (missing)";
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

function readZ(v: unknown): Matrix {
  if (!Array.isArray(v)) throw invalid(`Stat spec field 'z' must be an array of rows, got ${describe(v)}`);
  const m = v.length;
  if (m === 0) throw invalid("Stat spec field 'z' must have at least one row");
  const first = v[0];
  if (!Array.isArray(first)) throw invalid(`Stat spec field 'z' row 0 must be an array of numbers, got ${describe(first)}`);
  const d = first.length;
  if (d === 0) throw invalid("Stat spec field 'z' rows must not be empty");
  const data = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    const r: unknown = v[i];
    if (!Array.isArray(r)) throw invalid(`Stat spec field 'z' row ${i} must be an array of numbers, got ${describe(r)}`);
    if (r.length !== d) throw invalid(`Stat spec field 'z' row ${i} has length ${r.length}, expected ${d}`);
    for (let j = 0; j < d; j++) {
      const x: unknown = r[j];
      if (typeof x !== "number") throw invalid(`Stat spec field 'z' [${i}][${j}] must be a number, got ${describe(x)}`);
      data[i * d + j] = x;
    }
  }
  return { rows: m, cols: d, data };
}

function readBeta(v: unknown, m: number): Float64Array {
  if (!Array.isArray(v)) throw invalid(`Stat spec field 'beta' must be an array of numbers, got ${describe(v)}`);
  if (v.length !== m) throw invalid(`Stat spec field 'beta' has length ${v.length}, but 'z' has ${m} rows`);
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const x: unknown = v[i];
    if (typeof x !== "number") throw invalid(`Stat spec field 'beta' [${i}] must be a number, got ${describe(x)}`);
    out[i] = x;
  }
  return out;
}

/** `JSON.parse` with Python's non-finite tokens, failing as SPEC_INVALID. */
function parseSpecJson(text: string): unknown {
  try {
    return parsePythonJson(text);
  } catch (e) {
    throw invalid(`Stat spec is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Formats a float as Python's `repr` (and so `json.dump`) does: shortest round-trip digits,
 * fixed notation for decimal exponents −4…15 with a trailing `.0` on integral values,
 * otherwise `d.ddde±XX`.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { formatPythonFloat } from "./rkmeTableSpec.ts";
 * assert.equal(formatPythonFloat(1e-5), "1e-05");
 * assert.equal(formatPythonFloat(3), "3.0");
 * assert.equal(formatPythonFloat(1.5e16), "1.5e+16");
 * assert.equal(formatPythonFloat(0.0001), "0.0001");
 * ```
 */
export function formatPythonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const ax = x < 0 ? -x : x;
  if (ax >= 1e-4 && ax < 1e16) {
    // JS also writes fixed notation on this range, with the same shortest digits.
    const s = String(x);
    return s.includes(".") ? s : s + ".0";
  }
  const e = x.toExponential(); // shortest round-trip digits, e.g. "-1.25e-7"
  const at = e.indexOf("e");
  const exp = Number(e.slice(at + 1));
  const mag = exp < 0 ? -exp : exp;
  return `${e.slice(0, at)}e${exp < 0 ? "-" : "+"}${mag < 10 ? "0" : ""}${mag}`;
}
