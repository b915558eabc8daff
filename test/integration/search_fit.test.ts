// POST /v1/search beside the Python market's fields (unchanged, in their order): an absolute
// fit per single, the mixture's fit with each member's contribution (a member whose data barely
// meets the query flagged negligible), warnings about the user's spec, a legend; and an unknown
// search method accepted as the Python market accepts it (a warning, singles only).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { demoMixtureQuery } from "../../core/demo/synthetic.ts";
import { matrix } from "../../core/matrix.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { api, startTestServer, type TestServer } from "./_server.ts";

describe("search answers say how well results fit", { timeout: 120_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ LW_SEED_DEMO: "true" });
  });
  after(async () => {
    await s?.close();
  });

  test("fit per single, mixture members' contributions, the legend; the market's fields first and unchanged", async () => {
    const user = RKMETableSpecification.generate(demoMixtureQuery(400), { seed: 0 }).toJSON();
    const r = await api(s.url, "POST", "/v1/search", { json: { stat: user } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.data).slice(0, 2), ["single", "multiple"]);
    const item = r.data.single.items[0];
    assert.deepEqual(Object.keys(item).slice(0, 3), ["id", "score", "dist"]);
    assert.ok(["fits", "fits partly", "does not fit"].includes(item.fit.band));
    assert.ok(item.fit.overlap >= 0 && item.fit.overlap <= 1);
    const m = r.data.multiple;
    assert.deepEqual(Object.keys(m).slice(0, 4), ["ids", "weights", "score", "dist"]);
    assert.equal(m.members.length, m.ids.length);
    // The demo query: readings from plants A and C (and 3 % from plant B).
    for (const plant of ["00000001", "00000003"]) {
      const f = r.data.single.items.find((x: { id: string }) => x.id === plant);
      assert.equal(f?.fit.band, "fits partly", `plant ${plant} alone explains half the query: ${JSON.stringify(f)}`);
    }
    assert.equal(m.fit.band, "fits", `the mixture explains it: ${JSON.stringify(m.fit)}`);
    const b = m.members.find((x: { id: string }) => x.id === "00000002");
    assert.ok(b, "plant B is in the mixture");
    assert.ok(b.negligible && b.contribution < 0.05, `plant B's data barely meets the query: ${JSON.stringify(b)}`);
    assert.ok(b.weight > 4 * b.contribution, "its weight overstates its share");
    assert.match(r.data.legend, /score: relative/);
    assert.deepEqual(r.data.warnings, []);
  });

  test("a page of singles is the same slice of the whole ranking, with the whole count", async () => {
    const user = RKMETableSpecification.generate(demoMixtureQuery(200), { seed: 0 }).toJSON();
    const whole = await api(s.url, "POST", "/v1/search", { json: { stat: user, limit: 100 } });
    const total = whole.data.single.total;
    assert.ok(total >= 2, `${total} singles`);
    assert.equal(whole.data.single.items.length, total);
    const ids = (r: { data: { single: { items: { id: string }[] } } }) => r.data.single.items.map((x) => x.id);
    const second = await api(s.url, "POST", "/v1/search", { json: { stat: user, limit: 1, offset: 1 } });
    assert.deepEqual(ids(second), ids(whole).slice(1, 2));
    assert.equal(second.data.single.total, total);
    assert.deepEqual(second.data.multiple.ids, whole.data.multiple.ids, "the mixture does not depend on the page");
    const past = await api(s.url, "POST", "/v1/search", { json: { stat: user, limit: 5, offset: total + 3 } });
    assert.deepEqual(ids(past), []);
    assert.equal(past.data.single.total, total);
  });

  test("a spec built from one row is answered with a TINY_SAMPLE warning", async () => {
    const X = matrix(1, 8, new Float64Array(demoMixtureQuery(2).data.subarray(0, 8)));
    const user = RKMETableSpecification.generate(X, { K: 1, seed: 0 }).toJSON();
    const r = await api(s.url, "POST", "/v1/search", { json: { stat: user } });
    assert.equal(r.status, 200);
    assert.equal(r.data.warnings[0].code, "TINY_SAMPLE");
  });

  test("an unknown search method: 200, a warning, single results only", async () => {
    const user = RKMETableSpecification.generate(demoMixtureQuery(100), { seed: 0 }).toJSON();
    const r = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "magic" } });
    assert.equal(r.status, 200);
    assert.equal(r.data.multiple, null);
    assert.ok(r.data.single.items.length > 0);
    assert.equal(r.data.warnings[0].code, "UNKNOWN_SEARCH_METHOD");
  });
});
