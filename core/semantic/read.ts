/**
 * The one reader of a raw semantic spec (the Python package's JSON dict, unchecked): every
 * product file that needs a key's `Values` reads it here, so a spec that is not an object, a
 * key that is missing or a `Values` of the wrong type all read the same way.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { semanticList, semanticString } from "./read.ts";
 * const spec = { Name: { Type: "String", Values: "cnn" }, Task: { Type: "Class", Values: ["Classification"] } };
 * assert.equal(semanticString(spec, "Task"), "Classification");
 * assert.deepEqual(semanticList(spec, "Name"), ["cnn"]);
 * assert.equal(semanticString(42, "Name"), null);
 * ```
 */

/** The raw `Values` of `key` (anything, or `undefined` when the spec or the key is not an object). */
export function semanticValues(spec: unknown, key: string): unknown {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) return undefined;
  const f = (spec as Record<string, unknown>)[key];
  if (f === null || typeof f !== "object" || Array.isArray(f)) return undefined;
  return (f as Record<string, unknown>).Values;
}

/** `Values` as one string: a string as is, a list's first string; else null. */
export function semanticString(spec: unknown, key: string): string | null {
  const v = semanticValues(spec, key);
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  return null;
}

/** `Values` as a list of strings: a non-empty string as a one-element list, a list's strings; else empty. */
export function semanticList(spec: unknown, key: string): string[] {
  const v = semanticValues(spec, key);
  if (typeof v === "string") return v ? [v] : [];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}
