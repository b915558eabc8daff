/**
 * VESSL's programming model end to end: a `RunnerBase` subclass registered from Python with
 * `register_model` (props from `save_model`, artifacts `{local_path: volume_path}`,
 * requirements), checked USABLE by a runner daemon in its sandbox, then called through the
 * daemon's model service with arbitrary JSON (`…/invoke`: preprocess → predict → postprocess)
 * and with arrays (`…/predict`). A runner without `save_model` ships its pickled model.
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ModelClient } from "../../runner/service/client.ts";
import { spawnDaemon, startEdge, type DaemonProc } from "../runtime/_edge.ts";
import { scratch, semantic } from "../runtime/_fixtures.ts";
import { needsSandbox } from "../runtime/_sandbox.ts";
import { needsPythonWith, packageVenv, pythonJson } from "./_python.ts";

const skip = needsPythonWith("sklearn") || needsSandbox;
const dir = scratch("lw-vessl-");
let edge: Awaited<ReturnType<typeof startEdge>> | null = null;
let daemon: DaemonProc | null = null;
let daemonUrl = "";
let alice = "";
let py = "";
const work = join(dir, "work");

const RUNNER = `
"""A linear model served by a VESSL runner."""
import numpy as np
from lwpy import vessl

SCALE = 1.0


class LinearModel:
    def __init__(self, w, b):
        self.w = np.asarray(w, dtype=float)
        self.b = float(b)


class LinearRunner(vessl.RunnerBase):
    @staticmethod
    def load_model(props, artifacts):
        # artifacts is the mapping given to register_model; files sit at their volume paths
        return LinearModel(np.load(artifacts["./out/weights.npy"]), props["bias"])

    @staticmethod
    def preprocess_data(model, data):
        if isinstance(data, dict):
            data = data["rows"]
        return np.asarray(data, dtype=float) * SCALE

    @staticmethod
    def predict(model, data):
        return data @ model.w + model.b

    @staticmethod
    def postprocess_data(model, data):
        return {"predictions": [round(float(v), 6) for v in data.reshape(-1)], "count": int(data.shape[0])}

    @staticmethod
    def save_model(model):
        np.save("out/weights.npy", model.w)
        return {"bias": str(model.b)}


class PickledRunner(vessl.RunnerBase):
    """No save_model: register_model pickles the model instance and load_model unpickles it."""

    @staticmethod
    def preprocess_data(model, data):
        return np.asarray(data["features"] if isinstance(data, dict) else data, dtype=float)

    @staticmethod
    def predict(model, data):
        return model.predict(data).reshape(-1, 1).astype(float)

    @staticmethod
    def postprocess_data(model, data):
        return {"labels": [int(v) for v in data.reshape(-1)], "names": [["setosa", "versicolor", "virginica"][int(v)] for v in data.reshape(-1)]}


# Script statements: left out of the package (training, registering).
print("training...")
`;

before(async () => {
  if (skip) return;
  edge = await startEdge(join(dir, "server"));
  alice = await edge.token("alice", ["read", "write"]);
  daemon = spawnDaemon({
    LW_SERVER_URL: edge.url,
    LW_TOKEN: await edge.token("runner", ["runner"]),
    LW_DATA_DIR: join(dir, "runner-data"),
    LW_RUNNER_NAME: "runner-vessl",
  });
  daemonUrl = await daemon.address;
  py = await packageVenv();
  mkdirSync(join(work, "out"), { recursive: true });
  writeFileSync(join(work, "linear_runner.py"), RUNNER);
});
after(async () => {
  await daemon?.stop();
  await edge?.close();
});

const env = () => ({ LW_SERVER_URL: edge!.url, LW_TOKEN: alice });
const sem = JSON.stringify({ ...semantic({ task: "Regression", inDim: 3, outDim: 1 }), Name: undefined });

test("register_model uploads a runner (props, artifacts, requirements); the daemon checks it USABLE; JSON reaches preprocess_data and postprocess_data answers", {
  skip,
}, async () => {
  const reg = await pythonJson(
    py,
    `
import json, sys, numpy as np
sys.path.insert(0, ".")
from lwpy import vessl
from linear_runner import LinearRunner, LinearModel
X = np.random.default_rng(0).normal(size=(80, 3))
r = vessl.register_model(
    repository_name="linear-runner", model_number=1, runner_cls=LinearRunner,
    model_instance=LinearModel([[1.0], [2.0], [-1.0]], 0.5), requirements=["numpy"],
    artifacts={"./out/weights.npy": "weights.npy"},
    semantic=json.loads(${JSON.stringify(sem)}), data=X, input_shape=(3,), output_shape=(1,))
print(json.dumps(r))
`,
    { cwd: work, env: env() },
  );
  assert.equal(reg.model_number, 1);
  assert.equal(reg.status, "pending");
  assert.deepEqual(reg.files, ["learnware.yaml", "requirements.txt", "runner.py", "stat.json", "weights.npy"]);
  const c = await edge!.waitFor(reg.learnware_id, 1, 120_000);
  assert.equal(c.status, "usable", c.log ?? "");
  assert.match(c.log!, /requirements: all 1 satisfied/);

  const out = await pythonJson(
    py,
    `
import json, requests
base = "${daemonUrl}/v1/models/${reg.learnware_id}/versions/1"
h = {"authorization": "Bearer ${alice}"}
a = requests.post(base + "/invoke", json={"data": {"rows": [[1, 1, 1], [0, 0, 2]]}}, headers=h)
b = requests.post(base + "/invoke", json={"data": [[2, 0, 0]]}, headers=h)
c = requests.post(base + "/predict", json={"X": [[1, 1, 1]]}, headers=h)
d = requests.post(base + "/invoke", json={"data": {"no_rows": 1}}, headers=h)
e = requests.post(base + "/invoke", json={"rows": [[1, 1, 1]]}, headers=h)
f = requests.post(base + "/invoke", json={"data": [[1e308, 1e308, 0]]}, headers=h)
print(json.dumps({"a": [a.status_code, a.json()], "b": b.json(), "c": c.json(), "d": [d.status_code, d.json()], "e": [e.status_code, e.json()], "f": [f.status_code, f.json()]}))
`,
  );
  assert.deepEqual(out.a, [200, { result: { predictions: [2.5, -1.5], count: 2 } }]);
  assert.deepEqual(out.b, { result: { predictions: [2.5], count: 1 } });
  assert.deepEqual(out.c.y, [[2.5]]); // the array API: preprocess → predict, the model's own output
  assert.equal(out.d[0], 422);
  // The runner's errors are the one envelope {error: {code, message, details}}.
  assert.equal(out.d[1].error.code, "MODEL_ERROR");
  assert.match(out.d[1].error.message, /KeyError: 'rows'/);
  assert.deepEqual([out.e[0], out.e[1].error.code], [400, "BAD_REQUEST"]);
  assert.deepEqual([out.f[0], out.f[1].error.code], [422, "OUTPUT_NOT_JSON"]);
  assert.match(out.f[1].error.message, /contains inf, which JSON cannot carry/);
  // The TS client reaches the same route.
  const client = new ModelClient(daemonUrl, { model: reg.learnware_id, version: 1, token: alice });
  assert.deepEqual(await client.invoke({ rows: [[0, 1, 0]] }), { predictions: [2.5], count: 1 });
});

test("the next model number is checked before uploading; a runner without save_model ships its pickled model", { skip }, async () => {
  const r = await pythonJson(
    py,
    `
import json, sys, numpy as np, requests
sys.path.insert(0, ".")
from sklearn.linear_model import LogisticRegression
from lwpy import vessl, LwError
from linear_runner import PickledRunner
rng = np.random.default_rng(0)
X = rng.normal(size=(90, 3)); y = np.repeat([0, 1, 2], 30); X[y == 1] += 3; X[y == 2] -= 3
clf = LogisticRegression(max_iter=500).fit(X, y)
out = {}
try:
    vessl.register_model("linear-runner", 5, PickledRunner, clf, data=X, input_shape=3, output_shape=1)
except LwError as e:
    out["wrong_number"] = [e.code, str(e)]
out["versions_after_refusal"] = requests.get("${edge!.url}/v1/learnwares", params={"q": "linear-runner"}, headers={"authorization": "Bearer ${alice}"}).json()["items"][0]["latestVersion"]
out["v2"] = vessl.register_model("linear-runner", 2, PickledRunner, clf, requirements=["scikit-learn>=1.0"], data=X, input_shape=3, output_shape=1)
print(json.dumps(out))
`,
    { cwd: work, env: env() },
  );
  assert.equal(r.wrong_number[0], "CONFLICT");
  assert.match(r.wrong_number[1], /would get model number 2, not 5; nothing was uploaded/);
  assert.equal(r.versions_after_refusal, 1);
  assert.equal(r.v2.model_number, 2);
  assert.ok(r.v2.files.includes("model.pkl"));
  const c = await edge!.waitFor(r.v2.learnware_id, 2, 120_000);
  assert.equal(c.status, "usable", c.log ?? "");
  const out = await pythonJson(
    py,
    `
import json, requests
res = requests.post("${daemonUrl}/v1/models/${r.v2.learnware_id}/versions/2/invoke", json={"data": {"features": [[3, 3, 3], [-3, -3, -3], [0, 0, 0]]}}, headers={"authorization": "Bearer ${alice}"})
print(json.dumps([res.status_code, res.json()]))
`,
  );
  assert.deepEqual(out, [200, { result: { labels: [1, 2, 0], names: ["versicolor", "virginica", "setosa"] } }]);
});

test("register_model refuses bad input with clear errors before uploading anything", { skip }, async () => {
  const r = await pythonJson(
    py,
    `
import json, sys, numpy as np
sys.path.insert(0, ".")
from lwpy import vessl, LwError
from linear_runner import LinearRunner, LinearModel

class NoPredict(vessl.RunnerBase):
    pass

class SaveOnly(vessl.RunnerBase):
    @staticmethod
    def predict(model, data):
        return data
    @staticmethod
    def save_model(model):
        return {}

X = np.ones((5, 3))
cases = {
    "no_predict": lambda: vessl.register_model("x", None, NoPredict, data=X),
    "save_without_load": lambda: vessl.register_model("x", None, SaveOnly, data=X),
    "not_runner": lambda: vessl.register_model("x", None, dict, data=X),
    "missing_artifact": lambda: vessl.register_model("x", None, LinearRunner, LinearModel([[1.0]] * 3, 0), artifacts={"./nope.bin": "w.bin"}, data=X),
    "escaping_artifact": lambda: vessl.register_model("x", None, LinearRunner, LinearModel([[1.0]] * 3, 0), artifacts={"./linear_runner.py": "../x.py"}, data=X),
    "no_spec": lambda: vessl.register_model("x", None, LinearRunner, LinearModel([[1.0]] * 3, 0)),
    "bad_number": lambda: vessl.register_model("x", 0, LinearRunner, LinearModel([[1.0]] * 3, 0), data=X),
    "new_without_semantic": lambda: vessl.register_model("brand-new", None, LinearRunner, LinearModel([[1.0]] * 3, 0), data=X),
    "other_name": lambda: vessl.register_model("brand-new", None, LinearRunner, LinearModel([[1.0]] * 3, 0), data=X, semantic={"Name": {"Values": "other", "Type": "String"}}),
    "nan_data": lambda: vessl.register_model("x", None, LinearRunner, LinearModel([[1.0]] * 3, 0), data=np.full((3, 3), np.nan)),
}
out = {}
for name, fn in cases.items():
    try:
        fn(); out[name] = None
    except LwError as e:
        out[name] = [e.code, e.message]
print(json.dumps(out))
`,
    { cwd: work, env: env() },
  );
  const expect: Record<string, [string, RegExp]> = {
    no_predict: ["BAD_REQUEST", /does not override predict/],
    save_without_load: ["BAD_REQUEST", /overrides save_model, so it must override load_model too/],
    not_runner: ["BAD_REQUEST", /must be a subclass of lwpy.vessl.RunnerBase/],
    missing_artifact: ["BAD_REQUEST", /artifact '.\/nope.bin' does not exist/],
    escaping_artifact: ["BAD_REQUEST", /must stay inside the model volume/],
    no_spec: ["BAD_REQUEST", /needs data=/],
    bad_number: ["BAD_REQUEST", /model_number must be a positive integer or None/],
    new_without_semantic: ["BAD_REQUEST", /creating it needs semantic=/],
    nan_data: ["BAD_REQUEST", /NaN or infinite/],
    other_name: ["BAD_REQUEST", /semantic Name 'other' differs from repository_name 'brand-new'/],
  };
  for (const [k, [code, msg]] of Object.entries(expect)) {
    assert.ok(r[k], `${k}: expected an error`);
    assert.equal(r[k][0], code, k);
    assert.match(r[k][1], msg, k);
  }
});
