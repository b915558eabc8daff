import { test } from "node:test";
import assert from "node:assert/strict";
import { CHECK_STATUS, checkSemanticSpec, parsePythonInt } from "./checker.ts";

function validSpec(): Record<string, any> {
  return {
    Data: { Type: "Class", Values: ["Table"] },
    Task: { Type: "Class", Values: ["Classification"] },
    Library: { Type: "Class", Values: ["Scikit-learn"] },
    Scenario: { Type: "Tag", Values: ["Business", "Financial"] },
    License: { Type: "Class", Values: ["MIT"] },
    Name: { Type: "String", Values: "demo learnware" },
    Description: { Type: "String", Values: "A gradient boosting model." },
    Input: { Dimension: 3, Description: { "0": "age", "1": "income", "2": "score" } },
    Output: { Dimension: 2, Description: { "0": "reject", "1": "accept" } },
  };
}

function rules(spec: unknown): string[] {
  return checkSemanticSpec(spec).issues.map((i) => `${i.key}:${i.rule}`);
}

test("a valid spec is NONUSABLE (semantics fine) with no issues", () => {
  const r = checkSemanticSpec(validSpec());
  assert.equal(r.status, CHECK_STATUS.NONUSABLE);
  assert.equal(r.ok, true);
  assert.deepEqual(r.issues, []);
  assert.equal(CHECK_STATUS.INVALID, -1);
  assert.equal(CHECK_STATUS.USABLE, 1);
});

test("a non-object spec is invalid", () => {
  for (const bad of [null, "spec", 3, [], undefined]) {
    const r = checkSemanticSpec(bad);
    assert.equal(r.status, -1);
    assert.equal(r.issues[0]!.rule, "spec.type");
  }
});

test("every issue is reported, each naming its rule and key", () => {
  const s = validSpec();
  s.Data = { Type: "Tag", Values: ["Tabular"] };
  delete s.License;
  s.Name.Values = "";
  s.Scenario.Values = ["Business", "Space", "Moon"];
  const r = checkSemanticSpec(s);
  assert.equal(r.status, -1);
  assert.deepEqual(rules(s), [
    "Data:type.mismatch",
    "Data:class.value",
    "Scenario:tag.value",
    "Scenario:tag.value",
    "Name:string.empty",
    "License:key.missing",
  ]);
  for (const i of r.issues) {
    assert.ok(i.message.includes(i.key), `message ${JSON.stringify(i.message)} does not name key ${i.key}`);
    assert.match(i.message, /^[A-Z]/, `message ${JSON.stringify(i.message)} is not capitalised`);
  }
  assert.ok(r.message.includes("Data") && r.message.includes("type.mismatch"), r.message);
  assert.ok(
    r.issues.some((i) => i.message.includes('"Space"')),
    "the bad tag is named",
  );
  assert.ok(
    r.issues.some((i) => i.message.includes('"Tabular"')),
    "the bad class is named",
  );
});

test("a missing Type or Values is invalid", () => {
  const s = validSpec();
  delete s.Task.Values;
  delete s.Library.Type;
  assert.deepEqual(rules(s), ["Task:values.missing", "Library:type.missing"]);
});

test("Class needs exactly one allowed value in a list", () => {
  const s = validSpec();
  s.Data.Values = "Table";
  assert.deepEqual(rules(s), ["Data:class.count"]);
  s.Data.Values = ["Table", "Image"];
  assert.deepEqual(rules(s), ["Data:class.count"]);
  s.Data.Values = [];
  assert.equal(rules(s)[0], "Data:class.count");
});

test("Tag values must be a non-empty list of allowed tags", () => {
  const s = validSpec();
  s.Scenario.Values = "Business";
  assert.deepEqual(rules(s), ["Scenario:tag.type"]);
  s.Scenario.Values = [];
  assert.deepEqual(rules(s), ["Scenario:tag.empty"]);
  s.Scenario.Values = ["Business", "Business"];
  assert.deepEqual(rules(s), []);
});

test("String values must be non-empty strings", () => {
  const s = validSpec();
  s.Description.Values = ["text"];
  assert.deepEqual(rules(s), ["Description:string.type"]);
  s.Description.Values = " ";
  assert.deepEqual(rules(s), []);
});

