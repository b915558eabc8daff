import { test } from "node:test";
import assert from "node:assert/strict";
import { checkStatSpecRules } from "../check/statSpecRules.ts";
import { checkLearnwareStatic } from "../check/packageCheck.ts";
import { LearnwareError } from "../errors.ts";
import { createRng } from "../random.ts";
import { RKMEImageSpecification } from "../image/rkmeImageSpec.ts";
import { RKMETextSpecification } from "../text/rkmeTextSpec.ts";
import { RKMETableSpecification } from "./rkmeTableSpec.ts";
import { findStatSpec, IMAGE_SPEC, kindOfEntry, loadStatSpec, statSpecKind, statSpecKinds, TABLE_SPEC, TEXT_SPEC } from "./statSpecs.ts";

const embed = async (texts: string[]) =>
  texts.map((t) => {
    const v = new Float32Array(8);
    for (const w of t.toLowerCase().split(/\s+/)) v[w.length % 8]! += 1;
    return v;
  });

const tableJson = { z: [[0, 1, 2]], beta: [1], gamma: 0.1, num_points: 4, type: "RKMETableSpecification" };

test("the registry holds the table, text and image kinds under the Python class names", () => {
  assert.deepEqual(
    statSpecKinds()
      .map((k) => k.type)
      .slice(0, 3),
    [RKMETableSpecification.TYPE, RKMETextSpecification.TYPE, RKMEImageSpecification.TYPE],
  );
  assert.equal(statSpecKind("RKMETableSpecification"), TABLE_SPEC);
  assert.equal(statSpecKind("RKMETextSpecification"), TEXT_SPEC);
  assert.equal(statSpecKind("RKMEImageSpecification"), IMAGE_SPEC);
  assert.equal(statSpecKind("NoSuchSpec"), undefined);
  assert.deepEqual(
    statSpecKinds()
      .map((k) => k.dataType)
      .slice(0, 3),
    ["Table", "Text", "Image"],
  );
});

test("entries resolve by class name, else by the file's type; loadStatSpec falls back to a table for an untyped file", () => {
  assert.equal(kindOfEntry({ className: "RKMETextSpecification", json: {} }), TEXT_SPEC);
  assert.equal(kindOfEntry({ className: "Other", json: { type: "RKMEImageSpecification" } }), IMAGE_SPEC);
  assert.equal(kindOfEntry({ className: "Other", json: {} }), undefined);
  const { z, beta, gamma, num_points } = tableJson;
  const untyped = loadStatSpec({ json: { z, beta, gamma, num_points } });
  assert.equal(untyped.kind, TABLE_SPEC);
  assert.equal(TABLE_SPEC.dimension(untyped.spec as RKMETableSpecification), 3);
  assert.throws(
    () => loadStatSpec({ json: { ...tableJson, type: "RKMEVideoSpecification" } }),
    (e: unknown) => e instanceof LearnwareError && e.code === "SPEC_INVALID" && /Unknown stat spec type "RKMEVideoSpecification"/.test(e.message),
  );
  const found = findStatSpec(
    [
      { className: "RKMETextSpecification", json: {} },
      { className: "RKMETableSpecification", json: tableJson },
    ],
    "Table",
  );
  assert.equal(found?.kind, TABLE_SPEC);
  assert.equal(found?.entry.json, tableJson);
});

