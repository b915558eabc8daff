/**
 * Blobs on S3-compatible object storage (`LW_BLOB_URL=s3://bucket/prefix`), signed with
 * aws4fetch (fetch + Web Crypto: it runs on Node, Deno and edge runtimes). Objects:
 *
 * - `<prefix>sha256/<hex>` — content-addressed blobs (written once: a commit of an existing
 *   address is a no-op);
 * - `<prefix>tmp/<uuid>` — staged uploads, hashed (sha256, md5) by this server while they
 *   stream through it (multipart above one part), copied to their address at commit;
 * - `<prefix>partial/<session>/<offset>` — resumable-upload chunks, one object per chunk (the
 *   Python client's 1 MiB chunks too), so any replica can take the next chunk; `.session` marks
 *   a session; the chunks are streamed in offset order into a staged object at finish.
 *
 * Hashing uses `node:crypto` (Node, Deno and workerd's nodejs_compat provide it).
 */
import { createHash, randomUUID } from "node:crypto";
import { AwsClient } from "aws4fetch";
import { LearnwareError } from "../../core/errors.ts";
import { type BlobStore, hashThrough, type StagedBlob, sweepBlobs, type StageOptions } from "./store.ts";

const SHA_RE = /^[0-9a-f]{64}$/;
const ID_RE = /^[A-Za-z0-9_-]{1,128}$/;
/** Multipart part size (S3's minimum is 5 MiB for all but the last part). */
const PART = 8 * 1024 * 1024;
const MARKER = ".session";

export interface S3Options {
  /** `s3://bucket/prefix` */
  url: string;
  /** The service's base URL (path-style requests), e.g. `http://127.0.0.1:9000`. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
  /** How long one request may take, body included, before it fails (default 120 s). */
  timeoutMs?: number;
}

