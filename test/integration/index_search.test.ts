// The server's statistical search through the RKME index (LW_INDEX_THRESHOLD lowered so the
// small demo market takes the index path): same results as the exact scan, and the index
// follows deletes and new versions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { demoMixtureQuery } from "../../edge/seed/synthetic.ts";
import { ADMIN, api, startTestServer } from "./_server.ts";

test("indexed search equals the exact scan and stays in step with deletes", async () => {
  const s = await startTestServer({ LW_SEED_DEMO: "true", LW_INDEX_THRESHOLD: "3", LW_INDEX_TOP_N: "2" });
  try {
    const user = RKMETableSpecification.generate(demoMixtureQuery(200), { K: 30, seed: 5 }).toJSON();
    const indexed = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto" } });
    const exact = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto", exact: true } });
    assert.equal(indexed.status, 200, JSON.stringify(indexed.data));
    assert.equal(indexed.data.path, "index");
    assert.equal(exact.data.path, "exact");
    const ids = (r: { data: { single: { items: { id: string }[] } } }) => r.data.single.items.map((i) => i.id);
    assert.ok(ids(exact).length >= 2);
    // Two candidates from the sketches, re-ranked exactly: the best match is found and every
    // returned id is one the exact scan returns too (scores are converted over the candidates
    // only, so the mixture may differ from the full scan's).
    assert.equal(ids(indexed)[0], ids(exact)[0]);
    for (const id of ids(indexed)) assert.ok(ids(exact).includes(id), id);

    const top = ids(exact)[0]!;
    const del = await api(s.url, "DELETE", `/v1/learnwares/${top}`, { token: ADMIN });
    assert.ok(del.status === 200 || del.status === 204, JSON.stringify(del.data));
    const after = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto" } });
    const afterExact = await api(s.url, "POST", "/v1/search", { json: { stat: user, method: "auto", exact: true } });
    assert.ok(!ids(after).includes(top), "a deleted learnware must leave the index");
    assert.equal(ids(after)[0], ids(afterExact)[0]);
  } finally {
    await s.close();
  }
});
