// The server's default statistical search is the market's exact answer at any size — every
// single with its score, in order, and the mixture — through `POST /v1/search`, the `/api`
// route the Python LearnwareClient uses and `lw search --server`, whether the search runs on the worker pool or on the
// server's own thread; `approximate: true` is labelled; admission control answers 503 with
// Retry-After when its queue is full and, configured so, refuses large anonymous scans.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../core/random.ts";
import { searchStatistical, type SearchResult } from "../../core/search/statSearch.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import type { SearchExecutor } from "../../edge/services/searchPool.ts";
import { createPiscinaExecutor } from "../../edge/services/searchPoolNode.ts";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertClose, loadCases, repoRoot, scratch } from "../_util.ts";
import { type Answer, marketServer, searchCompat, searchV1 } from "./_market.ts";
import { ADMIN } from "./_server.ts";
import type { SearchCase } from "../conformance/search.test.ts";

let pool: SearchExecutor;
before(async () => {
  pool = await createPiscinaExecutor(2);
});
after(async () => {
  await pool.close();
});

/** Conformance tolerances (test/conformance/search.test.ts): scores 1e-6, MMD² 1e-12 + 1e-9·|d|. */
function assertSameAnswer(got: Answer, want: SearchResult, idOf: (id: string) => string, label: string): void {
  assert.equal(got.single.length, want.single.length, `${label}: number of singles`);
  got.single.forEach((s, i) => {
    const w = want.single[i]!;
    // Near-ties may swap between kernel backends only when their distances agree to the tolerance.
    if (idOf(s.id) !== w.id) {
      const other = want.single.find((x) => x.id === idOf(s.id));
      assert.ok(
        other && Math.abs((other.dist ?? 0) - (w.dist ?? 0)) <= 1e-12 + 1e-9 * Math.abs(w.dist ?? 0),
        `${label}: single[${i}] is ${idOf(s.id)}, expected ${w.id}`,
      );
    }
    assertClose(s.score, w.score, 1e-6, 0, `${label} single[${i}].score`);
    if (s.dist !== undefined) assertClose(s.dist, w.dist ?? NaN, 1e-12, 1e-9, `${label} single[${i}].dist`);
  });
  if (want.multiple === null) {
    assert.equal(got.multiple, null, `${label}: expected no mixture`);
  } else {
    assert.ok(got.multiple, `${label}: expected a mixture`);
    assert.deepEqual(got.multiple.ids.map(idOf), want.multiple.ids, `${label}: mixture ids`);
    assertClose(got.multiple.score, want.multiple.score, 1e-6, 0, `${label}: mixture score`);
  }
}

test("conformance corpus through the server: /v1/search and /api give the Python market's answers (worker pool and own thread)", async () => {
  for (const c of loadCases<SearchCase>("search.json")) {
    for (const threads of ["pool", "0"] as const) {
      const s = await marketServer(
        c.market.map((m) => m.spec),
        threads === "pool" ? { searchExecutor: pool } : { env: { LW_SEARCH_THREADS: "0" } },
      );
      try {
        const name = new Map(s.ids.map((id, i) => [id, c.market[i]!.id]));
        const idOf = (id: string) => name.get(id) ?? id;
        const want: SearchResult = {
          single: c.expected.single.map((x) => ({ id: x.id, score: x.score, dist: x.dist })),
          multiple: c.expected.multiple && { ids: c.expected.multiple.ids, score: c.expected.multiple.score, weights: [], dist: 0 },
        };
        const v1 = await searchV1(s.url, { stat: c.user, maxSearchNum: c.max_search_num, method: c.search_method });
        assert.equal(v1.status, 200, JSON.stringify(v1));
        assert.equal(v1.path, "exact");
        assertSameAnswer(v1, want, idOf, `${c.id} /v1 (${threads})`);
        if (c.max_search_num === 5 && c.search_method === "greedy") {
          // The Python client's defaults (max_search_num 5, greedy) are the compat route's.
          assertSameAnswer(await searchCompat(s.url, c.user), want, idOf, `${c.id} /api (${threads})`);
        }
      } finally {
        await s.close();
      }
    }
  }
});

/** K points around `centre` (d dims) with seeded noise: a learnware's RKME as JSON. */
function specJson(rng: ReturnType<typeof createRng>, centre: number[], K: number, spread: number) {
  return {
    z: Array.from({ length: K }, () => centre.map((c) => c + spread * rng.normal())),
    beta: Array(K).fill(1 / K),
    gamma: 0.1,
    num_points: 100,
    type: "RKMETableSpecification",
  };
}

