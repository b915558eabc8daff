/**
 * An LRU pool of loaded model instances bounded by count and by memory (AIPOD's model
 * pool). Concurrent requests for one key share a single load; an entry in use is never
 * evicted (the pool may then exceed its bounds until the call ends); eviction disposes the
 * value and is counted in `metrics()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LruPool } from "./lruPool.ts";
 * const pool = new LruPool<{ n: number }>({ maxEntries: 2, maxBytes: 1e9, sizeOf: () => 1, dispose: async () => {} });
 * const v = await pool.use("a", async () => ({ n: 1 }), async (x) => x.n);
 * assert.equal(v, 1);
 * assert.equal(pool.metrics().size, 1);
 * ```
 */
export interface LruPoolOptions<V> {
  maxEntries: number;
  maxBytes: number;
  /** Current resident size of a value (re-read on every bounds check). */
  sizeOf: (v: V) => number;
  dispose: (v: V, key: string) => Promise<void>;
  /** Told about every eviction (for logs). */
  onEvict?: (key: string, reason: "count" | "memory" | "explicit") => void;
}

interface Entry<V> {
  key: string;
  value: V;
  refs: number;
  lastUsed: number;
}

export interface PoolMetrics {
  size: number;
  bytes: number;
  maxEntries: number;
  maxBytes: number;
  hits: number;
  misses: number;
  loads: number;
  loadFailures: number;
  evictions: number;
  evictionsByCount: number;
  evictionsByMemory: number;
  keys: string[];
}

export class LruPool<V> {
  #opts: LruPoolOptions<V>;
  /** Insertion order = recency order (oldest first). */
  #entries = new Map<string, Entry<V>>();
  #loading = new Map<string, Promise<Entry<V>>>();
  #m = { hits: 0, misses: 0, loads: 0, loadFailures: 0, evictions: 0, evictionsByCount: 0, evictionsByMemory: 0 };

  constructor(opts: LruPoolOptions<V>) {
    if (!(opts.maxEntries >= 1)) throw new RangeError(`Pool size must be at least 1, got ${opts.maxEntries}`);
    this.#opts = opts;
  }

  /** Runs `fn` with the value for `key`, loading it if needed; the entry is pinned meanwhile. */
  async use<R>(key: string, load: () => Promise<V>, fn: (v: V) => Promise<R>): Promise<R> {
    const entry = await this.#acquire(key, load);
    try {
      return await fn(entry.value);
    } finally {
      entry.refs--;
      entry.lastUsed = Date.now();
      await this.#enforce();
    }
  }

  /** The value if loaded (no load, no recency change). */
  peek(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  async #acquire(key: string, load: () => Promise<V>): Promise<Entry<V>> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#m.hits++;
      hit.refs++;
      this.#entries.delete(key);
      this.#entries.set(key, hit); // most recent
      return hit;
    }
    this.#m.misses++;
    let p = this.#loading.get(key);
    if (!p) {
      p = (async () => {
        this.#m.loads++;
        try {
          const value = await load();
          const e: Entry<V> = { key, value, refs: 0, lastUsed: Date.now() };
          this.#entries.set(key, e);
          return e;
        } catch (err) {
          this.#m.loadFailures++;
          throw err;
        } finally {
          this.#loading.delete(key);
        }
      })();
      this.#loading.set(key, p);
    }
    const e = await p;
    e.refs++;
    await this.#enforce(e);
    return e;
  }

  #bytes(): number {
    let b = 0;
    for (const e of this.#entries.values()) b += this.#opts.sizeOf(e.value);
    return b;
  }

  async #enforce(keep?: Entry<V>): Promise<void> {
    for (;;) {
      const overCount = this.#entries.size > this.#opts.maxEntries;
      const overMem = !overCount && this.#entries.size > 1 && this.#bytes() > this.#opts.maxBytes;
      if (!overCount && !overMem) return;
      const victim = [...this.#entries.values()].find((e) => e.refs === 0 && e !== keep);
      if (!victim) return; // everything is busy: over bounds until calls finish
      await this.#evict(victim, overCount ? "count" : "memory");
    }
  }

  async #evict(e: Entry<V>, reason: "count" | "memory" | "explicit"): Promise<void> {
    this.#entries.delete(e.key);
    this.#m.evictions++;
    if (reason === "count") this.#m.evictionsByCount++;
    if (reason === "memory") this.#m.evictionsByMemory++;
    this.#opts.onEvict?.(e.key, reason);
    await this.#opts.dispose(e.value, e.key).catch(() => {});
  }

  /** Removes and disposes one entry (waits for nothing: callers holding it keep their reference). */
  async delete(key: string): Promise<boolean> {
    const e = this.#entries.get(key);
    if (!e) return false;
    await this.#evict(e, "explicit");
    return true;
  }

  async clear(): Promise<void> {
    for (const e of [...this.#entries.values()]) {
      this.#entries.delete(e.key);
      await this.#opts.dispose(e.value, e.key).catch(() => {});
    }
  }

  metrics(): PoolMetrics {
    return {
      size: this.#entries.size,
      bytes: this.#bytes(),
      maxEntries: this.#opts.maxEntries,
      maxBytes: this.#opts.maxBytes,
      ...this.#m,
      keys: [...this.#entries.keys()],
    };
  }
}
