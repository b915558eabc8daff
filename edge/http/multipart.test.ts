/** The streaming multipart reader, fed the same body in chunks of every awkward size. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MultipartReader } from "./multipart.ts";

const enc = new TextEncoder();
const boundary = "----lwBoundary7MA4YWxk";

/** A file whose bytes hold near-misses of the delimiter (and the delimiter without its CRLF). */
function trickyFile(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + 7) & 0xff;
  const traps = [`\r\n--${boundary.slice(0, -1)}`, `--${boundary}`, `\r\n--${boundary.slice(0, -2)}Y`, "\r\n\r\n", "\r\n-"];
  let at = 100;
  for (const t of traps) {
    out.set(enc.encode(t), at);
    at += 997;
  }
  return out;
}

function body(file: Uint8Array): Uint8Array {
  const head = enc.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="semantic"\r\n\r\n{"a":1}\r\n--${boundary}\r\nContent-Disposition: form-data; name="package"; filename="p.zip"\r\nContent-Type: application/zip\r\n\r\n`,
  );
  const tail = enc.encode(`\r\n--${boundary}--\r\n`);
  const out = new Uint8Array(head.length + file.length + tail.length);
  out.set(head, 0);
  out.set(file, head.length);
  out.set(tail, head.length + file.length);
  return out;
}

function chunked(bytes: Uint8Array, size: (i: number) => number): ReadableStream<Uint8Array> {
  let o = 0,
    i = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= bytes.length) return c.close();
      const n = Math.max(1, size(i++));
      // A fresh copy each time, as a socket delivers it.
      c.enqueue(bytes.slice(o, o + n));
      o += n;
    },
  });
}

async function parse(stream: ReadableStream<Uint8Array>) {
  const req = new Request("http://x/", {
    method: "POST",
    body: stream,
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    duplex: "half",
  } as RequestInit);
  const mp = MultipartReader.fromRequest(req);
  const parts: { name: string; filename: string | undefined; bytes: Uint8Array }[] = [];
  for (let p = await mp.next(); p; p = await mp.next()) parts.push({ name: p.name, filename: p.filename, bytes: await p.bytes(1 << 24) });
  return parts;
}

test("parts come out byte for byte whatever the chunk sizes (1 byte to 64 KiB, random)", async () => {
  const file = trickyFile(70_000);
  const whole = body(file);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 5000) + 1;
  for (const size of [() => 1, () => 2, () => 3, () => 7, () => 39, () => 64, () => 1000, () => 65536, rnd]) {
    const parts = await parse(chunked(whole, size));
    assert.equal(parts.length, 2);
    assert.equal(new TextDecoder().decode(parts[0]!.bytes), '{"a":1}');
    assert.equal(parts[1]!.name, "package");
    assert.equal(parts[1]!.filename, "p.zip");
    assert.deepEqual(parts[1]!.bytes, file);
  }
});

test("a body cut before its closing boundary is refused as malformed", async () => {
  const whole = body(trickyFile(5000));
  await assert.rejects(
    parse(chunked(whole.subarray(0, whole.length - 30), () => 100)),
    (e: Error & { code?: string }) => e.code === "BAD_REQUEST" && /Malformed multipart body/.test(e.message),
  );
});
