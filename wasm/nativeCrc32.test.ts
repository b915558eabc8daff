import assert from "node:assert/strict";
import { test } from "node:test";
import * as zlib from "node:zlib";
import { crc32, setCrc32Implementation } from "../core/package/crc32.ts";
import "./nativeCrc32.ts";

test("Node's native CRC-32 and core's tables agree on every size and when continued", (t) => {
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (typeof native !== "function") return void t.skip("this Node has no zlib.crc32");
  const data = new Uint8Array(3 * 65536 + 7);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(i + 65536, data.length)));
  const sizes = [0, 1, 4095, 4096, 4097, 65536, data.length];
  const fast = sizes.map((n) => crc32(data.subarray(0, n)));
  const fastContinued = crc32(data.subarray(70_000), crc32(data.subarray(0, 70_000)));
  assert.equal(setCrc32Implementation(null), false);
  try {
    assert.deepEqual(
      sizes.map((n) => crc32(data.subarray(0, n))),
      fast,
    );
    assert.equal(crc32(data), fastContinued);
    // A wrong implementation is refused on the standard vector.
    assert.equal(
      setCrc32Implementation(() => 0),
      false,
    );
  } finally {
    assert.equal(
      setCrc32Implementation((d, c) => native(d, c)),
      true,
    );
  }
});
