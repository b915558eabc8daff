/**
 * The framed stdio protocol between the runner and its workers (Python processes,
 * containers) and the binary body of the model service: a JSON header plus raw
 * little-endian float64/float32 buffers for arrays. No pickle on the wire.
 *
 * Frame: `u32 headerBytes | u32 bodyBytes | header (UTF-8 JSON) | body`, all little-endian.
 * Arrays inside a message are replaced by `{"$array": i}` in the header; `header.arrays[i]`
 * holds `{dtype, shape, offset, bytes}` locating the array in the body (8-byte aligned).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, decodeFrame } from "./protocol.ts";
 * import { tensor } from "./tensor.ts";
 * const bytes = encodeFrame({ op: "predict", X: tensor([[1, 2]]) });
 * const msg = decodeFrame(bytes) as { op: string; X: { data: Float64Array } };
 * assert.equal(msg.op, "predict");
 * assert.equal(msg.X.data[1], 2);
 * ```
 */
import type { DType, Tensor } from "./tensor.ts";

interface ArrayRef {
  /** `bytes`: a raw `Uint8Array` (e.g. AIPOD's `binary_data`), referenced as `{$bytes: i}`. */
  dtype: DType | "bytes";
  shape: number[];
  offset: number;
  bytes: number;
}

const PREFIX = 8;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function isTensor(v: unknown): v is Tensor {
  return (
    typeof v === "object" &&
    v !== null &&
    "data" in v &&
    "shape" in v &&
    ((v as Tensor).data instanceof Float64Array || (v as Tensor).data instanceof Float32Array)
  );
}

/** Encodes a message (any JSON value with tensors anywhere inside) into one frame. */
export function encodeFrame(message: unknown): Uint8Array {
  const arrays: ArrayRef[] = [];
  const buffers: Array<Float64Array | Float32Array | Uint8Array> = [];
  let body = 0;
  const header = JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      arrays.push({ dtype: "bytes", shape: [value.byteLength], offset: body, bytes: value.byteLength });
      buffers.push(value);
      body += Math.ceil(value.byteLength / 8) * 8;
      return { $bytes: arrays.length - 1 };
    }
    if (isTensor(value)) {
      const offset = body;
      arrays.push({ dtype: value.data instanceof Float32Array ? "float32" : "float64", shape: value.shape, offset, bytes: value.data.byteLength });
      buffers.push(value.data);
      body += Math.ceil(value.data.byteLength / 8) * 8;
      return { $array: arrays.length - 1 };
    }
    return value;
  });
  const wrapped = arrays.length === 0 ? header : `{"m":${header},"arrays":${JSON.stringify(arrays)}}`;
  const head = textEncoder.encode(arrays.length === 0 ? `{"m":${header}}` : wrapped);
  const out = new Uint8Array(PREFIX + head.length + body);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, head.length, true);
  dv.setUint32(4, body, true);
  out.set(head, PREFIX);
  const base = PREFIX + head.length;
  arrays.forEach((a, i) => {
    const b = buffers[i]!;
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), base + a.offset);
  });
  return out;
}

/** Decodes one complete frame (as produced by {@link encodeFrame}). */
export function decodeFrame(frame: Uint8Array): unknown {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headLen = dv.getUint32(0, true);
  const bodyLen = dv.getUint32(4, true);
  if (frame.length !== PREFIX + headLen + bodyLen) {
    throw new RangeError(`Frame length ${frame.length} does not match its prefix (${PREFIX} + ${headLen} + ${bodyLen})`);
  }
  return decodeParts(frame.subarray(PREFIX, PREFIX + headLen), frame.subarray(PREFIX + headLen));
}

function decodeParts(head: Uint8Array, body: Uint8Array): unknown {
  const parsed = JSON.parse(textDecoder.decode(head)) as { m: unknown; arrays?: ArrayRef[] };
  const refs = parsed.arrays;
  if (refs === undefined || refs.length === 0) return parsed.m;
  // Copy the body once into an aligned buffer so typed-array views need no further copies.
  const aligned = new Uint8Array(body.length);
  aligned.set(body);
  const views = refs.map((r): Tensor | Uint8Array => {
    if (r.dtype === "bytes") return aligned.slice(r.offset, r.offset + r.bytes);
    const n = r.bytes / (r.dtype === "float32" ? 4 : 8);
    const data = r.dtype === "float32" ? new Float32Array(aligned.buffer, r.offset, n) : new Float64Array(aligned.buffer, r.offset, n);
    return { dtype: r.dtype, shape: r.shape, data };
  });
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.$array === "number" && Object.keys(o).length === 1) {
        const t = views[o.$array];
        if (t === undefined || t instanceof Uint8Array) throw new RangeError(`Frame references array ${o.$array} of ${views.length}`);
        return t;
      }
      if (typeof o.$bytes === "number" && Object.keys(o).length === 1) {
        const b = views[o.$bytes];
        if (!(b instanceof Uint8Array)) throw new RangeError(`Frame references bytes ${o.$bytes}, which is not a byte string`);
        return b;
      }
      for (const k of Object.keys(o)) o[k] = revive(o[k]);
    }
    return v;
  };
  return revive(parsed.m);
}

/**
 * Incremental frame reader for a byte stream (a child's stdout): push chunks, get
 * every complete message.
 */
export class FrameReader {
  #chunks: Uint8Array[] = [];
  #length = 0;

  push(chunk: Uint8Array): unknown[] {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    const out: unknown[] = [];
    for (;;) {
      if (this.#length < PREFIX) break;
      const prefix = this.#peek(PREFIX);
      const dv = new DataView(prefix.buffer, prefix.byteOffset, PREFIX);
      const total = PREFIX + dv.getUint32(0, true) + dv.getUint32(4, true);
      if (this.#length < total) break;
      out.push(decodeFrame(this.#take(total)));
    }
    return out;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.#length;
  }

  #peek(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    this.#coalesce();
    return this.#chunks[0]!.subarray(0, n);
  }

  #take(n: number): Uint8Array {
    if (this.#chunks[0]!.length < n) this.#coalesce();
    const first = this.#chunks[0]!;
    const frame = first.subarray(0, n);
    if (first.length === n) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(n);
    this.#length -= n;
    return frame;
  }

  #coalesce(): void {
    const all = new Uint8Array(this.#length);
    let o = 0;
    for (const c of this.#chunks) {
      all.set(c, o);
      o += c.length;
    }
    this.#chunks = [all];
  }
}
