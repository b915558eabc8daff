/**
 * AIPOD's server/client example in Python: `serve(MyModel)` in one process (honouring the
 * AIPOD_* variables), `AIClient(address, version)` in another; versions are free-form,
 * `initialize` arguments reach the model as `model_info`, `train` takes any kwargs, `predict`
 * takes text and raw `binary_data`, the model's own log records come back from `log()`.
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { scratch } from "../_util.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { needsPython, packageVenv, pythonJson, startPython } from "./_python.ts";

const MODEL = `
import hashlib, json, os
from lwpy.aipod import AIModelBase, serve


class MyModel(AIModelBase):
    def train(self, binary_data=None, **kwargs):
        info = self.model_info                      # what initialize stored for this version
        epochs = int(kwargs.get("epochs", 1))
        for e in range(epochs):
            self.trainning_logger.append(progress=(e + 1) / epochs, message=f"epoch {e + 1}", data={"lr": kwargs.get("lr", info.get("lr"))})
        with open(self.model_dir("weights") / "w.json", "w") as f:
            json.dump({"scale": info["scale"] * epochs}, f)
        return {"epochs": epochs, "lr": kwargs.get("lr"), "base_lr": info.get("lr")}

    def predict(self, binary_data=None, **kwargs):
        w = self.model_dir("weights") / "w.json"
        scale = json.loads(w.read_text())["scale"] if w.exists() else self.model_info["scale"]
        return {
            "version": self.version,
            "text": kwargs["text"].upper(),
            "scaled": [x * scale for x in kwargs.get("values", [])],
            "binary_sha256": hashlib.sha256(binary_data).hexdigest() if binary_data else None,
            "echo": binary_data[:4] if binary_data else None,
        }


if __name__ == "__main__":
    serve(MyModel)
`;

const skip = needsPython;
let py = "";
let server: Awaited<ReturnType<typeof startPython>> | null = null;
let address = "";
const data = scratch("lw-aipod-data-");

before(async () => {
  if (skip) return;
  py = await packageVenv();
  server = await startPython(py, MODEL, /listening address: (\S+)/, {
    env: { AIPOD_LISTEN_PORT: "0", AIPOD_DATA_PATH: data, AIPOD_MODEL_POOL_SIZE: "1", AIPOD_RPC_MAX_WORKERS: "4" },
  });
  address = server.match[1]!;
});
after(async () => {
  await server?.stop();
});

test("the seed's example: initialize, train with any kwargs, predict with text and binary_data, log — per free-form version", { skip }, async () => {
  const r = await pythonJson(
    py,
    `
import hashlib, json
from lwpy.aipod import AIClient
a = AIClient("${address}", version="exp-a")
b = AIClient("${address}", version="exp-b")
out = {}
out["init_a"] = a.initialize(lr=0.1, scale=2)
out["init_b"] = b.initialize(lr=0.5, scale=10)
out["train_a"] = a.train(epochs=3, lr=0.01)
blob = bytes(range(256)) * 10
out["predict_a"] = a.predict(text="hello", values=[1, 2], binary_data=blob)
out["predict_b"] = b.predict(text="world", values=[1])
out["echo_is_bytes"] = isinstance(out["predict_a"].pop("echo"), bytes)
out["blob_sha"] = hashlib.sha256(blob).hexdigest()
out["log_a"] = a.log()
out["log_b"] = b.log()
print(json.dumps(out))
`,
  );
  assert.deepEqual(r.init_a, { result: true, model_info: { lr: 0.1, scale: 2 } });
  assert.deepEqual(r.train_a, { epochs: 3, lr: 0.01, base_lr: 0.1 });
  assert.deepEqual(r.predict_a, { version: "exp-a", text: "HELLO", scaled: [6, 12], binary_sha256: r.blob_sha });
  assert.equal(r.echo_is_bytes, true);
  assert.deepEqual(r.predict_b, { version: "exp-b", text: "WORLD", scaled: [10], binary_sha256: null, echo: null });
  assert.deepEqual(
    r.log_a.map((l: any) => [l.progress, l.message, l.data.lr]),
    [
      [1 / 3, "epoch 1", 0.01],
      [2 / 3, "epoch 2", 0.01],
      [1, "epoch 3", 0.01],
    ],
  );
  assert.deepEqual(r.log_b, []);
  // Each version's folder is under AIPOD_DATA_PATH/models/<version>/ with its model.json.
  assert.deepEqual(JSON.parse(readFileSync(join(data, "models", "exp-a", "model.json"), "utf8")), { lr: 0.1, scale: 2 });
  assert.ok(existsSync(join(data, "models", "exp-a", "weights", "w.json")));
  assert.ok(existsSync(join(data, "models", "exp-a", "trainning.log")));
});

test("AIPOD_MODEL_POOL_SIZE=1 keeps one instance: switching versions reloads them, state comes back from their folders", { skip }, async () => {
  const r = await pythonJson(
    py,
    `
import json, requests
from lwpy.aipod import AIClient
a = AIClient("${address}", version="exp-a"); b = AIClient("${address}", version="exp-b")
before = requests.get("http://${address}/metrics").json()["pool"]
ys = [a.predict(text="x", values=[1])["scaled"], b.predict(text="x", values=[1])["scaled"], a.predict(text="x", values=[1])["scaled"]]
after = requests.get("http://${address}/metrics").json()["pool"]
print(json.dumps({"ys": ys, "before": before, "after": after}))
`,
  );
  assert.deepEqual(r.ys, [[6], [10], [6]]);
  assert.equal(r.after.size, 1);
  assert.deepEqual(r.after.loaded, ["exp-a"]);
  assert.ok(r.after.loads - r.before.loads >= 2, JSON.stringify(r));
});

test("bad calls are clear errors: uninitialized version, bad version string, reserved binary_data, wrong kwargs, wrong model", { skip }, async () => {
  const r = await pythonJson(
    py,
    `
import json, requests
from lwpy import LwError
from lwpy.aipod import AIClient
out = {}
def err(fn):
    try:
        fn(); return None
    except LwError as e:
        return [e.code, e.message, e.status]
out["uninit"] = err(lambda: AIClient("${address}", version="never-initialized").predict(text="x"))
out["bad_version"] = err(lambda: AIClient("${address}", version="../etc"))
out["not_bytes"] = err(lambda: AIClient("${address}", version="exp-a").predict(text="x", binary_data="text"))
out["missing_kwarg"] = err(lambda: AIClient("${address}", version="exp-a").predict(values=[1]))
out["other_model"] = err(lambda: AIClient("${address}", version="exp-a", model="Other").predict(text="x"))
res = requests.post("http://${address}/v1/models/default/versions/exp-a/predict", data=b"{not json")
out["raw_bad_json"] = [res.status_code, res.json()["code"]]
res = requests.post("http://${address}/v1/models/default/versions/exp-a/predict", json={"kwargs": {"text": "x", "binary_data": "y"}})
out["raw_reserved"] = [res.status_code, res.json()["code"]]
res = requests.post("http://${address}/v1/models/default/versions/..%2f/predict", json={})
out["raw_bad_version"] = [res.status_code, res.json()["code"]]
print(json.dumps(out))
`,
  );
  assert.equal(r.uninit[0], "NOT_INITIALIZED");
  assert.match(r.uninit[1], /has not been initialized yet/);
  assert.equal(r.uninit[2], 409);
  assert.equal(r.bad_version[0], "BAD_REQUEST");
  assert.match(r.bad_version[1], /Version '\.\.\/etc'/);
  assert.equal(r.not_bytes[0], "BAD_REQUEST");
  assert.deepEqual([r.missing_kwarg[0], r.missing_kwarg[2]], ["MODEL_ERROR", 422]);
  assert.match(r.missing_kwarg[1], /KeyError: 'text'/);
  assert.deepEqual([r.other_model[0], r.other_model[2]], ["NOT_FOUND", 404]);
  assert.deepEqual(r.raw_bad_json, [400, "BAD_REQUEST"]);
  assert.deepEqual(r.raw_reserved, [400, "BAD_REQUEST"]);
  assert.deepEqual(r.raw_bad_version, [400, "BAD_REQUEST"]);
});

test("serve honours the AIPOD defaults: port 50051, data path appdata/, pool size 1, 12 workers", { skip }, async () => {
  const r = await pythonJson(
    py,
    `
import json, os
for k in ("AIPOD_LISTEN_PORT", "AIPOD_DATA_PATH", "AIPOD_MODEL_POOL_SIZE", "AIPOD_RPC_MAX_WORKERS"):
    os.environ.pop(k, None)
from lwpy.aipod import Serve, AIModelBase
class M(AIModelBase):
    pass
s = Serve(M)
print(json.dumps({"port": s.port, "data": s.datapath, "pool": s.pool_size, "workers": s.rpc_max_workers, "host": s.host}))
`,
  );
  assert.deepEqual(r, { port: 50051, data: "appdata/", pool: 1, workers: 12, host: "127.0.0.1" });
});
