/**
 * rapidfuzz-compatible `fuzz.ratio` and `fuzz.partial_ratio`, the string similarity the
 * Python market's fuzzy semantic searcher ranks names and descriptions with.
 *
 * Strings are compared as sequences of Unicode **code points** (as Python iterates a `str`):
 * an astral character such as an emoji counts once, not as two UTF-16 units. No case folding
 * and no normalisation. The longest common subsequence is computed with Hyyrö's bit-parallel
 * algorithm over 32-bit words (multiword for long patterns), so `ratio` costs
 * O(|long| · ⌈|short| / 32⌉) and `partialRatio` evaluates every window exactly.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { partialRatio, ratio } from "./rapidfuzz.ts";
 * assert.equal(ratio("this is a test", "this is a test!"), 96.55172413793103);
 * assert.equal(partialRatio("this is a test", "this is a test!"), 100);
 * assert.equal(ratio("😀", "😃"), 0); // one code point each, no shared surrogate
 * ```
 */

/** The code points of `s` (a lone surrogate counts as one). */
export function codePoints(s: string): Int32Array {
  const out = new Int32Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[n++] = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

/**
 * A pattern's per-character bit masks: distinct character `j` of the pattern owns the words
 * `masks[j·words … (j+1)·words)`, bit `i` set when `pattern[i]` is that character.
 */
interface PatternMasks {
  readonly length: number;
  readonly words: number;
  readonly index: Map<number, number>;
  readonly masks: Uint32Array;
  /** How often each distinct character occurs in the pattern. */
  readonly counts: Int32Array;
}

function buildMasks(pattern: ArrayLike<number>, shared?: Map<number, number>): PatternMasks {
  const length = pattern.length;
  const words = Math.max(1, Math.ceil(length / 32));
  let index = shared;
  if (index === undefined) {
    index = new Map<number, number>();
    for (let i = 0; i < length; i++) {
      const c = pattern[i]!;
      if (!index.has(c)) index.set(c, index.size);
    }
  }
  const masks = new Uint32Array(index.size * words);
  const counts = new Int32Array(index.size);
  for (let i = 0; i < length; i++) {
    const j = index.get(pattern[i]!)!;
    masks[j * words + (i >>> 5)]! |= 1 << (i & 31);
    counts[j]!++;
  }
  return { length, words, index, masks, counts };
}

/** Maps every text position to its pattern character index, or −1 when absent. */
function mapText(pm: PatternMasks, text: ArrayLike<number>): Int32Array {
  const out = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = pm.index.get(text[i]!) ?? -1;
  return out;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Runs Hyyrö's LCS recurrence `V ← (V + (V & M)) | (V & ¬M)` over `mapped[start … end)`,
 * calling `onStep(position, lcs)` after each character when given; returns the final LCS.
 * `V` must hold `pm.words` words (it is reset to all ones).
 */
function runLcs(pm: PatternMasks, mapped: Int32Array, start: number, end: number, v: Uint32Array, onStep?: (pos: number, lcs: number) => void): number {
  const { words, masks, length } = pm;
  if (words === 1 && !onStep) {
    let x = -1;
    for (let p = start; p < end; p++) {
      const j = mapped[p]!;
      if (j >= 0) {
        const u = x & masks[j]!;
        x = (x + u) | (x - u);
      }
    }
    return popcount32(~x & (length >= 32 ? -1 : (1 << length) - 1));
  }
  const lastBits = length - (words - 1) * 32;
  const lastMask = lastBits >= 32 ? 0xffffffff : (1 << lastBits) - 1;
  const count = (): number => {
    let zeros = 0;
    for (let w = 0; w < words - 1; w++) zeros += popcount32(~v[w]!);
    return zeros + popcount32(~v[words - 1]! & lastMask);
  };
  v.fill(0xffffffff);
  let lcs = 0;
  for (let p = start; p < end; p++) {
    const j = mapped[p]!;
    if (j >= 0) {
      const base = j * words;
      let carry = 0;
      for (let w = 0; w < words; w++) {
        const vw = v[w]!;
        const u = (vw & masks[base + w]!) >>> 0;
        const sum = vw + u + carry;
        carry = sum > 0xffffffff ? 1 : 0;
        v[w] = sum | (vw - u);
      }
      if (onStep) lcs = count();
    }
    if (onStep) onStep(p, lcs);
  }
  return count();
}

/** The length of the longest common subsequence of two code-point sequences. */
export function lcsLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const [pattern, text] = a.length <= b.length ? [a, b] : [b, a];
  if (pattern.length === 0) return 0;
  const pm = buildMasks(pattern);
  return runLcs(pm, mapText(pm, text), 0, text.length, new Uint32Array(pm.words));
}

/** The normalised Indel similarity in the order rapidfuzz evaluates it. */
function score(lensum: number, lcs: number): number {
  if (lensum === 0) return 100;
  const d = lensum - 2 * lcs;
  return (1.0 - d / lensum) * 100;
}

/**
 * rapidfuzz `fuzz.ratio`: `(1 − d/(|a|+|b|))·100` with the Indel distance
 * `d = |a| + |b| − 2·LCS(a, b)` over code points; 100 when both are empty.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { ratio } from "./rapidfuzz.ts";
 * assert.equal(ratio("resnet", "restne"), 83.33333333333334);
 * ```
 */
export function ratio(a: string, b: string): number {
  const ca = codePoints(a);
  const cb = codePoints(b);
  return score(ca.length + cb.length, lcsLength(ca, cb));
}

/**
 * The best `ratio(pattern, w)` over the prefixes `w = text[:p+1]`, `p < end`, or `best`
 * when none beats it; one LCS pass, scored after each character.
 */
function bestPrefixScore(pm: PatternMasks, mapped: Int32Array, end: number, best: number): number {
  const len1 = pm.length;
  if (pm.words === 1) {
    const masks = pm.masks;
    const lenMask = len1 >= 32 ? -1 : (1 << len1) - 1;
    let x = -1;
    let lcs = 0;
    for (let p = 0; p < end; p++) {
      const j = mapped[p]!;
      if (j >= 0) {
        const u = x & masks[j]!;
        x = (x + u) | (x - u);
        lcs = popcount32(~x & lenMask);
      }
      const s = score(len1 + p + 1, lcs);
      if (s > best) best = s;
    }
    return best;
  }
  runLcs(pm, mapped, 0, end, new Uint32Array(pm.words), (p, lcs) => {
    const s = score(len1 + p + 1, lcs);
    if (s > best) best = s;
  });
  return best;
}

/** Max of `ratio(needle, w)` over every window `w` of `longer` the README lists. */
function windowsMax(needle: Int32Array, longer: Int32Array): number {
  const len1 = needle.length;
  const len2 = longer.length;
  const pm = buildMasks(needle);
  const mapped = mapText(pm, longer);
  const v = new Uint32Array(pm.words);
  let best = 0;

  // Prefix windows longer[:i], i = 1 … len1−1: one pass, scoring after each character.
  best = bestPrefixScore(pm, mapped, Math.min(len1 - 1, len2), best);
  if (best === 100) return best;

  // Suffix windows longer[i:], i = len2−len1 … len2−1: the prefixes of the reversed strings
  // (the reversed needle shares the character indices, so the mapping just reverses).
  const rpm = buildMasks(needle.slice().reverse(), pm.index);
  const rMapped = mapped.slice().reverse();
  best = bestPrefixScore(rpm, rMapped, Math.min(len1, len2), best);
  if (best === 100) return best;

  // Full-length windows longer[i:i+len1], i = 0 … len2−len1−1. A window whose first
  // character is not in the needle is dominated by the next one (which holds all its common
  // subsequences); following that chain ends at a window starting on a needle character or
  // at the full-length suffix window scored above, so only windows starting on a needle
  // character are scored. A window is also skipped when an upper bound of its LCS
  // (Σ_c min(count in window, count in needle)) cannot beat the best score.
  const middle = len2 - len1;
  if (middle <= 0) return best;
  const k = pm.counts.length;
  const inWindow = new Int32Array(k);
  let bound = 0;
  for (let p = 0; p < len1; p++) {
    const j = mapped[p]!;
    if (j >= 0 && inWindow[j]!++ < pm.counts[j]!) bound++;
  }
  for (let i = 0; i < middle; i++) {
    if (i > 0) {
      const out = mapped[i - 1]!;
      if (out >= 0 && --inWindow[out]! < pm.counts[out]!) bound--;
      const inc = mapped[i + len1 - 1]!;
      if (inc >= 0 && inWindow[inc]!++ < pm.counts[inc]!) bound++;
    }
    if (mapped[i]! < 0) continue;
    if (score(2 * len1, bound) <= best) continue;
    const lcs = runLcs(pm, mapped, i, i + len1, v);
    const s = score(2 * len1, lcs);
    if (s > best) {
      best = s;
      if (best === 100) return best;
    }
  }
  return best;
}

/**
 * rapidfuzz `fuzz.partial_ratio`, exact for every needle length: the best `ratio` of the
 * shorter string against every window of the longer one (partial windows at both ends
 * included); with equal lengths both roles are tried. Both empty → 100, one empty → 0.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { partialRatio } from "./rapidfuzz.ts";
 * assert.equal(partialRatio("a certain string", "cetain"), 83.33333333333334);
 * ```
 */
export function partialRatio(a: string, b: string): number {
  const ca = codePoints(a);
  const cb = codePoints(b);
  if (ca.length === 0 && cb.length === 0) return 100;
  if (ca.length === 0 || cb.length === 0) return 0;
  const [needle, longer] = ca.length <= cb.length ? [ca, cb] : [cb, ca];
  let best = windowsMax(needle, longer);
  if (needle.length === longer.length && best !== 100) {
    const swapped = windowsMax(longer, needle);
    if (swapped > best) best = swapped;
  }
  return best;
}
