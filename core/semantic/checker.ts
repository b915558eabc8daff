/**
 * The Python market's semantic checker (`EasySemanticChecker.check_semantic_spec`) as a
 * pure function that gives the same verdict — INVALID (−1) or NONUSABLE (0, "semantics
 * fine, not yet run") — and, unlike Python, which stops at the first failed assertion,
 * reports every issue it finds, each naming its rule and key.
 *
 * Rules, for the keys of `SEMANTIC_CONFIG` (a missing key, `Values` or `Type` is invalid):
 * `Type` equals the configured type; Class: exactly one allowed value; Tag: one or more,
 * each allowed; String: a non-empty string. Data `Table` needs `Input`, Task
 * `Classification` / `Regression` needs `Output` (Classification with `Dimension > 1`),
 * each with `Dimension` and a `Description` object whose keys parse with Python's `int()`
 * into `[0, Dimension)` and whose values are strings. Extra keys are ignored.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { checkSemanticSpec } from "./checker.ts";
 * const r = checkSemanticSpec({ Data: { Type: "Class", Values: ["Tabular"] } });
 * assert.equal(r.status, -1);
 * assert.equal(r.issues[0]!.key, "Data");
 * assert.equal(r.issues[0]!.rule, "class.value");
 * ```
 */
import { CHECK_STATUS } from "../checkStatus.ts";
import { SEMANTIC_CONFIG, SEMANTIC_KEYS, TASKS_WITH_OUTPUT, type SemanticKeyConfig } from "./config.ts";

/** Check statuses of the Python market (the one table: `core/checkStatus.ts`). */
export { CHECK_STATUS } from "../checkStatus.ts";

/** One broken rule: a stable rule id, the top-level key it concerns, and a readable message. */
export interface SemanticIssue {
  rule: string;
  key: string;
  message: string;
}

/** The verdict: `ok` ⇔ `status === 0`; `message` names the first broken rule and key. */
export interface SemanticCheckResult {
  status: -1 | 0;
  ok: boolean;
  issues: SemanticIssue[];
  message: string;
}

const SUCCESS_MESSAGE = "Semantic specification is valid";

/**
 * Checks a semantic spec as the Python market does; never throws.
 *
 * Rule ids: `spec.type`, `key.missing`, `key.type`, `values.missing`, `type.missing`,
 * `type.mismatch`, `class.count`, `class.value`, `tag.empty`, `tag.type`, `tag.value`,
 * `string.type`, `string.empty`, and for `Input` / `Output`: `io.missing`, `io.null`,
 * `io.type`, `io.dimension.missing`, `io.dimension.type`, `io.dimension.classification`,
 * `io.description.missing`, `io.description.type`, `io.key.int`, `io.key.range`,
 * `io.value.type`.
 *
 * One deliberate difference: Python iterates a JSON object given as Tag `Values` by its
 * keys and would accept `{"Business": 1}`; this checker requires a list (`tag.type`).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { checkSemanticSpec } from "./checker.ts";
 * const r = checkSemanticSpec({});
 * assert.ok(!r.ok);
 * assert.equal(r.issues.length, 7);
 * assert.ok(r.message.includes("Data"));
 * ```
 */
export function checkSemanticSpec(spec: unknown): SemanticCheckResult {
  const issues: SemanticIssue[] = [];
  const add = (rule: string, key: string, message: string): void => {
    issues.push({ rule, key, message });
  };

  if (!isObject(spec)) {
    add("spec.type", "", `The semantic specification must be a JSON object, got ${show(spec)}`);
    return verdict(issues);
  }

  for (const key of SEMANTIC_KEYS) checkKey(spec, key, SEMANTIC_CONFIG[key], add);

  const data = firstValue(spec["Data"]);
  if (data === "Table") checkIO(spec, "Input", null, add);
  const task = firstValue(spec["Task"]);
  if (typeof task === "string" && TASKS_WITH_OUTPUT.includes(task)) checkIO(spec, "Output", task, add);

  return verdict(issues);
}

type Add = (rule: string, key: string, message: string) => void;

