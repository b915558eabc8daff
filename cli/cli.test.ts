// Runs the real `lw` binary (cli/lw.js) as a user would, on files in a temp folder.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCases, removeScratch, repoRoot, scratch } from "../test/_util.ts";
import type { SearchCase } from "../test/conformance/search.test.ts";

const dir = scratch("lw-cli-");
after(() => removeScratch(dir));
const lw = join(repoRoot, "cli", "lw.js");

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [lw, ...args], { cwd: dir, encoding: "utf8" });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A bad input fails with exit 2 and one line on stderr naming the problem, never a stack trace. */
function assertCleanFailure(r: { code: number; err: string }, mentions: RegExp): void {
  assert.equal(r.code, 2, `exit code, stderr: ${r.err}`);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected, got: ${r.err}`);
  assert.match(lines[0]!, /^lw: /);
  assert.match(lines[0]!, mentions);
  assert.doesNotMatch(r.err, /\bat .*\.ts:\d+/);
}

function writeCsv(name: string, rows: number, cols: number, seed: number, header = true): string {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = header ? [Array.from({ length: cols }, (_, j) => `f${j}`).join(",")] : [];
  for (let i = 0; i < rows; i++) lines.push(Array.from({ length: cols }, () => (rnd() * 4 - 2).toFixed(5)).join(","));
  writeFileSync(join(dir, name), lines.join("\n") + "\n");
  return name;
}

const validSemantic = loadCases<{ spec: unknown; expected_status: number }>("semantic.json").find((c) => c.expected_status === 0)!.spec;
const invalidSemantic = loadCases<{ id: string; spec: unknown }>("semantic.json").find((c) => c.id === "e23_data_invalid_value")!.spec;

test("lw help lists the commands", () => {
  const r = run("help");
  assert.equal(r.code, 0);
  for (const c of ["spec generate", "spec dist", "search", "check semantic", "check package"]) assert.ok(r.out.includes(c), c);
});

test("lw spec generate writes a Python-compatible stat.json, deterministic per seed", () => {
  writeCsv("data.csv", 300, 4, 7);
  const a = run("spec", "generate", "--input", "data.csv", "--output", "a.json", "--K", "20", "--seed", "3");
  assert.equal(a.code, 0, a.err);
  const b = run("spec", "generate", "--input", "data.csv", "--output", "b.json", "--K", "20", "--seed", "3");
  assert.equal(b.code, 0, b.err);
  const dist = run("spec", "dist", "a.json", "b.json");
  assert.equal(dist.code, 0, dist.err);
  const d = JSON.parse(dist.out);
  assert.equal(d.dist, 0);
  assert.ok(d.ip_aa > 0 && d.ip_ab === d.ip_aa);
  const spec = JSON.parse(readText("a.json"));
  assert.deepEqual(Object.keys(spec).sort(), ["beta", "gamma", "num_points", "type", "z"]);
  assert.equal(spec.type, "RKMETableSpecification");
  assert.equal(spec.z.length, 20);
  assert.equal(spec.z[0].length, 4);
  assert.equal(spec.num_points, 300);
});

function readText(name: string): string {
  return readFileSync(join(dir, name), "utf8");
}

test("lw spec generate reads headerless CSV, JSON and .npy alike", () => {
  writeCsv("nohead.csv", 50, 3, 11, false);
  assert.equal(run("spec", "generate", "-i", "nohead.csv", "-o", "n1.json", "--K", "5").code, 0);
  writeFileSync(join(dir, "data.json"), JSON.stringify(Array.from({ length: 40 }, (_, i) => [i % 7, i % 5, (i * 3) % 11])));
  assert.equal(run("spec", "generate", "-i", "data.json", "-o", "n2.json", "--K", "5").code, 0);
  // A float64 .npy of shape (30, 2), written by hand.
  const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (30, 2), }";
  const pad = 64 - ((10 + header.length + 1) % 64);
  const h = header + " ".repeat(pad) + "\n";
  const buf = new Uint8Array(10 + h.length + 30 * 2 * 8);
  buf.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
  buf.set(new TextEncoder().encode(h), 10);
  const vals = new Float64Array(60).map((_, i) => Math.sin(i));
  buf.set(new Uint8Array(vals.buffer), 10 + h.length);
  writeFileSync(join(dir, "data.npy"), buf);
  const r = run("spec", "generate", "-i", "data.npy", "-o", "n3.json", "--K", "5");
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(readText("n3.json")).num_points, 30);
});

test("lw search on each search.json scenario prints the expected ids, scores and mixture", () => {
  // Written as Python's json.dump writes them: non-finite numbers as bare NaN / Infinity tokens.
  const pyJson = (v: unknown) => JSON.stringify(v).replace(/"(NaN|-?Infinity)"/g, "$1");
  for (const c of loadCases<SearchCase>("search.json", true)) {
    writeFileSync(join(dir, `${c.id}.market.json`), pyJson(c.market));
    writeFileSync(join(dir, `${c.id}.user.json`), JSON.stringify(c.user));
    const r = run(
      "search",
      "--market",
      `${c.id}.market.json`,
      "--spec",
      `${c.id}.user.json`,
      "--max",
      String(c.max_search_num),
      "--method",
      c.search_method,
      "--json",
    );
    assert.equal(r.code, 0, `${c.id}: ${r.err}`);
    const got = JSON.parse(r.out);
    assert.deepEqual(
      got.single.map((s: { id: string }) => s.id),
      c.expected.single.map((s) => s.id),
      `${c.id} single ids`,
    );
    got.single.forEach((s: { score: number }, i: number) => assert.ok(Math.abs(s.score - c.expected.single[i]!.score) <= 1e-6, `${c.id} score ${i}`));
    if (c.expected.multiple === null) assert.equal(got.multiple, null, c.id);
    else {
      assert.deepEqual(got.multiple.ids, c.expected.multiple.ids, `${c.id} mixture ids`);
      assert.ok(Math.abs(got.multiple.score - c.expected.multiple.score) <= 1e-6, `${c.id} mixture score`);
    }
  }
});

test("lw search without --json prints a table", () => {
  const r = run("search", "--market", "s01_greedy_d5_m20.market.json", "--spec", "s01_greedy_d5_m20.user.json");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ID\s+NAME\s+SCORE\s+MMD²\s+FIT/);
  assert.match(r.out, /mixture: score/);
  assert.match(r.out, /score: relative/, "the legend");
});

test("lw check semantic gives the verdict and exit code", () => {
  writeFileSync(join(dir, "good.json"), JSON.stringify(validSemantic));
  writeFileSync(join(dir, "bad.json"), JSON.stringify(invalidSemantic));
  const ok = run("check", "semantic", "good.json");
  assert.equal(ok.code, 0);
  assert.match(ok.out, /^NONUSABLE \(0\)/);
  const bad = run("check", "semantic", "bad.json", "--json");
  assert.equal(bad.code, 1);
  const v = JSON.parse(bad.out);
  assert.equal(v.status, -1);
  assert.match(v.message, /Data/);
});

test("bad inputs exit 2 with one line naming the problem", () => {
  assertCleanFailure(run("spec", "generate", "--input", "missing.csv", "--output", "x.json"), /missing\.csv/);
  writeFileSync(join(dir, "broken.json"), "{not json");
  assertCleanFailure(run("spec", "dist", "broken.json", "broken.json"), /broken\.json.*not valid JSON/);
  writeFileSync(join(dir, "ragged.csv"), "a,b\n1,2\n3\n");
  assertCleanFailure(run("spec", "generate", "-i", "ragged.csv", "-o", "x.json"), /line 3/);
  writeFileSync(join(dir, "words.csv"), "a,b\n1,2\n3,hello\n");
  assertCleanFailure(run("spec", "generate", "-i", "words.csv", "-o", "x.json"), /hello/);
  writeFileSync(join(dir, "nancol.csv"), "a,b\n1,\n2,nan\n3,\n");
  assertCleanFailure(run("spec", "generate", "-i", "nancol.csv", "-o", "x.json"), /column/i);
  writeFileSync(join(dir, "notspec.json"), JSON.stringify({ z: [[1, 2]], beta: [1, 2], gamma: 0.1 }));
  assertCleanFailure(run("spec", "dist", "notspec.json", "notspec.json"), /notspec\.json/);
  assertCleanFailure(run("search", "--market", "nope.json", "--spec", "a.json"), /nope\.json/);
  assertCleanFailure(run("spec", "generate", "-i", "data.csv", "-o", "x.json", "--K", "ten"), /--K/);
  assertCleanFailure(run("frobnicate"), /Unknown command/);
  assertCleanFailure(run("spec", "generate", "--bogus"), /bogus/);
});

test("lw check package and lw search over a folder of learnware zips", async () => {
  const { writeLearnwarePackage } = await import("../core/package/mod.ts");
  const { mkdirSync } = await import("node:fs");
  const c = loadCases<SearchCase>("search.json", true).find((x) => x.id === "s01_greedy_d5_m20")!;
  const folder = join(dir, "market");
  mkdirSync(folder, { recursive: true });
  const sem = (d: number) => ({ ...(validSemantic as object), Input: { Dimension: d, Description: {} } });
  for (const m of c.market) {
    const zip = writeLearnwarePackage({
      yaml: {
        model: { class_name: "MyModel", kwargs: {} },
        stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat_spec.json", kwargs: {} }],
      },
      files: { "__init__.py": "class MyModel: pass\n", "stat_spec.json": JSON.stringify(m.spec), "requirements.txt": "numpy\n" },
    });
    writeFileSync(join(folder, `${m.id}.zip`), zip);
    writeFileSync(join(folder, `${m.id}.semantic.json`), JSON.stringify(sem(5)));
  }
  writeFileSync(join(dir, "sem5.json"), JSON.stringify(sem(5)));
  writeFileSync(join(dir, "sem7.json"), JSON.stringify(sem(7)));
  const first = join("market", `${c.market[0]!.id}.zip`);
  const ok = run("check", "package", first, "--semantic", "sem5.json", "--json");
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.equal(JSON.parse(ok.out).status, 0);
  const wrongDim = run("check", "package", first, "--semantic", "sem7.json");
  assert.equal(wrongDim.code, 1);
  assert.match(wrongDim.out, /^INVALID \(-1\): .*dimension 5 .*Input\.Dimension is 7/);
  writeFileSync(join(dir, "notzip.zip"), "hello");
  const broken = run("check", "package", "notzip.zip");
  assert.equal(broken.code, 1);
  assert.match(broken.out, /^INVALID \(-1\)/);

  const fromFolder = run("search", "--market", "market", "--spec", `${c.id}.user.json`, "--json");
  assert.equal(fromFolder.code, 0, fromFolder.err);
  const got = JSON.parse(fromFolder.out);
  assert.deepEqual(
    got.single.map((s: { id: string }) => s.id),
    c.expected.single.map((s) => s.id),
  );
  assert.deepEqual(got.multiple.ids, c.expected.multiple!.ids);
  const semanticOnly = run("search", "--market", "market", "--semantic", "sem5.json", "--json");
  assert.equal(semanticOnly.code, 0, semanticOnly.err);
  assert.equal(JSON.parse(semanticOnly.out).single.length, c.market.length);
});
