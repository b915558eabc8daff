/**
 * A minimal protobuf (proto3 wire format) writer: just enough to emit ONNX models by hand
 * without a schema compiler. Messages are built bottom-up: encode the child, then embed
 * its bytes as a length-delimited field of the parent.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { ProtoWriter } from "./protoWriter.ts";
 * const w = new ProtoWriter().int64(1, 8).string(2, "x");
 * assert.equal(w.finish().length, 5);
 * ```
 */
export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #size = 0;

  #push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#size += bytes.length;
  }

  #varint(value: bigint): void {
    // Negative int64 values are encoded as 10-byte two's complement varints.
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.#push(Uint8Array.from(out));
  }

  #tag(field: number, wireType: number): void {
    this.#varint(BigInt((field << 3) | wireType));
  }

  /** A varint field (int32, int64, enum, bool). */
  int64(field: number, value: number | bigint): this {
    this.#tag(field, 0);
    this.#varint(BigInt(value));
    return this;
  }

  /** A 32-bit float field (wire type 5). */
  float(field: number, value: number): this {
    this.#tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#push(b);
    return this;
  }

  /** A length-delimited bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(BigInt(value.length));
    this.#push(value);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message field. */
  message(field: number, child: ProtoWriter): this {
    return this.bytes(field, child.finish());
  }

  /** Concatenates everything written so far. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#size);
    let o = 0;
    for (const c of this.#chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}