function verdict(issues: SemanticIssue[]): SemanticCheckResult {
  const first = issues[0];
  if (first === undefined) return { status: CHECK_STATUS.NONUSABLE, ok: true, issues, message: SUCCESS_MESSAGE };
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? "s" : ""})` : "";
  const where = first.key === "" ? "" : ` at key ${first.key}`;
  return {
    status: CHECK_STATUS.INVALID,
    ok: false,
    issues,
    message: `Invalid semantic specification${where} (rule ${first.rule}): ${first.message}${more}`,
  };
}

function checkKey(spec: Record<string, unknown>, key: string, config: SemanticKeyConfig, add: Add): void {
  if (!hasOwn(spec, key)) {
    add("key.missing", key, `Semantic key ${key} is missing`);
    return;
  }
  const entry = spec[key];
  if (!isObject(entry)) {
    add("key.type", key, `Semantic key ${key} must be an object with Type and Values, got ${show(entry)}`);
    return;
  }
  const hasValues = hasOwn(entry, "Values");
  if (!hasValues) add("values.missing", key, `${key}.Values is missing`);
  if (!hasOwn(entry, "Type")) add("type.missing", key, `${key}.Type is missing (expected "${config.Type}")`);
  else if (entry["Type"] !== config.Type) {
    add("type.mismatch", key, `${key}.Type must be "${config.Type}", got ${show(entry["Type"])}`);
  }
  if (!hasValues) return;

  const value = entry["Values"];
  const allowed = config.Values ?? [];
  if (config.Type === "Class") {
    const n = pyLen(value);
    if (!Array.isArray(value) || n !== 1) {
      // Python: len(value) == 1 and value[0] in list; a 1-char string or a 1-key object
      // passes the length test and then fails the lookup, so the rule is about the value.
      const rule = n === 1 ? "class.value" : "class.count";
      add(rule, key, `${key}.Values must be a list with exactly one value, got ${show(value)}`);
    } else if (!allowed.includes(value[0] as string)) {
      add("class.value", key, `${key}.Values ${show(value[0])} is not one of ${allowed.join(", ")}`);
    }
  } else if (config.Type === "Tag") {
    if (Array.isArray(value)) {
      if (value.length === 0) add("tag.empty", key, `${key}.Values must hold at least one tag, got []`);
      for (const v of value) {
        if (!allowed.includes(v as string)) {
          add("tag.value", key, `${key}.Values ${show(v)} is not one of ${allowed.join(", ")}`);
        }
      }
    } else if (typeof value === "string" && value.length === 0) {
      add("tag.empty", key, `${key}.Values must hold at least one tag, got ""`);
    } else {
      add("tag.type", key, `${key}.Values must be a list of tags, got ${show(value)}`);
    }
  } else {
    if (typeof value !== "string") add("string.type", key, `${key}.Values must be a string, got ${show(value)}`);
    else if (value.length === 0) add("string.empty", key, `${key}.Values must not be empty`);
  }
}

/** Input (Data `Table`) or Output (Task Classification / Regression, `task` given). */
function checkIO(spec: Record<string, unknown>, key: "Input" | "Output", task: string | null, add: Add): void {
  const why = task === null ? "Data Table" : `Task ${task}`;
  if (!hasOwn(spec, key)) {
    add("io.missing", key, `${why} requires ${key} with Dimension and Description`);
    return;
  }
  const io = spec[key];
  if (io === null) {
    add("io.null", key, `${why} requires ${key}, got null`);
    return;
  }
  if (!isObject(io)) {
    add("io.type", key, `${key} must be an object with Dimension and Description, got ${show(io)}`);
    return;
  }
  if (!hasOwn(io, "Dimension")) {
    add("io.dimension.missing", key, `${key}.Dimension is missing`);
    return;
  }
  const dimRaw = io["Dimension"];
  // Python compares Dimension with ints: only numbers (and booleans) compare.
  const dim = typeof dimRaw === "number" ? dimRaw : typeof dimRaw === "boolean" ? Number(dimRaw) : null;
  let dimTypeReported = false;
  const reportDimType = (): void => {
    if (dimTypeReported) return;
    dimTypeReported = true;
    add("io.dimension.type", key, `${key}.Dimension must be a number, got ${show(dimRaw)}`);
  };

  if (task !== null) {
    // `dim > 1 or task == "Regression"`: the comparison runs first, for both tasks.
    if (dim === null) reportDimType();
    else if (!(dim > 1) && task !== "Regression") {
      add("io.dimension.classification", key, `Classification needs ${key}.Dimension > 1, got ${show(dimRaw)}`);
    }
  }

  if (!hasOwn(io, "Description")) {
    add("io.description.missing", key, `${key}.Description is missing`);
    return;
  }
  const desc = io["Description"];
  if (!isObject(desc)) {
    add("io.description.type", key, `${key}.Description must be an object of index → string, got ${show(desc)}`);
    return;
  }
  for (const [k, v] of Object.entries(desc)) {
    const n = parsePythonInt(k);
    if (n === null) {
      add("io.key.int", key, `${key}.Description key ${show(k)} is not an integer`);
    } else if (n < 0n) {
      add("io.key.range", key, `${key}.Description key ${show(k)} must be in [0, ${show(dimRaw)})`);
    } else if (dim === null) {
      reportDimType();
    } else if (!intLessThan(n, dim)) {
      add("io.key.range", key, `${key}.Description key ${show(k)} must be in [0, ${show(dimRaw)})`);
    }
    if (typeof v !== "string") {
      add("io.value.type", key, `${key}.Description[${show(k)}] must be a string, got ${show(v)}`);
    }
  }
}

/** Whitespace as Python's `str.isspace` / `int()` see it. */
function isPySpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

const DECIMAL_DIGIT = /^\p{Nd}$/u;
const PY_MAX_STR_DIGITS = 4300;

/** The value 0–9 of a Unicode decimal digit (they come in aligned runs of ten), or −1. */
function decimalValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c < 0x80 || !DECIMAL_DIGIT.test(String.fromCodePoint(c))) return -1;
  let before = 0;
  while (before < 100 && DECIMAL_DIGIT.test(String.fromCodePoint(c - before - 1))) before++;
  return before % 10;
}

/**
 * Parses a string exactly as Python's `int(s)` does (base 10), or returns `null` where
 * Python raises `ValueError`: surrounding whitespace, one sign, leading zeros, single
 * underscores between digits and Unicode decimal digits are accepted; `"1.0"`, `""`,
 * `"_1"`, `"1__0"` and more than 4300 digits are not.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { parsePythonInt } from "./checker.ts";
 * assert.equal(parsePythonInt(" +007 "), 7n);
 * assert.equal(parsePythonInt("1_000"), 1000n);
 * assert.equal(parsePythonInt("1.0"), null);
 * assert.equal(parsePythonInt(""), null);
 * ```
 */
