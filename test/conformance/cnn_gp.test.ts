import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cnnGpKernel } from "../../core/image/cnnGpKernel.ts";
import type { ImageBatch } from "../../core/image/preprocess.ts";
import { RKMEImageSpecification } from "../../core/image/rkmeImageSpec.ts";
import { LearnwareError } from "../../core/errors.ts";
import { assertClose, loadCases } from "../_util.ts";

// cnn_gp.json: the Python package's image kernel (cnn_gp.py + _build_ConvNet_NNGP) computed by
// an independent float64 numpy port, test/conformance/cnn_gp_reference.py.
type Ref = string | [string, number];
interface Case {
  name: string;
  net_depth: number;
  x: Ref;
  y: Ref | null;
  kernel: number[][];
}
const doc = JSON.parse(readFileSync(fileURLToPath(new URL("./corpus/cnn_gp.json", import.meta.url)), "utf8")) as {
  tolerance_relative: number;
  images: Record<string, number[][][][]>;
  specs: { a: Record<string, unknown>; b: Record<string, unknown>; inner_aa: number; inner_bb: number; inner_ab: number; dist_ab: number };
};
const RTOL = doc.tolerance_relative;
assert.ok(RTOL <= 1e-6);

function batch(z: number[][][][]): ImageBatch {
  const n = z.length,
    c = z[0]!.length;
  return { n, c, h: 32, w: 32, data: Float64Array.from(z.flat(3)) };
}
const named: Record<string, number[][][][]> = { a: doc.specs.a.z as number[][][][], b: doc.specs.b.z as number[][][][], ...doc.images };
const pick = (r: Ref): ImageBatch => batch(typeof r === "string" ? named[r]! : named[r[0]]!.slice(0, r[1]));

for (const c of loadCases<Case>("cnn_gp.json")) {
  test(`cnn_gp.json ${c.name}: TS CNN-GP kernel matches the numpy reference to ${RTOL} relative`, () => {
    const X = pick(c.x),
      Y = c.y === null ? null : pick(c.y);
    const K = cnnGpKernel(X, Y, { depth: c.net_depth });
    assert.equal(K.length, c.kernel.length * c.kernel[0]!.length);
    c.kernel.forEach((row, i) => row.forEach((v, j) => assertClose(K[i * row.length + j]!, v, 0, RTOL, `${c.name} K[${i}][${j}]`)));
    if (Y === null) {
      // The `same` branch: symmetric, and equal to comparing the batch with a copy of itself.
      const copy = cnnGpKernel(X, { ...X, data: X.data.slice() }, { depth: c.net_depth });
      copy.forEach((v, t) => assertClose(v, K[t]!, 0, 1e-9, `${c.name} same vs copy [${t}]`));
    }
  });
}

test("cnn_gp.json specs: stat files in the Python package's format load as CNN-GP and their inner products and MMD² match", () => {
  const a = RKMEImageSpecification.fromJSON(doc.specs.a),
    b = RKMEImageSpecification.fromJSON(doc.specs.b);
  assert.equal(a.kernelType, "cnn-gp");
  assert.equal(b.kernelType, "cnn-gp");
  assert.ok(a.sameKernelAs(b));
  assertClose(a.innerProduct(a), doc.specs.inner_aa, 0, RTOL, "inner(a,a)");
  assertClose(b.innerProduct(b), doc.specs.inner_bb, 0, RTOL, "inner(b,b)");
  assertClose(a.innerProduct(b), doc.specs.inner_ab, 0, RTOL, "inner(a,b)");
  assertClose(b.innerProduct(a), doc.specs.inner_ab, 0, RTOL, "inner(b,a)");
  assertClose(a.dist(b), doc.specs.dist_ab, 1e-12, RTOL, "dist(a,b)");
  // Written back in the Python shape (no `kernel` label), it loads as the same spec.
  const again = RKMEImageSpecification.parse(a.stringify());
  assert.equal(again.kernelType, "cnn-gp");
  assert.equal((a.toJSON().model_config as Record<string, unknown>).kernel, undefined);
  assert.deepEqual((a.toJSON().model_config as Record<string, unknown>).net_depth, 3);
  assertClose(again.dist(b), doc.specs.dist_ab, 1e-12, RTOL, "dist(again,b)");
});

test("image specs name their kernel: random-feature specs are labelled and never compared with CNN-GP ones", () => {
  const a = RKMEImageSpecification.fromJSON(doc.specs.a);
  const X = pick(["a", 3]);
  const rf = RKMEImageSpecification.generate(X, { K: 2, kernel: { nModels: 1, width: 4 } });
  assert.equal(rf.kernelType, "random-conv-relu-avgpool");
  assert.equal(rf.toJSON().model_config.kernel, "random-conv-relu-avgpool");
  assert.equal(RKMEImageSpecification.parse(rf.stringify()).kernelType, "random-conv-relu-avgpool");
  assert.equal(a.sameKernelAs(rf), false);
  assert.throws(() => a.dist(rf), /different kernels \(cnn-gp vs random-conv-relu-avgpool/);
  assert.equal(RKMEImageSpecification.generate(X, { K: 2, kernelType: "random-conv-relu-avgpool" }).kernelType, "random-conv-relu-avgpool");
  const gp = RKMEImageSpecification.generate(X, { K: 2 });
  assert.equal(gp.kernelType, "cnn-gp", "generate's default is the Python package's kernel");
  assert.ok(gp.sameKernelAs(a));
  const d = gp.dist(a);
  assert.ok(Number.isFinite(d) && d >= -1e-12, `dist ${d}`);
  assertClose(
    gp.beta.reduce((s, v) => s + v, 0),
    1,
    1e-9,
    0,
    "beta sums to 1",
  );
});

test("image stat files with a bad kernel label or CNN-GP configuration are SPEC_INVALID", () => {
  const base = doc.specs.a as { model_config: Record<string, unknown>; z: unknown };
  const bad = (mc: Record<string, unknown>) => () => RKMEImageSpecification.fromJSON({ ...base, model_config: { ...base.model_config, ...mc } });
  const isInvalid = (re: RegExp) => (e: unknown) => e instanceof LearnwareError && e.code === "SPEC_INVALID" && re.test(e.message);
  assert.throws(bad({ kernel: "rbf" }), isInvalid(/model_config.kernel' is "rbf"/));
  assert.throws(bad({ net_depth: 6 }), isInvalid(/net_depth/));
  assert.throws(bad({ kernel_size: 2 }), isInvalid(/kernel_size/));
  assert.throws(bad({ kernel: "random-conv-relu-avgpool", net_width: 1e9 }), isInvalid(/'model_config.net_width' must be an integer 1..1024/));
  assert.throws(() => RKMEImageSpecification.fromJSON({ ...base, beta: [1] }), isInvalid(/'beta' must be 4 finite numbers/));
  assert.throws(() => RKMEImageSpecification.fromJSON({ ...base, z: [] }), isInvalid(/at least one image/));
  const z = structuredClone(base.z as number[][][][]);
  z[1]![2]![3]![4] = "x" as unknown as number;
  assert.throws(() => RKMEImageSpecification.fromJSON({ ...base, z }), isInvalid(/only finite numbers/));
});
