/**
 * What a replica saves by loading the inverted file another replica trained (issue #17):
 * training a bucket's lists (spherical k-means + every sketch's list) against installing
 * stored centroids (every sketch's list only), on one thread with the wasm kernels.
 *
 *   node --import tsx bench/index/ivfShare.ts [n=20000]
 */
import "../../wasm/preload.ts";
import { RkmeIndex } from "../../core/index/rkmeIndex.ts";
import { createRng } from "../../core/random.ts";

const n = Number(process.argv[2] ?? 20000);
const F = 256;
const rng = createRng(3);
const centres = Array.from({ length: 150 }, () => Float32Array.from({ length: F }, () => rng.normal()));
const filled = () => {
  const index = new RkmeIndex({ autoTrain: false, ivfMinSize: 1000 });
  for (let i = 0; i < n; i++) {
    const c = centres[i % centres.length]!;
    index.addEntry({
      id: `lw${String(i).padStart(7, "0")}`,
      dim: 10,
      gamma: 0.1,
      sketch: Float32Array.from(c, (v) => v + 0.5 * rng.normal()),
      selfInnerProduct: 1,
    });
  }
  return index;
};
const trainer = filled();
const loader = filled();
const noPause = () => Promise.resolve();
let t = performance.now();
const trained = await trainer.trainBucketInBackground(10, 0.1, { pause: noPause });
const trainMs = performance.now() - t;
t = performance.now();
await loader.trainBucketInBackground(10, 0.1, { pause: noPause, centroids: trained! });
const loadMs = performance.now() - t;
console.log(JSON.stringify({ n, lists: trained!.centroids.length / F, trainMs: Math.round(trainMs), loadMs: Math.round(loadMs) }));
