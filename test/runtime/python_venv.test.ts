import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { VenvBackend } from "../../runner/backends/pythonVenv.ts";
import { checkLearnware } from "../../runner/check/checkLearnware.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { tensor } from "../../runner/tensor.ts";
import type { WorkerModelHandle } from "../../runner/worker/workerModel.ts";
import { numpyPackage, pythonPackage, scratch, semantic, sklearnPackage } from "./_fixtures.ts";
import { sandbox } from "./_sandbox.ts";
import { requires } from "../_requires.ts";

describe("python-venv backend", requires("python3-sklearn", "python3-venv"), () => {
  const dir = scratch();
  const backend = new VenvBackend({ sandbox, envDir: join(dir, "envs") });
  const pkgs = join(dir, "pkgs");
  const handles: WorkerModelHandle[] = [];
  after(async () => {
    for (const h of handles) await h.dispose();
  });

  test("an sklearn learnware pickled by the test loads in a venv, predicts, and its requirements are reported", async () => {
    const lw = await materializePackage(sklearnPackage(4), pkgs);
    const log: string[] = [];
    const h = await backend.load(lw, { log: (l) => log.push(l) });
    handles.push(h);
    assert.deepEqual(h.input_shape, [4]);
    assert.deepEqual(h.output_shape, [1]);
    assert.ok(h.canFit && h.canFinetune);
    const y = await h.predict(
      tensor([
        [3, 3, 3, 3],
        [-3, -3, -3, -3],
        [0, 0, 0, 0],
      ]),
    );
    assert.deepEqual([...y.data], [1, 2, 0]);
    assert.match(log.join("\n"), /requirements: all 2 satisfied by the environment/);
    assert.match(log.join("\n"), /scikit-learn>=1.0 \(installed 1\./);
  });

  test("sklearn and numpy learnwares pass the check (classification labels, regression dimension)", async () => {
    const sk = await checkLearnware({
      lw: await materializePackage(sklearnPackage(4), pkgs),
      semantic: semantic({ task: "Classification", inDim: 4, outDim: 3 }),
      backend,
      id: "sk",
    });
    assert.equal(sk.status, "usable", sk.log.join("\n"));
    assert.match(sk.log.join("\n"), /classification labels in \[0, 3\)/);
    const np = await checkLearnware({
      lw: await materializePackage(numpyPackage(5, 2), pkgs),
      semantic: semantic({ task: "Regression", inDim: 5, outDim: 2 }),
      backend,
      id: "np",
    });
    assert.equal(np.status, "usable", np.log.join("\n"));
  });

  const linear = (_d: number, inShape: string, outShape: string, predict: string, init = "") => `import numpy as np
from learnware.model import BaseModel
class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=${inShape}, output_shape=${outShape})
${init}
    def predict(self, X):
${predict}
`;

  test("every check rule fails with a message naming it (Python learnwares)", async () => {
    const d = 3;
    const cases: Array<{
      rule: string;
      src: string;
      task?: "Classification" | "Regression";
      outDim?: number;
      msg: RegExp;
      statD?: number;
      className?: string;
    }> = [
      {
        rule: "instantiate",
        src: linear(d, "(3,)", "(1,)", "        return X[:, :1]", "        raise RuntimeError('weights missing')"),
        msg: /instantiated failed! Due to RuntimeError: weights missing/,
      },
      { rule: "instantiate", src: linear(d, "(3,)", "(1,)", "        return X[:, :1]"), className: "Missing", msg: /has no class Missing/ },
      { rule: "instantiate", src: "import surely_not_a_module\n", msg: /ModuleNotFoundError: No module named 'surely_not_a_module'/ },
      {
        rule: "input_shape",
        src: linear(d, "(4,)", "(1,)", "        return X[:, :1]"),
        msg: /input shapes of model and semantic specifications are different/,
      },
      {
        rule: "stat_spec_dimension",
        src: linear(d, "(3,)", "(1,)", "        return X[:, :1]"),
        statD: 2,
        msg: /input dimension mismatch with stat specification/,
      },
      {
        rule: "predict",
        src: linear(d, "(3,)", "(1,)", "        raise ValueError('bad input')"),
        msg: /prediction is not avaliable![\s\S]*ValueError: bad input[\s\S]*Traceback/,
      },
      {
        rule: "output_length",
        src: linear(d, "(3,)", "(1,)", "        return X[:5, :1]"),
        msg: /output length must be equal to input length! \(5 outputs for 10 inputs\)/,
      },
      {
        rule: "output_type",
        src: linear(d, "(3,)", "(1,)", "        return [0.0] * len(X)"),
        msg: /output must be np.ndarray or torch.Tensor! \(got builtins.list\)/,
      },
      { rule: "output_shape", src: linear(d, "(3,)", "(2,)", "        return X[:, :1]"), msg: /pred_shape=\(1,\), model_shape=\(2,\)/ },
      { rule: "regression_dimension", src: linear(d, "(3,)", "(2,)", "        return X[:, :2]"), outDim: 1, msg: /model_shape=\(2,\), semantic_shape=\(1,\)/ },
      {
        rule: "classification_labels",
        src: linear(d, "(3,)", "(1,)", "        return np.full(len(X), 7)"),
        task: "Classification",
        outDim: 3,
        msg: /output label mismatch, where outputs of model is \[7, 7/,
      },
      {
        rule: "classification_dimension",
        src: linear(d, "(3,)", "(4,)", "        return np.ones((len(X), 4))"),
        task: "Classification",
        outDim: 3,
        msg: /model_shape=\(4,\), semantic_shape=\(3,\)/,
      },
    ];
    for (const c of cases) {
      const pkg = pythonPackage(c.src, { d, statD: c.statD ?? d, ...(c.className ? { className: c.className } : {}) });
      const lw = await materializePackage(pkg, pkgs);
      const r = await checkLearnware({ lw, semantic: semantic({ task: c.task ?? "Regression", inDim: d, outDim: c.outDim ?? 1 }), backend, id: c.rule });
      assert.equal(r.status, "invalid", `${c.rule}: expected invalid\n${r.log.join("\n")}`);
      assert.equal(r.rule, c.rule, r.log.join("\n"));
      assert.match(r.log.join("\n"), c.msg);
    }
  });

  test("a crashed worker is reported with its stderr tail and restarted on next use", async () => {
    const lw = await materializePackage(
      numpyPackage(
        2,
        1,
        `
    def fit(self, X, y):
        import os, sys
        sys.stderr.write("about to die\\n"); sys.stderr.flush()
        os._exit(9)
`,
      ),
      pkgs,
    );
    const h = await backend.load(lw);
    handles.push(h);
    const pid1 = h.worker!.pid;
    await assert.rejects(h.fit(tensor([[1, 2]]), tensor([1])), (e: any) => {
      assert.equal(e.code, "WORKER_CRASHED");
      assert.match(e.message, /exited during fit \(code 9/);
      assert.match(e.message, /about to die/);
      return true;
    });
    const y = await h.predict(tensor([[1, 1]]));
    assert.equal(y.data.length, 1);
    assert.notEqual(h.worker!.pid, pid1);
    assert.equal(h.starts, 2);
  });

  test("a hanging call is killed at its timeout; a memory hog is killed at its limit; other instances keep working", async () => {
    const hang = await materializePackage(
      numpyPackage(
        2,
        1,
        `
    def fit(self, X, y):
        import time
        time.sleep(60)
`,
      ),
      pkgs,
    );
    const hog = await materializePackage(
      numpyPackage(
        2,
        1,
        `
    def finetune(self, X, y):
        import time
        blocks = []
        for _ in range(400):
            blocks.append(np.ones(1 << 20))  # 8 MB each, touched
            time.sleep(0.005)
`,
      ),
      pkgs,
    );
    const bystander = await backend.load(await materializePackage(numpyPackage(2, 1), pkgs));
    const h1 = await backend.load(hang, { timeoutMs: 1000 });
    const h2 = await backend.load(hog, { memoryLimitBytes: 300 * 1024 * 1024 });
    handles.push(bystander, h1, h2);
    const t0 = Date.now();
    const [r1, r2, r3] = await Promise.allSettled([
      h1.fit(tensor([[1, 2]]), tensor([1])),
      h2.finetune(tensor([[1, 2]]), tensor([1])),
      bystander.predict(tensor([[1, 2]])),
    ]);
    assert.equal(r1.status, "rejected");
    assert.equal((r1 as any).reason.code, "TIMEOUT");
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(r2.status, "rejected");
    assert.equal((r2 as any).reason.code, "MEMORY_LIMIT", (r2 as any).reason.message);
    assert.equal(r3.status, "fulfilled");
    assert.deepEqual([...(await bystander.predict(tensor([[1, 2]]))).data], [1]);
    // both recover on next use
    assert.equal((await h1.predict(tensor([[1, 2]]))).data.length, 1);
    assert.equal((await h2.predict(tensor([[1, 2]]))).data.length, 1);
  });
});
