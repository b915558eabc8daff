// fuzzy.json: rapidfuzz-compatible ratio / partial_ratio over code points, within 1e-9.
import { test } from "node:test";
import { loadCases, assertClose } from "../_util.ts";
import { partialRatio, ratio } from "../../core/fuzzy/rapidfuzz.ts";

interface FuzzyCase {
  id: string;
  note: string;
  s1: string;
  s2: string;
  expected: { ratio: number; partial_ratio: number };
}

const cases = loadCases<FuzzyCase>("fuzzy.json", true);

test("fuzzy.json has cases", () => {
  if (cases.length < 60) throw new Error(`Expected at least 60 fuzzy cases, got ${cases.length}`);
});

for (const c of cases) {
  test(`fuzzy ${c.id}`, () => {
    assertClose(ratio(c.s1, c.s2), c.expected.ratio, 1e-9, 0, `${c.id} ratio`);
    assertClose(partialRatio(c.s1, c.s2), c.expected.partial_ratio, 1e-9, 0, `${c.id} partial_ratio`);
  });
}