test("Table needs Input; Classification / Regression need Output", () => {
  const s = validSpec();
  delete s.Input;
  delete s.Output;
  assert.deepEqual(rules(s), ["Input:io.missing", "Output:io.missing"]);
  s.Input = null;
  s.Output = "garbage";
  assert.deepEqual(rules(s), ["Input:io.null", "Output:io.type"]);
  s.Data.Values = ["Image"];
  s.Task.Values = ["Feature Extraction"];
  assert.deepEqual(rules(s), [], "Input / Output are ignored when not required");
});

test("Input / Output descriptions: keys in [0, Dimension), string values", () => {
  const s = validSpec();
  s.Input.Description = { " 1": "a", "+2": "b", "00": "c", "3": "out", "-1": "neg", "1.0": "x", "": "y", "0": 5 };
  const r = checkSemanticSpec(s);
  const byRule = r.issues.map((i) => `${i.rule} ${i.message}`);
  assert.equal(r.status, -1);
  assert.ok(
    byRule.some((m) => m.startsWith("io.key.range") && m.includes('"3"')),
    byRule.join("\n"),
  );
  assert.ok(
    byRule.some((m) => m.startsWith("io.key.range") && m.includes('"-1"')),
    byRule.join("\n"),
  );
  assert.ok(
    byRule.some((m) => m.startsWith("io.key.int") && m.includes('"1.0"')),
    byRule.join("\n"),
  );
  assert.ok(
    byRule.some((m) => m.startsWith("io.key.int") && m.includes('""')),
    byRule.join("\n"),
  );
  assert.ok(
    byRule.some((m) => m.startsWith("io.value.type") && m.includes("5")),
    byRule.join("\n"),
  );
  assert.equal(r.issues.length, 5);
  assert.ok(r.issues.every((i) => i.key === "Input"));
});

test("Dimension must compare as a number", () => {
  const s = validSpec();
  s.Input.Dimension = "3";
  assert.deepEqual(rules(s), ["Input:io.dimension.type"]);
  s.Input.Description = {};
  assert.deepEqual(rules(s), [], "Python never compares Dimension when no key is described");
  s.Output.Dimension = "2";
  assert.deepEqual(rules(s), ["Output:io.dimension.type"], "Output.Dimension is always compared with 1");
  s.Output.Dimension = 2.0;
  s.Input.Dimension = 2.5;
  s.Input.Description = { "2": "third" };
  assert.deepEqual(rules(s), [], "2 < 2.5");
});

test("Classification needs Output.Dimension > 1, Regression does not", () => {
  const s = validSpec();
  s.Output = { Dimension: 1, Description: { "0": "y" } };
  assert.deepEqual(rules(s), ["Output:io.dimension.classification"]);
  s.Task.Values = ["Regression"];
  assert.deepEqual(rules(s), []);
});

test("a missing or non-object Description is invalid", () => {
  const s = validSpec();
  delete s.Input.Description;
  s.Output.Description = ["reject", "accept"];
  assert.deepEqual(rules(s), ["Input:io.description.missing", "Output:io.description.type"]);
});

test("extra keys are ignored", () => {
  const s = validSpec();
  s.Foo = { Type: "Tag", Values: ["x"] };
  s.learnware_id = { Values: "123" };
  assert.deepEqual(rules(s), []);
});

test("parsePythonInt follows Python's int()", () => {
  const ok: [string, bigint][] = [
    ["0", 0n],
    ["00", 0n],
    ["007", 7n],
    [" 1", 1n],
    ["1 ", 1n],
    ["\t\n 12 \r", 12n],
    ["+2", 2n],
    ["-3", -3n],
    ["1_000", 1000n],
    ["0_0", 0n],
    ["\u00a05\u3000", 5n],
    ["\u0661\u0662", 12n],
    ["\uff13", 3n],
    ["\u{1d7d8}", 0n],
    ["\u{1d7e1}", 9n],
    ["99999999999999999999999", 99999999999999999999999n],
  ];
  for (const [s, n] of ok) assert.equal(parsePythonInt(s), n, JSON.stringify(s));
  const bad = ["", " ", "+", "-", "1.0", "1e3", "0x10", "_1", "1_", "1__0", "+_1", "- 1", "1 2", "one", "\ufeff1", "²", "1".repeat(4301)];
  for (const s of bad) assert.equal(parsePythonInt(s), null, JSON.stringify(s));
});