test("a 10k market with near-ties: the default answer equals the exact scan through /v1/search and /api; approximate is labelled", async () => {
  const rng = createRng(16);
  const d = 4,
    K = 5;
  // 7,000 learnwares of one task drawn from one distribution (near-ties everywhere), 3,000 of 30 others.
  const centres = Array.from({ length: 31 }, () => Array.from({ length: d }, () => 3 * rng.normal()));
  const specs = Array.from({ length: 10_000 }, (_, i) => specJson(rng, centres[i < 7000 ? 0 : 1 + (i % 30)]!, K, 1));
  const s = await marketServer(specs, { searchExecutor: pool, env: { LW_INDEX_THRESHOLD: "2000" } });
  try {
    const name = new Map(s.ids.map((id, i) => [id, String(i)]));
    const idOf = (id: string) => name.get(id) ?? id;
    const market = specs.map((j, i) => ({ id: String(i), spec: RKMETableSpecification.fromJSON(j) }));
    const users = [
      specJson(rng, centres[0]!, 20, 1),
      specJson(
        rng,
        centres[5]!.map((c, k) => (c + centres[0]![k]!) / 2),
        20,
        1.5,
      ),
    ];
    for (const [u, user] of users.entries()) {
      const want = searchStatistical(RKMETableSpecification.fromJSON(user), market, { maxSearchNum: 5, method: "greedy" });
      assert.ok(want.single.length > 100, `user ${u}: the exact scan keeps many singles (${want.single.length})`);
      const v1 = await searchV1(s.url, { stat: user });
      assert.equal(v1.status, 200, JSON.stringify(v1));
      assert.equal(v1.path, "exact");
      assert.equal(v1.ranked, 10_000, "scores are converted over the whole market");
      assertSameAnswer(v1, want, idOf, `user ${u} /v1`);
      assertSameAnswer(await searchCompat(s.url, user), want, idOf, `user ${u} /api`);
      if (u === 0) {
        // `lw search --server` reads every page of singles.
        const file = join(scratch("lw-exact-cli-"), "user.json");
        writeFileSync(file, JSON.stringify(user));
        // Asynchronously: this process serves the requests.
        const cli = await promisify(execFile)(process.execPath, ["--import", "tsx", "cli/main.ts", "search", "--server", s.url, "--spec", file, "--json"], {
          cwd: repoRoot,
          encoding: "utf8",
          maxBuffer: 64 << 20,
        });
        assertSameAnswer(JSON.parse(cli.stdout) as Answer, want, idOf, `user ${u} lw search --server`);
      }
      const auto = searchStatistical(RKMETableSpecification.fromJSON(user), market, { maxSearchNum: 3, method: "auto" });
      assertSameAnswer(await searchV1(s.url, { stat: user, maxSearchNum: 3, method: "auto" }), auto, idOf, `user ${u} /v1 auto`);
      // Asked for, the approximate path answers and says so (its answer is not checked against the scan).
      const approx = await searchV1(s.url, { stat: user, approximate: true });
      assert.equal(approx.status, 200);
      assert.equal(approx.path, "approximate");
      assert.ok(approx.ranked! < 10_000);
    }
    const bad = await searchV1(s.url, { stat: users[0], approximate: true, exact: true });
    assert.equal(bad.status, 400);
    assert.equal((bad as any).error.code, "BAD_REQUEST");
  } finally {
    await s.close();
  }
});

test("admission control: a full queue answers 503 with Retry-After; large anonymous scans can be refused (401) while tokens pass", async () => {
  const rng = createRng(7);
  const specs = Array.from({ length: 3000 }, () => specJson(rng, [0, 0, 0, 0, 0, 0, 0, 0], 40, 1));
  const s = await marketServer(specs, {
    env: { LW_SEARCH_THREADS: "1", LW_SEARCH_CONCURRENCY: "1", LW_SEARCH_QUEUE: "1", LW_ANON_EXACT_MAX: "1000", LW_ANON_EXACT_POLICY: "refuse" },
  });
  try {
    const user = specJson(rng, [0, 0, 0, 0, 0, 0, 0, 0], 100, 1);
    const anon = await fetch(`${s.url}/v1/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ stat: user }) });
    assert.equal(anon.status, 401);
    const body = (await anon.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "AUTH_REQUIRED");
    assert.match(body.error.message, /3000 specs/);
    const compat = await searchCompat(s.url, user);
    assert.equal(compat.status, 401);
    // With a token: one runs, one waits, the rest are turned away at once with Retry-After.
    const send = () =>
      fetch(`${s.url}/v1/search`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ stat: user }),
      });
    const replies = await Promise.all(Array.from({ length: 6 }, send));
    const statuses = replies.map((r) => r.status).sort();
    assert.ok(statuses.filter((x) => x === 200).length >= 2, statuses.join());
    const busy = replies.filter((r) => r.status === 503);
    assert.ok(busy.length >= 1, `expected some 503 answers, got ${statuses.join()}`);
    for (const r of busy) {
      assert.ok(Number(r.headers.get("retry-after")) >= 1, "Retry-After in seconds");
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, "BUSY");
    }
    await Promise.all(replies.filter((r) => r.status === 200).map((r) => r.json()));
  } finally {
    await s.close();
  }
});
