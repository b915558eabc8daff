/**
 * The README's Python snippets, run as written (issue #20: docs that run). Each block is read
 * from README.md by its first line; the test adds only what a reader has already (imports, a
 * token, the files the block names) and swaps the README's example address for the test
 * server's. Then it checks through the HTTP API that the block did what the README says.
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../_util.ts";
import { startEdge } from "../runtime/_edge.ts";
import { scratch } from "../runtime/_fixtures.ts";
import { needsPython, packageVenv, runPython } from "./_python.ts";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
/** The fenced python block whose text contains `marker`. */
function pythonBlock(marker: string): string {
  const block = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes(marker));
  assert.ok(block, `README.md has a python block with ${marker}`);
  return block;
}

const skip = needsPython;
const dir = scratch("lw-readme-py-");
const work = join(dir, "work");
let edge: Awaited<ReturnType<typeof startEdge>> | null = null;
let alice = "";
let py = "";

before(async () => {
  if (skip) return;
  edge = await startEdge(join(dir, "server"));
  alice = await edge.token("alice", ["read", "write"]);
  py = await packageVenv();
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, "model.onnx"), Buffer.alloc(1000, 7));
  writeFileSync(join(work, "weights.pt"), Buffer.alloc(2000, 3));
  writeFileSync(join(work, "README.md"), "# mnist\n\nA LeNet.\n");
});
after(async () => {
  await edge?.close();
});

test("README's ModelBox block runs as written and leaves what it says", { skip, timeout: 120_000 }, async () => {
  const block = pythonBlock('Client("http://127.0.0.1:8787", token)');
  const source = `import os, time\nfrom lwpy.modelbox import Client\ntoken = os.environ["LW_TOKEN"]\n${block.replaceAll("http://127.0.0.1:8787", edge!.url)}`;
  const r = await runPython(py, source, { cwd: work, env: { LW_TOKEN: alice } });
  assert.equal(r.code, 0, r.stderr);

  const get = async (path: string) => {
    const res = await fetch(edge!.url + path, { headers: { authorization: `Bearer ${alice}` } });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as any;
  };
  const model = await get("/v1/namespaces/vision/models/mnist");
  assert.equal(model.owner, "alice");
  const id = model.id as string;
  const resolved = await get(`/v1/resolve/${encodeURIComponent("vision/mnist@production")}`);
  // The block's one version (label v1) carries the production tag.
  assert.equal(resolved.model.id, id);
  assert.equal(resolved.version.number, 1);
  assert.deepEqual(model.tags, { production: 1 });
  const metrics = await get(`/v1/models/${id}/versions/production/metrics`);
  const keys = JSON.stringify(metrics);
  for (const k of ["loss", "note", "cm"]) assert.ok(keys.includes(`"${k}"`), `metric ${k} logged: ${keys.slice(0, 300)}`);
  const params = await get(`/v1/models/${id}/versions/production/params`);
  assert.ok(JSON.stringify(params).includes("adam"), JSON.stringify(params));
  const arts = JSON.stringify(await get(`/v1/models/${id}/versions/production/artifacts`));
  for (const p of ["weights.pt", "s3://b/data.parquet"]) assert.ok(arts.includes(p), `artifact ${p}: ${arts.slice(0, 400)}`);
  const modelArts = JSON.stringify(await get(`/v1/models/${id}/artifacts`));
  assert.ok(modelArts.includes("README.md"), modelArts.slice(0, 300));
  const modelMetrics = JSON.stringify(await get(`/v1/models/${id}/metrics`));
  assert.ok(modelMetrics.includes('"auc"'), modelMetrics.slice(0, 300));
});
