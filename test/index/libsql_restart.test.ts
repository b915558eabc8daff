/**
 * The restart paths a server uses, against an embedded libSQL file: each version's sketch is
 * stored in an `F32_BLOB` column with its exact self inner product, kept in step with adds,
 * updates and deletes; after a restart the index is rebuilt from those rows (no specs needed)
 * or reopened from a snapshot blob, and searches give the same candidates. Also checks that
 * libSQL's native vector index accepts the sketches (`libsql_vector_idx`, `vector_top_k`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@libsql/client";
import { createRng } from "../../core/random.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { RkmeIndex } from "../../core/index/rkmeIndex.ts";

const D = 5,
  M = 10,
  F = 64;

function specs(n: number, seed: number): { id: string; spec: RKMETableSpecification }[] {
  const rng = createRng(seed);
  const centres = Array.from({ length: 4 }, () => Array.from({ length: D }, () => 3 * rng.normal()));
  return Array.from({ length: n }, (_, i) => {
    const z = new Float64Array(M * D);
    for (let p = 0; p < M; p++) for (let k = 0; k < D; k++) z[p * D + k] = centres[i % 4]![k]! + rng.normal();
    return { id: `lw-${i}`, spec: new RKMETableSpecification({ rows: M, cols: D, data: z }, new Float64Array(M).fill(1 / M), 0.1, 50) };
  });
}

async function persist(db: Client, index: RkmeIndex, id: string): Promise<void> {
  const e = index.entry(id)!;
  await db.execute({
    sql: `INSERT INTO spec_sketch (id, dim, gamma, self_ip, sketch) VALUES (?, ?, ?, ?, vector32(?))
          ON CONFLICT(id) DO UPDATE SET dim = excluded.dim, gamma = excluded.gamma, self_ip = excluded.self_ip, sketch = excluded.sketch`,
    args: [id, e.dim, e.gamma, e.selfInnerProduct, JSON.stringify(Array.from(e.sketch))],
  });
}

async function loadIndex(db: Client): Promise<RkmeIndex> {
  const index = new RkmeIndex({ features: F, ivfMinSize: 60, ivfLists: 5 });
  // Rows in insertion order (rowid survives ON CONFLICT updates), so market order is kept.
  const rows = await db.execute("SELECT id, dim, gamma, self_ip, sketch FROM spec_sketch ORDER BY rowid");
  for (const r of rows.rows) {
    const blob = r.sketch as ArrayBuffer;
    index.addEntry({
      id: String(r.id),
      dim: Number(r.dim),
      gamma: Number(r.gamma),
      selfInnerProduct: Number(r.self_ip),
      sketch: new Float32Array(blob.slice(0, F * 4)),
    });
  }
  index.train();
  return index;
}

test("sketches stored in libSQL rebuild the same index after a restart; snapshots reopen it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lw-index-"));
  try {
    const url = `file:${join(dir, "market.db")}`;
    let db = createClient({ url });
    await db.execute(`CREATE TABLE spec_sketch (id TEXT PRIMARY KEY, dim INTEGER NOT NULL, gamma REAL NOT NULL,
      self_ip REAL NOT NULL, sketch F32_BLOB(${F}) NOT NULL)`);
    await db.execute("CREATE INDEX spec_sketch_vec ON spec_sketch (libsql_vector_idx(sketch))");
    const market = specs(100, 3);
    const index = new RkmeIndex({ features: F, ivfMinSize: 60, ivfLists: 5 });
    for (const m of market) {
      index.add(m.id, m.spec);
      await persist(db, index, m.id);
    }
    // Updates and deletes, mirrored in the table.
    const extra = specs(10, 4);
    for (let i = 0; i < 10; i++) {
      index.add(market[i * 7]!.id, extra[i]!.spec);
      await persist(db, index, market[i * 7]!.id);
    }
    for (const id of ["lw-1", "lw-50", "lw-99"]) {
      index.remove(id);
      await db.execute({ sql: "DELETE FROM spec_sketch WHERE id = ?", args: [id] });
    }
    const snapshotPath = join(dir, "index.snapshot");
    writeFileSync(snapshotPath, index.serialize());
    const user = specs(1, 9)[0]!.spec;
    const before = index.search(user, { topN: 10 });
    const beforeAll = index.search(user, { topN: 200, probeFraction: 1 });
    db.close();

    // Restart 1: rebuild from the rows.
    db = createClient({ url });
    const rebuilt = await loadIndex(db);
    assert.equal(rebuilt.size, 97);
    assert.deepEqual(rebuilt.idsOfDim(D), index.idsOfDim(D));
    const afterAll = rebuilt.search(user, { topN: 200, probeFraction: 1 });
    assert.deepEqual(
      afterAll.map((c) => c.id),
      beforeAll.map((c) => c.id),
    );
    assert.deepEqual(
      afterAll.map((c) => c.approxDist),
      beforeAll.map((c) => c.approxDist),
    );
    // The IVF was retrained on the same data with the same seed; the top candidates agree.
    assert.deepEqual(new Set(rebuilt.search(user, { topN: 10 }).map((c) => c.id)), new Set(before.map((c) => c.id)));

    // Restart 2: reopen the snapshot — identical results, no retraining.
    const reopened = RkmeIndex.deserialize(new Uint8Array(readFileSync(snapshotPath)));
    assert.deepEqual(reopened.search(user, { topN: 10 }), before);

    // libSQL's own vector index over the same column answers nearest-sketch queries.
    const q = JSON.stringify(Array.from(index.entry(before[0]!.id)!.sketch));
    const top = await db.execute({
      sql: "SELECT s.id FROM vector_top_k('spec_sketch_vec', vector32(?), 3) AS v JOIN spec_sketch AS s ON s.rowid = v.id",
      args: [q],
    });
    assert.equal(String(top.rows[0]!.id), before[0]!.id);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
