/**
 * A learnware built the way the Python learnware package's `LearnwareTemplate` builds one:
 * a pickle-loading model whose `__init__.py` does `from learnware.model.base import BaseModel`,
 * `learnware.yaml` written by PyYAML (shapes as `!!python/tuple`), `stat_spec.json` and
 * `requirements.txt` — checked USABLE by the runner in the sandbox and then predicting.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VenvBackend } from "../../runner/backends/pythonVenv.ts";
import { checkLearnware } from "../../runner/check/checkLearnware.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { tensor } from "../../runner/tensor.ts";
import { scratch, semantic, statJson } from "../runtime/_fixtures.ts";
import { needsSandbox, sandbox } from "../runtime/_sandbox.ts";
import { spawnDaemon, startEdge } from "../runtime/_edge.ts";
import { needsPythonWith, PYTHON, pythonJson } from "./_python.ts";

const dir = scratch("lw-pytpl-");
const backend = new VenvBackend({ sandbox, envDir: join(dir, "envs") });
const disposers: Array<() => Promise<void>> = [];
after(async () => {
  for (const d of disposers) await d();
});

/** The model file, written as the package's pickle template is: kwargs name the shapes and the pickle. */
const TEMPLATE_MODEL = `import os
import pickle
import numpy as np
from learnware.model.base import BaseModel


class PickleLoadedModel(BaseModel):
    def __init__(self, input_shape, output_shape, predict_method="predict", fit_method="fit",
                 finetune_method="finetune", pickle_filename="model.pkl"):
        super(PickleLoadedModel, self).__init__(input_shape=input_shape, output_shape=output_shape)
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, pickle_filename), "rb") as fd:
            self.model = pickle.load(fd)
        self.predict_method = predict_method
        self.fit_method = fit_method
        self.finetune_method = finetune_method

    def predict(self, X: np.ndarray) -> np.ndarray:
        return getattr(self.model, self.predict_method)(X)

    def fit(self, X, y):
        getattr(self.model, self.fit_method)(X, y)

    def finetune(self, X, y):
        getattr(self.model, self.finetune_method)(X, y)
`;

/** Packs the zip with Python, as \`LearnwareTemplate.generate_learnware_zipfile\` does. */
async function buildTemplateZip(): Promise<Uint8Array> {
  const work = scratch("lw-pytpl-build-");
  writeFileSync(join(work, "template.py"), TEMPLATE_MODEL);
  writeFileSync(join(work, "stat.json"), statJson(4));
  const zipPath = join(work, "learnware.zip");
  await pythonJson(
    PYTHON,
    `
import os, pickle, shutil, tempfile, zipfile, json
import numpy as np, yaml
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(0)
X = rng.normal(size=(90, 4)); y = np.repeat([0, 1, 2], 30); X[y == 1] += 2; X[y == 2] -= 2
clf = LogisticRegression(max_iter=500).fit(X, y)

with tempfile.TemporaryDirectory(suffix="learnware_template") as tmp:
    with open(os.path.join(tmp, "requirements.txt"), "w") as f:
        f.write("numpy\\nscikit-learn>=1.0\\n")
    shutil.copyfile("template.py", os.path.join(tmp, "__init__.py"))
    model_config = {"class_name": "PickleLoadedModel", "kwargs": {
        "input_shape": (4,), "output_shape": (1,), "predict_method": "predict", "fit_method": "fit",
        "finetune_method": "finetune", "pickle_filename": "model.pkl"}}
    stat_config = {"module_path": "learnware.specification", "class_name": "RKMETableSpecification", "file_name": "stat_spec.json", "kwargs": {}}
    shutil.copyfile("stat.json", os.path.join(tmp, "stat_spec.json"))
    with open(os.path.join(tmp, "learnware.yaml"), "w") as f:
        yaml.dump({"model": model_config, "stat_specifications": [stat_config]}, f)
    with open(os.path.join(tmp, "model.pkl"), "wb") as f:
        pickle.dump(clf, f)
    with zipfile.ZipFile(${JSON.stringify(zipPath)}, "w") as z:
        for name in sorted(os.listdir(tmp)):
            z.write(os.path.join(tmp, name), arcname=name)
    print(json.dumps({"yaml": open(os.path.join(tmp, "learnware.yaml")).read()}))
`,
    { cwd: work },
  );
  return new Uint8Array(readFileSync(zipPath));
}

const skip = needsPythonWith("yaml", "sklearn") || needsSandbox;

