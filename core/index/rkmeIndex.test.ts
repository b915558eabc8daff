import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../random.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";
import { searchStatistical } from "../search/statSearch.ts";
import { createFeatureMap } from "./featureMap.ts";
import { sketchDist, sketchSpec } from "./sketch.ts";
import { RkmeIndex } from "./rkmeIndex.ts";
import { indexedSearch } from "./indexedSearch.ts";
import { TopK } from "./topK.ts";

const D = 4,
  M = 12,
  GAMMA = 0.2;

/** A small clustered market: `clusters` centres, specs = noisy point sets around one. */
function clusteredMarket(n: number, clusters: number, seed: number, dim = D, gamma = GAMMA) {
  const rng = createRng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => 4 * rng.normal()));
  const make = (c: number, spread: number): RKMETableSpecification => {
    const z = new Float64Array(M * dim),
      beta = new Float64Array(M);
    const shift = Array.from({ length: dim }, () => spread * rng.normal());
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < dim; k++) z[i * dim + k] = centres[c]![k]! + shift[k]! + 0.7 * rng.normal();
      beta[i] = 1 / M;
    }
    return new RKMETableSpecification({ rows: M, cols: dim, data: z }, beta, gamma, 100);
  };
  const market = Array.from({ length: n }, (_, i) => ({ id: `lw-${i}`, spec: make(i % clusters, 0.6) }));
  return { market, make };
}

test("the sketch distance approximates MMD² and is exact on identical specs", () => {
  const { market } = clusteredMarket(20, 4, 1);
  const map = createFeatureMap({ dim: D, gamma: GAMMA, features: 2048, seed: 3 });
  const a = market[0]!.spec;
  assert.equal(sketchDist(sketchSpec(a, map), sketchSpec(a, map)), 0);
  for (const other of market.slice(1, 8)) {
    const exact = a.dist(other.spec);
    const approx = sketchDist(sketchSpec(a, map), sketchSpec(other.spec, map));
    assert.ok(Math.abs(approx - exact) <= 0.05 + 0.15 * exact, `approx ${approx} vs exact ${exact}`);
  }
  // ⟨φ(x), φ(x)⟩ = 1: a one-point spec has a unit-norm sketch.
  const one = new RKMETableSpecification({ rows: 1, cols: D, data: new Float64Array([1, 2, 3, 4]) }, new Float64Array([1]), GAMMA, 1);
  const s = sketchSpec(one, map);
  assert.ok(Math.abs(s.reduce((acc, v) => acc + v * v, 0) - 1) < 1e-5);
});

test("feature maps are deterministic and reject bad options", () => {
  const a = createFeatureMap({ dim: 3, gamma: 0.5, features: 16, seed: 9 });
  const b = createFeatureMap({ dim: 3, gamma: 0.5, features: 16, seed: 9 });
  assert.deepEqual(a.frequencies, b.frequencies);
  assert.throws(() => createFeatureMap({ dim: 3, gamma: 0.5, features: 15 }), RangeError);
  assert.throws(() => createFeatureMap({ dim: 0, gamma: 0.5 }), RangeError);
  assert.throws(() => createFeatureMap({ dim: 3, gamma: -1 }), RangeError);
});

test("TopK keeps the k smallest, nearest first", () => {
  const t = new TopK(3);
  const rng = createRng(5);
  const xs = Array.from({ length: 200 }, () => rng.next());
  xs.forEach((x, i) => t.push(x, i));
  const want = xs
    .map((x, i) => ({ x, i }))
    .sort((a, b) => a.x - b.x)
    .slice(0, 3)
    .map((e) => e.i);
  assert.deepEqual(
    t.sorted().map((e) => e.slot),
    want,
  );
});

