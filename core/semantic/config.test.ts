import { test } from "node:test";
import assert from "node:assert/strict";
import { SEMANTIC_CONFIG, SEMANTIC_KEYS, semanticOptions } from "./config.ts";

test("the configuration matches the Python market's keys, types and values", () => {
  assert.deepEqual([...SEMANTIC_KEYS], ["Data", "Task", "Library", "Scenario", "Description", "Name", "License"]);
  assert.equal(SEMANTIC_CONFIG.Data.Type, "Class");
  assert.equal(SEMANTIC_CONFIG.Scenario.Type, "Tag");
  assert.equal(SEMANTIC_CONFIG.Name.Type, "String");
  assert.equal(SEMANTIC_CONFIG.Description.Values, null);
  assert.deepEqual([...SEMANTIC_CONFIG.Data.Values], ["Table", "Image", "Text"]);
  assert.equal(SEMANTIC_CONFIG.Task.Values.length, 6);
  assert.equal(SEMANTIC_CONFIG.Scenario.Values.length, 15);
  assert.equal(SEMANTIC_CONFIG.License.Values.length, 14);
  assert.ok(Object.isFrozen(SEMANTIC_CONFIG) && Object.isFrozen(SEMANTIC_CONFIG.Data));
});

test("semanticOptions lists every key with fresh arrays", () => {
  const a = semanticOptions();
  assert.deepEqual(Object.keys(a), [...SEMANTIC_KEYS]);
  assert.deepEqual(a.Library, { key: "Library", type: "Class", values: ["Scikit-learn", "PyTorch", "TensorFlow", "Others"], multiple: false });
  assert.equal(a.Scenario.multiple, true);
  assert.deepEqual(a.Name.values, []);
  a.Data.values.push("Audio");
  assert.deepEqual(semanticOptions().Data.values, ["Table", "Image", "Text"]);
});
