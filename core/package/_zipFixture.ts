/**
 * Test helper: a minimal zip writer that can lie. It writes what it is told (names,
 * external attributes, declared sizes, CRCs), so tests can craft symlinks, duplicates,
 * escaping names and bombs that well-behaved zippers refuse to produce.
 */
import { deflateSync } from "fflate";
import { crc32 } from "./crc32.ts";

export interface RawEntry {
  name: string;
  data?: Uint8Array | string;
  /** 0 stored, 8 deflate (default). */
  method?: number;
  /** Upper 16 bits: Unix mode. Default regular file 0o100644. */
  externalAttrs?: number;
  /** Overrides of what the central directory declares. */
  declaredSize?: number;
  declaredCompressedSize?: number;
  crc?: number;
  flags?: number;
  /** A different name in the local header. */
  localName?: string;
  /** Declare sizes and offset through a zip64 extra field in the central directory. */
  zip64?: boolean;
}

export interface RawZipOptions {
  /** Write a zip64 end of central directory record and locator (with saturated EOCD fields). */
  zip64Eocd?: boolean;
  /** Edits the (classic) end of central directory record before returning. */
  patchEocd?: (view: DataView) => void;
}

export function rawZip(entries: readonly RawEntry[], options: RawZipOptions = {}): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = typeof e.data === "string" ? enc.encode(e.data) : (e.data ?? new Uint8Array(0));
    const method = e.method ?? 8;
    const body = method === 8 ? deflateSync(raw) : raw;
    const crc = e.crc ?? crc32(raw);
    const name = enc.encode(e.name);
    const localName = e.localName === undefined ? name : enc.encode(e.localName);
    const flags = e.flags ?? 0x800;
    const local = new Uint8Array(30 + localName.length + body.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, raw.length, true);
    lv.setUint16(26, localName.length, true);
    local.set(localName, 30);
    local.set(body, 30 + localName.length);
    const extraLen = e.zip64 ? 28 : 0;
    const central = new Uint8Array(46 + name.length + extraLen);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, (3 << 8) | 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.declaredCompressedSize ?? body.length, true);
    cv.setUint32(24, e.declaredSize ?? raw.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(38, e.externalAttrs ?? (0o100644 << 16) >>> 0, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    if (e.zip64) {
      cv.setUint16(30, extraLen, true);
      cv.setUint16(46 + name.length, 0x0001, true);
      cv.setUint16(48 + name.length, 24, true);
      cv.setBigUint64(50 + name.length, BigInt(e.declaredSize ?? raw.length), true);
      cv.setBigUint64(58 + name.length, BigInt(e.declaredCompressedSize ?? body.length), true);
      cv.setBigUint64(66 + name.length, BigInt(offset), true);
      cv.setUint32(20, 0xffffffff, true);
      cv.setUint32(24, 0xffffffff, true);
      cv.setUint32(42, 0xffffffff, true);
    }
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const cdSize = centrals.reduce((n, c) => n + c.length, 0);
  const z64 = options.zip64Eocd ? 56 + 20 : 0;
  const out = new Uint8Array(offset + cdSize + z64 + 22);
  let p = 0;
  for (const part of [...locals, ...centrals]) {
    out.set(part, p);
    p += part.length;
  }
  if (options.zip64Eocd) {
    const zv = new DataView(out.buffer, p);
    zv.setUint32(0, 0x06064b50, true);
    zv.setBigUint64(4, 44n, true);
    zv.setUint16(12, 45, true);
    zv.setUint16(14, 45, true);
    zv.setBigUint64(24, BigInt(entries.length), true);
    zv.setBigUint64(32, BigInt(entries.length), true);
    zv.setBigUint64(40, BigInt(cdSize), true);
    zv.setBigUint64(48, BigInt(offset), true);
    zv.setUint32(56, 0x07064b50, true);
    zv.setBigUint64(56 + 8, BigInt(p), true);
    zv.setUint32(56 + 16, 1, true);
    p += z64;
  }
  const ev = new DataView(out.buffer, p);
  ev.setUint32(0, 0x06054b50, true);
  const saturate = options.zip64Eocd === true;
  ev.setUint16(8, saturate ? 0xffff : entries.length, true);
  ev.setUint16(10, saturate ? 0xffff : entries.length, true);
  ev.setUint32(12, saturate ? 0xffffffff : cdSize, true);
  ev.setUint32(16, saturate ? 0xffffffff : offset, true);
  options.patchEocd?.(ev);
  return out;
}