export function parsePythonInt(s: string): bigint | null {
  const cps = Array.from(s, (ch) => ch.codePointAt(0)!);
  let i = 0;
  let end = cps.length;
  while (i < end && isPySpace(cps[i]!)) i++;
  while (end > i && isPySpace(cps[end - 1]!)) end--;
  let negative = false;
  if (i < end && (cps[i] === 0x2b || cps[i] === 0x2d)) {
    negative = cps[i] === 0x2d;
    i++;
  }
  if (i >= end) return null;
  let digits = "";
  let prevUnderscore = true; // forbids a leading underscore
  for (; i < end; i++) {
    const c = cps[i]!;
    if (c === 0x5f) {
      if (prevUnderscore) return null;
      prevUnderscore = true;
      continue;
    }
    const d = decimalValue(c);
    if (d < 0) return null;
    digits += String.fromCharCode(0x30 + d);
    prevUnderscore = false;
  }
  if (prevUnderscore || digits.length === 0 || digits.length > PY_MAX_STR_DIGITS) return null;
  const n = BigInt(digits);
  return negative ? -n : n;
}

/** `n < x` with Python's exact int/float comparison. */
function intLessThan(n: bigint, x: number): boolean {
  if (Number.isNaN(x)) return false;
  if (x === Infinity) return true;
  if (x === -Infinity) return false;
  return n < BigInt(Math.ceil(x));
}

/** Python's `len()` for JSON values, or `null` where `len` raises. */
function pyLen(v: unknown): number | null {
  if (typeof v === "string") {
    let n = 0;
    for (const _ of v) n++;
    return n;
  }
  if (Array.isArray(v)) return v.length;
  if (isObject(v)) return Object.keys(v).length;
  return null;
}

/** `spec[key]["Values"][0]` when it exists (a list's first element), else `undefined`. */
function firstValue(entry: unknown): unknown {
  if (!isObject(entry)) return undefined;
  const v = entry["Values"];
  return Array.isArray(v) ? v[0] : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasOwn(o: object, key: string): boolean {
  return Object.hasOwn(o, key);
}

/** A short JSON rendering of a value for messages. */
function show(v: unknown): string {
  if (v === undefined) return "undefined";
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
