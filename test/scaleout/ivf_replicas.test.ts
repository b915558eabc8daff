/**
 * Two server replicas (two Node processes) on one catalogue — a libSQL file, and a PostgreSQL
 * database — probe the same inverted-file lists: the replica that first needs a bucket's lists
 * claims its `ivf_centroids` row and trains, the other loads the stored centroids; both answer
 * 100 approximate searches identically. When the catalogue grows 4× the retraining goes
 * through the table again (generation 2, one trainer).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { clusteredMarket, tableSemantic } from "../../core/demo/clustered.ts";
import { openDatabase } from "../../edge/db/client.ts";
import { ivfCentroids } from "../../edge/db/schema.ts";
import { insertModel, insertVersion } from "../../edge/services/catalog.ts";
import { appendEvent } from "../../edge/services/events.ts";
import { MARKET_NAMESPACE } from "../../edge/services/market.ts";
import { pgDatabase } from "../_postgres.ts";
import { requires } from "../_requires.ts";
import { scratch } from "../_util.ts";
import { ADMIN, api } from "../integration/_server.ts";
import { type Child, spawnEntry } from "../integration/_spawn.ts";

const K = 12,
  D = 6,
  TASKS = 24,
  MIN = 150;
const market = clusteredMarket({ seed: 23, tasks: TASKS, dim: D, centreScale: 3, shiftScale: 0.5, numPoints: 100 });
const rng = market.rng;
const stat = (t: number, spread: number) => market.stat(t, K, spread);
const semantic = tableSemantic("ivf", "ivf replicas", D);

/** Adds `n` searchable learnwares straight into the catalogue (with their events, which the replicas follow). */
async function fill(url: string, from: number, n: number): Promise<void> {
  const db = await openDatabase(url);
  try {
    for (let i0 = from; i0 < from + n; i0 += 200) {
      await db.write(async (tx) => {
        for (let i = i0; i < Math.min(from + n, i0 + 200); i++) {
          const m = await insertModel(tx, { kind: "learnware", namespace: MARKET_NAMESPACE, owner: "test", name: `ivf ${i}`, semantic }, 0);
          const json = stat(i % TASKS, 0.4 + rng.next());
          await insertVersion(
            tx,
            m.id,
            { statSpecs: [{ className: "RKMETableSpecification", fileName: "stat.json", json }], semantic, checkStatus: 1, createdBy: "test" },
            0,
          );
          await appendEvent(tx, Date.now(), { type: "model.created", namespace: MARKET_NAMESPACE, modelId: m.id, actor: "test" });
        }
      });
    }
  } finally {
    db.close();
  }
}

async function storedRows(url: string) {
  const db = await openDatabase(url);
  try {
    return await db.db.select().from(ivfCentroids);
  } finally {
    db.close();
  }
}

const LINE = /search index: inverted file (\S+ \S+) (trained here and stored|loaded from the catalogue) \(generation (\d+),.*centroids sha256 ([0-9a-f]+)\)/g;

function ivfLines(c: Child): { how: "trained" | "loaded"; generation: number; digest: string }[] {
  return [...c.output().matchAll(LINE)].map((m) => ({ how: m[2]!.startsWith("trained") ? "trained" : "loaded", generation: Number(m[3]), digest: m[4]! }));
}

