/**
 * ModelBox's calls from Python against a started server: models in namespaces (the default
 * one too), versions with label/name/description/framework/unique tags/artifacts, metrics
 * (float, string, bytes; step and wall clock), metadata, streamed checksummed uploads,
 * tracking by URI or plain path, listing, metrics and artifacts on models, addressing by
 * `namespace/name[@tag|:version]` — and clear refusals (owner, duplicates) from the server.
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startEdge } from "../runtime/_edge.ts";
import { scratch } from "../runtime/_fixtures.ts";
import { needsPython, packageVenv, pythonJson } from "./_python.ts";

const skip = needsPython;
const dir = scratch("lw-modelbox-");
const work = join(dir, "work");
let edge: Awaited<ReturnType<typeof startEdge>> | null = null;
let alice = "";
let bob = "";
let py = "";

before(async () => {
  if (skip) return;
  edge = await startEdge(join(dir, "server"));
  alice = await edge.token("alice", ["read", "write"]);
  bob = await edge.token("bob", ["read", "write"]);
  py = await packageVenv();
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, "model.onnx"), Buffer.alloc(300_000, 7));
  writeFileSync(join(work, "notes.txt"), "trained on mnist\n");
  writeFileSync(join(work, "data.csv"), "a,b\n1,2\n");
  writeFileSync(join(work, "big.ckpt"), Buffer.alloc(2_500_000, 3));
});
after(async () => {
  await edge?.close();
});

const env = () => ({ LW_SERVER_URL: edge!.url, LW_TOKEN: alice });

test("the seed's calls: new_model, new_model_version with artifacts, log_metrics, update_metadata, upload/track/list artifacts, listing", {
  skip,
}, async () => {
  const r = await pythonJson(
    py,
    `
import hashlib, json, os, time
from lwpy.modelbox import Client
c = Client("${edge!.url}", "${alice}")
m = c.new_model("mnist", owner="alice", namespace="vision", task="classification", description="LeNet", metadata={"dataset": "mnist"})
d = c.new_model("scratch", task="regression")                       # the default namespace
v = m.new_model_version(version="v1", name="first", description="baseline", artifacts=["model.onnx"],
                        metadata={"lr": 0.01}, unique_tags=["production"], framework="pytorch")
t0 = 1700000000.0
v.log_metrics({"loss": 0.9, "note": "warmup", "cm": b"\\x00\\x01\\x02"}, step=0, wallclock=t0)
v.log_metrics({"loss": 0.5}, step=2, wallclock=t0 + 20)
v.log_metrics({"loss": 0.7}, step=1, wallclock=t0 + 10)
v.update_metadata("epochs", 10)
up = v.upload_artifact(["notes.txt", "big.ckpt"])
tr = v.track_artifacts(["s3://bucket/data/train.parquet", "data.csv"])
arts = sorted(v.artifacts(), key=lambda a: a.path)
v2 = m.new_model_version(version="v2", framework="pytorch", unique_tags=["production"])
again = c.get_model("vision/mnist")
out = {
  "model": [m.id, m.name, m.owner, m.namespace, m.task, m.description, m.metadata],
  "default_ns": d.namespace,
  "version": [v.number, v.version, v.name, v.description, v.framework, v.unique_tags, v.metadata],
  "metrics": {k: [dict(x, value=x["value"].hex() if isinstance(x["value"], bytes) else x["value"]) for x in xs] for k, xs in v.metrics().items()},
  "uploaded": [[a.path, a.checksum, a.file_type, a.size] for a in up],
  "tracked": [[a.path, a.uri.split("://")[0], a.stored, a.checksum] for a in tr],
  "artifacts": [[a.path, a.mime_type, a.file_type, a.parent, a.id, a.stored] for a in arts],
  "sha_ckpt": hashlib.sha256(open("big.ckpt", "rb").read()).hexdigest(),
  "tags_after_v2": [[x.number, x.version, x.unique_tags] for x in m.versions()],
  "by_label": m.version("v1").number,
  "by_name": again.id == m.id,
  "list_vision": [x.name for x in c.list_models(namespace="vision")],
  "list_all": sorted(x.name for x in c.list_models()),
  "model_metadata": m.update_metadata("owner_team", "vision"),
}
v.download_artifact("big.ckpt", "back.ckpt")
out["download_ok"] = open("back.ckpt", "rb").read() == open("big.ckpt", "rb").read()
print(json.dumps(out))
`,
    { cwd: work, env: env() },
  );
  assert.deepEqual(r.model.slice(1), ["mnist", "alice", "vision", "classification", "LeNet", { dataset: "mnist" }]);
  assert.equal(r.default_ns, "default");
  assert.deepEqual(r.version, [1, "v1", "first", "baseline", "pytorch", ["production"], { lr: 0.01, epochs: 10 }]);
  assert.deepEqual(
    r.metrics.loss.map((x: any) => [x.step, x.value, x.wallclock]),
    [
      [0, 0.9, 1700000000],
      [1, 0.7, 1700000010],
      [2, 0.5, 1700000020],
    ],
  );
  assert.deepEqual(
    r.metrics.note.map((x: any) => x.value),
    ["warmup"],
  );
  assert.deepEqual(
    r.metrics.cm.map((x: any) => [x.value, x.step]),
    [["000102", 0]],
  );
  assert.deepEqual(r.uploaded[1], ["big.ckpt", r.sha_ckpt, "CHECKPOINT", 2_500_000]);
  assert.equal(r.uploaded[0][2], "TEXT");
  assert.deepEqual(
    r.tracked.map((t: any[]) => t.slice(0, 3)),
    [
      ["train.parquet", "s3", false],
      ["data.csv", "file", false],
    ],
  );
  assert.match(r.tracked[1][3], /^[0-9a-f]{64}$/);
  assert.deepEqual(
    r.artifacts.map((a: any[]) => [a[0], a[1], a[2], a[5]]),
    [
      ["big.ckpt", "application/octet-stream", "CHECKPOINT", true],
      ["data.csv", "text/csv", "TEXT", false],
      ["model.onnx", "application/onnx", "MODEL", true],
      ["notes.txt", "text/plain", "TEXT", true],
      ["train.parquet", "application/octet-stream", "UNDEFINED", false],
    ],
  );
  assert.equal(r.artifacts[0][3], `${r.model[0]}/versions/1`);
  assert.match(r.artifacts[0][4], /^\d+$/); // the registry's artifact id
  assert.equal(new Set(r.artifacts.map((a: any[]) => a[4])).size, r.artifacts.length);
  // the production tag moved atomically to v2
  assert.deepEqual(
    r.tags_after_v2.sort((a: any, b: any) => a[0] - b[0]),
    [
      [1, "v1", []],
      [2, "v2", ["production"]],
    ],
  );
  assert.equal(r.by_label, 1);
  assert.equal(r.by_name, true);
  assert.deepEqual(r.list_vision, ["mnist"]);
  assert.deepEqual(r.list_all, ["mnist", "scratch"]);
  assert.deepEqual(r.model_metadata, { dataset: "mnist", owner_team: "vision" });
  assert.equal(r.download_ok, true);
});

test("differences from ModelBox are refused with clear errors, never silently dropped", { skip }, async () => {
  const r = await pythonJson(
    py,
    `
import json
from lwpy import LwError
from lwpy.modelbox import Client
c = Client("${edge!.url}", "${alice}")
bob = Client("${edge!.url}", "${bob}")
m = c.get_model("vision/mnist")
v = m.version("latest")
def err(fn):
    try:
        fn(); return None
    except LwError as e:
        return [e.code, e.message]
out = {
  "other_owner": err(lambda: c.new_model("x", owner="bob")),
  "duplicate_name": err(lambda: c.new_model("mnist", namespace="vision")),
  "duplicate_label": err(lambda: m.new_model_version(version="v1")),
  "bad_metric": err(lambda: v.log_metrics({"a": None})),
  "bad_step": err(lambda: v.log_metrics({"a": 1.0}, step=-1)),
  "missing_file": err(lambda: v.upload_artifact(["nope.bin"])),
  "duplicate_artifact": err(lambda: m.version("v1").upload_artifact(["notes.txt"])),
  "bad_tag": err(lambda: m.new_model_version(unique_tags=["1bad tag"])),
  "not_owner": err(lambda: bob.get_model("vision/mnist").new_model_version(version="v9")),
  "no_such_model": err(lambda: c.get_model("vision/none")),
  "no_such_tag": err(lambda: c.get_version("vision/mnist@staging")),
  "no_token": err(lambda: Client("${edge!.url}", "")),
}
print(json.dumps(out))
`,
    { cwd: work, env: { LW_SERVER_URL: edge!.url } },
  );
  const expect: Record<string, [string, RegExp]> = {
    other_owner: ["FORBIDDEN", /Owner 'bob' is not the caller \('alice'\)/],
    duplicate_name: ["CONFLICT", /already has a model named 'mnist'/],
    duplicate_label: ["CONFLICT", /already has a version labelled 'v1'/],
    bad_metric: ["BAD_REQUEST", /must be a float, string or bytes/],
    bad_step: ["BAD_REQUEST", /non-negative integer/],
    missing_file: ["BAD_REQUEST", /'nope.bin' does not exist/],
    duplicate_artifact: ["CONFLICT", /already has an artifact at 'notes.txt'/],
    bad_tag: ["VALIDATION_FAILED", /tag/i],
    not_owner: ["FORBIDDEN", /./],
    no_such_model: ["NOT_FOUND", /No model 'none' in namespace 'vision'/],
    no_such_tag: ["NOT_FOUND", /has no tag 'staging'/],
    no_token: ["UNAUTHENTICATED", /No token/],
  };
  for (const [k, [code, msg]] of Object.entries(expect)) {
    assert.ok(r[k], `${k}: expected an error`);
    assert.equal(r[k][0], code, `${k}: ${JSON.stringify(r[k])}`);
    assert.match(r[k][1], msg, k);
  }
});

test("models take metrics and artifacts of their own; addresses namespace/name@tag|:version; owner kept for an admin's model", { skip }, async () => {
  const admin = await edge!.token("root", ["read", "write", "admin"]);
  const r = await pythonJson(
    py,
    `
import json
from lwpy.modelbox import Client
c = Client("${edge!.url}", "${alice}")
m = c.new_model("cards", namespace="vision", artifacts=["notes.txt", "s3://bucket/cards/raw.parquet"])
m.log_metrics({"auc": 0.7}, wallclock=1700000002.0)
m.log_metrics({"auc": 0.6}, wallclock=1700000001.0)
v = m.new_model_version(version="exp-a", unique_tags=["staging"])
m.new_model_version(version="exp-b")
p = v.log_params({"optimizer": "adam"})
root = Client("${edge!.url}", "${admin}")
for_alice = root.new_model("given", owner="alice", namespace="gifts")
print(json.dumps({
  "model_artifacts": sorted([a.path, a.parent, a.file_type, a.stored] for a in m.artifacts()),
  "model_metrics": [x["value"] for x in m.metrics()["auc"]],
  "by_tag": c.get_version("vision/cards@staging").version,
  "by_label": c.get_version("vision/cards:exp-b").number,
  "by_number": c.get_version("vision/cards:1").version,
  "latest": c.get_version("vision/cards").number,
  "model_by_name": c.get_model("vision/cards").id == m.id,
  "params": p,
  "owner": for_alice.owner,
  "alice_writes": c.get_model("gifts/given").update_metadata("k", "v"),
}))
`,
    { cwd: work, env: env() },
  );
  assert.deepEqual(r.model_artifacts, [
    ["notes.txt", r.model_artifacts[0][1], "TEXT", true],
    ["raw.parquet", r.model_artifacts[0][1], "UNDEFINED", false],
  ]);
  assert.match(r.model_artifacts[0][1], /^\d{8}$/);
  assert.deepEqual(r.model_metrics, [0.6, 0.7]);
  assert.equal(r.by_tag, "exp-a");
  assert.equal(r.by_label, 2);
  assert.equal(r.by_number, "exp-a");
  assert.equal(r.latest, 2);
  assert.equal(r.model_by_name, true);
  assert.deepEqual(r.params, { optimizer: "adam" });
  assert.equal(r.owner, "alice");
  assert.deepEqual(r.alice_writes, { k: "v" });
});
