// The server's approximate statistical search through the RKME index (`approximate: true`,
// LW_INDEX_THRESHOLD lowered so the small demo market takes the index path): its best match is
// the exact scan's, the index follows deletes and new versions, and its sketches persist in
// libSQL across restarts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { demoMixtureQuery } from "../../core/demo/synthetic.ts";
import { searchableListing, type Listing } from "../../edge/services/market.ts";
import { indexedVersion, indexTrained, syncSpecIndex } from "../../edge/services/specIndex.ts";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ADMIN, api, fixture, mintToken, runChecks, startTestServer, TEST_DB, uploadForm } from "./_server.ts";

test("indexed search equals the exact scan and stays in step with deletes", async () => {
  const s = await startTestServer({ LW_SEED_DEMO: "true", LW_INDEX_THRESHOLD: "3", LW_INDEX_TOP_N: "2" });
  try {
    const user = RKMETableSpecification.generate(demoMixtureQuery(200), { K: 30, seed: 5 }).toJSON();
    const indexed = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto", approximate: true } });
    const exact = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto" } });
    assert.equal(indexed.status, 200, JSON.stringify(indexed.data));
    assert.equal(indexed.data.path, "approximate");
    assert.equal(exact.data.path, "exact");
    const ids = (r: { data: { single: { items: { id: string }[] } } }) => r.data.single.items.map((i) => i.id);
    assert.ok(ids(exact).length >= 2);
    // Two candidates from the sketches, re-ranked exactly: the best match is found and every
    // returned id is one the exact scan returns too (scores are converted over the candidates
    // only, so the mixture may differ from the full scan's).
    assert.equal(ids(indexed)[0], ids(exact)[0]);
    for (const id of ids(indexed)) assert.ok(ids(exact).includes(id), id);

    const top = ids(exact)[0]!;
    const del = await api(s.url, "DELETE", `/v1/learnwares/${top}`, { token: ADMIN });
    assert.ok(del.status === 200 || del.status === 204, JSON.stringify(del.data));
    const after = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto", approximate: true } });
    const afterExact = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto" } });
    assert.ok(!ids(after).includes(top), "a deleted learnware must leave the index");
    assert.equal(ids(after)[0], ids(afterExact)[0]);
  } finally {
    await s.close();
  }
});

// Edits the libSQL file between restarts: the libSQL configuration only (LW_TEST_DB=postgres skips it).
const libsqlOnly = { skip: TEST_DB === "postgres" ? "edits the libSQL file directly" : false };