/** Waits until both replicas hold generation `g` (searching meanwhile: a search syncs the index). */
async function bothAt(reps: Child[], g: number, probe: unknown): Promise<void> {
  const end = Date.now() + 90_000;
  for (;;) {
    if (reps.every((r) => ivfLines(r).some((l) => l.generation === g))) return;
    if (Date.now() > end) assert.fail(`replicas did not reach generation ${g}:\n${reps.map((r) => r.output().slice(-3000)).join("\n----\n")}`);
    await Promise.all(
      reps.map((r) =>
        api(r.url, "POST", "/v1/search", { json: { stat: probe, approximate: true } }).catch((e: Error) => {
          // A kept-alive connection the server closed while the test wrote the catalogue: the next round retries.
          if (r.proc.exitCode !== null || r.proc.signalCode !== null) assert.fail(`${r.url}: ${e.message}, the replica exited\n${r.output().slice(-4000)}`);
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function sameAnswers(reps: Child[], queries: unknown[]): Promise<void> {
  for (const [q, user] of queries.entries()) {
    const [ra, rb] = await Promise.all(reps.map((r) => api(r.url, "POST", "/v1/search", { json: { stat: user, approximate: true } })));
    assert.equal(ra!.status, 200, JSON.stringify(ra!.data));
    assert.equal(rb!.status, 200, JSON.stringify(rb!.data));
    assert.equal(ra!.data.path, "approximate");
    // The single items (the market keeps those that score well enough) and the mixture.
    const view = (d: { single: { items: { id: string; score: number }[] }; multiple: { ids: string[]; weights: number[] } | null }) => [
      ...d.single.items.map((x) => `${x.id} ${x.score.toFixed(9)}`),
      ...(d.multiple?.ids ?? []).map((id, i) => `mixture ${id} ${d.multiple!.weights[i]!.toFixed(9)}`),
    ];
    assert.ok(ra!.data.single.items.length >= 1, `query ${q}: ${JSON.stringify(ra!.data.single)}`);
    assert.deepEqual(view(rb!.data), view(ra!.data), `query ${q}: the replicas' top-k differ`);
  }
}

function sha(c: Uint8Array): string {
  return createHash("sha256").update(c).digest("hex").slice(0, 16);
}

const engines: { name: string; opts: object; url: () => Promise<string> }[] = [
  { name: "one libSQL file", opts: {}, url: async () => `file:${join(scratch("lw-ivf-db-"), "shared.db")}` },
  { name: "one PostgreSQL database", opts: requires("postgresql"), url: () => pgDatabase("ivf") },
];

for (const e of engines) {
  describe(`two replicas on ${e.name} share the inverted file's centroids`, e.opts, () => {
    let reps: Child[] = [];
    after(async () => {
      await Promise.all(reps.map((r) => r.kill()));
    });

    it("one replica trains, the other loads; 100 approximate searches agree; a 4× growth retrains once through the table", async () => {
      const url = await e.url();
      await fill(url, 0, 2 * MIN);
      const env = {
        LW_DB_URL: url,
        LW_ADMIN_TOKEN: ADMIN,
        LW_SEED_DEMO: "false",
        LW_INDEX_THRESHOLD: "20",
        LW_INDEX_TOP_N: "6",
        LW_INDEX_IVF_MIN_SIZE: String(MIN),
      };
      // Both start at once: both want the lists at their start-up warm-up.
      reps = await Promise.all([
        spawnEntry("node", { ...env, LW_DATA_DIR: scratch("lw-ivf-a-") }),
        spawnEntry("node", { ...env, LW_DATA_DIR: scratch("lw-ivf-b-") }),
      ]);
      const probe = stat(0, 0.6);
      await bothAt(reps, 1, probe);
      const lines = reps.flatMap((r) => ivfLines(r));
      assert.deepEqual(lines.map((l) => l.how).sort(), ["loaded", "trained"], `exactly one replica trained:\n${JSON.stringify(lines)}`);
      assert.equal(new Set(lines.map((l) => l.digest)).size, 1, "both replicas hold the same centroids");
      const [row] = await storedRows(url);
      assert.equal(row!.generation, 1);
      assert.equal(row!.trainedSize, 2 * MIN);
      assert.equal(sha(row!.centroids!), lines[0]!.digest, "the stored centroids are the ones both use");
      assert.match(row!.trainedBy ?? "", /^replica-/);
      assert.equal(row!.claimedBy, null);

      await sameAnswers(
        reps,
        Array.from({ length: 100 }, (_, u) => stat(u % TASKS, 0.7)),
      );

      // The catalogue grows past 4× the trained size: one retraining, stored as generation 2.
      await fill(url, 2 * MIN, 6 * MIN);
      await bothAt(reps, 2, probe);
      const second = reps.flatMap((r) => ivfLines(r)).filter((l) => l.generation === 2);
      assert.deepEqual(second.map((l) => l.how).sort(), ["loaded", "trained"], JSON.stringify(second));
      assert.equal(new Set(second.map((l) => l.digest)).size, 1);
      const [row2] = await storedRows(url);
      assert.equal(row2!.generation, 2);
      assert.equal(row2!.trainedSize, 8 * MIN);
      await sameAnswers(
        reps,
        Array.from({ length: 30 }, (_, u) => stat((u * 7) % TASKS, 0.7)),
      );
    });
  });
}
