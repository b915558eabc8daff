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
  readonly md5: string;
  readonly size: number;
}

export interface BlobStore {
  /** Streams `body` to a temp object; rejects with PAYLOAD_TOO_LARGE past `maxBytes`. */
  stage(body: ReadableStream<Uint8Array>, opts?: { maxBytes?: number }): Promise<StagedBlob>;
  /** Reads a staged object whole (for package validation, bounded by the size limit). */
  readStaged(staged: StagedBlob): Promise<Uint8Array>;
  /** Moves a staged object to its content address; idempotent when the blob exists. */
  commit(staged: StagedBlob): Promise<string>;
  discard(staged: StagedBlob): Promise<void>;
  has(sha256: string): Promise<boolean>;
  size(sha256: string): Promise<number | null>;
  /** A stream of the blob, or null when absent. */
  open(sha256: string): Promise<ReadableStream<Uint8Array> | null>;
  read(sha256: string): Promise<Uint8Array | null>;
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
