/**
 * A zip of `n` entries of `entryBytes` zeros each, built by hand from one deflated entry
 * (so building a 1,000 MiB bomb costs one 1 MiB deflate). `lie` makes the central directory
 * declare `lie` bytes per entry instead of the truth.
 */
import { deflateSync } from "fflate";
import { crc32 } from "../../core/package/crc32.ts";

export function zipBomb(n = 1000, entryBytes = 1024 * 1024, opts: { lie?: number } = {}): Uint8Array<ArrayBuffer> {
  const zeros = new Uint8Array(entryBytes);
  const data = deflateSync(zeros, { level: 9 });
  const crc = crc32(zeros);
  const declared = opts.lie ?? entryBytes;
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const name = enc.encode(`zeros/${String(i).padStart(5, "0")}.bin`);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, 8, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, declared, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, 8, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, declared, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, data);
    centrals.push(central);
    offset += local.length + data.length;
  }
  const cdSize = centrals.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, n, true);
  ev.setUint16(10, n, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let o = 0;
  for (const p of [...locals, ...centrals, eocd]) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