test("known answer: each user's nearest learnwares are found (recall on a clustered market)", async () => {
  const { market, make } = clusteredMarket(400, 8, 11);
  const index = new RkmeIndex({ features: 256, seed: 1 });
  for (const m of market) index.add(m.id, m.spec);
  const byId = new Map(market.map((m) => [m.id, m.spec]));
  let hit1 = 0,
    hit5 = 0;
  const users = Array.from({ length: 10 }, (_, u) => make(u % 8, 0.6));
  for (const user of users) {
    const exact = market.map((m) => ({ id: m.id, d: m.spec.dist(user) })).sort((a, b) => a.d - b.d);
    const r = await indexedSearch(user, index, (ids) => ids.map((id) => byId.get(id)), { topN: 40, indexThreshold: 100, method: "none" });
    assert.equal(r.path, "index");
    assert.equal(r.candidates, 40);
    const cand = new Set(index.search(user, { topN: 40 }).map((c) => c.id));
    if (cand.has(exact[0]!.id)) hit1++;
    hit5 += exact.slice(0, 5).filter((e) => cand.has(e.id)).length;
    // The indexed search's top result and distance are the exact ones whenever it was found.
    if (cand.has(exact[0]!.id)) {
      assert.equal(r.single[0]!.id, exact[0]!.id);
      assert.equal(r.single[0]!.dist, exact[0]!.d);
    }
  }
  assert.ok(hit1 >= 10, `recall@1 ${hit1}/10`);
  assert.ok(hit5 >= 48, `recall@5 ${hit5}/50`);
});

test("exact: true equals searchStatistical over the market in order", async () => {
  const { market, make } = clusteredMarket(60, 3, 21);
  const index = new RkmeIndex({ features: 64 });
  for (const m of market) index.add(m.id, m.spec);
  const byId = new Map(market.map((m) => [m.id, m.spec]));
  const fetch = (ids: readonly string[]) => ids.map((id) => byId.get(id));
  for (const method of ["greedy", "auto", "none"] as const) {
    const user = make(1, 0.8);
    const want = searchStatistical(user, market, { maxSearchNum: 3, method });
    const got = await indexedSearch(user, index, fetch, { exact: true, maxSearchNum: 3, method, indexThreshold: 1 });
    assert.equal(got.path, "exact");
    assert.deepEqual({ single: got.single, multiple: got.multiple }, want);
  }
  // Small markets take the exact path automatically.
  const user = make(0, 0.5);
  const auto = await indexedSearch(user, index, fetch);
  assert.equal(auto.path, "exact");
  assert.deepEqual({ single: auto.single, multiple: auto.multiple }, searchStatistical(user, market));
});

test("updates and deletes keep the index consistent with a fresh build", () => {
  const { market, make } = clusteredMarket(120, 4, 31);
  const index = new RkmeIndex({ features: 64, ivfMinSize: 50, ivfLists: 6 });
  for (const m of market) index.add(m.id, m.spec);
  assert.equal(index.stats()[0]!.ivfLists, 6);
  // Delete every third, update every fifth (new spec, same id), add some new ones.
  const live = new Map(market.map((m) => [m.id, m.spec]));
  market.forEach((m, i) => {
    if (i % 3 === 0) {
      assert.equal(index.remove(m.id), true);
      live.delete(m.id);
    } else if (i % 5 === 0) {
      const s = make(i % 4, 0.6);
      index.add(m.id, s);
      live.set(m.id, s);
    }
  });
  for (let i = 0; i < 10; i++) {
    const s = make(i % 4, 0.6);
    index.add(`new-${i}`, s);
    live.set(`new-${i}`, s);
  }
  assert.equal(index.remove("nope"), false);
  assert.equal(index.size, live.size);
  // Market order: survivors keep their position, new ones come last.
  assert.deepEqual(index.idsOfDim(D), [...market.map((m) => m.id).filter((id) => live.has(id)), ...Array.from({ length: 10 }, (_, i) => `new-${i}`)]);
  const fresh = new RkmeIndex({ features: 64 });
  for (const [id, s] of live) fresh.add(id, s);
  for (let u = 0; u < 5; u++) {
    const user = make(u % 4, 0.6);
    const all = index.search(user, { topN: live.size, probeFraction: 1 });
    const want = fresh.search(user, { topN: live.size });
    assert.deepEqual(all.map((c) => c.id).sort(), want.map((c) => c.id).sort());
    const byId = new Map(want.map((c) => [c.id, c.approxDist]));
    for (const c of all) assert.equal(c.approxDist, byId.get(c.id));
    // Deleted ids never come back; the IVF path returns live ids only.
    for (const c of index.search(user, { topN: 20 })) assert.ok(live.has(c.id), c.id);
  }
  assert.equal(index.selfInnerProduct(market[5]!.id), live.get(market[5]!.id)!.innerProduct(live.get(market[5]!.id)!));
});

