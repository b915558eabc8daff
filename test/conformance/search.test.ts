import { test } from "node:test";
import assert from "node:assert/strict";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { searchStatistical } from "../../core/search/statSearch.ts";
import { assertClose, loadCases } from "../_util.ts";

export interface SearchCase {
  id: string;
  max_search_num: number;
  search_method: "greedy" | "auto";
  user: unknown;
  market: { id: string; spec: unknown }[];
  expected: { single: { id: string; score: number; dist: number }[]; multiple: null | { ids: string[]; score: number } };
}

/** Loads a spec, letting the corpus' decoded NaN/Infinity through (they must be dropped by the searcher). */
function spec(json: unknown): RKMETableSpecification {
  return RKMETableSpecification.fromJSON(json);
}

for (const c of loadCases<SearchCase>("search.json")) {
  test(`search.json ${c.id}`, () => {
    const market = c.market.map((m) => ({ id: m.id, spec: spec(m.spec) }));
    const r = searchStatistical(spec(c.user), market, { maxSearchNum: c.max_search_num, method: c.search_method });
    assert.deepEqual(
      r.single.map((s) => s.id),
      c.expected.single.map((s) => s.id),
      `${c.id}: single ids`,
    );
    r.single.forEach((s, i) => {
      const e = c.expected.single[i]!;
      assertClose(s.score, e.score, 1e-6, 0, `${c.id} single[${i}].score`);
      assertClose(s.dist ?? NaN, e.dist, 1e-12, 1e-9, `${c.id} single[${i}].dist`);
    });
    if (c.expected.multiple === null) {
      assert.equal(r.multiple, null, `${c.id}: expected no mixture`);
    } else {
      assert.ok(r.multiple, `${c.id}: expected a mixture`);
      assert.deepEqual(r.multiple.ids, c.expected.multiple.ids, `${c.id}: mixture ids`);
      assertClose(r.multiple.score, c.expected.multiple.score, 1e-6, 0, `${c.id} mixture score`);
      assertClose(
        r.multiple.weights.reduce((a, b) => a + b, 0),
        1,
        1e-9,
        0,
        `${c.id} weights sum`,
      );
    }
  });
}
