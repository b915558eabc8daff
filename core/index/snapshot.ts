/**
 * The byte format of a serialized `RkmeIndex`: `"LWRI"`, a u32 format version, a u32 header
 * length, a UTF-8 JSON header (options, ids, shapes), then 8-byte-aligned little-endian
 * sections per bucket: frequencies f64, self inner products f64, sequence numbers f64,
 * sketches f32, and for an inverted file its centroids f32 and each entry's list i32
 * (version 1 held a PCA coarse space; its snapshots are refused, rebuild from the entries). The feature map's frequencies are stored, not re-drawn, so a snapshot
 * does not depend on the runtime's Math functions.
 */
import type { FeatureMap } from "./featureMap.ts";

export interface BucketSnapshot {
  map: FeatureMap;
  ids: string[];
  sketches: Float32Array;
  selfIp: Float64Array;
  seq: Float64Array;
  ivf: { centroids: Float32Array; trainedSize: number; lists: Int32Array } | null;
}

export interface IndexSnapshot {
  options: object;
  nextSeq: number;
  buckets: BucketSnapshot[];
}

const MAGIC = [0x4c, 0x57, 0x52, 0x49]; // "LWRI"
const VERSION = 2;

interface HeaderBucket {
  dim: number;
  gamma: number;
  features: number;
  seed: number;
  ids: string[];
  ivf: { lists: number; trainedSize: number } | null;
}

export function writeSnapshot(snap: IndexSnapshot): Uint8Array {
  const header = JSON.stringify({
    options: snap.options,
    nextSeq: snap.nextSeq,
    buckets: snap.buckets.map(
      (b): HeaderBucket => ({
        dim: b.map.dim,
        gamma: b.map.gamma,
        features: b.map.features,
        seed: b.map.seed,
        ids: b.ids,
        ivf: b.ivf ? { lists: b.ivf.centroids.length / b.map.features, trainedSize: b.ivf.trainedSize } : null,
      }),
    ),
  });
  const head = new TextEncoder().encode(header);
  const sections: ArrayBufferView[] = [];
  for (const b of snap.buckets) {
    sections.push(b.map.frequencies, b.selfIp, b.seq, b.sketches);
    if (b.ivf) sections.push(b.ivf.centroids, b.ivf.lists);
  }
  let size = align(12 + head.length);
  for (const s of sections) size = align(size + s.byteLength);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, head.length, true);
  out.set(head, 12);
  let at = align(12 + head.length);
  for (const s of sections) {
    // Typed arrays are little-endian on every platform a browser, Node or Deno runs on.
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    at = align(at + s.byteLength);
  }
  return out;
}

export function readSnapshot(bytes: Uint8Array): IndexSnapshot {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("RkmeIndex snapshot must be a Uint8Array");
  if (bytes.length < 12 || MAGIC.some((m, i) => bytes[i] !== m)) throw new RangeError("RkmeIndex snapshot: bad magic (not an index snapshot)");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== VERSION) throw new RangeError(`RkmeIndex snapshot: format version ${version} is not supported (expected ${VERSION})`);
  const headLen = dv.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headLen))) as {
    options: object;
    nextSeq: number;
    buckets: HeaderBucket[];
  };
  let at = align(12 + headLen);
  const take = <T>(ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T => {
    const len = n * ctor.BYTES_PER_ELEMENT;
    if (at + len > bytes.length) throw new RangeError(`RkmeIndex snapshot: truncated (needs ${at + len} bytes, has ${bytes.length})`);
    const copy = bytes.slice(at, at + len).buffer; // aligned copy, independent of the input
    at = align(at + len);
    return new ctor(copy);
  };
  const buckets = header.buckets.map((h): BucketSnapshot => {
    const n = h.ids.length,
      F = h.features;
    const frequencies = take(Float64Array, (F / 2) * h.dim);
    const selfIp = take(Float64Array, n);
    const seq = take(Float64Array, n);
    const sketches = take(Float32Array, n * F);
    let ivf: BucketSnapshot["ivf"] = null;
    if (h.ivf) {
      const centroids = take(Float32Array, h.ivf.lists * F);
      const lists = take(Int32Array, n);
      ivf = { centroids, trainedSize: h.ivf.trainedSize, lists };
    }
    return {
      map: { dim: h.dim, gamma: h.gamma, features: F, seed: h.seed, frequencies },
      ids: h.ids,
      sketches,
      selfIp,
      seq,
      ivf,
    };
  });
  return { options: header.options, nextSeq: header.nextSeq, buckets };
}

function align(n: number): number {
  return (n + 7) & ~7;
}
