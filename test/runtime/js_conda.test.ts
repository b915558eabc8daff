import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NodeBackend } from "../../runner/backends/node.ts";
import { sandbox } from "./_sandbox.ts";
import { CondaBackend } from "../../runner/backends/conda.ts";
import { checkLearnware } from "../../runner/check/checkLearnware.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { tensor, toNested } from "../../runner/tensor.ts";
import { requires } from "../_requires.ts";
import { jsPackage, scratch, semantic } from "./_fixtures.ts";

const dir = scratch("lw-js-");
const pkgs = join(dir, "pkgs");

test("a JS learnware (runner hooks) runs in a sandboxed worker process: pre → predict → post, fit, saveModel", async () => {
  const backend = new NodeBackend("js", { sandbox, workDir: join(dir, "node") });
  const h = await backend.load(await materializePackage(jsPackage(3), pkgs));
  assert.deepEqual(h.input_shape, [3]);
  assert.deepEqual(h.output_shape, [1]);
  assert.deepEqual(
    toNested(
      await h.predict(
        tensor([
          [1, 2, 3],
          [0, 0, 1],
        ]),
      ),
    ),
    [[12], [2]],
  );
  await h.fit(tensor([[1, 1, 1]]), tensor([1]));
  assert.deepEqual(toNested(await h.predict(tensor([[1, 2, 3]]))), [[18]]);
  assert.deepEqual(await h.save(), { scale: 3 });
  await h.dispose();
  const r = await checkLearnware({
    lw: await materializePackage(jsPackage(3), pkgs),
    semantic: semantic({ task: "Regression", inDim: 3, outDim: 1 }),
    backend,
    id: "js",
  });
  assert.equal(r.status, "usable", r.log.join("\n"));
});

test("a JS learnware that hangs is stopped at its timeout and reloads on the next call; a factory export works", async () => {
  const src = `
export default function createModel(kwargs) {
  return {
    input_shape: [2], output_shape: [1],
    predict(X) {
      if (X[0][0] < 0) { for (;;) {} }
      return X.map((r) => [r[0] + r[1] + kwargs.scale]);
    },
  };
}`;
  const h = await new NodeBackend("js", { sandbox, workDir: join(dir, "node"), callTimeoutMs: 500 }).load(
    await materializePackage(jsPackage(2, { source: src }), pkgs),
  );
  await assert.rejects(h.predict(tensor([[-1, 0]])), (e: any) => e.code === "TIMEOUT");
  // The replacement thread re-imports the module first: give that call room on a busy machine.
  assert.deepEqual(toNested(await h.predict(tensor([[1, 2]]), { timeoutMs: 30_000 })), [[5]]);
  await h.dispose();
});

// The real conda when it is installed; otherwise a stand-in CLI (test/runtime/bin/conda) that
// takes the same calls and makes a venv over the system's packages, so the backend's commands
// (env create from environment.yaml, then the env's interpreter in the sandbox) are exercised everywhere.
const realConda = new CondaBackend({ sandbox, envDir: join(dir, "envs") });
const realAvail = await realConda.available();
const conda = realAvail.ok ? realConda : new CondaBackend({ sandbox, envDir: join(dir, "envs"), conda: join(import.meta.dirname, "bin", "conda") });

test("conda backend reports clearly when conda is absent", async () => {
  const absent = await new CondaBackend({ sandbox, envDir: join(dir, "envs"), conda: join(dir, "no-such-conda") }).available();
  assert.equal(absent.ok, false);
  assert.match(absent.reason!, /conda is not installed here/);
});

test(
  `conda backend creates an env from environment.yaml and runs the env's interpreter in the sandbox (${realAvail.ok ? "conda" : "stand-in conda CLI"})`,
  requires("python3-numpy", "python3-venv"),
  async () => {
    const { numpyPackage } = await import("./_fixtures.ts");
    const h = await conda.load(await materializePackage(numpyPackage(2, 1), pkgs));
    assert.equal((await h.predict(tensor([[1, 2]]))).data.length, 1);
    await h.dispose();
  },
);
