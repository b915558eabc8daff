/**
 * `JSON.parse` that also accepts Python's bare `NaN` / `Infinity` / `-Infinity` tokens, as
 * Python's `json.dump` writes them by default. Throws `SyntaxError` for anything else invalid.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { parsePythonJson } from "./pythonJson.ts";
 * const v = parsePythonJson('{"z": [NaN, -Infinity]}') as { z: number[] };
 * assert.ok(Number.isNaN(v.z[0]));
 * assert.equal(v.z[1], -Infinity);
 * ```
 */
const PY_NONFINITE = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const SENTINEL = "\u0000pyfloat:";

export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    if (!/NaN|Infinity/.test(text)) throw first;
    const rewritten = text.replace(PY_NONFINITE, (m) => (m.charCodeAt(0) === 34 ? m : `"\\u0000pyfloat:${m}"`));
    try {
      return JSON.parse(rewritten, (_key, value: unknown) =>
        typeof value === "string" && value.startsWith(SENTINEL) ? Number(value.slice(SENTINEL.length)) : value,
      );
    } catch {
      throw first;
    }
  }
}
