/**
 * AIPOD served by our runner: an `AIModelBase` class packed as a learnware runs in the
 * runner's sandboxed Python worker. Instances are told apart by free-form version strings
 * (`exp-a` runs the model's latest market version), `initialize` kwargs reach the model as
 * `model_info`, `train` takes any kwargs, `predict` any JSON plus raw `binary_data` (a frame
 * byte string or `{"$bytes": base64}`), `log` returns the model's own records, and a trained
 * instance survives a pool eviction. Driven over HTTP, through the TS `ModelClient`.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, test } from "node:test";
import { ModelClient } from "../../runner/service/client.ts";
import { requires } from "../_requires.ts";
import { numpyPackage, pythonPackage, scratch } from "../runtime/_fixtures.ts";
import { join } from "node:path";
import { VenvBackend } from "../../runner/backends/pythonVenv.ts";
import { checkLearnware } from "../../runner/check/checkLearnware.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { sandbox } from "../runtime/_sandbox.ts";
import { semantic } from "../runtime/_fixtures.ts";
import { startService } from "../runtime/_service.ts";
import { needsPython, packageVenv, pythonJson } from "./_python.ts";

const MODEL = `
import hashlib, json
from lwpy.aipod import AIModelBase


class Model(AIModelBase):
    def train(self, binary_data=None, **kwargs):
        epochs = int(kwargs.get("epochs", 1))
        for e in range(epochs):
            self.trainning_logger.append(progress=(e + 1) / epochs, message=f"epoch {e + 1}", data={"lr": kwargs.get("lr")})
        with open(self.model_dir("weights") / "w.json", "w") as f:
            json.dump({"scale": self.model_info["scale"] * epochs}, f)
        return {"epochs": epochs, "lr": kwargs.get("lr"), "base_lr": self.model_info.get("lr")}

    def predict(self, binary_data=None, **kwargs):
        w = self.model_dir("weights") / "w.json"
        scale = json.loads(w.read_text())["scale"] if w.exists() else self.model_info["scale"]
        return {
            "version": self.version,
            "info": self.model_info,
            "text": kwargs.get("text", "").upper(),
            "scaled": [x * scale for x in kwargs.get("values", [])],
            "binary_sha256": hashlib.sha256(binary_data).hexdigest() if binary_data else None,
            "head": binary_data[:4] if binary_data else None,
        }
`;

describe("AIPOD models served by the runner", requires("python3-numpy", "python3-venv", "bwrap"), async () => {
  const pkg = pythonPackage(MODEL, { d: 2 });
  const svc = await startService(
    scratch(),
    new Map([
      ["aip@1", pkg],
      ["aip@latest", pkg],
      ["np@1", numpyPackage(3, 2)],
    ]),
    { LW_POOL_SIZE: "1" },
  );
  after(() => svc.close());
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${svc.address}/v1/models/aip/versions/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  test("free-form versions, initialize kwargs as model_info, train with any kwargs, predict with JSON and binary_data, log", async () => {
    const a = await post("exp-a/initialize", { kwargs: { lr: 0.1, scale: 2 } });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(a.body.result, { result: true, model_info: { lr: 0.1, scale: 2 } });
    // a plain JSON body is the kwargs too
    const b = await post("exp-b/initialize", { lr: 0.5, scale: 10 });
    assert.equal(b.status, 200, JSON.stringify(b.body));
    const t = await post("exp-a/train", { epochs: 3, lr: 0.01 });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.deepEqual(t.body.result, { epochs: 3, lr: 0.01, base_lr: 0.1 });
    const blob = new Uint8Array(2560).map((_, i) => i % 256);
    const pa = await post("exp-a/predict", { text: "hello", values: [1, 2], binary_data: { $bytes: Buffer.from(blob).toString("base64") } });
    assert.equal(pa.status, 200, JSON.stringify(pa.body));
    assert.deepEqual(pa.body.result.scaled, [6, 12]); // scale 2 × 3 epochs
    assert.equal(pa.body.result.version, "exp-a");
    assert.equal(pa.body.result.text, "HELLO");
    assert.equal(pa.body.result.binary_sha256, createHash("sha256").update(blob).digest("hex"));
    assert.deepEqual(pa.body.result.head, { $bytes: Buffer.from([0, 1, 2, 3]).toString("base64") });
    const pb = await post("exp-b/predict", { kwargs: { text: "world", values: [1] } });
    assert.deepEqual([pb.body.result.version, pb.body.result.scaled, pb.body.result.info], ["exp-b", [10], { lr: 0.5, scale: 10 }]);
    const log = await post("exp-a/log", { kwargs: {} });
    assert.deepEqual(
      log.body.result.map((r: any) => [r.message, r.progress, r.data]),
      [
        ["epoch 1", 1 / 3, { lr: 0.01 }],
        ["epoch 2", 2 / 3, { lr: 0.01 }],
        ["epoch 3", 1, { lr: 0.01 }],
      ],
    );
  });

  test("a trained instance survives eviction from the pool (initialize and train are replayed)", async () => {
    // pool size 1: exp-b's predict above evicted exp-a; predict exp-a again
    const again = await post("exp-a/predict", { values: [1] });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body.result.scaled, [6]);
    const m = await (await fetch(`${svc.address}/metrics`)).json();
    assert.ok((m as any).pool.evictions >= 1, JSON.stringify(m));
  });

  test("the TS ModelClient: raw bytes through frames, kwargs, free-form versions", async () => {
    const c = new ModelClient(svc.address, { model: "aip", version: "exp-c" });
    assert.deepEqual(await c.aipod("initialize", { scale: 5 }), { result: true, model_info: { scale: 5 } });
    const bytes = new TextEncoder().encode("raw bytes, no base64");
    const r = (await c.aipod("predict", { values: [2] }, bytes)) as any;
    assert.deepEqual(r.scaled, [10]);
    assert.ok(r.head instanceof Uint8Array);
    assert.deepEqual([...r.head], [...bytes.subarray(0, 4)]);
    assert.equal(r.binary_sha256, createHash("sha256").update(bytes).digest("hex"));
  });

  test("the Python AIClient (lwpy.aipod) drives the runner's AIPOD model unchanged: its wire is the runner's", { skip: needsPython }, async () => {
    const py = await packageVenv();
    const r = await pythonJson(
      py,
      `
import hashlib, json
from lwpy.aipod import AIClient
c = AIClient("${svc.address}", version="exp-py", model="aip")
out = {"init": c.initialize(scale=3)}
out["train"] = c.train(epochs=2, lr=0.5)
p = c.predict(text="py", values=[1], binary_data=b"\\x00\\x01\\x02\\x03\\x04")
out["scaled"] = p["scaled"]
out["head_is_bytes"] = isinstance(p["head"], bytes) and p["head"] == b"\\x00\\x01\\x02\\x03"
out["log"] = [x["message"] for x in c.log()]
print(json.dumps(out))
`,
    );
    assert.deepEqual(r.init, { result: true, model_info: { scale: 3 } });
    assert.deepEqual(r.train, { epochs: 2, lr: 0.5, base_lr: null });
    assert.deepEqual(r.scaled, [6]);
    assert.equal(r.head_is_bytes, true);
    assert.deepEqual(r.log, ["epoch 1", "epoch 2"]);
  });

  test("the market's check passes an AIPOD learnware (shapes and stat spec checked; no array output rules)", async () => {
    const dir = scratch();
    const backend = new VenvBackend({ sandbox, envDir: join(dir, "envs") });
    const lw = await materializePackage(pythonPackage(MODEL, { d: 2, kwargs: { input_shape: [2], output_shape: [1] } }), join(dir, "pkgs"));
    const r = await checkLearnware({ lw, semantic: semantic({ task: "Regression", inDim: 2, outDim: 1 }), backend, id: "aip" });
    assert.equal(r.status, "usable", r.log.join("\n"));
    assert.match(r.log.join("\n"), /AIPOD model \(AIModelBase\)/);
    const wrong = await checkLearnware({ lw, semantic: semantic({ task: "Regression", inDim: 5, outDim: 1 }), backend, id: "aip" });
    assert.equal(wrong.status, "invalid");
    assert.equal(wrong.rule, "input_shape");
  });

  test("clear 4xx: predict before initialize, a non-AIPOD model given kwargs, an unknown free-form version of a plain model, bad binary_data", async () => {
    const early = await post("exp-z/predict", { values: [1] });
    assert.equal(early.status, 409, JSON.stringify(early.body));
    assert.match(early.body.error.message, /has not been initialized yet; call initialize first/);
    const plain = await fetch(`${svc.address}/v1/models/np/versions/1/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "hi" }),
    });
    assert.equal(plain.status, 400);
    assert.match(((await plain.json()) as any).error.message, /is not an AIPOD model .*predict takes \{X: rows\}/);
    const bad = await post("exp-a/predict", { text: "x", binary_data: "not bytes" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /binary_data must be raw bytes/);
  });
});

test("the runner honours AIPOD_LISTEN_PORT, AIPOD_MODEL_POOL_SIZE, AIPOD_DATA_PATH and AIPOD_RPC_MAX_WORKERS (LW_ settings win)", async () => {
  const { loadConfig } = await import("../../runner/config.ts");
  const aipod = loadConfig({
    AIPOD_LISTEN_PORT: "50051",
    AIPOD_MODEL_POOL_SIZE: "1",
    AIPOD_DATA_PATH: "/srv/appdata",
    AIPOD_RPC_MAX_WORKERS: "12",
    LW_DATA_DIR: "/d",
  });
  assert.deepEqual([aipod.port, aipod.poolSize, aipod.instancesDir, aipod.maxConcurrentRequests], [50051, 1, "/srv/appdata", 12]);
  const both = loadConfig({ AIPOD_LISTEN_PORT: "50051", LW_RUNNER_PORT: "9000", AIPOD_MODEL_POOL_SIZE: "1", LW_POOL_SIZE: "4", LW_DATA_DIR: "/d" });
  assert.deepEqual([both.port, both.poolSize, both.instancesDir, both.maxConcurrentRequests], [9000, 4, "/d/runner/instances", 0]);
  assert.throws(() => loadConfig({ AIPOD_MODEL_POOL_SIZE: "many" }), /AIPOD_MODEL_POOL_SIZE must be a non-negative number/);
});
