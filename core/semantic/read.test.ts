import assert from "node:assert/strict";
import { test } from "node:test";
import { semanticList, semanticString, semanticValues } from "./read.ts";

test("the one reader: strings, lists, and every malformed shape read the same way", () => {
  const spec = { Name: { Type: "String", Values: "cnn" }, Scenario: { Type: "Tag", Values: ["Business", 3, "Health"] }, Task: { Values: [] }, Bad: [1] };
  assert.equal(semanticString(spec, "Name"), "cnn");
  assert.equal(semanticString(spec, "Scenario"), "Business");
  assert.deepEqual(semanticList(spec, "Scenario"), ["Business", "Health"]);
  assert.deepEqual(semanticList(spec, "Name"), ["cnn"]);
  assert.deepEqual(semanticList({ Name: { Values: "" } }, "Name"), []);
  for (const [s, k] of [
    [spec, "Task"],
    [spec, "Bad"],
    [spec, "Missing"],
    [null, "Name"],
    [[spec], "Name"],
    ["Name", "Name"],
  ] as const) {
    assert.equal(semanticString(s, k), null, `${JSON.stringify(s)} ${k}`);
    assert.deepEqual(semanticList(s, k), []);
  }
  assert.equal(semanticValues(spec, "Bad"), undefined);
  assert.deepEqual(semanticValues(spec, "Task"), []);
});