test("every kind saves and loads its own JSON through the registry (table and text byte-identical to Python's layout)", async () => {
  const table = TABLE_SPEC.fromJSON(tableJson);
  assert.equal(table.stringify(), '{"z":[[0.0,1.0,2.0]],"beta":[1.0],"gamma":0.1,"num_points":4,"type":"RKMETableSpecification"}');
  assert.equal(TABLE_SPEC.parse(table.stringify()).stringify(), table.stringify());

  const text = await RKMETextSpecification.generate(["the cat sat on the mat", "a dog ran in the park today"], embed, { K: 2 });
  const textBack = loadStatSpec({ className: "RKMETextSpecification", json: JSON.parse(text.stringify()) });
  assert.equal(textBack.kind, TEXT_SPEC);
  assert.equal(textBack.spec.stringify(), text.stringify());
  assert.match(text.stringify(), /,"type":"RKMETextSpecification","language":\["en"\]\}$/);
  assert.equal(TEXT_SPEC.dist(text, textBack.spec as RKMETextSpecification), 0);
  assert.equal(TEXT_SPEC.dimension(text), null, "a text model's input is texts, not the embedding size");
  assert.equal(TEXT_SPEC.embedding(text)?.z.cols, 8);

  const rng = createRng(2);
  const X = { n: 4, c: 1, h: 8, w: 8, data: Float64Array.from({ length: 256 }, () => rng.next()) };
  const image = RKMEImageSpecification.generate(X, { K: 2, kernel: { nModels: 1, width: 4 } });
  const imageBack = IMAGE_SPEC.parse(image.stringify());
  assert.ok(Math.abs(IMAGE_SPEC.dist(image, imageBack)) < 1e-12);
  assert.equal(IMAGE_SPEC.embedding(image), null);
  assert.ok(IMAGE_SPEC.compatible(image, imageBack));
});

test("text specs are comparable only when the market's languages cover the user's", async () => {
  const en = await RKMETextSpecification.generate(["the weather is good today"], embed, { K: 1 });
  const fr = await RKMETextSpecification.generate(["le chat est sur la table et il est content"], embed, { K: 1 });
  assert.ok(TEXT_SPEC.compatible(en, en));
  assert.ok(!TEXT_SPEC.compatible(en, fr));
});

test("one stat-spec rule set: load, finite, dimension against the semantic spec and the model's input shape", () => {
  const sem = { Data: { Type: "Class", Values: ["Table"] }, Input: { Dimension: 3 } };
  const ok = checkStatSpecRules([{ className: "RKMETableSpecification", fileName: "stat.json", json: tableJson }], { semantic: sem });
  assert.deepEqual(ok.issues, []);
  assert.equal(ok.loaded[0]!.kind, TABLE_SPEC);

  const dim = checkStatSpecRules([{ className: "RKMETableSpecification", fileName: "stat.json", json: tableJson }], {
    semantic: { ...sem, Input: { Dimension: 5 } },
  });
  assert.equal(dim.issues[0]!.rule, "stat_spec_dimension");
  assert.match(dim.issues[0]!.message, /stat\.json has dimension 3 but the semantic Input\.Dimension is 5/);

  const shape = checkStatSpecRules([{ className: "RKMETableSpecification", fileName: "stat.json", json: tableJson }], { semantic: sem, inputShape: [4] });
  assert.equal(shape.issues[0]!.rule, "stat_spec_dimension");
  assert.match(shape.issues[0]!.message, /model input_shape=\(4,\)/);

  const bad = checkStatSpecRules([{ className: "RKMETableSpecification", fileName: "s.json", json: { ...tableJson, beta: [1, 2] } }]);
  assert.equal(bad.issues[0]!.rule, "stat_spec");
  assert.match(bad.issues[0]!.message, /s\.json cannot be loaded: Stat spec field 'beta' has length 2/);

  const nan = checkStatSpecRules([{ className: "RKMETableSpecification", fileName: "n.json", json: { ...tableJson, z: [[Number.NaN, 1, 2]] } }]);
  assert.equal(nan.issues[0]!.rule, "stat_spec_finite");

  // Unregistered classes are left alone; the runner asks for at least one registered spec.
  assert.deepEqual(checkStatSpecRules([{ className: "Mine", fileName: "m.json", json: {} }]).issues, []);
  const none = checkStatSpecRules([{ className: "Mine", fileName: "m.json", json: {} }], { requireOne: true });
  assert.match(none.issues[0]!.message, /No valid specification is found in stat spec \["Mine"\]/);

  // The upload inspection reports the same rule names.
  const pkg = checkLearnwareStatic(
    { statSpecs: [{ className: "RKMETableSpecification", fileName: "stat.json", json: tableJson }] },
    { ...sem, Input: { Dimension: 5 } },
  );
  assert.ok(pkg.issues.some((i) => i.rule === "stat_spec_dimension"));
  assert.equal(pkg.status, -1);
});
