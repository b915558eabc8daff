import { test } from "node:test";
import assert from "node:assert/strict";
import { convertDistToScore, postProcessScores } from "../../core/search/scores.ts";
import { assertClose, loadCases } from "../_util.ts";

interface ScoreCase {
  id: string;
  sorted_dists: number[];
  mixture_dist: number | null;
  expected: { convert: number[]; scores: number[]; n_kept: number; mixture_score: number | null; branch: string | null };
  bit_exact_required: boolean;
}

for (const c of loadCases<ScoreCase>("scores.json")) {
  test(`scores.json ${c.id}`, () => {
    const all = c.mixture_dist === null ? c.sorted_dists : [...c.sorted_dists, c.mixture_dist];
    const conv = convertDistToScore(all);
    const atol = c.bit_exact_required ? 0 : 1e-12;
    assert.equal(conv.scores.length, c.expected.convert.length, `${c.id}: convert length`);
    conv.scores.forEach((s, i) => assertClose(s, c.expected.convert[i]!, atol, 0, `${c.id} convert[${i}]`));
    assert.equal(conv.branch, c.expected.branch, `${c.id}: branch`);
    const post = postProcessScores({ sortedDists: c.sorted_dists, mixtureDist: c.mixture_dist });
    assert.equal(post.scores.length, c.expected.n_kept, `${c.id}: n_kept`);
    post.scores.forEach((s, i) => assertClose(s, c.expected.scores[i]!, atol, 0, `${c.id} scores[${i}]`));
    if (c.expected.mixture_score === null) assert.equal(post.mixtureScore, null, `${c.id}: mixture should be dropped`);
    else assertClose(post.mixtureScore ?? NaN, c.expected.mixture_score, atol, 0, `${c.id} mixture_score`);
  });
}
