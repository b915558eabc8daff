/**
 * Assertions for the runnable examples in core's doc comments, with web-standard code only
 * so that core stays portable (Node, Deno, browsers): the subset of `node:assert/strict`
 * the examples use. A failed assertion throws, so `deno test --doc` fails the run.
 *
 * @example
 * ```ts
 * import assert from "./assert.ts";
 * assert.equal(1 + 1, 2);
 * assert.deepEqual({ a: [1, 2] }, { a: [1, 2] });
 * let threw = false;
 * try {
 *   assert.ok(false, "expected");
 * } catch {
 *   threw = true;
 * }
 * assert.ok(threw);
 * ```
 */

export class AssertionError extends Error {
  override name = "AssertionError";
}

function show(v: unknown): string {
  try {
    return typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

function deepEqualValues(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as unknown as ArrayLike<unknown>,
      y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqualValues(x[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a),
    kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqualValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export interface Assert {
  ok(value: unknown, message?: string): asserts value;
  equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
  notEqual(actual: unknown, expected: unknown, message?: string): void;
  deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
}

const assert: Assert = {
  ok(value: unknown, message?: string): asserts value {
    if (!value) throw new AssertionError(message ?? `expected a truthy value, got ${show(value)}`);
  },
  equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
    if (!Object.is(actual, expected)) throw new AssertionError(message ?? `expected ${show(expected)}, got ${show(actual)}`);
  },
  notEqual(actual: unknown, expected: unknown, message?: string): void {
    if (Object.is(actual, expected)) throw new AssertionError(message ?? `expected anything but ${show(expected)}`);
  },
  deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
    if (!deepEqualValues(actual, expected)) throw new AssertionError(message ?? `expected ${show(expected)}, got ${show(actual)}`);
  },
};

export default assert;
