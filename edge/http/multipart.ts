/**
 * A streaming multipart/form-data parser over a web `ReadableStream`: parts are read one
 * after another and a file part's body streams through without the request being held in
 * memory (at most one network chunk plus the boundary length is buffered).
 *
 * @example
 * ```ts ignore
 * const mp = MultipartReader.fromRequest(req);
 * for (let part = await mp.next(); part; part = await mp.next()) {
 *   if (part.filename === undefined) console.log(part.name, await part.text(1 << 20));
 *   else await blobs.stage(part.stream());
 * }
 * ```
 */
import { LearnwareError } from "../errors.ts";

const CRLF = new Uint8Array([13, 10]);
const HEADER_END = new Uint8Array([13, 10, 13, 10]);
const MAX_HEADER_BYTES = 16 * 1024;

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  const last = hay.length - needle.length;
  let i = from;
  while (i <= last) {
    i = hay.indexOf(first, i);
    if (i < 0 || i > last) return -1;
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i++;
  }
  return -1;
}

/**
 * A Boyer–Moore–Horspool search for one needle (the part delimiter): on file bytes it skips
 * about the needle's length per step, where scanning for its first byte (`\r`, every ~256
 * bytes of random data) costs a call per hit.
 */
class Horspool {
  readonly #needle: Uint8Array;
  readonly #shift = new Uint32Array(256);
  constructor(needle: Uint8Array) {
    this.#needle = needle;
    const m = needle.length;
    this.#shift.fill(m);
    for (let k = 0; k < m - 1; k++) this.#shift[needle[k]!] = m - 1 - k;
  }
  indexOf(hay: Uint8Array): number {
    const needle = this.#needle;
    const m = needle.length;
    const lastByte = needle[m - 1]!;
    const shift = this.#shift;
    for (let i = 0; i <= hay.length - m; ) {
      const c = hay[i + m - 1]!;
      if (c === lastByte) {
        let j = m - 2;
        while (j >= 0 && hay[i + j] === needle[j]) j--;
        if (j < 0) return i;
      }
      i += shift[c]!;
    }
    return -1;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function malformed(msg: string): LearnwareError {
  return new LearnwareError("BAD_REQUEST", `Malformed multipart body: ${msg}`, { field: "body" });
}

export interface MultipartPart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  /** Next chunk of this part's body, or null at its end. */
  read(): Promise<Uint8Array | null>;
  /** This part's body as a stream (read once). */
  stream(): ReadableStream<Uint8Array>;
  /** This part's body as UTF-8 text, bounded. */
  text(limit: number): Promise<string>;
  bytes(limit: number): Promise<Uint8Array>;
}

export class MultipartReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0) as Uint8Array;
  #eof = false;
  #delim: Uint8Array; // "\r\n--boundary"
  #find: Horspool;
  #state: "start" | "headers" | "body" | "done" = "start";
  #current: MultipartPart | null = null;

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.#reader = body.getReader();
    this.#delim = new TextEncoder().encode(`\r\n--${boundary}`);
    this.#find = new Horspool(this.#delim);
  }

  /** Builds a reader from a request; 415 unless it is multipart/form-data with a boundary. */
  static fromRequest(req: Request): MultipartReader {
    const ct = req.headers.get("content-type") ?? "";
    const m = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
    if (!m) throw new LearnwareError("UNSUPPORTED_MEDIA_TYPE", `Expected multipart/form-data with a boundary, got '${ct}'`, { field: "body" });
    if (req.body === null) throw malformed("empty body");
    return new MultipartReader(req.body, (m[1] ?? m[2])!);
  }

  /** The next network chunk, or null at the end of the body. */
  async #chunk(): Promise<Uint8Array | null> {
    if (this.#eof) return null;
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#eof = true;
      return null;
    }
    return value;
  }

  async #fill(): Promise<boolean> {
    const value = await this.#chunk();
    if (value === null) return false;
    this.#buf = concat(this.#buf, value);
    return true;
  }

  /** Cancels the underlying stream (on errors). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  /** The next part, or null after the closing boundary. Drains an unread previous part. */
  async next(): Promise<MultipartPart | null> {
    if (this.#current) {
      while ((await this.#current.read()) !== null) {
        /* drain */
      }
      this.#current = null;
    }
    if (this.#state === "done") return null;
    if (this.#state === "start") {
      // The first delimiter has no leading CRLF; treat the body as if it had one.
      this.#buf = concat(CRLF, this.#buf);
      for (;;) {
        const i = this.#find.indexOf(this.#buf);
        if (i >= 0) {
          this.#buf = this.#buf.subarray(i + this.#delim.length);
          break;
        }
        if (this.#buf.length > 64 * 1024) throw malformed("no opening boundary");
        if (!(await this.#fill())) throw malformed("no opening boundary");
      }
      if (!(await this.#afterDelimiter())) return null;
    }
    // headers
    let end: number;
    for (;;) {
      end = indexOf(this.#buf, HEADER_END);
      if (end >= 0) break;
      if (this.#buf.length > MAX_HEADER_BYTES) throw malformed("part headers too large");
      if (!(await this.#fill())) throw malformed("truncated part headers");
    }
    const headerText = new TextDecoder().decode(this.#buf.subarray(0, end));
    this.#buf = this.#buf.subarray(end + 4);
    const headers = new Map<string, string>();
    for (const line of headerText.split("\r\n")) {
      const k = line.indexOf(":");
      if (k > 0) headers.set(line.slice(0, k).trim().toLowerCase(), line.slice(k + 1).trim());
    }
    const disp = headers.get("content-disposition") ?? "";
    const name = /(?:^|;)\s*name="((?:[^"\\]|\\.)*)"/i.exec(disp)?.[1] ?? /(?:^|;)\s*name=([^;\s]+)/i.exec(disp)?.[1];
    if (name === undefined) throw malformed("a part has no name");
    const fnMatch = /(?:^|;)\s*filename="((?:[^"\\]|\\.)*)"/i.exec(disp) ?? /(?:^|;)\s*filename=([^;\s]+)/i.exec(disp);
    this.#state = "body";
    let finished = false;
    const read = async (): Promise<Uint8Array | null> => {
      if (finished) return null;
      for (;;) {
        const i = this.#find.indexOf(this.#buf);
        if (i >= 0) {
          const out = this.#buf.subarray(0, i);
          this.#buf = this.#buf.subarray(i + this.#delim.length);
          finished = true;
          const more = await this.#afterDelimiter();
          if (!more) this.#state = "done";
          else this.#state = "headers";
          if (out.length > 0) return out;
          return null;
        }
        // No delimiter in the buffer: everything but a possible delimiter's head goes out at
        // once, as a view (buffers are network chunks or `concat`'s new arrays, never written
        // again), so each byte is searched about once and not copied, whatever the chunk sizes.
        const keep = this.#delim.length - 1;
        if (this.#buf.length > keep) {
          const out = this.#buf.subarray(0, this.#buf.length - keep);
          this.#buf = this.#buf.subarray(this.#buf.length - keep);
          return out;
        }
        const value = await this.#chunk();
        if (value === null) throw malformed("truncated body (no closing boundary)");
        // The few bytes kept can only be the head of a delimiter running into `value`: when
        // they are not, they go out as they are and `value` becomes the buffer, uncopied.
        const delimLen = this.#delim.length;
        if (value.length >= delimLen && this.#find.indexOf(concat(this.#buf, value.subarray(0, delimLen - 1))) < 0) {
          const out = this.#buf;
          this.#buf = value;
          if (out.length > 0) return out;
          continue;
        }
        this.#buf = concat(this.#buf, value);
      }
    };
    // A pending chunk returned by `read` before `finished` was seen must still be delivered;
    // `read` above returns data first and null only on the next call after `finished`.
    let pendingNull = false;
    const readPart = async (): Promise<Uint8Array | null> => {
      if (pendingNull) return null;
      const wasFinished = finished;
      const r = await read();
      if (r !== null && finished && !wasFinished) pendingNull = true;
      return r;
    };
    const part: MultipartPart = {
      name,
      filename: fnMatch?.[1],
      contentType: headers.get("content-type"),
      read: readPart,
      stream: () =>
        new ReadableStream<Uint8Array>({
          pull: async (controller) => {
            try {
              const chunk = await readPart();
              if (chunk === null) controller.close();
              else controller.enqueue(chunk);
            } catch (err) {
              controller.error(err);
            }
          },
        }),
      bytes: async (limit: number) => {
        let acc: Uint8Array = new Uint8Array(0);
        for (let ch = await readPart(); ch !== null; ch = await readPart()) {
          acc = concat(acc, ch);
          if (acc.length > limit) {
            throw new LearnwareError("PAYLOAD_TOO_LARGE", `Form field '${name}' exceeds ${limit} bytes`, { field: name, limit });
          }
        }
        return acc;
      },
      text: async (limit: number) => new TextDecoder().decode(await part.bytes(limit)),
    };
    this.#current = part;
    return part;
  }

  /** After a delimiter: `--` ends the body; otherwise skip padding and CRLF. */
  async #afterDelimiter(): Promise<boolean> {
    while (this.#buf.length < 2) {
      if (!(await this.#fill())) throw malformed("truncated after a boundary");
    }
    if (this.#buf[0] === 45 && this.#buf[1] === 45) {
      this.#state = "done";
      await this.#reader.cancel().catch(() => {});
      return false;
    }
    for (;;) {
      const i = indexOf(this.#buf, CRLF);
      if (i >= 0) {
        this.#buf = this.#buf.subarray(i + 2);
        this.#state = "headers";
        return true;
      }
      if (this.#buf.length > 1024) throw malformed("garbage after a boundary");
      if (!(await this.#fill())) throw malformed("truncated after a boundary");
    }
  }
}
