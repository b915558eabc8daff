/**
 * End to end with the real server: learnwares uploaded to the market become USABLE or
 * INVALID through a runner daemon's check (with a readable log), can be called through
 * the daemon's model service, and a killed runner's job is picked up by another one.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ModelClient } from "../../runner/service/client.ts";
import { spawnDaemon, startEdge, type DaemonProc } from "./_edge.ts";
import { onnxPackage, pythonPackage, scratch, semantic } from "./_fixtures.ts";
import { requires } from "../_requires.ts";

const dir = scratch("lw-e2e-");
const edge = await startEdge(join(dir, "server"));
const daemons: DaemonProc[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
  await edge.close();
});
const env = { LW_SERVER_URL: edge.url, LW_TOKEN: await edge.token("runner", ["runner"]), LW_DATA_DIR: join(dir, "runner-data"), LW_LEASE_SECONDS: "5" };

test("an uploaded ONNX learnware becomes USABLE, a broken one INVALID with a log naming the rule; the service predicts", async () => {
  const good = await edge.upload(semantic({ task: "Classification", inDim: 4, outDim: 3 }), onnxPackage(4, 3));
  const bad = await edge.upload(semantic({ task: "Classification", inDim: 4, outDim: 5 }), onnxPackage(4, 3));
  const d = spawnDaemon({ ...env, LW_RUNNER_NAME: "runner-a" });
  daemons.push(d);
  const g = await edge.waitFor(good.id, good.version);
  assert.equal(g.status, "usable", g.log ?? "");
  assert.match(g.log!, /EasyStatChecker Success/);
  assert.match(g.log!, /runner runner-a, attempt 1/);
  const b = await edge.waitFor(bad.id, bad.version);
  assert.equal(b.status, "invalid");
  assert.match(b.log!, /✗ classification_dimension: .*model_shape=\(3,\), semantic_shape=\(5,\)/);

  const client = new ModelClient(await d.address, { model: good.id, version: good.version });
  await client.initialize({});
  const y = await client.predict([[0.5, -1, 2, 0]]);
  assert.deepEqual(y.shape, [1, 3]);
  await d.stop();
});

test(
  "a runner killed mid-check loses its lease; another runner picks the job up (attempt 2) and completes it",
  requires("python3-numpy", "python3-venv"),
  async () => {
    // The sandbox lets the learnware leave no mark on the host, so the test watches the
    // runner's own log for the lease, and the model takes a few seconds to load every time.
    const src = `import time
import numpy as np
from learnware.model import BaseModel
class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(3,), output_shape=(1,))
        time.sleep(4)
    def predict(self, X):
        return X[:, :1]
`;
    const lw = await edge.upload(semantic({ task: "Regression", inDim: 3, outDim: 1 }), pythonPackage(src, { d: 3 }));
    const first = spawnDaemon({ ...env, LW_RUNNER_NAME: "runner-killed" });
    daemons.push(first);
    const end = Date.now() + 60_000;
    while (!new RegExp(`job \\S+: leased \\(${lw.id} v${lw.version}`).test(first.output())) {
      if (Date.now() > end) throw new Error(`first runner never started the check:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    first.kill();
    const second = spawnDaemon({ ...env, LW_RUNNER_NAME: "runner-b" });
    daemons.push(second);
    const c = await edge.waitFor(lw.id, lw.version, 120_000);
    assert.equal(c.status, "usable", c.log ?? "");
    assert.match(c.log!, /runner runner-b, attempt 2/);
    assert.equal(c.jobs[0]!.attempts, 2);
    await second.stop();
  },
);
