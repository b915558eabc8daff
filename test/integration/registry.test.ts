/** Registry flows (ModelBox parity) and the live event feed, over real HTTP. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, mintToken, sha256, startTestServer, type TestServer } from "./_server.ts";

/** Reads server-sent events until `until` returns true (or the timeout passes). */
async function collectSse(url: string, token: string, until: (evs: { event: string; data: any }[]) => boolean, ready: () => Promise<void>, ms = 5000) {
  const ctl = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" }, signal: ctl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  const evs: { event: string; data: any }[] = [];
  const timer = setTimeout(() => ctl.abort(), ms);
  let started = false;
  try {
    while (!until(evs)) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === "ready" && !started) {
          started = true;
          await ready();
        } else if (event && data) evs.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
  return evs;
}

describe("registry", () => {
  let s: TestServer;
  let carol: string;
  let dave: string;
  let modelId: string;
  before(async () => {
    s = await startTestServer();
    carol = await mintToken(s.url, "carol");
    dave = await mintToken(s.url, "dave");
  });
  after(() => s.close());

  it("creates, lists and gets models per namespace", async () => {
    const r = await api(s.url, "POST", "/v1/namespaces/vision/models", {
      token: carol,
      json: { name: "resnet-ish", task: "classification", description: "A test model", metadata: { team: "cv" } },
    });
    assert.equal(r.status, 201, JSON.stringify(r.data));
    modelId = r.data.id;
    assert.equal(r.data.namespace, "vision");
    assert.equal(r.data.owner, "carol");
    await api(s.url, "POST", "/v1/namespaces/nlp/models", { token: carol, json: { name: "other" } });
    const l = await api(s.url, "GET", "/v1/namespaces/vision/models");
    assert.deepEqual(
      l.data.items.map((m: any) => m.id),
      [modelId],
    );
    const g = await api(s.url, "GET", `/v1/models/${modelId}`);
    assert.equal(g.data.metadata.team, "cv");
    const bad = await api(s.url, "POST", "/v1/namespaces/bad%20ns/models", { token: carol, json: { name: "x" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.data.error.details.field, "path.namespace");
  });

  it("creates immutable auto-numbered versions with unique tags that move atomically", async () => {
    const v1 = await api(s.url, "POST", `/v1/models/${modelId}/versions`, {
      token: carol,
      json: { framework: "pytorch", metadata: { lr: 0.1 }, tags: ["production", "v-one"] },
    });
    assert.equal(v1.status, 201);
    assert.equal(v1.data.number, 1);
    const v2 = await api(s.url, "POST", `/v1/models/${modelId}/versions`, { token: carol, json: { framework: "pytorch", tags: ["production"] } });
    assert.equal(v2.data.number, 2);
    const tags = await api(s.url, "GET", `/v1/models/${modelId}/tags`);
    assert.deepEqual(tags.data.tags, { production: 2, "v-one": 1 });
    const moved = await api(s.url, "PUT", `/v1/models/${modelId}/tags/production`, { token: carol, json: { version: 1 } });
    assert.equal(moved.data.previous, 2);
    assert.equal((await api(s.url, "GET", `/v1/models/${modelId}/versions/production`)).data.number, 1);
    const list = await api(s.url, "GET", `/v1/models/${modelId}/versions`);
    assert.deepEqual(
      list.data.items.map((v: any) => [v.number, v.tags]),
      [
        [1, ["production", "v-one"]],
        [2, []],
      ],
    );
    assert.equal((await api(s.url, "PUT", `/v1/models/${modelId}/tags/production`, { token: carol, json: { version: 9 } })).status, 404);
    assert.equal((await api(s.url, "PUT", `/v1/models/${modelId}/tags/production`, { token: dave, json: { version: 2 } })).status, 403);
    // Concurrent creation: versions stay unique and dense.
    const many = await Promise.all(Array.from({ length: 8 }, () => api(s.url, "POST", `/v1/models/${modelId}/versions`, { token: carol, json: {} })));
    const nums = many.map((r) => r.data.number).sort((a, b) => a - b);
    assert.deepEqual(nums, [3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("logs metrics in batches and reads them back in step order", async () => {
    const r = await api(s.url, "POST", `/v1/models/${modelId}/versions/1/metrics`, {
      token: carol,
      json: {
        metrics: [
          { key: "loss", value: 0.5, step: 2, wallClock: 1000 },
          { key: "loss", value: 0.9, step: 1, wallClock: 900 },
          { key: "note", value: "warmup", step: 0 },
          { key: "blob", bytes: btoa("\u0000\u0001\u0002"), step: 0 },
        ],
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.data));
    assert.equal(r.data.logged, 4);
    const got = await api(s.url, "GET", `/v1/models/${modelId}/versions/1/metrics`);
    assert.deepEqual(got.data.metrics.loss, [
      { value: 0.9, step: 1, wallClock: 900 },
      { value: 0.5, step: 2, wallClock: 1000 },
    ]);
    assert.equal(got.data.metrics.note[0].value, "warmup");
    assert.equal(atob(got.data.metrics.blob[0].bytes), "\u0000\u0001\u0002");
    const one = await api(s.url, "GET", `/v1/models/${modelId}/versions/1/metrics?key=loss`);
    assert.deepEqual(Object.keys(one.data.metrics), ["loss"]);
    const bad = await api(s.url, "POST", `/v1/models/${modelId}/versions/1/metrics`, { token: carol, json: { metrics: [{ key: "x" }] } });
    assert.equal(bad.status, 400);
    assert.match(bad.data.error.details.field, /^body\.metrics\.0/);
  });

  it("updates and lists metadata of models and versions", async () => {
    const r = await api(s.url, "PATCH", `/v1/models/${modelId}/metadata`, { token: carol, json: { metadata: { owner_team: "x", team: null } } });
    assert.deepEqual(r.data.metadata, { owner_team: "x" });
    const v = await api(s.url, "PATCH", `/v1/models/${modelId}/versions/1/metadata`, { token: carol, json: { metadata: { dataset: "imagenet" } } });
    assert.deepEqual(v.data.metadata, { lr: 0.1, dataset: "imagenet" });
    assert.deepEqual((await api(s.url, "GET", `/v1/models/${modelId}/versions/1/metadata`)).data.metadata, { lr: 0.1, dataset: "imagenet" });
    assert.equal((await api(s.url, "PATCH", `/v1/models/${modelId}/metadata`, { token: dave, json: { metadata: {} } })).status, 403);
  });

  it("uploads (streamed, checksummed) and tracks artifacts, and lists them with size, sha256, mime", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ hello: "world" }));
    const sum = await sha256(bytes);
    const up = await api(s.url, "PUT", `/v1/models/${modelId}/versions/1/artifacts?path=config/model.json`, {
      token: carol,
      body: bytes,
      headers: { "x-checksum-sha256": sum },
    });
    assert.equal(up.status, 201, JSON.stringify(up.data));
    assert.deepEqual([up.data.size, up.data.sha256, up.data.mime, up.data.storage], [bytes.length, sum, "application/json", "stored"]);
    const wrong = await api(s.url, "PUT", `/v1/models/${modelId}/versions/1/artifacts?path=other.bin`, {
      token: carol,
      body: bytes,
      headers: { "x-checksum-sha256": "0".repeat(64) },
    });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.data.error.code, "CHECKSUM_MISMATCH");
    const dup = await api(s.url, "PUT", `/v1/models/${modelId}/versions/1/artifacts?path=config/model.json`, { token: carol, body: bytes });
    assert.equal(dup.status, 409);
    const tr = await api(s.url, "POST", `/v1/models/${modelId}/versions/1/artifacts`, {
      token: carol,
      json: { path: "weights.pt", uri: "s3://bucket/weights.pt", size: 123 },
    });
    assert.equal(tr.status, 201);
    assert.equal(tr.data.storage, "tracked");
    const esc = await api(s.url, "PUT", `/v1/models/${modelId}/versions/1/artifacts?path=../x`, { token: carol, body: bytes });
    assert.equal(esc.status, 400);
    const list = await api(s.url, "GET", `/v1/models/${modelId}/versions/1/artifacts`);
    assert.deepEqual(
      list.data.items.map((a: any) => [a.path, a.size, a.storage]),
      [
        ["config/model.json", bytes.length, "stored"],
        ["weights.pt", 123, "tracked"],
      ],
    );
    const content = await fetch(`${s.url}/v1/models/${modelId}/versions/1/artifacts/content?path=config/model.json`);
    assert.equal(await content.text(), '{"hello":"world"}');
  });

  it("streams events live, filtered by model, so a client can watch tag moves", async () => {
    const evs = await collectSse(
      `${s.url}/v1/events/stream?model=${modelId}`,
      dave,
      (e) => e.some((x) => x.event === "tag.moved"),
      async () => {
        await api(s.url, "POST", "/v1/namespaces/vision/models", { token: carol, json: { name: "unrelated" } });
        await api(s.url, "PUT", `/v1/models/${modelId}/tags/staging`, { token: carol, json: { version: 2 } });
      },
    );
    assert.ok(evs.length >= 1);
    assert.ok(
      evs.every((e) => e.data.modelId === modelId),
      "filter applies",
    );
    const t = evs.find((e) => e.event === "tag.moved")!;
    assert.deepEqual([t.data.data.tag, t.data.data.to], ["staging", 2]);
    const all = await api(s.url, "GET", `/v1/events?model=${modelId}&limit=500`);
    const ids = all.data.items.map((e: any) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a: number, b: number) => a - b),
    );
  });
});
