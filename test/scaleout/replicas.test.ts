/**
 * Two server replicas (two Node processes, the `npm start` entry) on one PostgreSQL database
 * and one S3 bucket (a test Swift), each with its own data folder: the four ways a naive swap was wrong (issue #17) are checked here across
 * processes — concurrent leases never hand a job out twice, concurrent creations never answer
 * 5xx nor share an id, a follower of the event log misses nothing while both replicas commit,
 * and the same search gets the same answer from either replica; a resumable upload's chunks
 * may alternate between the replicas.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pgDatabase } from "../_postgres.ts";
import { requires } from "../_requires.ts";
import { s3Env } from "../_swift.ts";
import { scratch } from "../_util.ts";
import { ADMIN, api, fixture, mintToken, sha256, uploadForm } from "../integration/_server.ts";
import { type Child, spawnEntry } from "../integration/_spawn.ts";

describe("two replicas on one PostgreSQL and one S3 bucket", requires("postgresql", "python3-swift"), () => {
  let a: Child;
  let b: Child;
  let alice: string;
  const both = () => [a.url, b.url];
  const pick = (i: number) => both()[i % 2]!;

  before(async () => {
    // One database and one bucket; each replica its own (local, unshared) data folder.
    const env = { LW_DB_URL: await pgDatabase("replicas"), ...(await s3Env("replicas")), LW_ADMIN_TOKEN: ADMIN, LW_SEED_DEMO: "false" };
    // One after the other would hide a migration race: both start at once.
    [a, b] = await Promise.all([
      spawnEntry("node", { ...env, LW_DATA_DIR: scratch("lw-replica-a-") }),
      spawnEntry("node", { ...env, LW_DATA_DIR: scratch("lw-replica-b-") }),
    ]);
    alice = await mintToken(a.url, "alice");
  });
  after(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
  });

  it("40 concurrent model creations across both replicas: all 201, 40 distinct ids", async () => {
    const rs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => api(pick(i), "POST", "/v1/namespaces/alice/models", { token: alice, json: { name: `m${i}` } })),
    );
    const bad = rs.filter((r) => r.status !== 201);
    assert.deepEqual(
      bad.map((r) => [r.status, r.data]),
      [],
    );
    const ids = new Set(rs.map((r) => r.data.id ?? r.data.model?.id));
    assert.equal(ids.size, 40, `distinct ids: ${[...ids].join(",")}`);
    // Both replicas list all of them.
    for (const url of both()) {
      const l = await api(url, "GET", "/v1/models?namespace=alice&limit=100", { token: alice });
      assert.equal(l.data.total, 40);
    }
  });

  it("versions of one model created on both replicas at once are numbered 1..n without a gap or a 5xx", async () => {
    const m = await api(a.url, "POST", "/v1/namespaces/alice/models", { token: alice, json: { name: "versioned" } });
    const id = m.data.id ?? m.data.model?.id;
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => api(pick(i), "POST", `/v1/models/${id}/versions`, { token: alice, json: {} })));
    assert.deepEqual(
      rs.filter((r) => r.status !== 201).map((r) => [r.status, r.data]),
      [],
    );
    const numbers = rs.map((r) => r.data.number ?? r.data.version?.number).sort((x, y) => x - y);
    assert.deepEqual(
      numbers,
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
  });

  it("8 uploads then 24 concurrent leases across replicas: each job leased once, the rest 204", async () => {
    for (let i = 0; i < 8; i++) {
      const f = fixture(i % 3, ` r${i}`);
      const r = await api(pick(i), "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, f.zip) });
      assert.equal(r.status, 201, JSON.stringify(r.data));
    }
    const rs = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        api(pick(i), "POST", "/v1/jobs/lease", { token: ADMIN, json: { runner: `runner-${i}`, kinds: ["check"], leaseSeconds: 60 } }),
      ),
    );
    assert.deepEqual(
      rs.filter((r) => r.status !== 200 && r.status !== 204).map((r) => [r.status, r.data]),
      [],
    );
    const leased = rs.filter((r) => r.status === 200).map((r) => r.data.job.id as string);
    assert.equal(leased.length, 8, `leased: ${leased.join(",")}`);
    assert.equal(new Set(leased).size, 8, "no job leased twice");
    // Complete them (alternating replicas) so the learnwares become searchable.
    for (const [i, r] of rs.entries()) {
      if (r.status !== 200) continue;
      const c = await api(pick(i + 1), "POST", `/v1/jobs/${r.data.job.id}/complete`, {
        token: ADMIN,
        json: { runner: `runner-${i}`, status: "usable", log: "ok" },
      });
      assert.equal(c.status, 200, JSON.stringify(c.data));
    }
  });

  it("a follower of the event log on one replica sees every event while both replicas commit", async () => {
    const start = (await api(b.url, "GET", "/v1/events?limit=1000", { token: ADMIN })).data;
    let cursor = 0;
    for (let page = start; page.items.length > 0; page = (await api(b.url, "GET", `/v1/events?after=${cursor}&limit=1000`, { token: ADMIN })).data) {
      cursor = page.next;
    }
    const seen: number[] = [];
    let writing = true;
    const follower = (async () => {
      for (;;) {
        const stop = !writing;
        const r = await api(b.url, "GET", `/v1/events?after=${cursor}&limit=1000`, { token: ADMIN });
        for (const e of r.data.items) seen.push(e.id);
        cursor = r.data.next;
        if (stop && r.data.items.length === 0) return;
      }
    })();
    const first = cursor;
    await Promise.all(Array.from({ length: 60 }, (_, i) => api(pick(i), "POST", "/v1/namespaces/alice/models", { token: alice, json: { name: `f${i}` } })));
    writing = false;
    await follower;
    const all: number[] = [];
    for (let c = first; ; ) {
      const r = await api(a.url, "GET", `/v1/events?after=${c}&limit=1000`, { token: ADMIN });
      if (r.data.items.length === 0) break;
      for (const e of r.data.items) all.push(e.id);
      c = r.data.next;
    }
    assert.ok(all.length >= 60, `expected at least 60 events, got ${all.length}`);
    assert.deepEqual(seen, all, "the follower saw every committed event, in order");
  });

  it("a resumable upload whose chunks alternate between the replicas finishes into one learnware", async () => {
    const f = fixture(1, " alternating");
    const c = await api(a.url, "POST", "/v1/uploads", { token: alice, json: { size: f.zip.length } });
    assert.equal(c.status, 201, `${JSON.stringify(c.data)}\n${a.output().slice(-2000)}`);
    const step = Math.ceil(f.zip.length / 4);
    for (let off = 0, i = 0; off < f.zip.length; off += step, i++) {
      const chunk = f.zip.subarray(off, Math.min(f.zip.length, off + step));
      const r = await api(pick(i + 1), "PUT", `/v1/uploads/${c.data.id}?offset=${off}&sha256=${await sha256(chunk)}`, { token: alice, body: chunk });
      assert.ok(r.status < 300, `chunk ${i} on replica ${(i + 1) % 2}: ${r.status} ${JSON.stringify(r.data)}`);
    }
    const fin = await api(b.url, "POST", `/v1/uploads/${c.data.id}/finish`, { token: alice, json: { sha256: await sha256(f.zip), semantic: f.semantic } });
    assert.equal(fin.status, 201, `${JSON.stringify(fin.data)}\n${b.output().slice(-2000)}`);
    const id = fin.data.learnware.id;
    const pkg = await fetch(`${a.url}/v1/learnwares/${id}/versions/1/package`, { headers: { authorization: `Bearer ${alice}` } });
    assert.equal(pkg.status, 200);
    assert.equal(await sha256(new Uint8Array(await pkg.arrayBuffer())), await sha256(f.zip));
  });

  it("the same statistical search gets the same answer from both replicas", async () => {
    const f = fixture(0);
    const [ra, rb] = await Promise.all(both().map((u) => api(u, "POST", "/v1/search", { json: { stat: f.stat } })));
    assert.equal(ra!.status, 200, JSON.stringify(ra!.data));
    assert.ok(ra!.data.single.total >= 1, "the checked learnwares are found");
    const view = (d: { single: { items: { id: string; score: number }[] } }) => d.single.items.map((x) => [x.id, x.score.toFixed(9)]);
    assert.deepEqual(view(rb!.data), view(ra!.data));
  });
});
