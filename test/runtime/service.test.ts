import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ModelClient } from "../../runner/service/client.ts";
import { LruPool } from "../../runner/pool/lruPool.ts";
import { MicroBatcher } from "../../runner/pool/microBatcher.ts";
import { tensor, toNested, type Tensor } from "../../runner/tensor.ts";
import { jsPackage, numpyPackage, onnxPackage, scratch, sklearnPackage } from "./_fixtures.ts";
import { startService } from "./_service.ts";
import { requires } from "../_requires.ts";

// The service over real learnwares: ONNX, JS, numpy and sklearn (Python in a venv).
describe("model service (onnx, js, numpy and sklearn learnwares)", requires("python3-sklearn", "python3-venv"), async () => {
  const packages = new Map<string, Uint8Array>([
    ["onnx1@1", onnxPackage(4, 3)],
    ["sk1@1", sklearnPackage(4)],
    ["np1@1", numpyPackage(3, 2)],
    ["js1@1", jsPackage(3)],
    ["np2@1", numpyPackage(2, 1)],
  ]);
  const svc = await startService(scratch(), packages, { LW_POOL_SIZE: "3", LW_BATCH_WAIT_MS: "50" });
  after(() => svc.close());

  test("initialize creates the instance folder; predict through the client for onnx, sklearn (venv) and js models", async () => {
    const onnx = new ModelClient(svc.address, { model: "onnx1", version: 1 });
    const init = await onnx.initialize({ note: "demo" });
    assert.match(init.dataPath, /instances\/onnx1\/1$/);
    const y = await onnx.predict([[0, 1, 2, 3]]);
    assert.deepEqual(y.shape, [1, 3]);
    assert.ok(Math.abs(y.data[0]! + y.data[1]! + y.data[2]! - 1) < 1e-5);

    const sk = new ModelClient(svc.address, { model: "sk1", version: "1" });
    await sk.initialize();
    assert.deepEqual(
      [
        ...(
          await sk.predict([
            [3, 3, 3, 3],
            [-3, -3, -3, -3],
          ])
        ).data,
      ],
      [1, 2],
    );

    const js = new ModelClient(svc.address, { model: "js1", version: "1" });
    assert.deepEqual(toNested(await js.predict([[1, 2, 3]])), [[12]]);
    const log = await onnx.log();
    assert.ok(log.lines.some((l) => /initialized with \{"note":"demo"\}/.test(l)));
    assert.ok(log.lines.some((l) => /loaded with backend onnx/.test(l)));
  });

  test("JSON requests work too, and errors come back with codes", async () => {
    const res = await fetch(`${svc.address}/v1/models/np1/versions/1/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ X: [[1, 1, 1]] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { y: number[][]; shape: number[] };
    assert.deepEqual(body.shape, [1, 2]);
    const missing = new ModelClient(svc.address, { model: "nope", version: "1" });
    await assert.rejects(missing.predict([[1]]), (e: any) => e.code === "NOT_FOUND");
    const bad = await fetch(`${svc.address}/v1/models/np1/versions/1/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(bad.status, 400);
  });

  test("train runs in the background with readable progress; the trained model predicts differently", async () => {
    const sk = new ModelClient(svc.address, { model: "sk1", version: "1" });
    const before = await sk.predict([[3, 3, 3, 3]]);
    // Retrain on data where the labels are permuted.
    const X: number[][] = [],
      y: number[] = [];
    for (let i = 0; i < 60; i++) {
      const c = i % 3;
      const off = c === 0 ? 0 : c === 1 ? 2 : -2;
      X.push([off + Math.sin(i), off + Math.cos(i), off, off]);
      y.push((c + 1) % 3);
    }
    const started = await sk.train({ X, y, method: "fit" });
    assert.equal(started.status, "running");
    const done = await sk.waitForTraining(50);
    assert.equal(done.status, "succeeded");
    assert.equal(done.progress, 1);
    assert.equal(done.method, "fit");
    const after = await sk.predict([[3, 3, 3, 3]]);
    assert.equal(before.data[0], 1);
    assert.equal(after.data[0], 2);
    assert.ok((await sk.log()).lines.some((l) => /training succeeded \(fit\)/.test(l)));
  });

  test("concurrent predicts to one instance are micro-batched and each caller gets its own rows", async () => {
    const np = new ModelClient(svc.address, { model: "np1", version: "1" });
    await np.predict([[0, 0, 0]]); // load
    const before = svc.service.metrics().batching.batches;
    const inputs = Array.from({ length: 16 }, (_, i) => [[i, i + 1, i + 2]]);
    const outs = await Promise.all(inputs.map((X) => np.predict(X)));
    // W = arange(6).reshape(3,2)/6 → y = [x·(0,2,4)/6, x·(1,3,5)/6]
    outs.forEach((y, i) => {
      const x = inputs[i]![0]!;
      assert.ok(Math.abs(y.data[0]! - (x[1]! * 2 + x[2]! * 4) / 6) < 1e-12);
      assert.ok(Math.abs(y.data[1]! - (x[0]! + x[1]! * 3 + x[2]! * 5) / 6) < 1e-12);
    });
    const m = svc.service.metrics();
    assert.ok(m.batching.batches > before, `expected batched calls, got ${JSON.stringify(m.batching)}`);
    assert.ok(m.batching.maxBatchRows > 1);
  });

  test("the pool is bounded by count: the least recently used instance is evicted and disposed", async () => {
    for (const m of ["onnx1", "sk1", "np1", "js1", "np2"])
      await new ModelClient(svc.address, { model: m, version: 1 }).predict(m === "np2" ? [[1, 2]] : m === "js1" || m === "np1" ? [[1, 2, 3]] : [[1, 2, 3, 4]]);
    const m = (await (await fetch(`${svc.address}/metrics`)).json()) as any;
    assert.equal(m.pool.size, 3);
    assert.ok(m.pool.evictions >= 2);
    // Instances are keyed by model@version and the package's sha256.
    assert.deepEqual(
      (m.pool.keys as string[]).map((k) => k.replace(/#[0-9a-f]{64}$/, "")),
      ["np1@1", "js1@1", "np2@1"],
    );
    const log = await new ModelClient(svc.address, { model: "sk1", version: 1 }).log();
    assert.ok(log.lines.some((l) => /evicted from the pool \(count\)/.test(l)));
  });

  test("a trained instance evicted from the pool comes back trained (its training steps are replayed on load)", async () => {
    // sk1 was retrained above (label of [3,3,3,3]: 1 → 2) and then evicted by the count bound.
    assert.ok(!svc.service.metrics().pool.keys.includes("sk1@1"));
    const sk = new ModelClient(svc.address, { model: "sk1", version: "1" });
    assert.equal((await sk.predict([[3, 3, 3, 3]])).data[0], 2);
    assert.ok((await sk.log()).lines.some((l) => /trained state restored: 1 training step\(s\) replayed/.test(l)));
    // A js model too: fit sets scale 3 (sum·3 instead of sum·2), kept across an explicit eviction.
    const js = new ModelClient(svc.address, { model: "js1", version: "1" });
    await js.train({ X: [[1, 1, 1]], y: [3], method: "fit" });
    assert.equal((await js.waitForTraining(20)).status, "succeeded");
    assert.deepEqual(toNested(await js.predict([[1, 2, 3]])), [[18]]);
    await svc.service.pool.delete("js1@1");
    assert.deepEqual(toNested(await js.predict([[1, 2, 3]])), [[18]]);
  });
});

test("LruPool: memory bound evicts LRU entries, busy entries are kept, concurrent loads are shared", async () => {
  const disposed: string[] = [];
  let loads = 0;
  const pool = new LruPool<{ key: string; bytes: number }>({
    maxEntries: 10,
    maxBytes: 100,
    sizeOf: (v) => v.bytes,
    dispose: async (v) => void disposed.push(v.key),
  });
  const load = (key: string, bytes: number) => async () => {
    loads++;
    await new Promise((r) => setTimeout(r, 5));
    return { key, bytes };
  };
  await Promise.all([pool.use("a", load("a", 40), async () => 1), pool.use("a", load("a", 40), async () => 1)]);
  assert.equal(loads, 1);
  await pool.use("b", load("b", 40), async () => 1);
  // while c (40) is loading and in use, a is the LRU → evicted by memory
  await pool.use("c", load("c", 40), async () => {
    assert.deepEqual(disposed, ["a"]);
  });
  assert.equal(pool.metrics().evictionsByMemory, 1);
  assert.deepEqual(pool.metrics().keys, ["b", "c"]);
});

test("MicroBatcher falls back to single calls when a model is not row-independent", async () => {
  const calls: number[] = [];
  const b = new MicroBatcher(
    async (X: Tensor) => {
      calls.push(X.shape[0]!);
      return tensor([X.shape[0]!]); // one output whatever the rows
    },
    { maxBatch: 8, maxWaitMs: 5 },
  );
  const r = await Promise.all([b.submit(tensor([[1], [2]])), b.submit(tensor([[3]]))]);
  assert.deepEqual(calls, [3, 2, 1]);
  assert.deepEqual([...r[0]!.data], [2]);
  assert.deepEqual([...r[1]!.data], [1]);
});
