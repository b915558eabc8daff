import { test } from "node:test";
import assert from "node:assert/strict";
import { composeSearch, type StatStage } from "./composeSearch.ts";

type Item = { id: string; semantic: Record<string, unknown> };
const named = (id: string, name: string): Item => ({ id, semantic: { Name: { Type: "String", Values: name }, Description: { Type: "String", Values: "" } } });
const market: Item[] = [named("1", "credit scoring"), named("2", "digit cnn"), named("3", "credit risk"), named("4", "weather")];

function stage(calls: { pool: string[]; whole: boolean; path: string }[], index?: { threshold: number; candidates: string[] }): StatStage<Item> {
  const s: StatStage<Item> = {
    topN: 1,
    exact: async (pool, whole, path) => {
      calls.push({ pool: pool.map((p) => p.id), whole, path });
      return { single: pool.map((p, i) => ({ id: p.id, score: 1 - i / 10, dist: i })), multiple: null, ranked: pool.length };
    },
  };
  if (index)
    s.index = async () => ({
      threshold: index.threshold,
      searchable: (pool) => pool.length,
      candidates: (pool) => pool.filter((p) => index.candidates.includes(p.id)),
    });
  return s;
}

test("semantic first, then the statistical stage over the matches in the semantic order", async () => {
  const calls: { pool: string[]; whole: boolean; path: string }[] = [];
  const r = await composeSearch({ market, semantic: { Name: { Type: "String", Values: "credit" } }, stat: stage(calls) });
  assert.deepEqual(calls, [{ pool: ["1", "3"], whole: false, path: "exact" }]);
  assert.equal(r.path, "exact");
  assert.deepEqual(
    r.single.map((s) => s.id),
    ["1", "3"],
  );
});

test("without a stat stage the answer is semantic, scores from the semantic searcher", async () => {
  const r = await composeSearch({ market, semantic: { Name: { Type: "String", Values: "credit" } } });
  assert.equal(r.path, "semantic");
  assert.deepEqual(
    r.single.map((s) => [s.id, s.dist]),
    [
      ["1", null],
      ["3", null],
    ],
  );
});

test("an approximate search uses the index only when the market is large enough, and says so", async () => {
  const calls: { pool: string[]; whole: boolean; path: string }[] = [];
  const big = await composeSearch({ market, approximate: true, stat: stage(calls, { threshold: 2, candidates: ["2", "4"] }) });
  assert.equal(big.path, "approximate");
  assert.deepEqual(calls.at(-1), { pool: ["2", "4"], whole: false, path: "approximate" });
  const small = await composeSearch({ market, approximate: true, stat: stage(calls, { threshold: 10, candidates: ["2"] }) });
  assert.equal(small.path, "exact");
  assert.deepEqual(calls.at(-1), { pool: ["1", "2", "3", "4"], whole: true, path: "exact" });
  const notAsked = await composeSearch({ market, stat: stage(calls, { threshold: 0, candidates: ["2"] }) });
  assert.equal(notAsked.path, "exact");
});
