import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeFrame, encodeFrame, FrameReader } from "../../runner/protocol.ts";
import { tensor, type Tensor } from "../../runner/tensor.ts";
import { WorkerProcess } from "../../runner/worker/workerProcess.ts";
import { PYTHON_SHIM_DIR, workerEnv } from "../../runner/worker/workerModel.ts";
import { PYTHON, requires } from "../_requires.ts";

test("frames round-trip JSON with float64 and float32 arrays anywhere inside", () => {
  const msg = {
    op: "predict",
    X: tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]),
    nested: [{ y: tensor([1.5, 2.5], "float32") }],
    s: "é",
  };
  const back = decodeFrame(encodeFrame(msg)) as { op: string; X: Tensor; nested: [{ y: Tensor }]; s: string };
  assert.equal(back.op, "predict");
  assert.equal(back.s, "é");
  assert.deepEqual(back.X.shape, [2, 3]);
  assert.ok(back.X.data instanceof Float64Array);
  assert.deepEqual([...back.X.data], [1, 2, 3, 4, 5, 6]);
  assert.ok(back.nested[0].y.data instanceof Float32Array);
  assert.deepEqual([...back.nested[0].y.data], [1.5, 2.5]);
});

test("the frame reader reassembles frames split across arbitrary chunks", () => {
  const a = encodeFrame({ id: 1, X: tensor([[1, 2]], "float32") });
  const b = encodeFrame({ id: 2 });
  const all = new Uint8Array([...a, ...b]);
  const reader = new FrameReader();
  const got: unknown[] = [];
  for (let i = 0; i < all.length; i += 3) got.push(...reader.push(all.subarray(i, i + 3)));
  assert.equal(got.length, 2);
  assert.equal((got[1] as { id: number }).id, 2);
  assert.deepEqual([...(got[0] as { X: Tensor }).X.data], [1, 2]);
  assert.equal(reader.pending, 0);
});

test("the Python worker speaks the protocol: arrays both ways, errors as payloads, prints do not corrupt stdout", requires("python3-numpy"), async () => {
  const w = new WorkerProcess({ name: "t", command: PYTHON, args: [join(PYTHON_SHIM_DIR, "worker.py")], env: workerEnv() });
  try {
    const hello = (await w.call("hello", {}, { timeoutMs: 20_000 })) as { numpy: string };
    assert.match(hello.numpy, /^\d+\./);
    await assert.rejects(w.callUnchecked("nope", {}), (e: any) => e.code === "UNKNOWN_OP" && /nope/.test(e.message));
    await assert.rejects(w.call("predict", { X: tensor([[1]]) }), (e: any) => e.code === "NOT_LOADED");
    const r = (await w.call("requirements", { text: "numpy>=1.0\nsurely-not-installed-pkg==1.0\n# comment\n" })) as {
      report: Array<{ ok: boolean; name: string; reason?: string }>;
    };
    assert.equal(r.report.length, 2);
    assert.equal(r.report[0]!.ok, true);
    assert.equal(r.report[1]!.ok, false);
    assert.equal(r.report[1]!.reason, "not installed");
  } finally {
    await w.close();
  }
});