test("the index's sketches persist in libSQL: a restart rebuilds the index from them, stale rows are redone", libsqlOnly, async () => {
  const env = { LW_SEED_DEMO: "true", LW_INDEX_THRESHOLD: "3", LW_INDEX_TOP_N: "2" };
  let s = await startTestServer(env);
  const dir = s.dir;
  const user = RKMETableSpecification.generate(demoMixtureQuery(200), { K: 30, seed: 5 }).toJSON();
  const ids = (r: { data: { single: { items: { id: string }[] } } }) => r.data.single.items.map((i) => i.id);
  const searchBoth = async () => ({
    indexed: await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto", approximate: true } }),
    exact: await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto" } }),
  });
  const db = createClient({ url: `file:${join(dir, "lw.db")}` });
  // This test is about the rows: drop the snapshot a clean shutdown writes (tested below).
  const dropSnapshot = () => rmSync(join(dir, "rkme-index.bin"), { force: true });
  try {
    const first = await searchBoth();
    assert.equal(first.indexed.data.path, "approximate");
    const top = ids(first.exact)[0]!;
    assert.equal(ids(first.indexed)[0], top);
    const rows = (await db.execute("SELECT model_id, dim, features, length(sketch) AS bytes FROM spec_sketches WHERE sketch IS NOT NULL")).rows;
    assert.ok(rows.length >= 3, `one sketch row per searchable learnware, got ${rows.length}`);
    for (const r of rows) assert.equal(Number(r.bytes), Number(r.features) * 4);
    assert.ok(rows.some((r) => r.model_id === top));

    // Restart on the same database: the index comes back from the rows, same answer.
    await s.close({ keep: true });
    dropSnapshot();
    s = await startTestServer(env, dir);
    const again = await searchBoth();
    assert.equal(again.indexed.data.path, "approximate");
    assert.deepEqual(ids(again.indexed), ids(first.indexed));
    assert.deepEqual(
      again.indexed.data.single.items.map((i: { score: number }) => i.score),
      first.indexed.data.single.items.map((i: { score: number }) => i.score),
    );

    // The restarted server trusts the stored sketch: a negated sketch puts the best match last in
    // sketch space, out of the two candidates (the exact scan still finds it) ...
    await s.close({ keep: true });
    const stored = (await db.execute({ sql: "SELECT sketch FROM spec_sketches WHERE model_id = ?", args: [top] })).rows[0]!.sketch as ArrayBuffer;
    const negated = new Float32Array(stored.slice(0)).map((v) => -v);
    await db.execute({ sql: "UPDATE spec_sketches SET sketch = ? WHERE model_id = ?", args: [new Uint8Array(negated.buffer), top] });
    dropSnapshot();
    s = await startTestServer(env, dir);
    const tampered = await searchBoth();
    assert.equal(ids(tampered.exact)[0], top);
    assert.ok(!ids(tampered.indexed).includes(top), "the index must use the stored (negated) sketch");

    // ... and a row made with another feature map, or a truncated one, is stale: it is
    // sketched again and rewritten.
    await s.close({ keep: true });
    await db.execute({ sql: "UPDATE spec_sketches SET features = 128 WHERE model_id = ?", args: [top] });
    await db.execute({ sql: "UPDATE spec_sketches SET sketch = substr(sketch, 1, 100) WHERE model_id = ?", args: [ids(first.exact)[1]!] });
    dropSnapshot();
    s = await startTestServer(env, dir);
    const redone = await searchBoth();
    assert.equal(ids(redone.indexed)[0], top);
    assert.deepEqual(ids(redone.indexed), ids(first.indexed));
    for (const id of [top, ids(first.exact)[1]!]) {
      const row = (await db.execute({ sql: "SELECT features, sketch FROM spec_sketches WHERE model_id = ?", args: [id] })).rows[0]!;
      assert.equal(Number(row.features), 256);
      assert.equal((row.sketch as ArrayBuffer).byteLength, 256 * 4);
      assert.ok(new Float32Array((row.sketch as ArrayBuffer).slice(0)).some((v) => v !== 0));
    }

    // Deleting the learnware deletes its rows.
    const del = await api(s.url, "DELETE", `/v1/learnwares/${top}`, { token: ADMIN });
    assert.ok(del.status === 200 || del.status === 204, JSON.stringify(del.data));
    assert.equal((await db.execute({ sql: "SELECT count(*) AS n FROM spec_sketches WHERE model_id = ?", args: [top] })).rows[0]!.n, 0);
  } finally {
    db.close();
    await s.close();
  }
});

