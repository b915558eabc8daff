/**
 * Micro-batching of concurrent predict calls to one instance: requests arriving while a
 * batch is being filled are concatenated along the first axis (up to `maxBatch` rows or
 * `maxWaitMs` after the first one), run as one call and split back. Requests whose sample
 * shape or dtype differ go in separate batches; a model whose output row count does not
 * match its input falls back to one call per request.
 *
 * @example
 * ```ts ignore
 * import { MicroBatcher } from "./microBatcher.ts";
 * const b = new MicroBatcher(async (X) => X, { maxBatch: 64, maxWaitMs: 2 });
 * const [y1, y2] = await Promise.all([b.submit(x1), b.submit(x2)]); // one call
 * ```
 */
import { concatRows, rowCount, sliceRows, type Tensor } from "../tensor.ts";

interface Item {
  X: Tensor;
  resolve: (t: Tensor) => void;
  reject: (e: unknown) => void;
}

export interface BatchStats {
  calls: number;
  batches: number;
  batchedRequests: number;
  maxBatchRows: number;
}

export class MicroBatcher {
  #run: (X: Tensor) => Promise<Tensor>;
  #maxBatch: number;
  #maxWaitMs: number;
  #queue: Item[] = [];
  #rows = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight = false;
  readonly stats: BatchStats = { calls: 0, batches: 0, batchedRequests: 0, maxBatchRows: 0 };

  constructor(run: (X: Tensor) => Promise<Tensor>, opts: { maxBatch: number; maxWaitMs: number }) {
    this.#run = run;
    this.#maxBatch = opts.maxBatch;
    this.#maxWaitMs = opts.maxWaitMs;
  }

  submit(X: Tensor): Promise<Tensor> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ X, resolve, reject });
      this.#rows += rowCount(X);
      if (this.#rows >= this.#maxBatch) this.#flushSoon(0);
      else this.#flushSoon(this.#maxWaitMs);
    });
  }

  #flushSoon(ms: number): void {
    if (this.#inFlight) return; // flushed when the running batch ends
    if (ms === 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      queueMicrotask(() => void this.#flush());
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, ms);
  }

  async #flush(): Promise<void> {
    if (this.#inFlight || this.#queue.length === 0) return;
    this.#inFlight = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Take compatible items (same sample shape and dtype as the first) up to maxBatch rows.
    const first = this.#queue[0]!;
    const sig = `${first.X.dtype}|${first.X.shape.slice(1).join(",")}`;
    const batch: Item[] = [];
    let rows = 0;
    const rest: Item[] = [];
    for (const it of this.#queue) {
      const ok = `${it.X.dtype}|${it.X.shape.slice(1).join(",")}` === sig && (batch.length === 0 || rows + rowCount(it.X) <= this.#maxBatch);
      if (ok) {
        batch.push(it);
        rows += rowCount(it.X);
      } else rest.push(it);
    }
    this.#queue = rest;
    this.#rows = rest.reduce((a, it) => a + rowCount(it.X), 0);
    try {
      await this.#runBatch(batch, rows);
    } finally {
      this.#inFlight = false;
      if (this.#queue.length > 0) this.#flushSoon(0); // they already waited for the running batch
    }
  }

  async #runBatch(batch: Item[], rows: number): Promise<void> {
    this.stats.calls++;
    if (batch.length === 1) {
      const it = batch[0]!;
      try {
        it.resolve(await this.#run(it.X));
      } catch (e) {
        it.reject(e);
      }
      return;
    }
    this.stats.batches++;
    this.stats.batchedRequests += batch.length;
    this.stats.maxBatchRows = Math.max(this.stats.maxBatchRows, rows);
    let Y: Tensor;
    try {
      Y = await this.#run(concatRows(batch.map((b) => b.X)));
    } catch (e) {
      for (const it of batch) it.reject(e);
      return;
    }
    if (Y.shape.length === 0 || rowCount(Y) !== rows) {
      // Not row-independent: answer each request on its own.
      for (const it of batch) {
        try {
          it.resolve(await this.#run(it.X));
        } catch (e) {
          it.reject(e);
        }
      }
      return;
    }
    let o = 0;
    for (const it of batch) {
      const n = rowCount(it.X);
      it.resolve(copyRows(Y, o, o + n));
      o += n;
    }
  }
}

function copyRows(t: Tensor, start: number, end: number): Tensor {
  const v = sliceRows(t, start, end);
  return { dtype: v.dtype, shape: v.shape, data: v.data.slice() };
}
