import { test } from "node:test";
import assert from "node:assert/strict";
import { LearnwareError } from "../errors.ts";
import { checkUserTexts, MIN_USER_TEXTS, parseTexts, userTextSpec } from "./userTexts.ts";

const embed = async (t: string[]) => t.map((s) => Float32Array.from([s.length / 10, s.split(" ").length / 5, s.charCodeAt(0) / 100]));

test("parseTexts: lines (blank ones dropped, CRLF too) or a JSON array of strings", () => {
  assert.deepEqual(parseTexts("one\r\n\r\ntwo\n  \nthree", "a.txt"), ["one", "two", "three"]);
  assert.deepEqual(parseTexts('["a b", "", "c\\nd"]', "A.JSON"), ["a b", "c\nd"]);
  const code = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof LearnwareError && e.code === "DATA_INVALID" && re.test(e.message));
  code(() => parseTexts("\n \n", "empty.txt"), /Texts empty\.txt holds no text \(one text per line\)/);
  code(() => parseTexts("{not json", "x.json"), /Texts x\.json is not valid JSON/);
  code(() => parseTexts('{"a": 1}', "x.json"), /must be a JSON array of strings/);
  code(() => parseTexts("[1, 2]", "x.json"), /must be a JSON array of strings/);
  code(() => parseTexts("[]", "x.json"), /holds no text/);
});

test("checkUserTexts: no texts and too few texts are DATA_INVALID with a message naming the count", () => {
  assert.throws(() => checkUserTexts([]), /^LearnwareError: No texts: give your texts, one per line$/);
  assert.throws(
    () => checkUserTexts(["a", "b"]),
    (e: unknown) => e instanceof LearnwareError && e.code === "DATA_INVALID" && /Too few texts: 2 given, .* at least 3/.test(e.message),
  );
  assert.equal(MIN_USER_TEXTS, 3);
  checkUserTexts(["a", "b", "c"]);
});

test("userTextSpec: K points at most one per text, the seed passed through, K checked", async () => {
  const texts = ["the cat sat", "a dog ran home", "birds sing", "the car is red", "le chat"];
  const all = await userTextSpec(texts, embed);
  assert.ok(all.z.rows >= 2 && all.z.rows <= texts.length, `K defaults to 50, capped at the texts: ${all.z.rows} points`);
  const a = await userTextSpec(texts, embed, { K: 2, seed: 7 });
  const b = await userTextSpec(texts, embed, { K: 2, seed: 7 });
  assert.equal(a.z.rows, 2);
  assert.equal(a.numPoints, 5);
  assert.deepEqual(Array.from(a.z.data), Array.from(b.z.data));
  await assert.rejects(userTextSpec(texts, embed, { K: 0 }), RangeError);
  await assert.rejects(userTextSpec(["x"], embed), /Too few texts: 1 given/);
});
