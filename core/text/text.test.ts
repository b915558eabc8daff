import { test } from "node:test";
import assert from "node:assert/strict";
import { detectLanguages, languageShares } from "./languageDetect.ts";
import { languagesCompatible, RKMETextSpecification, searchTextSpecs } from "./rkmeTextSpec.ts";

// A bag-of-words hashing embedder: deterministic, no model.
const embed = async (texts: string[]) =>
  texts.map((t) => {
    const v = new Float32Array(16);
    for (const w of t.toLowerCase().split(/\s+/)) {
      let h = 7;
      for (const ch of w) h = (h * 31 + ch.codePointAt(0)!) % 16;
      v[h]! += 1;
    }
    return v;
  });

test("language detection by script and function words", () => {
  assert.deepEqual(detectLanguages(["The weather is nice today and the sun is out."]), ["en"]);
  assert.deepEqual(detectLanguages(["Le chat est sur la table et il est content."]), ["fr"]);
  assert.deepEqual(detectLanguages(["Der Hund ist nicht auf dem Sofa und das ist gut."]), ["de"]);
  assert.deepEqual(detectLanguages(["今天天气很好"]), ["zh"]);
  assert.deepEqual(detectLanguages(["今日はいい天気ですね"]), ["ja"]);
  assert.deepEqual(detectLanguages(["Привет, как дела?"]), ["ru"]);
  assert.deepEqual(detectLanguages(["123 456"]), []);
  const mixed = detectLanguages(["The film was great and the music is good", "这部电影很好看我很喜欢这个电影的音乐"]);
  assert.deepEqual([...mixed].sort(), ["en", "zh"]);
  const shares = languageShares(["hello the world"]);
  assert.ok(Math.abs(shares.reduce((s, x) => s + x.prob, 0) - 1) < 1e-12);
});

test("RKMETextSpecification: generate, JSON round trip, distances", async () => {
  const a = await RKMETextSpecification.generate(["the cat eats fish", "a cat and a dog", "the dog eats meat"], embed, { K: 2, seed: 1 });
  assert.deepEqual(a.language, ["en"]);
  assert.equal(a.z.rows, 2);
  const json = a.stringify();
  assert.match(json, /"type":"RKMETextSpecification","language":\["en"\]\}$/);
  const b = RKMETextSpecification.parse(json);
  assert.equal(b.dist(a), 0);
  assert.deepEqual(b.toJSON(), a.toJSON());
  assert.throws(() => RKMETextSpecification.fromJSON({ ...a.toJSON(), type: "RKMETableSpecification" }), /expected "RKMETextSpecification"/);
  await assert.rejects(RKMETextSpecification.generate([], embed), /at least one text/);
});

test("text search filters by language (user ⊆ learnware) then ranks by MMD", async () => {
  const pets = ["the cat eats fish", "my dog likes the park", "the cat sleeps all day", "a dog and a cat play"];
  const money = ["the bank raised the loan rate", "stock prices fell today", "the market is up", "buy and sell stock"];
  const zh = ["猫 吃 鱼", "狗 很 好"];
  const mk = (t: string[]) => RKMETextSpecification.generate(t, embed, { K: 3, seed: 1 });
  const market = [
    { id: "money", spec: await mk(money) },
    { id: "pets", spec: await mk(pets) },
    { id: "pets-bilingual", spec: await mk([...pets, ...zh, ...zh]) },
  ];
  const user = await mk(["the cat and the dog", "my cat eats fish"]);
  const r = searchTextSpecs(user, market, { method: "none" });
  assert.equal(r.single[0]!.id, "pets");
  const zhUser = await mk(zh);
  assert.deepEqual(zhUser.language, ["zh"]);
  assert.deepEqual(
    searchTextSpecs(zhUser, market).single.map((s) => s.id),
    ["pets-bilingual"],
  );
  assert.ok(languagesCompatible([], ["en"]) && !languagesCompatible(["en", "zh"], ["en"]));
});
