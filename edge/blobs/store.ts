import { createHash } from "node:crypto";
import { LearnwareError } from "../../core/errors.ts";

/**
 * The blob store: content-addressed files (by sha256) behind an interface an
 * S3-compatible store could implement. Writes are staged (a temp object, hashed while
 * streaming) and committed by a rename, so a crash leaves only temp files or
 * unreferenced blobs, which `sweep` removes at start-up.
 */

/** A staged (written, hashed, not yet committed) object. */
export interface StagedBlob {
  readonly tempId: string;
  readonly sha256: string;
  /** The md5 (the Beimingwu client names files by it): when staged with `md5: true`, and for partials. */
  readonly md5?: string;
  readonly size: number;
}

export interface StageOptions {
  /** Refuse (PAYLOAD_TOO_LARGE) past this many bytes. */
  maxBytes?: number;
  /** Also compute the md5 (only the Beimingwu routes need it: it costs a quarter of the hashing). */
  md5?: boolean;
}

export interface BlobStore {
  /** Streams `body` to a temp object; rejects with PAYLOAD_TOO_LARGE past `maxBytes`. */
  stage(body: ReadableStream<Uint8Array>, opts?: StageOptions): Promise<StagedBlob>;
  /** Reads a staged object whole (for package validation, bounded by the size limit). */
  readStaged(staged: StagedBlob): Promise<Uint8Array>;
  /**
   * The local file holding a staged object, for stores that keep one (the disk store): a
   * worker thread reads it itself instead of the bytes passing through the event loop.
   */
  stagedFile?(staged: StagedBlob): string;
  /** Moves a staged object to its content address; idempotent when the blob exists. */
  commit(staged: StagedBlob): Promise<string>;
  discard(staged: StagedBlob): Promise<void>;
  has(sha256: string): Promise<boolean>;
  size(sha256: string): Promise<number | null>;
  /** A stream of the blob, or null when absent. */
  open(sha256: string): Promise<ReadableStream<Uint8Array> | null>;
  read(sha256: string): Promise<Uint8Array | null>;
  /** A URL that serves the blob without credentials for `seconds` (stores that can: S3). */
  presign?(sha256: string, seconds: number, as?: { contentType?: string; disposition?: string }): Promise<string>;
  /** Stores bytes directly (small objects: seeds, repacked packages). */
  putBytes(bytes: Uint8Array): Promise<{ sha256: string; size: number }>;
  delete(sha256: string): Promise<void>;
  list(): AsyncIterable<string>;

  /** Resumable sessions: an append-only partial file per session id. */
  partialCreate(id: string): Promise<void>;
  /** Appends `bytes` at `offset`, which must equal the current size; returns the new size. */
  partialAppend(id: string, offset: number, bytes: Uint8Array): Promise<number>;
  /** Writes `bytes` at `offset` (Beimingwu semantics: seek and write), returns the new size. */
  partialWriteAt(id: string, offset: number, bytes: Uint8Array): Promise<number>;
  partialSize(id: string): Promise<number | null>;
  /** Hashes the partial file and turns it into a staged object (the session file is consumed). */
  partialStage(id: string): Promise<StagedBlob>;
  partialRemove(id: string): Promise<void>;
  partialList(): Promise<string[]>;

  /** Removes temp objects and blobs for which `isReferenced` is false. Returns the counts. */
  sweep(isReferenced: (sha256: string) => Promise<boolean> | boolean): Promise<{ temps: number; blobs: number }>;
}

/**
 * Reads `body` to its end, hashing it (sha256, and md5 when `withMd5`) and handing each chunk to `sink`; rejects
 * with PAYLOAD_TOO_LARGE past `maxBytes`. On any failure the stream is cancelled and the error
 * rethrown (the store removes what it wrote). The loop every store's `stage` shares.
 */
export async function hashThrough(
  body: ReadableStream<Uint8Array>,
  maxBytes: number | undefined,
  sink: (chunk: Uint8Array) => Promise<void> | void,
  withMd5 = false,
): Promise<{ sha256: string; md5?: string; size: number }> {
  const sha = createHash("sha256");
  const md5 = withMd5 ? createHash("md5") : null;
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (maxBytes !== undefined && size > maxBytes) {
        throw new LearnwareError("PAYLOAD_TOO_LARGE", `Upload exceeds the limit of ${maxBytes} bytes`, { limit: maxBytes });
      }
      sha.update(value);
      md5?.update(value);
      await sink(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  }
  return { sha256: sha.digest("hex"), ...(md5 ? { md5: md5.digest("hex") } : {}), size };
}

/** A staged package for inspection: its local file when the store has one, else its bytes. */
export type StagedPackage = { file: string; size: number } | { bytes: Uint8Array };

export async function stagedPackage(store: BlobStore, staged: StagedBlob): Promise<StagedPackage> {
  const file = store.stagedFile?.(staged);
  return file !== undefined ? { file, size: staged.size } : { bytes: await store.readStaged(staged) };
}

/** Deletes every blob of `store` for which `isReferenced` is false; returns how many. */
export async function sweepBlobs(store: BlobStore, isReferenced: (sha256: string) => Promise<boolean> | boolean): Promise<number> {
  let blobs = 0;
  for await (const sha of store.list()) {
    if (!(await isReferenced(sha))) {
      await store.delete(sha);
      blobs++;
    }
  }
  return blobs;
}
