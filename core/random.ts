/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded by splitmix32). The core never
 * uses `Math.random`: every random choice takes an `Rng`, so a seed reproduces a result.
 *
 * @example
 * ```ts
 * import assert from "./testing/assert.ts";
 * import { createRng } from "./random.ts";
 * const a = createRng(42), b = createRng(42);
 * assert.equal(a.next(), b.next());
 * ```
 */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n). */
  nextInt(n: number): number;
  /** Standard normal (Box–Muller, cached pair). */
  normal(): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Creates a deterministic generator from an integer seed. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new TypeError(`Seed must be a finite number, got ${seed}`);
  const sm = splitmix32(Math.floor(seed) ^ Math.floor(seed / 0x100000000));
  let s0 = sm(),
    s1 = sm(),
    s2 = sm(),
    s3 = sm();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  const u32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  let spare: number | null = null;
  const next = (): number => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992;
  return {
    next,
    nextInt(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`nextInt bound must be a positive integer, got ${n}`);
      return Math.floor(next() * n);
    },
    normal(): number {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
