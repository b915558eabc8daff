/**
 * A heterogeneous mixture end to end: ONNX table learnwares with different column sets on a
 * real server; a user whose columns span two of them searches through `/v1/search` and the
 * Beimingwu `/api` and gets a mixture of those two (the Python HeteroSearcher: the user's
 * spec mapped into the market's shared space, the statistical search over the mapped specs);
 * the mixture served by the runner's `POST /mixtures` predicts what the core's alignment over
 * each learnware called directly predicts.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { HeteroAlignedLearnware } from "../../core/hetero/featureAlign.ts";
import { fromRows, type Matrix } from "../../core/matrix.ts";
import { buildDenseOnnx } from "../../core/onnx/onnxBuilder.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { createRng } from "../../core/random.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { ModelClient } from "../../runner/service/client.ts";
import { createMixture, MixtureClient } from "../../runner/service/mixtures.ts";
import { toNested } from "../../runner/tensor.ts";
import { ADMIN, api, runChecks, startTestServer, type TestServer, uploadForm } from "../integration/_server.ts";
import { semantic } from "./_fixtures.ts";
import { startService } from "./_service.ts";
import { repoRoot, scratch } from "../_util.ts";

// Features with distinct marginals (location, scale); a learnware holds some, named by description.
const FEATURES: Record<string, [number, number]> = {
  age: [40, 12],
  income: [50, 15],
  debt: [8, 3],
  tenure: [5, 3],
  balance: [-20, 4],
  "credit score": [0.5, 0.2],
  "body height": [170, 10],
  "body weight": [70, 12],
};

function table(names: string[], n: number, seed: number): Matrix {
  const rng = createRng(seed);
  return fromRows(
    Array.from({ length: n }, () =>
      names.map((c) => {
        const [m, s] = FEATURES[c]!;
        return m + s * rng.normal();
      }),
    ),
  );
}

/** An ONNX classifier over standardised columns (2 classes), its stat spec on data of its columns. */
function learnware(names: string[], seed: number): { zip: Uint8Array; semantic: Record<string, unknown> } {
  const rng = createRng(100 + seed);
  const d = names.length;
  // First layer: standardise (weights 1/sd on the diagonal, bias −mean/sd), then random mixing.
  const scale = names.map((c) => 1 / FEATURES[c]![1]);
  const shift = names.map((c) => -FEATURES[c]![0] / FEATURES[c]![1]);
  const onnx = buildDenseOnnx({
    layers: [
      { weights: names.map((_, i) => names.map((__, j) => (i === j ? scale[i]! : 0))), bias: shift },
      { weights: names.map(() => [rng.normal(), rng.normal()]), bias: [0, 0] },
    ],
    output: "softmax",
  });
  const spec = RKMETableSpecification.generate(table(names, 300, seed), { K: 20, seed });
  const zip = writeLearnwarePackage({
    yaml: {
      model: { kind: "onnx", file: "model.onnx" },
      stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.onnx": onnx, "stat.json": spec.stringify() },
  });
  const sem = semantic({ task: "Classification", inDim: d, outDim: 2 });
  sem.Name = { Values: `hetero ${names.join(" ")}`, Type: "String" };
  sem.Input = { Dimension: d, Description: Object.fromEntries(names.map((c, i) => [String(i), c])) };
  return { zip, semantic: sem };
}

const USER = ["income", "balance", "age", "tenure"];

describe("a heterogeneous mixture: /v1/search, /api, the runner", () => {
  let s: TestServer;
  const ids: Record<string, string> = {};
  const zips = new Map<string, Uint8Array>();
  const userX = table(USER, 200, 9);
  const userSpec = RKMETableSpecification.generate(userX, { K: 20, seed: 7 });
  const userSemantic = semantic({ task: "Classification", inDim: USER.length, outDim: 2 });
  userSemantic.Input = { Dimension: USER.length, Description: Object.fromEntries(USER.map((c, i) => [String(i), c])) };
  userSemantic.Name = { Values: "", Type: "String" };
  userSemantic.Description = { Values: "", Type: "String" };
  before(async () => {
    s = await startTestServer();
    const defs: [string, string[]][] = [
      ["A", ["age", "income", "debt"]],
      ["B", ["tenure", "balance", "credit score"]],
      ["C", ["body height", "body weight", "age"]],
    ];
    for (const [k, [key, names]] of defs.entries()) {
      const lw = learnware(names, k + 1);
      const up = await fetch(`${s.url}/v1/learnwares`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}` },
        body: uploadForm(lw.semantic, lw.zip),
      });
      assert.equal(up.status, 201, await up.clone().text());
      ids[key] = ((await up.json()) as { learnware: { id: string } }).learnware.id;
      zips.set(`${ids[key]}@1`, lw.zip);
      zips.set(`${ids[key]}@latest`, lw.zip);
    }
    assert.equal(await runChecks(s.url), 3);
  });
  after(() => s.close());

  let answer: {
    single: { items: { id: string; columnMap?: number[] }[] };
    multiple: { ids: string[]; weights: number[]; score: number; columnMaps: number[][] } | null;
  };

  it("/v1/search: no learnware takes 4 columns, so the hetero search answers with singles and a mixture of the two learnwares the user's columns span", async () => {
    const r = await api(s.url, "POST", "/v1/search", { json: { semantic: userSemantic, stat: userSpec.toJSON() } });
    assert.equal(r.status, 200, JSON.stringify(r.data));
    assert.equal(r.data.path, "hetero");
    answer = r.data;
    const m = r.data.multiple;
    assert.ok(m !== null, JSON.stringify(r.data));
    assert.deepEqual([...m.ids].sort(), [ids.A, ids.B].sort());
    for (const w of m.weights) assert.ok(w > 0.2 && w < 0.8, `weights ${m.weights}`);
    assert.ok(m.score >= r.data.single.items[0].score);
    // Column maps for reuse: A reads user columns 2 (age), 0 (income) and imputes debt; B reads 3 (tenure), 1 (balance).
    assert.deepEqual(m.columnMaps[m.ids.indexOf(ids.A)], [2, 0, -1]);
    assert.deepEqual(m.columnMaps[m.ids.indexOf(ids.B)], [3, 1, -1]);
    // Fit measured in the shared space where the answer was ranked: every single has a band, the
    // mixture too, with its members' contributions (the user's data come from A and B).
    for (const it of r.data.single.items) assert.ok(["fits", "fits partly", "does not fit"].includes(it.fit?.band), JSON.stringify(it.fit));
    assert.ok(m.fit !== null && m.fit.band !== "does not fit", JSON.stringify(m.fit));
    assert.deepEqual(
      m.members.map((x: { id: string }) => x.id),
      m.ids,
    );
    assert.equal(typeof r.data.legend, "string");
    // method none: singles only, as the homogeneous search.
    const none = await api(s.url, "POST", "/v1/search", { json: { semantic: userSemantic, stat: userSpec.toJSON(), method: "none" } });
    assert.equal(none.data.multiple, null);
    assert.equal(none.data.single.items[0].id, r.data.single.items[0].id);
  });

  it("/api (the Python client's search_learnware): is_hetero with the mixture in learnware_list_multi, as for a homogeneous query", async () => {
    const fd = new FormData();
    fd.set("semantic_specification", JSON.stringify(userSemantic));
    fd.set("statistical_specification", new Blob([userSpec.stringify()], { type: "application/json" }), "stat.json");
    const res = await fetch(`${s.url}/api/engine/search_learnware`, { method: "POST", body: fd });
    const body = (await res.json()) as {
      code: number;
      data: { is_hetero: boolean; learnware_list_multi: { learnware_id: string; matching: number }[]; learnware_list_single: { learnware_id: string }[] };
    };
    assert.equal(body.code, 0, JSON.stringify(body));
    assert.equal(body.data.is_hetero, true);
    assert.deepEqual(
      body.data.learnware_list_multi.map((x) => x.learnware_id),
      answer.multiple!.ids,
    );
    for (const x of body.data.learnware_list_multi) assert.equal(x.matching, answer.multiple!.score);
    assert.equal(body.data.learnware_list_single[0]!.learnware_id, answer.single.items[0]!.id);
  });

  it("lw search --server: the same hetero answer with its column maps (JSON and table)", async () => {
    const dir = scratch("lw-hetcli-");
    writeFileSync(join(dir, "stat.json"), userSpec.stringify());
    writeFileSync(join(dir, "semantic.json"), JSON.stringify(userSemantic));
    const lw = (args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [join(repoRoot, "cli", "lw.js"), ...args, ...(args[0] === "search" ? ["--server", s.url] : [])], {
          cwd: dir,
          env: { ...process.env, LW_SERVER: s.url, LW_TOKEN: ADMIN, LW_CONFIG: join(dir, "no-lw-config.json") },
        });
        let out = "",
          err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
      });
    const json = await lw(["search", "--spec", "stat.json", "--semantic", "semantic.json", "--json"]);
    assert.equal(json.code, 0, json.err);
    const got = JSON.parse(json.out);
    assert.equal(got.path, "hetero");
    assert.deepEqual(got.multiple.ids, answer.multiple!.ids);
    assert.deepEqual(got.multiple.columnMaps, answer.multiple!.columnMaps);
    assert.deepEqual(got.single[0].columnMap, answer.single.items[0]!.columnMap);
    const text = await lw(["search", "--spec", "stat.json", "--semantic", "semantic.json", "--hetero", "on"]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /Heterogeneous answer/);
    assert.match(text.out, /mixture: score/);
    assert.match(text.out, /columns ← \[2, 0, -1\]/);
    const off = await lw(["search", "--spec", "stat.json", "--semantic", "semantic.json", "--hetero", "off"]);
    assert.match(off.out, /No matching learnwares/);
    const bad = await lw(["search", "--spec", "stat.json", "--hetero", "maybe"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--hetero must be auto, on or off/);
  });

  it("the runner serves the hetero mixture: predictions equal the core's alignment over each learnware called directly; a member that cannot be aligned is refused", async () => {
    const svc = await startService(scratch("lw-hetmix-"), zips, {}, { mixtures: true });
    try {
      const rows = toNested({ dtype: "float64", shape: [12, USER.length], data: userX.data.slice(0, 12 * USER.length) }) as number[][];
      const info = await createMixture(svc.address, { result: { single: answer.single.items, multiple: answer.multiple } as never, kind: "averaging" });
      assert.deepEqual(
        info.learnwares.map((l) => [l.id, l.columnMap]),
        answer.multiple!.ids.map((id, i) => [id, answer.multiple!.columnMaps[i]]),
      );
      const y = await new MixtureClient(svc.address, info.id).predict(rows);
      assert.deepEqual(y.shape, [12, 2]);
      const aligned = answer.multiple!.ids.map(
        (id, i) =>
          new HeteroAlignedLearnware(
            {
              id,
              spec: RKMETableSpecification.fromJSON(JSON.parse(new TextDecoder().decode(statOf(zips.get(`${id}@1`)!)))),
              async predict(X: Matrix): Promise<Matrix> {
                const t = await new ModelClient(svc.address, { model: id, version: 1 }).predict(
                  toNested({ dtype: "float64", shape: [X.rows, X.cols], data: X.data }) as number[][],
                );
                return { rows: X.rows, cols: t.data.length / X.rows, data: Float64Array.from(t.data) };
              },
            },
            answer.multiple!.columnMaps[i]!,
          ),
      );
      const X = fromRows(rows);
      const preds = await Promise.all(aligned.map((a) => a.predict(X)));
      for (let i = 0; i < 24; i++) {
        const e = (preds[0]!.data[i]! + preds[1]!.data[i]!) / 2;
        assert.ok(Math.abs(y.data[i]! - e) < 1e-6, `element ${i}: ${y.data[i]} vs ${e}`);
      }
      // The members really differ, so the mean proves both ran.
      assert.ok(Math.abs(preds[0]!.data[0]! - preds[1]!.data[0]!) > 1e-3);

      const post = (body: unknown) =>
        fetch(`${svc.address}/mixtures`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      // A member whose map feeds none of its columns cannot be aligned: 400 naming it.
      const m = answer.multiple!;
      const unaligned = await post({ result: { single: [], multiple: { ...m, columnMaps: [m.columnMaps[0], [-1, -1, -1]] } }, kind: "averaging" });
      assert.equal(unaligned.status, 400);
      assert.match(((await unaligned.json()) as { error: { message: string } }).error.message, new RegExp(`'${m.ids[1]}' cannot be aligned`));
      // A mixture member without a map while others have one: 400.
      const partial = await post({
        result: { single: [{ id: m.ids[0], score: 1, dist: 0, columnMap: m.columnMaps[0] }], multiple: { ...m, columnMaps: undefined } },
        kind: "averaging",
      });
      assert.equal(partial.status, 400);
      assert.match(((await partial.json()) as { error: { message: string } }).error.message, /has no columnMap/);
      const ragged = await post({ result: { single: [], multiple: { ...m, columnMaps: [m.columnMaps[0]] } }, kind: "averaging" });
      assert.equal(ragged.status, 400);
    } finally {
      await svc.close();
    }
  });
});

/** The package's stat.json (the runner reads the same file). */
function statOf(zip: Uint8Array): Uint8Array {
  return readLearnwarePackage(zip).files.get("stat.json")!;
}
