import { test } from "node:test";
import assert from "node:assert/strict";
import { semanticFieldSchema, semanticIOSchema, semanticSpecSchema } from "./schema.ts";

const valid = {
  Data: { Type: "Class", Values: ["Table"] },
  Task: { Type: "Class", Values: ["Regression"] },
  Library: { Type: "Class", Values: ["PyTorch"] },
  Scenario: { Type: "Tag", Values: ["Traffic"] },
  License: { Type: "Class", Values: ["MIT"] },
  Name: { Type: "String", Values: "flow" },
  Description: { Type: "String", Values: "Hourly traffic volume." },
  Input: { Dimension: 2, Description: { "0": "hour", "1": "day" } },
  Output: { Dimension: 1, Description: { "0": "volume" } },
};

test("the loose schema accepts any object, including malformed and partial specs", () => {
  for (const spec of [
    {},
    valid,
    { Name: { Type: "String", Values: "cnn" }, learnware_id: { Values: "0001" } },
    { Data: "Table", Input: "garbage", Output: null, Extra: [1, 2] },
    { Task: { Type: "Class" }, Scenario: { Type: "Tag", Values: "Business" } },
  ]) {
    const r = semanticSpecSchema.safeParse(spec);
    assert.ok(r.success, JSON.stringify(spec));
    assert.deepEqual(r.data, spec, "parsing keeps every key and value");
  }
  for (const bad of [null, "spec", [], 3]) assert.ok(!semanticSpecSchema.safeParse(bad).success, JSON.stringify(bad));
});

test("field and IO schemas document the usual shapes", () => {
  assert.ok(semanticFieldSchema.safeParse({ Type: "Tag", Values: ["Business"] }).success);
  assert.ok(!semanticFieldSchema.safeParse({ Type: "Tag" }).success);
  assert.ok(semanticIOSchema.safeParse({ Dimension: 3, Description: { "0": "a" } }).success);
  assert.ok(!semanticIOSchema.safeParse({ Dimension: "3", Description: {} }).success);
});
