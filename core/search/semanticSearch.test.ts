import { test } from "node:test";
import assert from "node:assert/strict";
import { exactSemanticSearch, fuzzySemanticSearch, semanticSearch, tagsMatch, type SemanticMarketItem } from "./semanticSearch.ts";
import type { SemanticSpec } from "../semantic/types.ts";

function item(id: string, name: string, description: string, extra: SemanticSpec = {}): SemanticMarketItem {
  return {
    id,
    semantic: {
      Data: { Type: "Class", Values: ["Table"] },
      Scenario: { Type: "Tag", Values: ["Business"] },
      License: { Type: "Class", Values: ["MIT"] },
      Name: { Type: "String", Values: name },
      Description: { Type: "String", Values: description },
      ...extra,
    },
  };
}

const market = [
  item("00000001", "Credit Scoring XGBoost", "Loan default risk."),
  item("00000002", "Retail Sales Forecast", "Point-of-sale regression.", { License: { Type: "Class", Values: ["GPL-3.0"] } }),
  item("00000003", "MNIST Digit CNN", "Handwritten digits.", { Data: { Type: "Class", Values: ["Image"] } }),
  item("00000012", "Fraud Detection", "Card transactions; CREDIT teams.", { Scenario: { Type: "Tag", Values: ["Financial"] } }),
];

test("no Name: every tag match in market order", () => {
  assert.deepEqual(fuzzySemanticSearch({ Data: { Type: "Class", Values: ["Table"] } }, market), {
    ids: ["00000001", "00000002", "00000012"],
  });
  assert.deepEqual(
    fuzzySemanticSearch({}, market).ids,
    market.map((m) => m.id),
  );
});

test("Name substring of a name or description (lowercased) wins, market order, no scores", () => {
  const r = fuzzySemanticSearch({ Name: { Type: "String", Values: "CREDIT" } }, market);
  assert.deepEqual(r, { ids: ["00000001", "00000012"] });
});

test("fuzzy fallback: partial_ratio ≥ 75, sorted by score with scores returned", () => {
  const r = fuzzySemanticSearch({ Name: { Type: "String", Values: "credt scorng" } }, market);
  assert.deepEqual(r.ids, ["00000001"]);
  assert.equal(r.scores?.length, 1);
  assert.ok(r.scores![0]! >= 75 && r.scores![0]! <= 100);
  assert.deepEqual(fuzzySemanticSearch({ Name: { Type: "String", Values: "quantum chromodynamics" } }, market), { ids: [], scores: [] });
});

test("learnware_id: contained (fuzzy) vs equal (exact)", () => {
  const user: SemanticSpec = { learnware_id: { Values: "0001" } };
  assert.deepEqual(fuzzySemanticSearch(user, market).ids, ["00000001", "00000012"]);
  assert.deepEqual(exactSemanticSearch(user, market).ids, []);
  assert.deepEqual(exactSemanticSearch({ learnware_id: { Values: "00000012" } }, market).ids, ["00000012"]);
});

test("Class: the learnware's first value must be in the user's values; a plain string is a substring test", () => {
  assert.deepEqual(fuzzySemanticSearch({ License: { Type: "Class", Values: ["GPL-3.0", "MIT"] } }, market).ids.length, 4);
  assert.deepEqual(fuzzySemanticSearch({ License: { Type: "Class", Values: "LGPL-3.0" } }, market).ids, ["00000002"]);
});

test("Tag: sets must intersect; the user's Type decides", () => {
  assert.deepEqual(fuzzySemanticSearch({ Scenario: { Type: "Tag", Values: ["Financial", "Health"] } }, market).ids, ["00000012"]);
  assert.deepEqual(fuzzySemanticSearch({ Scenario: { Type: "Class", Values: ["Business"] } }, market).ids, ["00000001", "00000002", "00000003"]);
});

test("missing learnware key passes, present-but-empty fails, empty user Values is ignored", () => {
  const user = { Task: { Type: "Class", Values: ["Regression"] } };
  const lw = { Task: { Type: "Class", Values: [] } };
  assert.equal(tagsMatch(user, {}), true);
  assert.equal(tagsMatch(user, lw), false);
  assert.equal(tagsMatch({ Task: { Type: "Class", Values: [] } }, lw), true);
});

test("exact searcher: Name and Description must each be substrings; no fuzzy fallback", () => {
  const both = { Name: { Type: "String", Values: "credit" }, Description: { Type: "String", Values: "loan" } };
  assert.deepEqual(exactSemanticSearch(both, market).ids, ["00000001"]);
  assert.deepEqual(exactSemanticSearch({ Name: { Type: "String", Values: "credt scorng" } }, market).ids, []);
  assert.deepEqual(semanticSearch({ Name: { Type: "String", Values: "credit" } }, market, "exact").ids, ["00000001", "00000012"]);
});

test("malformed inputs never throw", () => {
  const odd: SemanticMarketItem[] = [
    { id: "x", semantic: {} },
    { id: "y", semantic: { Name: "oops" } as unknown as SemanticSpec },
  ];
  assert.deepEqual(fuzzySemanticSearch({ Name: { Type: "String", Values: "abc" } }, odd), { ids: [], scores: [] });
  assert.deepEqual(fuzzySemanticSearch({ Data: null, Task: { Values: 3 } } as unknown as SemanticSpec, odd).ids, ["x", "y"]);
  assert.throws(() => semanticSearch({}, odd, "nope" as "fuzzy"), RangeError);
});

test("astral and CJK queries", () => {
  const m = [item("a", "图像分类模型", "基于卷积神经网络的图像分类模型，适用于商品图片。"), item("b", "🚀 rocket model", "launch")];
  assert.deepEqual(fuzzySemanticSearch({ Name: { Type: "String", Values: "商品图片" } }, m).ids, ["a"]);
  assert.deepEqual(fuzzySemanticSearch({ Name: { Type: "String", Values: "🚀 rockt" } }, m).ids, ["b"]);
});
