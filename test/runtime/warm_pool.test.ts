/**
 * Pre-warmed sandboxed Python workers (runner/pool/warmPool.ts) in the real bubblewrap
 * sandbox: a load after the first one in an environment is a hand-over, the learnware runs
 * as from a launch, it sees only its own files (the warm worker's /learnware was an empty
 * staging folder until it was handed this learnware), a staging folder goes when its worker
 * exits, and closing the pool leaves no worker behind.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { VenvBackend } from "../../runner/backends/pythonVenv.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { WarmPool } from "../../runner/pool/warmPool.ts";
import { tensor } from "../../runner/tensor.ts";
import type { WorkerModelHandle } from "../../runner/worker/workerModel.ts";
import { pythonPackage, scratch } from "./_fixtures.ts";
import { needsSandbox, sandbox } from "./_sandbox.ts";
import { requires } from "../_requires.ts";

/** A learnware that refuses to load if it can see another learnware's file or any staging folder. */
const model = (tag: number, other: string) => `import os
import numpy as np
from learnware.model import BaseModel

class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(2,), output_shape=(1,))
        here = os.path.dirname(os.path.abspath(__file__))
        mine = sorted(os.listdir(here))
        if "${other}" in mine or "only_${tag}.txt" not in mine:
            raise RuntimeError("wrong files: %r" % mine)
        with open(os.path.join(here, "only_${tag}.txt")) as f:
            self.tag = float(f.read())
        for top in ("/", "/tmp"):
            if any(n.startswith("warm-") for n in os.listdir(top)):
                raise RuntimeError("a staging folder is visible in %s" % top)

    def predict(self, X):
        return np.full((len(X), 1), self.tag)
`;

const pkg = (tag: number) => pythonPackage(model(tag, `only_${tag === 1 ? 2 : 1}.txt`), { d: 2, files: { [`only_${tag}.txt`]: String(tag) } });

describe("pre-warmed Python workers", { skip: needsSandbox || requires("python3-venv").skip }, () => {
  const dir = scratch();
  const warmDir = join(dir, "warm");
  const warm = new WarmPool({ dir: warmDir, perEnvironment: 1, imports: ["numpy", "learnware.model", "no_such_module_here"] });
  const backend = new VenvBackend({ sandbox, envDir: join(dir, "envs"), warm });
  const handles: WorkerModelHandle[] = [];
  after(async () => {
    for (const h of handles) await h.dispose();
    await warm.close();
  });

  test("the first load launches, the next ones are hand-overs that run the right learnware in isolation", async () => {
    const starts: boolean[] = [];
    const onStart = (s: { warm: boolean }) => starts.push(s.warm);
    const a = await backend.load(await materializePackage(pkg(1), join(dir, "pkgs")), { onStart });
    handles.push(a);
    assert.deepEqual([...(await a.predict(tensor([[0, 0]]))).data], [1]);
    const b = await backend.load(await materializePackage(pkg(2), join(dir, "pkgs")), { onStart });
    handles.push(b);
    assert.deepEqual([...(await b.predict(tensor([[0, 0]]))).data], [2]);
    const a2 = await backend.load(await materializePackage(pkg(1), join(dir, "pkgs")), { onStart });
    handles.push(a2);
    assert.deepEqual([...(await a2.predict(tensor([[5, 5]]))).data], [1]);
    assert.deepEqual(starts, [false, true, true], "launch, then hand-overs");
    const m = warm.metrics();
    assert.equal(m.taken, 2);
    assert.equal(m.failed, 0);
  });

  test("a staging folder goes when its worker exits; close leaves none", async () => {
    const count = () => (existsSync(warmDir) ? readdirSync(warmDir).length : 0);
    const settle = () => new Promise((r) => setTimeout(r, 300));
    await settle();
    const before = count(); // b's and a2's staging folders, and the spare's
    assert.equal(before, 3);
    const a2 = handles.pop()!;
    const w = a2.worker!;
    await a2.dispose();
    await w.exited;
    await settle();
    assert.equal(count(), before - 1, "a2's staging folder is gone");
    await warm.close();
    await settle();
    assert.equal(count(), before - 2, "the spare and its folder are gone");
    for (const h of handles) await h.dispose();
    handles.length = 0;
    await settle();
    assert.equal(count(), 0);
  });
});