test("serialize → deserialize gives identical search results (restart)", async () => {
  const { market, make } = clusteredMarket(150, 5, 41);
  const index = new RkmeIndex({ features: 64, ivfMinSize: 100, ivfLists: 8 });
  for (const m of market) index.add(m.id, m.spec);
  index.remove("lw-7");
  index.add("lw-3", make(2, 0.5));
  // A second bucket: another gamma of the same dimension, and another dimension.
  const other = clusteredMarket(5, 1, 42, D, 0.5).market.map((m) => ({ id: `g-${m.id}`, spec: m.spec }));
  for (const m of other) index.add(m.id, m.spec);
  const d3 = clusteredMarket(5, 1, 43, 3).market.map((m) => ({ id: `d3-${m.id}`, spec: m.spec }));
  for (const m of d3) index.add(m.id, m.spec);
  const bytes = index.serialize();
  const copy = RkmeIndex.deserialize(bytes);
  assert.equal(copy.size, index.size);
  assert.deepEqual(
    copy.stats().map((s) => [s.dim, s.gamma, s.size, s.ivfLists]),
    index.stats().map((s) => [s.dim, s.gamma, s.size, s.ivfLists]),
  );
  assert.deepEqual(copy.serialize(), bytes);
  for (let u = 0; u < 5; u++) {
    const user = make(u, 0.6);
    assert.deepEqual(copy.search(user, { topN: 15 }), index.search(user, { topN: 15 }));
  }
  // Both keep working identically after further updates.
  const extra = make(1, 0.6);
  index.add("later", extra);
  copy.add("later", extra);
  assert.deepEqual(copy.search(extra, { topN: 5 }), index.search(extra, { topN: 5 }));
  assert.deepEqual(copy.idsOfDim(D), index.idsOfDim(D));
  // Restart from stored entries (what a server keeps per version) gives the same candidates.
  const rebuilt = new RkmeIndex({ features: 64, ivfMinSize: 100, ivfLists: 8 });
  for (const id of index.idsOfDim(D)) rebuilt.addEntry(index.entry(id)!);
  const user = make(3, 0.6);
  assert.deepEqual(
    rebuilt
      .search(user, { topN: 200, probeFraction: 1 })
      .map((c) => c.id)
      .sort(),
    index
      .search(user, { topN: 200, probeFraction: 1 })
      .map((c) => c.id)
      .sort(),
  );
  assert.throws(() => RkmeIndex.deserialize(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), RangeError);
});

test("mixed gammas: candidates from every bucket of the user's dimension, none of another", () => {
  const a = clusteredMarket(30, 2, 51, D, 0.2).market;
  const b = clusteredMarket(30, 2, 51, D, 0.05).market.map((m) => ({ id: `b-${m.id}`, spec: m.spec }));
  const c = clusteredMarket(30, 2, 51, 3, 0.2).market.map((m) => ({ id: `c-${m.id}`, spec: m.spec }));
  const index = new RkmeIndex({ features: 128 });
  for (const m of [...a, ...b, ...c]) index.add(m.id, m.spec);
  const user = a[4]!.spec;
  const found = index.search(user, { topN: 60 });
  assert.equal(found.length, 60);
  assert.ok(found.every((f) => !f.id.startsWith("c-")));
  // With mixed gammas MMD² is asymmetric (the learnware's gamma for ip(L, U)); the nearest is
  // b-lw-4: the same points at γ = 0.05 give dist = ip₀.₂(U,U) − ip₀.₀₅(U,U) < 0.
  const exact = [...a, ...b].map((m) => ({ id: m.id, d: m.spec.dist(user) })).sort((x, y) => x.d - y.d);
  assert.equal(exact[0]!.id, "b-lw-4");
  assert.equal(found[0]!.id, exact[0]!.id);
  assert.deepEqual(
    index.search(user, { topN: 5, filter: (id) => id.startsWith("b-") }).map((f) => f.id.slice(0, 2)),
    ["b-", "b-", "b-", "b-", "b-"],
  );
});

