import { test } from "node:test";
import assert from "node:assert/strict";
import { codePoints, lcsLength, partialRatio, ratio } from "./rapidfuzz.ts";
import { createRng, type Rng } from "../random.ts";

// Plain references: O(n·m) dynamic-programming LCS and the README's window definition.
function refLcs(a: readonly number[], b: readonly number[]): number {
  const prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(up, prev[j - 1]!);
      diag = up;
    }
  }
  return prev[b.length]!;
}
function refRatio(a: readonly number[], b: readonly number[]): number {
  const n = a.length + b.length;
  if (n === 0) return 100;
  return (1.0 - (n - 2 * refLcs(a, b)) / n) * 100;
}
function refWindows(needle: number[], longer: number[]): number {
  const l1 = needle.length,
    l2 = longer.length;
  let best = 0;
  for (let i = 1; i < l1; i++) best = Math.max(best, refRatio(needle, longer.slice(0, i)));
  for (let i = 0; i < l2 - l1; i++) best = Math.max(best, refRatio(needle, longer.slice(i, i + l1)));
  for (let i = l2 - l1; i < l2; i++) best = Math.max(best, refRatio(needle, longer.slice(i)));
  return best;
}
function refPartial(s1: string, s2: string): number {
  const a = Array.from(s1, (c) => c.codePointAt(0)!),
    b = Array.from(s2, (c) => c.codePointAt(0)!);
  if (a.length === 0 && b.length === 0) return 100;
  if (a.length === 0 || b.length === 0) return 0;
  const [n, l] = a.length <= b.length ? [a, b] : [b, a];
  let s = refWindows(n, l);
  if (n.length === l.length && s !== 100) s = Math.max(s, refWindows(l, n));
  return s;
}

const ALPHABET = ["a", "b", "c", "d", " ", "é", "😀", "😃", "图"];
function randomString(rng: Rng, len: number, k = ALPHABET.length): string {
  let s = "";
  for (let i = 0; i < len; i++) s += ALPHABET[rng.nextInt(k)]!;
  return s;
}

test("codePoints counts an astral character once", () => {
  assert.deepEqual(Array.from(codePoints("a😀b")), [0x61, 0x1f600, 0x62]);
  assert.deepEqual(Array.from(codePoints("")), []);
  assert.deepEqual(Array.from(codePoints("\ud83d")), [0xd83d]); // a lone surrogate stays one
});

test("empty strings", () => {
  assert.equal(ratio("", ""), 100);
  assert.equal(ratio("", "abc"), 0);
  assert.equal(ratio("abc", ""), 0);
  assert.equal(partialRatio("", ""), 100);
  assert.equal(partialRatio("", "abc"), 0);
  assert.equal(partialRatio("abc", ""), 0);
});

test("astral characters are single code points, not surrogate pairs", () => {
  // 😀 U+1F600 and 😃 U+1F603 share the high surrogate U+D83D: counted per UTF-16 unit
  // they would score 50; as code points they have nothing in common.
  assert.equal(ratio("😀", "😃"), 0);
  assert.equal(partialRatio("😀", "😃"), 0);
  assert.equal(ratio("😀", "😀"), 100);
  assert.equal(ratio("a😀", "a😃"), 50);
  assert.equal(partialRatio("🚀", "the 🚀 rocket"), 100);
});

test("ratio evaluates (1 − d/n)·100 in rapidfuzz's order", () => {
  assert.equal(ratio("resnet", "restne"), 83.33333333333334);
  assert.equal(ratio("this is a test", "this is a test!"), 96.55172413793103);
});

test("partial_ratio: documented examples", () => {
  assert.equal(partialRatio("this is a test", "this is a test!"), 100);
  assert.equal(partialRatio("a certain string", "cetain"), 83.33333333333334);
  assert.equal(partialRatio("cetain", "a certain string"), 83.33333333333334);
  assert.equal(partialRatio("resnet", "restne"), 90.9090909090909); // equal lengths: both roles
});

test("LCS is bit-exact against dynamic programming, across word boundaries", () => {
  const rng = createRng(7);
  for (const len of [1, 2, 31, 32, 33, 63, 64, 65, 100, 200]) {
    for (let t = 0; t < 5; t++) {
      const a = randomString(rng, len, 4),
        b = randomString(rng, len + rng.nextInt(50), 4);
      const ca = Array.from(codePoints(a)),
        cb = Array.from(codePoints(b));
      assert.equal(lcsLength(ca, cb), refLcs(ca, cb), `len ${len}: ${a} / ${b}`);
      assert.equal(ratio(a, b), refRatio(ca, cb), `ratio len ${len}`);
    }
  }
});

test("partial_ratio equals the README's window definition on random strings", () => {
  const rng = createRng(11);
  for (let t = 0; t < 400; t++) {
    const l1 = rng.nextInt(12),
      l2 = rng.nextInt(20);
    const k = 2 + rng.nextInt(ALPHABET.length - 1);
    const a = randomString(rng, l1, k),
      b = randomString(rng, l2, k);
    assert.equal(partialRatio(a, b), refPartial(a, b), `${JSON.stringify(a)} / ${JSON.stringify(b)}`);
  }
});

test("partial_ratio with long (multiword) needles equals the reference", () => {
  const rng = createRng(5);
  for (const [l1, l2] of [
    [33, 50],
    [64, 64],
    [65, 90],
    [100, 160],
    [130, 130],
  ] as const) {
    const a = randomString(rng, l1, 4),
      b = randomString(rng, l2, 4);
    assert.equal(partialRatio(a, b), refPartial(a, b), `needle ${l1}, text ${l2}`);
  }
});

test("partial_ratio is fast on long strings", () => {
  const rng = createRng(3);
  const words = ["gradient", "boosting", "model", "credit", "table", "learnware", "forecast", "daily", "image"];
  const text = Array.from({ length: 400 }, () => words[rng.nextInt(words.length)]).join(" ");
  const needle = Array.from({ length: 40 }, () => words[rng.nextInt(words.length)]).join(" ");
  const t0 = performance.now();
  const s = partialRatio(needle, text);
  const ms = performance.now() - t0;
  assert.ok(s > 0 && s <= 100);
  assert.ok(ms < 2000, `partial_ratio of a ${needle.length}-char needle over ${text.length} chars took ${ms} ms`);
});
