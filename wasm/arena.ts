/**
 * A bump arena over a wasm instance's linear memory, above `__heap_base`.
 *
 * Every kernel call lays out its inputs, outputs and scratch from the arena's start, grows the
 * memory once if needed, copies in, runs, copies out and forgets: nothing lives between calls,
 * so there is nothing to free and nothing to leak. Memory only grows (wasm cannot shrink), to
 * the largest single call so far.
 *
 * @example
 * ```ts
 * import { Arena } from "./arena.ts";
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const arena = new Arena(memory, 1024);
 * const p = arena.alloc(8 * 10);
 * arena.commit();
 * arena.f64().fill(1, p / 8, p / 8 + 10);
 * ```
 */
export class Arena {
  readonly #memory: WebAssembly.Memory;
  /** Start of every call's layout. */
  readonly #base: number;
  #top: number;
  #buffer: ArrayBuffer | null = null;
  #f64: Float64Array = new Float64Array(0);
  #f32: Float32Array = new Float32Array(0);
  #i32: Int32Array = new Int32Array(0);

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.#memory = memory;
    this.#base = align(heapBase);
    this.#top = this.#base;
  }

  /** Starts a new layout (the previous call's regions are dead). */
  reset(): void {
    this.#top = this.#base;
  }

  /** Reserves `bytes` (16-byte aligned) and returns the byte offset. Call `commit()` before use. */
  alloc(bytes: number): number {
    const p = this.#top;
    this.#top = align(p + Math.max(0, bytes));
    if (this.#top > 0xffff0000) {
      throw new RangeError(`Wasm kernel arena: a call needs ${this.#top} bytes, over the 4 GiB wasm32 limit`);
    }
    return p;
  }

  /** Grows the memory to cover everything allocated since `reset()`. */
  commit(): void {
    const have = this.#memory.buffer.byteLength;
    if (this.#top > have) {
      const pages = Math.ceil((this.#top - have) / 65536);
      this.#memory.grow(pages);
    }
  }

  /** Bytes currently reserved in linear memory (the high-water mark of any call). */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  #refresh(): void {
    const buf = this.#memory.buffer;
    if (buf !== this.#buffer) {
      this.#buffer = buf as ArrayBuffer;
      this.#f64 = new Float64Array(buf);
      this.#f32 = new Float32Array(buf);
      this.#i32 = new Int32Array(buf);
    }
  }

  /** A Float64Array over all of memory (refreshed after growth). */
  f64(): Float64Array {
    this.#refresh();
    return this.#f64;
  }

  /** A Float32Array over all of memory (refreshed after growth). */
  f32(): Float32Array {
    this.#refresh();
    return this.#f32;
  }

  /** An Int32Array over all of memory (refreshed after growth). */
  i32(): Int32Array {
    this.#refresh();
    return this.#i32;
  }
}

function align(n: number): number {
  return Math.ceil(n / 16) * 16;
}