test("the semantic filter (within) restricts both paths", async () => {
  const { market, make } = clusteredMarket(300, 3, 61);
  const index = new RkmeIndex({ features: 128 });
  for (const m of market) index.add(m.id, m.spec);
  const byId = new Map(market.map((m) => [m.id, m.spec]));
  const fetch = (ids: readonly string[]) => ids.map((id) => byId.get(id));
  const within = market.filter((_, i) => i % 2 === 0).map((m) => m.id);
  const user = make(1, 0.6);
  const viaIndex = await indexedSearch(user, index, fetch, { within, indexThreshold: 10, topN: 30 });
  assert.equal(viaIndex.path, "index");
  const allowed = new Set(within);
  assert.ok(viaIndex.single.every((s) => allowed.has(s.id)));
  const exact = await indexedSearch(user, index, fetch, { within, exact: true });
  const want = searchStatistical(
    user,
    market.filter((m) => allowed.has(m.id)),
  );
  assert.deepEqual({ single: exact.single, multiple: exact.multiple }, want);
  assert.equal(viaIndex.single[0]!.id, want.single[0]!.id);
});

test("the inverted file follows the clusters when spreads differ: one probed list finds what the full scan finds", () => {
  // 40 well-separated clusters; specs of very different spreads (short and long sketches).
  // Plain k-means on sketches grows hub lists of broad specs from every cluster here.
  const rng = createRng(77);
  const dim = 6,
    clusters = 40,
    n = 2000;
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => 6 * rng.normal()));
  const make = (c: number): RKMETableSpecification => {
    const spread = 0.3 + 1.7 * rng.next();
    const z = new Float64Array(M * dim);
    for (let i = 0; i < M * dim; i++) z[i] = centres[c]![i % dim]! + spread * rng.normal();
    return new RKMETableSpecification({ rows: M, cols: dim, data: z }, new Float64Array(M).fill(1 / M), GAMMA, 100);
  };
  const index = new RkmeIndex({ features: 128, ivfMinSize: 500, ivfLists: clusters });
  for (let i = 0; i < n; i++) index.add(`lw-${i}`, make(i % clusters));
  index.train();
  const lists = index.stats()[0]!;
  assert.equal(lists.ivfLists, clusters);
  let agree = 0;
  for (let u = 0; u < 40; u++) {
    const user = make(u % clusters);
    const full = index.search(user, { topN: 2, probeFraction: 1 });
    const one = index.search(user, { topN: 2, probeLists: 1 }); // 16·topN = 32 items: one list of ~50
    if (one[0]!.id === full[0]!.id) agree++;
  }
  assert.ok(agree >= 38, `nearest found with one probed list for ${agree} of 40 users`);
  assert.throws(() => index.search(make(0), { probeLists: 0 }), /probeLists/);
  assert.throws(() => new RkmeIndex({ probeFraction: 2 }), /probeFraction/);
});

test("sliced background training: updates made between slices are in the new lists, and nothing else", async () => {
  const { market, make } = clusteredMarket(1500, 12, 91);
  const index = new RkmeIndex({ features: 64, ivfMinSize: 500, ivfLists: 12, autoTrain: false });
  for (const m of market) index.add(m.id, m.spec);
  assert.equal(index.needsTraining(), true);
  assert.equal(index.stats()[0]!.ivfLists, null);
  const live = new Map(market.map((m) => [m.id, m.spec]));
  let pauses = 0;
  await index.trainInBackground(async () => {
    // Between slices: delete, replace and add, as requests would.
    const p = pauses++;
    if (p < 30) {
      const id = `lw-${p * 7}`;
      index.remove(id);
      live.delete(id);
      const again = `lw-${p * 7 + 3}`;
      const s = make((p * 7 + 3) % 12, 0.6);
      index.add(again, s);
      live.set(again, s);
      const added = `new-${p}`;
      const t = make(p % 12, 0.6);
      index.add(added, t);
      live.set(added, t);
    }
  });
  assert.ok(pauses > 10, `trained in ${pauses} slices`);
  assert.equal(index.stats()[0]!.ivfLists, 12);
  assert.equal(index.needsTraining(), false);
  assert.equal(index.size, live.size);
  for (let u = 0; u < 4; u++) {
    const user = make(u * 3, 0.6);
    // Probing every list returns exactly the live specs, with the flat scan's distances.
    const all = index.search(user, { topN: live.size, probeLists: 12 });
    assert.deepEqual(all.map((c) => c.id).sort(), [...live.keys()].sort());
    const flat = new RkmeIndex({ features: 64 });
    for (const [id, s] of live) flat.add(id, s);
    const want = new Map(flat.search(user, { topN: live.size }).map((c) => [c.id, c.approxDist]));
    for (const c of all) assert.equal(c.approxDist, want.get(c.id));
  }
});