test("a learnware packed as the Python package's template packs it (from learnware.model.base import BaseModel) is USABLE and predicts", { skip }, async () => {
  const zip = await buildTemplateZip();
  const lw = await materializePackage(zip, join(dir, "pkgs"));
  assert.equal(lw.pkg.model.className, "PickleLoadedModel");
  const r = await checkLearnware({ lw, semantic: semantic({ task: "Classification", inDim: 4, outDim: 3 }), backend, id: "template" });
  assert.equal(r.status, "usable", r.log.join("\n"));
  assert.match(r.log.join("\n"), /✓ instantiate .*input_shape=\(4,\), output_shape=\(1,\)/);
  assert.match(r.log.join("\n"), /classification labels in \[0, 3\)/);

  const h = await backend.load(lw);
  disposers.push(() => h.dispose());
  assert.match(h.className, /\.PickleLoadedModel$/);
  const y = await h.predict(
    tensor([
      [3, 3, 3, 3],
      [-3, -3, -3, -3],
      [0, 0, 0, 0],
    ]),
  );
  assert.deepEqual([...y.data], [1, 2, 0]);
});

test("model code finds every run-time name of the learnware package: learnware.model, .base, .torch_model, learnware.specification", { skip }, async () => {
  const src = `import numpy as np
import learnware
from learnware.model import BaseModel
from learnware.model.base import BaseModel as Base2
from learnware.model.torch_model import TorchModel
from learnware.specification import RKMETableSpecification, generate_stat_spec

assert BaseModel is Base2


class Model(Base2):
    def __init__(self):
        super().__init__(input_shape=(2,), output_shape=(1,))
        try:
            RKMETableSpecification()
            self.spec_error = None
        except NotImplementedError as e:
            self.spec_error = str(e)

    def predict(self, X):
        assert "computed by the market" in self.spec_error
        return np.asarray(X)[:, :1] * 2
`;
  const { pythonPackage } = await import("../runtime/_fixtures.ts");
  const lw = await materializePackage(pythonPackage(src, { d: 2 }), join(dir, "pkgs"));
  const r = await checkLearnware({ lw, semantic: semantic({ task: "Regression", inDim: 2, outDim: 1 }), backend, id: "names" });
  assert.equal(r.status, "usable", r.log.join("\n"));
});

test("end to end: Python uploads the template-built zip to the market, a runner daemon checks it USABLE, Python predicts through the daemon", {
  skip,
}, async () => {
  const edge = await startEdge(join(dir, "server"));
  const daemon = spawnDaemon({
    LW_SERVER_URL: edge.url,
    LW_TOKEN: await edge.token("runner", ["runner"]),
    LW_DATA_DIR: join(dir, "runner-data"),
    LW_RUNNER_NAME: "runner-template",
  });
  disposers.push(async () => {
    await daemon.stop();
    await edge.close();
  });
  const alice = await edge.token("alice", ["read", "write"]);
  const zipFile = join(scratch("lw-pytpl-zip-"), "learnware.zip");
  writeFileSync(zipFile, await buildTemplateZip());
  const sem = { ...semantic({ task: "Classification", inDim: 4, outDim: 3 }), Name: { Values: "template-clf", Type: "String" } };
  const up = await pythonJson(
    PYTHON,
    `
import json, requests
with open(${JSON.stringify(zipFile)}, "rb") as f:
    res = requests.post("${edge.url}/v1/learnwares", headers={"authorization": "Bearer ${alice}"},
                        data={"semantic": json.dumps(${JSON.stringify(sem)})}, files={"package": ("learnware.zip", f, "application/zip")})
print(json.dumps([res.status_code, res.json()]))
`,
  );
  assert.equal(up[0], 201, JSON.stringify(up[1]));
  const id = up[1].learnware.id as string;
  const c = await edge.waitFor(id, 1, 120_000);
  assert.equal(c.status, "usable", c.log ?? "");
  const daemonUrl = await daemon.address;
  const out = await pythonJson(
    PYTHON,
    `
import json, requests
h = {"authorization": "Bearer ${alice}"}
res = requests.post("${daemonUrl}/v1/models/${id}/versions/1/predict", json={"X": [[3, 3, 3, 3], [-3, -3, -3, -3], [0, 0, 0, 0]]}, headers=h)
print(json.dumps([res.status_code, res.json()]))
`,
  );
  assert.deepEqual(out, [200, { y: [1, 2, 0], shape: [3] }]);
});