/** Parses `s3://bucket/prefix` (the prefix may be empty; it gets a trailing `/`). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new RangeError(`LW_BLOB_URL must look like s3://bucket/prefix, got '${url}'`);
  const prefix = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : "" };
}

function xmlValues(xml: string, tag: string): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))) {
    out.push(
      m[1]!
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, "&"),
    );
  }
  return out;
}

export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #base: string;
  readonly #aws: AwsClient;
  readonly #timeoutMs: number;

  constructor(o: S3Options) {
    const { bucket, prefix } = parseS3Url(o.url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.#base = `${o.endpoint.replace(/\/+$/, "")}/${bucket}`;
    this.#timeoutMs = o.timeoutMs ?? 120_000;
    this.#aws = new AwsClient({ accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, service: "s3", region: o.region ?? "us-east-1" });
  }

  /** Creates the bucket when it does not exist (tests, first start); an existing one is fine. */
  async init(): Promise<this> {
    const head = await this.#req("HEAD", "");
    if (head.status === 404) {
      const r = await this.#req("PUT", "");
      // Another replica starting at the same time may have created it first.
      if (r.status !== 409) await this.#ok(r, "create bucket");
    } else await this.#ok(head, "bucket");
    return this;
  }

  #url(key: string, query = ""): string {
    const path = key === "" ? "" : `/${key.split("/").map(encodeURIComponent).join("/")}`;
    return `${this.#base}${path}${query ? `?${query}` : ""}`;
  }

  /**
   * One signed request. It fails (a rejected promise, never a hang) when the store does not
   * answer within the timeout: a stalled object store must not hold an upload open for ever.
   * A download handed to the caller as a stream (`stream: true`) is timed only until its headers.
   */
  async #req(
    method: string,
    key: string,
    o: { body?: BodyInit | Uint8Array; headers?: Record<string, string>; query?: string; stream?: boolean } = {},
  ): Promise<Response> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new Error(`S3 ${method} ${key || "/"}: no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    // Body reads of non-stream answers stay under the timeout (the timer is then left to fire
    // harmlessly; unref'd, it keeps no process alive).
    (timer as unknown as { unref?: () => void }).unref?.();
    try {
      const r = await this.#aws.fetch(this.#url(key, o.query ?? ""), {
        method,
        headers: o.headers ?? {},
        signal: ctl.signal,
        ...(o.body !== undefined ? { body: o.body as BodyInit } : {}),
      });
      if (o.stream) clearTimeout(timer);
      return r;
    } catch (err) {
      clearTimeout(timer);
      throw err;
    }
  }

  async #ok(r: Response, what: string): Promise<Response> {
    if (r.ok) return r;
    const text = await r.text().catch(() => "");
    throw new Error(`S3 ${what}: HTTP ${r.status} ${text.slice(0, 300)}`);
  }

  #blobKey(sha: string): string {
    if (!SHA_RE.test(sha)) throw new LearnwareError("BAD_REQUEST", `Not a sha256 digest: '${sha}'`);
    return `${this.prefix}sha256/${sha}`;
  }
  #tempKey(id: string): string {
    if (!ID_RE.test(id)) throw new LearnwareError("BAD_REQUEST", `Bad temp id '${id}'`);
    return `${this.prefix}tmp/${id}`;
  }
  #partialDir(id: string): string {
    if (!ID_RE.test(id)) throw new LearnwareError("BAD_REQUEST", `Bad upload id '${id}'`);
    return `${this.prefix}partial/${id}/`;
  }

  /** Every key (and size) under `prefix`, following continuation tokens. */
  async *#list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    let token: string | null = null;
    for (;;) {
      const q: string = `list-type=2&prefix=${encodeURIComponent(prefix)}${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`;
      const xml: string = await (await this.#ok(await this.#req("GET", "", { query: q }), "list")).text();
      const keys = xmlValues(xml, "Key");
      const sizes = xmlValues(xml, "Size");
      for (let i = 0; i < keys.length; i++) yield { key: keys[i]!, size: Number(sizes[i]) };
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? (xmlValues(xml, "NextContinuationToken")[0] ?? null) : null;
      if (!token) return;
    }
  }

  async stage(body: ReadableStream<Uint8Array>, opts: StageOptions = {}): Promise<StagedBlob> {
    const tempId = randomUUID();
    const key = this.#tempKey(tempId);
    let buf: Uint8Array[] = [];
    let buffered = 0;
    let uploadId: string | null = null;
    const etags: string[] = [];
    const flushPart = async () => {
      const part = concat(buf, buffered);
      buf = [];
      buffered = 0;
      if (uploadId === null) {
        const xml = await (await this.#ok(await this.#req("POST", key, { query: "uploads=" }), "start multipart")).text();
        uploadId = xmlValues(xml, "UploadId")[0] ?? null;
        if (!uploadId) throw new Error("S3 start multipart: no UploadId");
      }
      const r = await this.#ok(
        await this.#req("PUT", key, { body: part, query: `partNumber=${etags.length + 1}&uploadId=${encodeURIComponent(uploadId)}` }),
        "upload part",
      );
      etags.push(r.headers.get("etag") ?? "");
    };
    try {
      const digest = await hashThrough(
        body,
        opts.maxBytes,
        async (value) => {
          buf.push(value);
          buffered += value.byteLength;
          if (buffered >= PART) await flushPart();
        },
        opts.md5,
      );
      if (uploadId === null) {
        await this.#ok(await this.#req("PUT", key, { body: concat(buf, buffered) }), "put");
      } else {
        if (buffered > 0) await flushPart();
        const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
        const r = await this.#ok(
          await this.#req("POST", key, { body: xml, headers: { "content-type": "application/xml" }, query: `uploadId=${encodeURIComponent(uploadId)}` }),
          "complete multipart",
        );
        const text = await r.text();
        if (/<Error>/.test(text)) throw new Error(`S3 complete multipart: ${text.slice(0, 300)}`);
      }
      return { tempId, ...digest };
    } catch (err) {
      if (uploadId !== null) await this.#req("DELETE", key, { query: `uploadId=${encodeURIComponent(uploadId)}` }).catch(() => undefined);
      throw err;
    }
  }

  async readStaged(staged: StagedBlob): Promise<Uint8Array> {
    const r = await this.#ok(await this.#req("GET", this.#tempKey(staged.tempId)), "read staged");
    return new Uint8Array(await r.arrayBuffer());
  }

  async commit(staged: StagedBlob): Promise<string> {
    const dest = this.#blobKey(staged.sha256);
    const tmp = this.#tempKey(staged.tempId);
    if ((await this.size(staged.sha256)) === null) {
      await this.#ok(
        await this.#req("PUT", dest, { headers: { "x-amz-copy-source": `/${this.bucket}/${tmp.split("/").map(encodeURIComponent).join("/")}` } }),
        "copy",
      );
    }
    await this.#req("DELETE", tmp).catch(() => undefined);
    return staged.sha256;
  }

  async discard(staged: StagedBlob): Promise<void> {
    await this.#req("DELETE", this.#tempKey(staged.tempId));
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.size(sha256)) !== null;
  }

  async size(sha256: string): Promise<number | null> {
    const r = await this.#req("HEAD", this.#blobKey(sha256));
    if (r.status === 404) return null;
    await this.#ok(r, "head");
    return Number(r.headers.get("content-length"));
  }

  async open(sha256: string): Promise<ReadableStream<Uint8Array> | null> {
    const r = await this.#req("GET", this.#blobKey(sha256), { stream: true });
    if (r.status === 404) return null;
    await this.#ok(r, "get");
    return r.body;
  }

  async read(sha256: string): Promise<Uint8Array | null> {
    const r = await this.#req("GET", this.#blobKey(sha256));
    if (r.status === 404) return null;
    return new Uint8Array(await (await this.#ok(r, "get")).arrayBuffer());
  }

  /**
   * A presigned GET of a blob, valid for `seconds` (the client downloads from the store
   * directly); `as` sets the answer's content type and disposition (S3's `response-content-*`).
   */
  async presign(sha256: string, seconds: number, as: { contentType?: string; disposition?: string } = {}): Promise<string> {
    const q = new URLSearchParams({ "X-Amz-Expires": String(seconds) });
    if (as.contentType) q.set("response-content-type", as.contentType);
    if (as.disposition) q.set("response-content-disposition", as.disposition);
    const signed = await this.#aws.sign(`${this.#url(this.#blobKey(sha256))}?${q}`, { method: "GET", aws: { signQuery: true } });
    return signed.url;
  }

  async putBytes(bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if ((await this.size(sha256)) === null) await this.#ok(await this.#req("PUT", this.#blobKey(sha256), { body: bytes }), "put");
    return { sha256, size: bytes.byteLength };
  }

  async delete(sha256: string): Promise<void> {
    const r = await this.#req("DELETE", this.#blobKey(sha256));
    if (r.status !== 404) await this.#ok(r, "delete");
  }

  async *list(): AsyncIterable<string> {
    const base = `${this.prefix}sha256/`;
    for await (const o of this.#list(base)) {
      const sha = o.key.slice(base.length);
      if (SHA_RE.test(sha)) yield sha;
    }
  }

  async #chunks(id: string): Promise<{ marker: boolean; chunks: { offset: number; size: number; key: string }[] }> {
    const dir = this.#partialDir(id);
    let marker = false;
    const chunks: { offset: number; size: number; key: string }[] = [];
    for await (const o of this.#list(dir)) {
      const name = o.key.slice(dir.length);
      if (name === MARKER) marker = true;
      else if (/^\d{16}$/.test(name)) chunks.push({ offset: Number(name), size: o.size, key: o.key });
    }
    chunks.sort((a, b) => a.offset - b.offset);
    return { marker, chunks };
  }

  async partialCreate(id: string): Promise<void> {
    await this.#ok(await this.#req("PUT", this.#partialDir(id) + MARKER, { body: new Uint8Array(0) }), "create session");
  }

  async partialSize(id: string): Promise<number | null> {
    const { marker, chunks } = await this.#chunks(id);
    if (!marker) return null;
    return chunks.reduce((m, c) => Math.max(m, c.offset + c.size), 0);
  }

  async #putChunk(id: string, offset: number, bytes: Uint8Array): Promise<void> {
    await this.#ok(await this.#req("PUT", this.#partialDir(id) + String(offset).padStart(16, "0"), { body: bytes }), "put chunk");
  }

  async partialAppend(id: string, offset: number, bytes: Uint8Array): Promise<number> {
    const size = await this.partialSize(id);
    if (size === null) throw new LearnwareError("GONE", `The data of upload session '${id}' is lost`, { field: "id" });
    if (size !== offset) {
      throw new LearnwareError("OFFSET_MISMATCH", `Chunk offset ${offset} does not match the received size ${size}`, { field: "offset", received: size });
    }
    await this.#putChunk(id, offset, bytes);
    return offset + bytes.byteLength;
  }

  async partialWriteAt(id: string, offset: number, bytes: Uint8Array): Promise<number> {
    const size = await this.partialSize(id);
    if (size === null) throw new LearnwareError("GONE", `The data of upload session '${id}' is lost`, { field: "id" });
    await this.#putChunk(id, offset, bytes);
    return Math.max(size, offset + bytes.byteLength);
  }

  async partialStage(id: string): Promise<StagedBlob> {
    const { chunks } = await this.#chunks(id);
    // The chunks in offset order; where one overlaps the previous (a rewritten range), its
    // overlapping head is skipped; a hole reads as zeros (seek-and-write semantics).
    const self = this;
    let pos = 0;
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        const c = chunks[i++];
        if (!c) return ctrl.close();
        if (c.offset > pos) {
          ctrl.enqueue(new Uint8Array(c.offset - pos));
          pos = c.offset;
        }
        const r = await self.#ok(await self.#req("GET", c.key), "read chunk");
        const bytes = new Uint8Array(await r.arrayBuffer());
        const skip = pos - c.offset;
        if (skip < bytes.byteLength) {
          ctrl.enqueue(bytes.subarray(skip));
          pos = c.offset + bytes.byteLength;
        }
      },
    });
    const staged = await this.stage(stream, { md5: true });
    await this.partialRemove(id);
    return staged;
  }

  async partialRemove(id: string): Promise<void> {
    const keys: string[] = [];
    for await (const o of this.#list(this.#partialDir(id))) keys.push(o.key);
    await Promise.all(keys.map((k) => this.#req("DELETE", k)));
  }

  async partialList(): Promise<string[]> {
    const base = `${this.prefix}partial/`;
    const ids = new Set<string>();
    for await (const o of this.#list(base)) {
      const id = o.key.slice(base.length).split("/")[0]!;
      if (ID_RE.test(id) && o.key.endsWith(`/${MARKER}`)) ids.add(id);
    }
    return [...ids];
  }

  async sweep(isReferenced: (sha256: string) => Promise<boolean> | boolean): Promise<{ temps: number; blobs: number }> {
    let temps = 0;
    // Only temps older than an hour: another replica may be staging an upload right now.
    const temp: string[] = [];
    for await (const o of this.#list(`${this.prefix}tmp/`)) temp.push(o.key);
    for (const k of temp) {
      const h = await this.#req("HEAD", k);
      const age = Date.now() - Date.parse(h.headers.get("last-modified") ?? "");
      if (h.ok && age > 3600_000) {
        await this.#req("DELETE", k);
        temps++;
      }
    }
    return { temps, blobs: await sweepBlobs(this, isReferenced) };
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
