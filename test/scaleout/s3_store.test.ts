/** The S3 blob store against a real S3 implementation (Swift's s3api, which checks signatures). */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { before, describe, it } from "node:test";
import { S3BlobStore } from "../../edge/blobs/s3Store.ts";
import { requires } from "../_requires.ts";
import { s3Env, swiftS3 } from "../_swift.ts";
import { pseudoRandom } from "../integration/_server.ts";

const hex = (b: Uint8Array, algo = "sha256") => createHash(algo).update(b).digest("hex");
const streamOf = (b: Uint8Array, step = 64 * 1024) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let o = 0; o < b.length; o += step) c.enqueue(b.slice(o, o + step));
      c.close();
    },
  });

describe("S3 blob store against a store that never answers", () => {
  it("fails each request after its timeout instead of hanging an upload", async () => {
    // A TCP server that takes connections and never says a word.
    const held: Socket[] = [];
    const mute = createServer((c) => void held.push(c));
    await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
    const port = (mute.address() as AddressInfo).port;
    try {
      const store = new S3BlobStore({ url: "s3://mute/blobs", endpoint: `http://127.0.0.1:${port}`, accessKeyId: "k", secretAccessKey: "s", timeoutMs: 300 });
      const t0 = Date.now();
      await assert.rejects(store.stage(streamOf(pseudoRandom(1000, 2))), /no answer within 300 ms/);
      await assert.rejects(store.size("0".repeat(64)), /no answer within 300 ms/);
      assert.ok(Date.now() - t0 < 10_000, "both failed promptly");
    } finally {
      for (const c of held) c.destroy();
      await new Promise((r) => mute.close(r));
    }
  });
});

describe("S3 blob store on Swift's S3 layer", requires("python3-swift"), () => {
  let store: S3BlobStore;
  before(async () => {
    const env = await s3Env("store");
    const s = await swiftS3();
    store = await new S3BlobStore({ url: env.LW_BLOB_URL!, ...s }).init();
  });

  it("stages a streamed upload with its sha256/md5 computed here, commits it to its address, reads it back", async () => {
    const bytes = pseudoRandom(300_000, 1);
    const staged = await store.stage(streamOf(bytes), { md5: true });
    assert.equal(staged.sha256, hex(bytes));
    assert.equal(staged.md5, hex(bytes, "md5"));
    const plain = await store.stage(streamOf(bytes));
    assert.equal(plain.md5, undefined, "md5 only when asked (the Beimingwu routes)");
    await store.discard(plain);
    assert.equal(staged.size, bytes.length);
    assert.deepEqual(await store.readStaged(staged), bytes);
    assert.equal(await store.commit(staged), hex(bytes));
    assert.equal(await store.size(hex(bytes)), bytes.length);
    assert.deepEqual(await store.read(hex(bytes)), bytes);
    const s = await store.open(hex(bytes));
    assert.deepEqual(new Uint8Array(await new Response(s).arrayBuffer()), bytes);
    assert.equal(await store.open("0".repeat(64)), null);
  });

  it("uploads above one part go multipart (20 MiB, three parts) with the same digest", async () => {
    const bytes = pseudoRandom(20 * 1024 * 1024, 2);
    const staged = await store.stage(streamOf(bytes, 1024 * 1024));
    assert.equal(staged.sha256, hex(bytes));
    await store.commit(staged);
    assert.equal(await store.size(staged.sha256), bytes.length);
    assert.equal(hex((await store.read(staged.sha256))!), hex(bytes));
  });

  it("refuses a stream past maxBytes with PAYLOAD_TOO_LARGE", async () => {
    await assert.rejects(store.stage(streamOf(pseudoRandom(10_000, 3)), { maxBytes: 5000 }), { code: "PAYLOAD_TOO_LARGE" });
  });

  it("gives presigned downloads that work without credentials and fail when tampered", async () => {
    const { sha256 } = await store.putBytes(new TextEncoder().encode("presigned"));
    const url = await store.presign(sha256, 60);
    const r = await fetch(url);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "presigned");
    const bad = await fetch(url.replace(/X-Amz-Signature=[0-9a-f]{4}/, "X-Amz-Signature=0000"));
    assert.equal(bad.status, 403);
  });

  it("is refused with a wrong secret (the server checks signatures)", async () => {
    const s = await swiftS3();
    const wrong = new S3BlobStore({ url: (await s3Env("wrong")).LW_BLOB_URL!, ...s, secretAccessKey: "not-the-secret" });
    await assert.rejects(wrong.init(), /HTTP 403/);
  });

  it("keeps resumable sessions as per-chunk objects: 1 MiB chunks, offset checks, staged whole at finish", async () => {
    const bytes = pseudoRandom(3 * 1024 * 1024 + 1234, 4);
    await store.partialCreate("up_s3test");
    assert.equal(await store.partialSize("up_s3test"), 0);
    assert.deepEqual(await store.partialList(), ["up_s3test"]);
    const MiB = 1024 * 1024;
    for (let o = 0; o < bytes.length; o += MiB) {
      assert.equal(await store.partialAppend("up_s3test", o, bytes.subarray(o, o + MiB)), Math.min(bytes.length, o + MiB));
    }
    await assert.rejects(store.partialAppend("up_s3test", 5, new Uint8Array(1)), { code: "OFFSET_MISMATCH" });
    assert.equal(await store.partialSize("up_s3test"), bytes.length);
    const staged = await store.partialStage("up_s3test");
    assert.equal(staged.sha256, hex(bytes));
    assert.equal(await store.partialSize("up_s3test"), null, "the session's chunks are consumed");
    await store.discard(staged);
  });

  it("collects unreferenced blobs and keeps referenced ones", async () => {
    const keep = await store.putBytes(new TextEncoder().encode("keep me"));
    const drop = await store.putBytes(new TextEncoder().encode("drop me"));
    const r = await store.sweep((sha) => sha !== drop.sha256);
    assert.ok(r.blobs >= 1);
    assert.equal(await store.has(drop.sha256), false);
    assert.equal(await store.has(keep.sha256), true);
  });
});
