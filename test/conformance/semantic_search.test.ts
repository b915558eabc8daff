// semantic_search.json: the fuzzy and exact semantic searchers return the expected ids in
// order; in the fuzzy branch every learnware's name / description scores match to 1e-9.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCases, assertClose } from "../_util.ts";
import { semanticSearch } from "../../core/search/semanticSearch.ts";
import { partialRatio } from "../../core/fuzzy/rapidfuzz.ts";
import type { SemanticSpec } from "../../core/semantic/types.ts";

interface ScoreRow {
  id: string;
  name_score: number;
  desc_score: number;
  score: number;
  kept: boolean;
}

interface SemanticSearchCase {
  id: string;
  note: string;
  searcher: "fuzzy" | "exact";
  user_semantic_spec: SemanticSpec;
  market: { id: string; semantic_spec: SemanticSpec }[];
  expected_ids: string[];
  expected_scores?: ScoreRow[];
}

const cases = loadCases<SemanticSearchCase>("semantic_search.json", true);

test("semantic_search.json has cases", () => {
  assert.ok(cases.length >= 21, `Expected at least 21 semantic search cases, got ${cases.length}`);
});

function textOf(spec: SemanticSpec, key: "Name" | "Description"): string {
  const v = (spec[key] as { Values?: unknown } | undefined)?.Values;
  return typeof v === "string" ? v.toLowerCase() : "";
}

for (const c of cases) {
  test(`semantic_search ${c.id}`, () => {
    const market = c.market.map((m) => ({ id: m.id, semantic: m.semantic_spec }));
    const r = semanticSearch(c.user_semantic_spec, market, c.searcher);
    assert.deepEqual(r.ids, c.expected_ids, `${c.id} (${c.searcher}): got ids ${JSON.stringify(r.ids)}, expected ${JSON.stringify(c.expected_ids)}`);
    if (c.expected_scores !== undefined) {
      const q = textOf(c.user_semantic_spec, "Name");
      const byId = new Map(market.map((m) => [m.id, m.semantic]));
      for (const row of c.expected_scores) {
        const spec = byId.get(row.id);
        assert.ok(spec !== undefined, `${c.id}: expected_scores names unknown id ${row.id}`);
        const name = partialRatio(q, textOf(spec, "Name"));
        const desc = partialRatio(q, textOf(spec, "Description"));
        assertClose(name, row.name_score, 1e-9, 0, `${c.id} ${row.id} name_score`);
        assertClose(desc, row.desc_score, 1e-9, 0, `${c.id} ${row.id} desc_score`);
        assertClose(Math.max(name, desc), row.score, 1e-9, 0, `${c.id} ${row.id} score`);
        assert.equal(r.ids.includes(row.id), row.kept, `${c.id} ${row.id}: kept ${r.ids.includes(row.id)}, expected ${row.kept}`);
      }
      assert.ok(r.scores !== undefined, `${c.id}: the fuzzy branch must return scores`);
      assert.equal(r.scores.length, r.ids.length, `${c.id}: one score per id`);
      r.ids.forEach((id, i) => {
        const row = c.expected_scores!.find((s) => s.id === id)!;
        assertClose(r.scores![i]!, row.score, 1e-9, 0, `${c.id} ${id} returned score`);
      });
    }
  });
}
