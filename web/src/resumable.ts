/**
 * Resumable upload of a package to `/v1/uploads`: chunks appended at the server's offset,
 * each with its sha256; a paused, failed or reloaded upload continues from the offset the
 * server reports (the session id is kept in localStorage per file name, size and date).
 */
import { ApiError, client } from "./api.ts";
import { sha256Hex } from "./sha256.ts";

export interface UploadProgress {
  sent: number;
  total: number;
  resumedFrom: number;
}

export interface UploadOptions {
  chunkBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: UploadProgress) => void;
}

const key = (f: File) => `lw-upload:${f.name}:${f.size}:${f.lastModified}`;

/** Sends the file's bytes; returns the session id and the whole file's sha256 for `finish`. */
export async function sendResumable(file: File, opts: UploadOptions = {}): Promise<{ id: string; sha256: string }> {
  const sha256 = await sha256Hex(new Uint8Array(await file.arrayBuffer()));
  let id = localStorage.getItem(key(file));
  let offset = 0;
  let maxChunk = 16 * 1024 * 1024;
  if (id) {
    try {
      offset = (await client.call("getUpload", { params: { id } })).offset;
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 403 && e.status !== 400)) throw e;
      id = null;
      offset = 0;
    }
  }
  if (!id) {
    const s = await client.call("createUpload", { json: { size: file.size } });
    id = s.id;
    maxChunk = s.maxChunkBytes ?? maxChunk;
    localStorage.setItem(key(file), id);
  }
  const resumedFrom = offset;
  const chunk = Math.min(opts.chunkBytes ?? 1024 * 1024, maxChunk);
  opts.onProgress?.({ sent: offset, total: file.size, resumedFrom });
  let failures = 0;
  while (offset < file.size) {
    opts.signal?.throwIfAborted();
    const part = new Uint8Array(await file.slice(offset, Math.min(file.size, offset + chunk)).arrayBuffer());
    const sum = await sha256Hex(part);
    try {
      const r = await client.call("putUploadChunk", {
        params: { id },
        query: { offset, sha256: sum },
        body: part as Uint8Array<ArrayBuffer>,
        headers: { "content-type": "application/octet-stream" },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      offset = r.offset;
      failures = 0;
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      // Offset conflicts and dropped connections: ask the server where it stands and go on.
      const retriable = !(e instanceof ApiError) || e.status === 409 || e.status >= 500;
      if (!retriable || ++failures > 5) throw e;
      await new Promise((r) => setTimeout(r, 300 * failures));
      offset = (await client.call("getUpload", { params: { id } })).offset;
    }
    opts.onProgress?.({ sent: offset, total: file.size, resumedFrom });
  }
  return { id, sha256 };
}

/** Turns the received bytes into a learnware (or a new version of `learnwareId`). */
export async function finishUpload(file: File, id: string, sha256: string, semantic: Record<string, unknown>, learnwareId?: string) {
  const r = await client.call("finishUpload", { params: { id }, json: { sha256, semantic, ...(learnwareId ? { learnwareId } : {}) } });
  localStorage.removeItem(key(file));
  return r;
}

/** Forgets a stored session (after a checksum mismatch the server discards it). */
export function forgetUpload(file: File): void {
  localStorage.removeItem(key(file));
}
