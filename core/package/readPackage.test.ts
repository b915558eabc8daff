import { test } from "node:test";
import assert from "node:assert/strict";
import { zipSync } from "fflate";
import { LearnwareError } from "../errors.ts";
import { rawZip } from "./_zipFixture.ts";
import { readLearnwarePackage } from "./readPackage.ts";
import { writeLearnwarePackage } from "./writePackage.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const STAT = JSON.stringify({ type: "RKMETableSpecification", z: [[0, 1]], beta: [1], gamma: 0.1, num_points: 1 });
const YAML_PY = `model:
  class_name: MyModel
  kwargs: {}
stat_specifications:
  - module_path: learnware.specification
    class_name: RKMETableSpecification
    file_name: stat.json
    kwargs: {}
`;

function pythonFiles(prefix = ""): Record<string, Uint8Array> {
  return {
    [`${prefix}learnware.yaml`]: enc.encode(YAML_PY),
    [`${prefix}__init__.py`]: enc.encode("class MyModel: pass\n"),
    [`${prefix}stat.json`]: enc.encode(STAT),
    [`${prefix}requirements.txt`]: enc.encode("numpy\nscikit-learn\n"),
    [`${prefix}model.pkl`]: new Uint8Array([1, 2, 3]),
  };
}

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LearnwareError, `expected a LearnwareError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test("reads a Python-style package with learnware.yaml at the root", () => {
  const pkg = readLearnwarePackage(zipSync(pythonFiles()));
  assert.equal(pkg.root, "");
  assert.deepEqual(pkg.model, { kind: "python", className: "MyModel", modulePath: "__init__.py", kwargs: {} });
  assert.equal(pkg.statSpecs.length, 1);
  const spec = pkg.statSpecs[0]!;
  assert.equal(spec.className, "RKMETableSpecification");
  assert.equal(spec.modulePath, "learnware.specification");
  assert.equal(spec.fileName, "stat.json");
  assert.deepEqual(spec.json, JSON.parse(STAT));
  assert.deepEqual(pkg.environment, { kind: "pip", text: "numpy\nscikit-learn\n" });
  assert.deepEqual([...pkg.files.keys()].sort(), ["__init__.py", "learnware.yaml", "model.pkl", "requirements.txt", "stat.json"]);
  assert.deepEqual(pkg.files.get("model.pkl"), new Uint8Array([1, 2, 3]));
  assert.equal(pkg.name, undefined);
  assert.equal((pkg.yaml as { model: { class_name: string } }).model.class_name, "MyModel");
});

test("reads a package zipped as one top-level folder, ignoring __MACOSX", () => {
  const files = { ...pythonFiles("my_learnware/"), "my_learnware/": new Uint8Array(0) } as Record<string, Uint8Array>;
  const zip = rawZip([
    { name: "my_learnware/", externalAttrs: (0o040755 << 16) >>> 0 },
    ...Object.entries(files)
      .filter(([n]) => !n.endsWith("/"))
      .map(([name, data]) => ({ name, data })),
    { name: "__MACOSX/my_learnware/._stat.json", data: "junk" },
  ]);
  const pkg = readLearnwarePackage(zip);
  assert.equal(pkg.root, "my_learnware/");
  assert.equal(pkg.model.modulePath, "__init__.py");
  assert.equal(pkg.statSpecs[0]!.fileName, "stat.json");
  assert.deepEqual([...pkg.files.keys()].sort(), ["__init__.py", "learnware.yaml", "model.pkl", "requirements.txt", "stat.json"]);
});

test("applies the Python defaults: class Model, __init__.py, stat_spec.json; conda wins over pip", () => {
  const zip = writeLearnwarePackage({
    yaml: { name: "defaults" },
    files: {
      "__init__.py": "class Model: pass\n",
      "stat_spec.json": STAT,
      "environment.yaml": "name: env\ndependencies: [numpy]\n",
      "requirements.txt": "numpy\n",
    },
  });
  const pkg = readLearnwarePackage(zip);
  assert.equal(pkg.name, "defaults");
  assert.deepEqual(pkg.model, { kind: "python", className: "Model", modulePath: "__init__.py", kwargs: {} });
  assert.deepEqual(
    pkg.statSpecs.map((s) => [s.className, s.modulePath, s.fileName, s.kwargs]),
    [["RKMETableSpecification", "learnware.specification", "stat_spec.json", {}]],
  );
  assert.equal(pkg.environment?.kind, "conda");
  // model given without module_path and kwargs: merged over the defaults
  const pkg2 = readLearnwarePackage(writeLearnwarePackage({ yaml: { model: { class_name: "M" } }, files: { "__init__.py": "", "stat_spec.json": STAT } }));
  assert.deepEqual(pkg2.model, { kind: "python", className: "M", modulePath: "__init__.py", kwargs: {} });
  assert.equal(pkg2.environment, null);
});

test("reads an ONNX learnware and puts its shapes in kwargs", () => {
  const zip = writeLearnwarePackage({
    yaml: { name: "onnx one", model: { kind: "onnx", file: "nets/model.onnx", input_shape: [4], output_shape: [3] }, stat_specifications: [] },
    files: { "nets/model.onnx": new Uint8Array([8, 1]) },
  });
  const pkg = readLearnwarePackage(zip);
  assert.deepEqual(pkg.model, {
    kind: "onnx",
    modulePath: "nets/model.onnx",
    file: "nets/model.onnx",
    kwargs: { input_shape: [4], output_shape: [3] },
  });
  assert.deepEqual(pkg.statSpecs, []);
  rejects(
    () =>
      readLearnwarePackage(
        writeLearnwarePackage({ yaml: { model: { kind: "onnx", input_shape: [0] }, stat_specifications: [] }, files: { "model.onnx": "x" } }),
      ),
    "PACKAGE_INVALID",
    /model\.input_shape/,
  );
});

test("reads a JS learnware; class_name is optional", () => {
  const files = { "model.js": "export default { predict: (x) => x }", "stat_spec.json": STAT };
  const pkg = readLearnwarePackage(writeLearnwarePackage({ yaml: { model: { kind: "js", module_path: "model.js" } }, files }));
  assert.deepEqual(pkg.model, { kind: "js", modulePath: "model.js", kwargs: {} });
  const pkg2 = readLearnwarePackage(writeLearnwarePackage({ yaml: { model: { kind: "js", class_name: "Net", kwargs: { k: 2 } } }, files }));
  assert.deepEqual(pkg2.model, { kind: "js", className: "Net", modulePath: "model.js", kwargs: { k: 2 } });
  rejects(
    () => readLearnwarePackage(writeLearnwarePackage({ yaml: { model: { kind: "tflite" } }, files })),
    "PACKAGE_INVALID",
    /model\.kind' 'tflite' is not supported/,
  );
});

test("rejects an entry escaping the folder with ../", () => {
  rejects(
    () => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "../evil.sh", data: "x" }])),
    "PACKAGE_UNSAFE",
    /Entry '\.\.\/evil\.sh' escapes/,
  );
  rejects(() => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "a/..\\..\\evil", data: "x" }])), "PACKAGE_UNSAFE", /escapes/);
});

test("rejects absolute paths, drive letters and NUL bytes", () => {
  rejects(
    () => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "/etc/passwd", data: "x" }])),
    "PACKAGE_UNSAFE",
    /'\/etc\/passwd' is an absolute path/,
  );
  rejects(() => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "C:\\x.txt", data: "x" }])), "PACKAGE_UNSAFE", /Windows drive/);
  rejects(() => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "a.py\u0000.txt", data: "x" }])), "PACKAGE_UNSAFE", /control character/);
});

test("rejects a symbolic link entry (crafted with fflate's attrs and with raw bytes)", () => {
  const link = zipSync({ ...pythonFiles(), link: [enc.encode("/etc/passwd"), { attrs: (0o120777 << 16) >>> 0, os: 3 }] });
  rejects(() => readLearnwarePackage(link), "PACKAGE_UNSAFE", /Entry 'link' is a symbolic link/);
  const raw = rawZip([...entries(pythonFiles()), { name: "stat2.json", data: "stat.json", externalAttrs: (0o120644 << 16) >>> 0 }]);
  rejects(() => readLearnwarePackage(raw), "PACKAGE_UNSAFE", /symbolic link/);
  const fifo = rawZip([...entries(pythonFiles()), { name: "pipe", externalAttrs: (0o010644 << 16) >>> 0 }]);
  rejects(() => readLearnwarePackage(fifo), "PACKAGE_UNSAFE", /special file/);
});

test("rejects duplicate names, also after normalisation, and file/folder clashes", () => {
  rejects(
    () => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "stat.json", data: "{}" }])),
    "PACKAGE_UNSAFE",
    /Entry 'stat\.json' duplicates 'stat\.json'/,
  );
  rejects(() => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "./stat.json", data: "{}" }])), "PACKAGE_UNSAFE", /duplicates/);
  const nfd = rawZip([...entries(pythonFiles()), { name: "caf\u00e9.txt", data: "a" }, { name: "cafe\u0301.txt", data: "b" }]);
  rejects(() => readLearnwarePackage(nfd), "PACKAGE_UNSAFE", /duplicates/);
  rejects(
    () => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "model.pkl/x", data: "b" }])),
    "PACKAGE_UNSAFE",
    /inside 'model\.pkl', which is a file/,
  );
});

test("rejects too many entries before reading them", () => {
  const files: Record<string, Uint8Array> = pythonFiles();
  for (let i = 0; i < 20; i++) files[`data/${i}.txt`] = enc.encode(String(i));
  rejects(() => readLearnwarePackage(zipSync(files), { maxEntries: 10 }), "PACKAGE_TOO_LARGE", /25 entries, more than the limit of 10/);
  assert.equal(readLearnwarePackage(zipSync(files), { maxEntries: 25 }).files.size, 25);
});

test("rejects declared sizes over the limits", () => {
  const lying = rawZip([
    ...entries(pythonFiles()),
    { name: "big.bin", data: "x", method: 0, declaredSize: 600 * 1024 * 1024, declaredCompressedSize: 600 * 1024 * 1024 },
  ]);
  rejects(() => readLearnwarePackage(lying), "PACKAGE_TOO_LARGE", /Entry 'big\.bin' declares 629145600 bytes/);
  const files = { ...pythonFiles(), "w.bin": new Uint8Array(5000).fill(7) };
  rejects(() => readLearnwarePackage(zipSync(files), { maxEntryUncompressed: 4096 }), "PACKAGE_TOO_LARGE", /'w\.bin' declares 5000 bytes/);
  rejects(() => readLearnwarePackage(zipSync(files), { maxTotalUncompressed: 5000 }), "PACKAGE_TOO_LARGE", /more than 5000 bytes uncompressed/);
});

test("rejects a high-ratio zip bomb from the central directory", () => {
  const zeros = new Uint8Array(1536 * 1024); // just over the 1 MiB floor; deflates to ~1.5 KB: ratio ≈ 1000
  const zip = zipSync({ ...pythonFiles(), "weights.bin": [zeros, { level: 9 }] });
  rejects(() => readLearnwarePackage(zip), "PACKAGE_UNSAFE", /'weights\.bin' has a suspicious compression ratio/);
  assert.equal(readLearnwarePackage(zip, { maxCompressionRatio: 5000 }).files.get("weights.bin")!.length, zeros.length);
});

test("rejects an entry that inflates past its declared size, or mismatches its CRC", () => {
  const big = "a".repeat(5000);
  const under = rawZip([...entries(pythonFiles()), { name: "a.txt", data: big, declaredSize: 100 }]);
  rejects(() => readLearnwarePackage(under), "PACKAGE_UNSAFE", /'a\.txt' inflates to more than its declared 100 bytes/);
  const crc = rawZip([...entries(pythonFiles()), { name: "a.txt", data: big, crc: 1234 }]);
  rejects(() => readLearnwarePackage(crc), "PACKAGE_INVALID", /'a\.txt' is corrupt: CRC-32/);
  const renamed = rawZip([...entries(pythonFiles()), { name: "a.txt", data: "x", localName: "../a.txt" }]);
  rejects(() => readLearnwarePackage(renamed), "PACKAGE_UNSAFE", /different name/);
});

test("rejects encrypted entries and unsupported methods", () => {
  rejects(() => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "s.bin", data: "x", flags: 1 }])), "PACKAGE_INVALID", /'s\.bin' is encrypted/);
  rejects(() => readLearnwarePackage(rawZip([...entries(pythonFiles()), { name: "s.bin", data: "x", method: 14 }])), "PACKAGE_INVALID", /method 14 \(LZMA\)/);
});

test("rejects a package without learnware.yaml", () => {
  const { "learnware.yaml": _, ...rest } = pythonFiles();
  rejects(() => readLearnwarePackage(zipSync(rest)), "PACKAGE_INVALID", /no learnware\.yaml/);
  // two top-level folders: not the zip of one folder
  rejects(() => readLearnwarePackage(zipSync({ ...pythonFiles("a/"), "b/x.txt": enc.encode("x") })), "PACKAGE_INVALID", /no learnware\.yaml/);
});

test("rejects bad YAML and a YAML that is not a mapping", () => {
  rejects(
    () => readLearnwarePackage(zipSync({ ...pythonFiles(), "learnware.yaml": enc.encode("model: [unclosed\n") })),
    "PACKAGE_INVALID",
    /learnware\.yaml is not valid YAML/,
  );
  rejects(() => readLearnwarePackage(zipSync({ ...pythonFiles(), "learnware.yaml": enc.encode("") })), "PACKAGE_INVALID", /must be a mapping/);
});

test("rejects a missing stat file, a stat file that is not JSON, and a missing model module", () => {
  const { "stat.json": _s, ...noStat } = pythonFiles();
  rejects(() => readLearnwarePackage(zipSync(noStat)), "PACKAGE_INVALID", /Stat file 'stat\.json' named in learnware\.yaml is missing/);
  rejects(
    () => readLearnwarePackage(zipSync({ ...pythonFiles(), "stat.json": enc.encode("{z: 1") })),
    "PACKAGE_INVALID",
    /Stat file 'stat\.json' is not valid JSON/,
  );
  const { "__init__.py": _m, ...noModule } = pythonFiles();
  rejects(() => readLearnwarePackage(zipSync(noModule)), "PACKAGE_INVALID", /Model module '__init__\.py' named in learnware\.yaml is missing/);
  const escaping = YAML_PY.replace("file_name: stat.json", "file_name: ../stat.json");
  rejects(
    () => readLearnwarePackage(zipSync({ ...pythonFiles(), "learnware.yaml": enc.encode(escaping) })),
    "PACKAGE_UNSAFE",
    /Stat file '\.\.\/stat\.json' in learnware\.yaml/,
  );
});

test("rejects a corrupt zip", () => {
  rejects(() => readLearnwarePackage(enc.encode("this is not a zip at all, just text")), "PACKAGE_INVALID", /not a zip archive/);
  rejects(() => readLearnwarePackage(new Uint8Array(0)), "PACKAGE_INVALID", /not a zip archive/);
  const zip = zipSync(pythonFiles());
  rejects(() => readLearnwarePackage(zip.subarray(0, zip.length - 5)), "PACKAGE_INVALID", /not a zip archive/);
  const damaged = zip.slice();
  const dataStart = 30 + "learnware.yaml".length; // the first entry's data
  damaged[dataStart + 2] = damaged[dataStart + 2]! ^ 0xff;
  damaged[dataStart + 3] = damaged[dataStart + 3]! ^ 0xff;
  rejects(() => readLearnwarePackage(damaged), "PACKAGE_INVALID", /corrupt/);
  const spanned = rawZip(entries(pythonFiles()), { patchEocd: (v) => v.setUint16(4, 1, true) });
  rejects(() => readLearnwarePackage(spanned), "PACKAGE_INVALID", /multi-disk/);
});

test("the file contents and text survive a round trip", () => {
  const pkg = readLearnwarePackage(zipSync(pythonFiles()));
  assert.equal(dec.decode(pkg.files.get("__init__.py")), "class MyModel: pass\n");
});

function entries(files: Record<string, Uint8Array>): { name: string; data: Uint8Array }[] {
  return Object.entries(files).map(([name, data]) => ({ name, data }));
}
