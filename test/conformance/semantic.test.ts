// semantic.json: the semantic checker's verdict (0 NONUSABLE = semantics fine, −1 INVALID).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCases } from "../_util.ts";
import { checkSemanticSpec } from "../../core/semantic/checker.ts";
import { semanticSpecSchema } from "../../core/semantic/schema.ts";

interface SemanticCase {
  id: string;
  spec: unknown;
  expected_status: 0 | -1;
  rule: string;
}

const cases = loadCases<SemanticCase>("semantic.json", true);
// Every invalid case breaks one rule of the first (valid) case's spec: the checker's issues
// must name one of the keys in which the case differs from it.
const base = cases[0]!.spec as Record<string, unknown>;
function changedKeys(spec: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(base), ...Object.keys(spec)]);
  return [...keys].filter((k) => JSON.stringify(base[k]) !== JSON.stringify(spec[k]));
}

test("semantic.json has cases", () => {
  assert.ok(cases.length >= 40, `Expected at least 40 semantic cases, got ${cases.length}`);
});

for (const c of cases) {
  test(`semantic ${c.id}`, () => {
    const r = checkSemanticSpec(c.spec);
    assert.equal(r.status, c.expected_status, `${c.id} (${c.rule}): got status ${r.status}, expected ${c.expected_status}; issues ${JSON.stringify(r.issues)}`);
    assert.equal(r.ok, c.expected_status === 0, `${c.id}: ok ${r.ok} disagrees with status ${r.status}`);
    if (c.expected_status === -1) {
      assert.ok(r.issues.length > 0, `${c.id}: an invalid spec must list its issues`);
      for (const i of r.issues) assert.ok(i.rule && i.message, `${c.id}: issue without rule or message`);
      assert.ok(r.message.includes(r.issues[0]!.rule), `${c.id}: message ${r.message} does not name the rule`);
      const changed = changedKeys(c.spec as Record<string, unknown>);
      assert.ok(
        r.issues.some((i) => changed.includes(i.key)),
        `${c.id}: issues name keys ${JSON.stringify(r.issues.map((i) => i.key))}, expected one of ${JSON.stringify(changed)}`,
      );
    } else {
      assert.deepEqual(r.issues, [], `${c.id}: a valid spec has no issues`);
    }
    // The request schema is looser than the checker: everything the checker judges parses.
    const parsed = semanticSpecSchema.safeParse(c.spec);
    assert.ok(parsed.success, `${c.id}: the schema rejected a spec the checker must judge: ${parsed.success ? "" : parsed.error.message}`);
  });
}
