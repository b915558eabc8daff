import { test } from "node:test";
import assert from "node:assert/strict";
import { parseYaml, stringifyYaml } from "./yamlCodec.ts";

test("parses YAML 1.1 as PyYAML does", () => {
  assert.deepEqual(parseYaml("a: yes\nb: off\nc: 1.5\nd: ~\ne: {}\nf: [1, x]\n"), { a: true, b: false, c: 1.5, d: null, e: {}, f: [1, "x"] });
  assert.deepEqual(parseYaml("a: 1\na: 2\n"), { a: 2 }); // duplicate keys: the last wins
  assert.equal(parseYaml(""), null);
});

test("refuses alias bombs", () => {
  let doc = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (let i = 1; i < 8; i++)
    doc += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(", ")}]\n`;
  assert.throws(() => parseYaml(doc));
});

test("quotes strings that YAML 1.1 would read as booleans", () => {
  assert.equal(stringifyYaml({ a: "yes", b: "on", c: "plain" }), 'a: "yes"\nb: "on"\nc: plain\n');
  assert.deepEqual(parseYaml(stringifyYaml({ a: "yes", n: [1, 2] })), { a: "yes", n: [1, 2] });
});

test("PyYAML's !!python/tuple (shapes written by the Python learnware package) reads as a sequence", () => {
  assert.deepEqual(parseYaml("model:\n  kwargs:\n    input_shape: !!python/tuple\n    - 4\n    output_shape: !!python/tuple [1]\n"), {
    model: { kwargs: { input_shape: [4], output_shape: [1] } },
  });
});
