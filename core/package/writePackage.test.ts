import { test } from "node:test";
import assert from "node:assert/strict";
import { LearnwareError } from "../errors.ts";
import { readLearnwarePackage } from "./readPackage.ts";
import { writeLearnwarePackage } from "./writePackage.ts";
import { inspectZipEntries } from "./zipEntries.ts";

const STAT = '{"type":"RKMETableSpecification","z":[[0]],"beta":[1],"gamma":0.1,"num_points":1}';

test("writes learnware.yaml first and the files as given; reading gives them back", () => {
  const zip = writeLearnwarePackage({
    yaml: { name: "w", model: { class_name: "M", kwargs: { flag: "yes", n: 3 } } },
    files: { "__init__.py": "class M: pass\n", "stat_spec.json": STAT, "weights/w.bin": new Uint8Array([0, 255]) },
  });
  const list = inspectZipEntries(zip);
  assert.deepEqual(
    list.map((e) => e.name),
    ["learnware.yaml", "__init__.py", "stat_spec.json", "weights/w.bin"],
  );
  assert.ok(list.every((e) => !e.isDir && !e.isSymlink && e.unixMode === 0o100644));
  const pkg = readLearnwarePackage(zip);
  assert.equal(pkg.name, "w");
  // "yes" is quoted in YAML 1.1 output, so it stays a string for PyYAML and for us
  assert.deepEqual(pkg.model.kwargs, { flag: "yes", n: 3 });
  assert.deepEqual(pkg.files.get("weights/w.bin"), new Uint8Array([0, 255]));
  assert.match(new TextDecoder().decode(pkg.files.get("learnware.yaml")), /flag: "yes"/);
});

test("the same input gives the same bytes", () => {
  const input = { yaml: { model: { kind: "js" } }, files: { "model.js": "export default {}", "stat_spec.json": STAT } };
  assert.deepEqual(writeLearnwarePackage(input), writeLearnwarePackage(input));
});

test("rejects escaping paths, repeated paths and learnware.yaml among files", () => {
  assert.throws(
    () => writeLearnwarePackage({ yaml: {}, files: { "../x": "" } }),
    (e: unknown) => e instanceof LearnwareError && e.code === "PACKAGE_UNSAFE",
  );
  assert.throws(() => writeLearnwarePackage({ yaml: {}, files: { "a/b": "", "a\\b": "" } }), TypeError);
  assert.throws(() => writeLearnwarePackage({ yaml: {}, files: { "./learnware.yaml": "" } }), TypeError);
});
