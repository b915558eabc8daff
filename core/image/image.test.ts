import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../random.ts";
import { type ImageBatch, preprocessImages, resizeImages, standardizeChannels, zcaChannels } from "./preprocess.ts";
import { imageDistToScore, RKMEImageSpecification } from "./rkmeImageSpec.ts";

function images(seed: number, n: number, side: number, kind: "stripes-h" | "stripes-v" | "blob"): ImageBatch {
  const rng = createRng(seed),
    c = 3;
  const data = new Float64Array(n * c * side * side);
  for (let i = 0; i < n; i++) {
    const phase = rng.next() * 6,
      tint = [rng.next(), rng.next(), rng.next()];
    const cx = side * (0.3 + 0.4 * rng.next()),
      cy = side * (0.3 + 0.4 * rng.next());
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) {
          const v =
            kind === "stripes-h"
              ? Math.sin(y * 1.2 + phase)
              : kind === "stripes-v"
                ? Math.sin(x * 1.2 + phase)
                : Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (side * side * 0.02));
          data[((i * c + ch) * side + y) * side + x] = 128 + 100 * v * (0.5 + tint[ch]!) + 10 * rng.normal();
        }
  }
  return { n, c, h: side, w: side, data };
}

test("preprocessing: area resize, per-channel standardisation, channel ZCA", () => {
  const one = { n: 1, c: 1, h: 4, w: 4, data: Float64Array.from({ length: 16 }, (_, i) => i) };
  const r = resizeImages(one, 2, 2);
  assert.deepEqual(Array.from(r.data), [2.5, 4.5, 10.5, 12.5]);
  const up = resizeImages({ n: 1, c: 1, h: 1, w: 2, data: Float64Array.from([0, 1]) }, 1, 4);
  assert.deepEqual(Array.from(up.data), [0, 0.25, 0.75, 1]);
  const X = standardizeChannels(images(1, 4, 8, "blob"));
  let s = 0;
  for (let t = 0; t < 4 * 64; t++) s += X.data[(t % 64) + Math.floor(t / 64) * 192]!;
  assert.ok(Math.abs(s) < 1e-9);
  const W = zcaChannels(X, 0);
  const cov = (a: number, b: number) => {
    let v = 0;
    for (let i = 0; i < 4; i++) for (let t = 0; t < 64; t++) v += W.data[(i * 3 + a) * 64 + t]! * W.data[(i * 3 + b) * 64 + t]!;
    return v / 256;
  };
  assert.ok(Math.abs(cov(0, 0) - 1) < 1e-6 && Math.abs(cov(0, 1)) < 1e-6, `cov ${cov(0, 0)} ${cov(0, 1)}`);
  const P = preprocessImages({
    ...images(2, 2, 40, "blob"),
    data: (() => {
      const d = images(2, 2, 40, "blob").data;
      d[5] = NaN;
      return d;
    })(),
  });
  assert.equal(P.h, 32);
  assert.ok(P.data.every(Number.isFinite));
});

test("image specs tell image distributions apart and round-trip through JSON", () => {
  const kernel = { nModels: 2, width: 8 };
  const A = RKMEImageSpecification.generate(images(10, 24, 24, "stripes-h"), { K: 4, kernel });
  const B = RKMEImageSpecification.generate(images(11, 24, 40, "stripes-v"), { K: 4, kernel });
  const C = RKMEImageSpecification.generate(images(12, 24, 32, "blob"), { K: 4, kernel });
  const user = RKMEImageSpecification.generate(images(13, 16, 28, "stripes-h"), { K: 3, kernel });
  const dA = A.dist(user),
    dB = B.dist(user),
    dC = C.dist(user);
  assert.ok(dA < dB && dA < dC, `dists ${dA} ${dB} ${dC}`);
  assert.equal(A.dist(A), 0);
  assert.ok(Math.abs(A.beta.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  const back = RKMEImageSpecification.fromJSON(JSON.parse(JSON.stringify(A.toJSON())));
  assert.ok(Math.abs(back.dist(user) - dA) < 1e-9);
  assert.throws(() => A.dist(RKMEImageSpecification.generate(images(14, 6, 32, "blob"), { K: 2, kernel: { nModels: 1, width: 8 } })), /different kernels/);
  assert.equal(imageDistToScore(0), 0);
  assert.ok(Math.abs(imageDistToScore(0.00005) - (1 - Math.exp(-1))) < 1e-15);
});

test("CNN-GP image specs (the default kind) rank the learnware of the user's image kind first", () => {
  const A = RKMEImageSpecification.generate(images(10, 24, 24, "stripes-h"), { K: 4 });
  const B = RKMEImageSpecification.generate(images(11, 24, 40, "stripes-v"), { K: 4 });
  const C = RKMEImageSpecification.generate(images(12, 24, 32, "blob"), { K: 4 });
  assert.equal(A.kernelType, "cnn-gp");
  for (const [kind, right] of [
    ["stripes-h", A],
    ["stripes-v", B],
    ["blob", C],
  ] as const) {
    const user = RKMEImageSpecification.generate(images(20, 16, 28, kind), { K: 3 });
    const d = [A, B, C].map((s) => user.dist(s));
    const best = [A, B, C][d.indexOf(Math.min(...d))];
    assert.equal(best, right, `${kind}: dists ${d.join(" ")}`);
  }
  assert.ok(Math.abs(A.dist(A)) < 1e-12);
  const back = RKMEImageSpecification.parse(A.stringify());
  assert.equal(back.kernelType, "cnn-gp");
  assert.ok(Math.abs(back.dist(B) - A.dist(B)) < 1e-9 * A.dist(B));
});