test("the cached listing of searchable learnwares follows catalogue changes event by event", async () => {
  const s = await startTestServer({ LW_SEED_DEMO: "true" });
  try {
    const db = s.started.ctx.db;
    const rowsOf = (l: Listing) => l.rows.map((r) => `${r.model.id}@${r.versionId}`);
    const listing = await searchableListing(db, [1]);
    const first = rowsOf(listing);
    const firstIds = listing.rows.map((r) => r.model.id);
    assert.ok(first.length >= 3);
    assert.equal((await searchableListing(db, [1])).key, listing.key, "unchanged catalogue: the same listing");
    // The index follows the listing (synced before the changes, then by the changes alone).
    await syncSpecIndex(db, listing);
    // New learnwares (pending, then checked), a delete, and an update back to pending.
    const alice = await mintToken(s.url, "alice");
    const mine: string[] = [];
    for (const i of [0, 1]) {
      const f = fixture(i);
      const r = await api(s.url, "POST", "/v1/learnwares", { token: alice, body: uploadForm(f.semantic, f.zip) });
      assert.equal(r.status, 201, JSON.stringify(r.data));
      mine.push(r.data.learnware.id);
    }
    // Each upload wrote its version's sketch row at once (no search has to sketch it).
    for (const id of mine) {
      const r = await db.client.execute({ sql: "SELECT length(sketch) AS bytes FROM spec_sketches WHERE model_id = ?", args: [id] });
      assert.equal(Number(r.rows[0]?.bytes), 256 * 4, `sketch row of ${id}`);
    }
    const pending = await searchableListing(db, [1]);
    assert.deepEqual(rowsOf(pending), first, "pending uploads are not searchable");
    assert.ok((await runChecks(s.url)) >= 2);
    const gone = firstIds[1]!;
    const del = await api(s.url, "DELETE", `/v1/learnwares/${gone}`, { token: ADMIN });
    assert.ok(del.status === 200 || del.status === 204);
    const upd = await api(s.url, "PATCH", `/v1/learnwares/${mine[0]}`, { token: alice, json: { semantic: fixture(0).semantic } });
    assert.equal(upd.status, 200, JSON.stringify(upd.data));
    const patched = await searchableListing(db, [1]);
    const fresh = await searchableListing(db, [1], { fresh: true });
    assert.deepEqual(rowsOf(patched), rowsOf(fresh), "the patched listing equals a full read, in market order");
    assert.ok(
      rowsOf(patched).some((r) => r.startsWith(`${mine[1]}@`)),
      "the checked upload is searchable",
    );
    assert.ok(!rowsOf(patched).some((r) => r.startsWith(`${mine[0]}@`)), "the updated (pending) one is not");
    assert.ok(!rowsOf(patched).some((r) => r.startsWith(`${gone}@`)), "the deleted one is gone");
    const index = await syncSpecIndex(db, patched);
    for (const r of fresh.rows) assert.equal(indexedVersion(db, r.model.id), r.versionId, `index entry of ${r.model.id}`);
    assert.equal(index.size, fresh.rows.length);
    for (const id of [gone, mine[0]!]) assert.equal(index.has(id), false, `${id} left the index`);
  } finally {
    await s.close();
  }
});

test("a clean shutdown leaves an index snapshot that the next start reopens (lists included); a damaged one is ignored", async () => {
  const env = { LW_SEED_DEMO: "true", LW_INDEX_THRESHOLD: "3", LW_INDEX_TOP_N: "2", LW_INDEX_IVF_MIN_SIZE: "2" };
  let s = await startTestServer(env);
  const dir = s.dir;
  const user = RKMETableSpecification.generate(demoMixtureQuery(200), { K: 30, seed: 5 }).toJSON();
  const search = async () => (await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto", approximate: true } })).data;
  const indexNow = async () => syncSpecIndex(s.started.ctx.db, await searchableListing(s.started.ctx.db, [1]));
  try {
    const before = await search();
    assert.equal(before.path, "approximate");
    await indexTrained(s.started.ctx.db);
    assert.ok(
      (await indexNow()).stats().some((b) => b.ivfLists !== null),
      "inverted files trained",
    );
    await s.close({ keep: true });
    assert.ok(existsSync(join(dir, "rkme-index.bin")) && existsSync(join(dir, "rkme-index.bin.json")));

    s = await startTestServer(env, dir);
    assert.ok(
      s.logs.some((l) => /search index reopened/.test(l)),
      s.logs.join("\n"),
    );
    // The lists are there at once (a rebuilt index would have none until its background training).
    assert.ok((await indexNow()).stats().some((b) => b.ivfLists !== null));
    const again = await search();
    assert.deepEqual(
      again.single.items.map((i: { id: string }) => i.id),
      before.single.items.map((i: { id: string }) => i.id),
    );
    await s.close({ keep: true });

    // Another database (same ids and version numbers, its own identity) ignores this snapshot.
    const other = mkdtempSync(join(tmpdir(), "lw-it-other-"));
    for (const f of ["rkme-index.bin", "rkme-index.bin.json"]) copyFileSync(join(dir, f), join(other, f));
    const o = await startTestServer(env, other);
    assert.ok(!o.logs.some((l) => /search index reopened/.test(l)), "a snapshot of another database must not be used");
    await o.close();

    writeFileSync(join(dir, "rkme-index.bin"), "not a snapshot");
    s = await startTestServer(env, dir);
    assert.ok(!s.logs.some((l) => /search index reopened/.test(l)));
    const rebuilt = await search();
    assert.deepEqual(
      rebuilt.single.items.map((i: { id: string }) => i.id),
      before.single.items.map((i: { id: string }) => i.id),
    );
  } finally {
    await s.close();
  }
});
