import { test } from "node:test";
import assert from "node:assert/strict";
import { LearnwareError } from "../../core/errors.ts";
import { AdmissionGate } from "./searchPool.ts";
import { createPiscinaExecutor } from "./searchPoolNode.ts";
import { packSpecs, searchPacked, userSpecData } from "../../core/search/packedMarket.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";

test("AdmissionGate: bounded running and waiting, authenticated before anonymous, BUSY with a retry time beyond", async () => {
  const gate = new AdmissionGate({ concurrency: 1, queue: 3, anonymousQueue: 1 });
  const order: string[] = [];
  const first = await gate.enter("high");
  const waiting = [
    gate.enter("low").then((release) => {
      order.push("anon");
      release();
    }),
    gate.enter("high").then((release) => {
      order.push("auth-1");
      release();
    }),
    gate.enter("high").then((release) => {
      order.push("auth-2");
      release();
    }),
  ];
  assert.equal(gate.active, 1);
  assert.equal(gate.queued, 3);
  await assert.rejects(
    gate.enter("high"),
    (e: unknown) => e instanceof LearnwareError && e.code === "BUSY" && (e.details as { retryAfterSeconds: number }).retryAfterSeconds >= 1,
  );
  first();
  await Promise.all(waiting);
  assert.deepEqual(order, ["auth-1", "auth-2", "anon"]);
  assert.equal(gate.active, 0);
  // The anonymous share of the queue is bounded on its own.
  const hold = await gate.enter("high");
  const anon = gate.enter("low");
  await assert.rejects(gate.enter("low"), (e: unknown) => e instanceof LearnwareError && e.code === "BUSY");
  hold();
  (await anon)();
});

test("the piscina executor: a task's answer equals the same task on this thread; domain errors come back by code", async () => {
  const exec = await createPiscinaExecutor(1);
  try {
    const spec = (x: number) =>
      new RKMETableSpecification({ rows: 2, cols: 2, data: new Float64Array([x, 0, x + 1, 1]) }, new Float64Array([0.5, 0.5]), 0.1, 2);
    const packed = packSpecs([spec(0), spec(1), spec(3), spec(0.5)]);
    const slots = Int32Array.from([0, 1, 2, 3]);
    const user = spec(0.2);
    const got = await exec.run({ kind: "search", packed, slots, user: userSpecData(user), maxSearchNum: 2, method: "greedy" });
    const want = searchPacked(user, packed, slots, { maxSearchNum: 2, method: "greedy" });
    assert.deepEqual(Array.from(got.order), Array.from(want.order));
    // Kernel backends agree within the conformance tolerance (the worker runs wasm).
    got.dists.forEach((d, i) => assert.ok(Math.abs(d - want.dists[i]!) <= 1e-12 + 1e-9 * Math.abs(want.dists[i]!)));
    const bad = userSpecData(spec(0));
    bad.z = new Float64Array([NaN, 0, 1, 1]);
    await assert.rejects(
      exec.run({ kind: "search", packed, slots, user: bad, maxSearchNum: 2, method: "greedy" }),
      (e: unknown) => e instanceof LearnwareError && e.code === "SPEC_INVALID",
    );
  } finally {
    await exec.close();
  }
});
