import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratch } from "../test/_util.ts";
import { CliError } from "./errors.ts";
import { readTexts, textSpecFromFile } from "./textSpec.ts";

test("lw's texts follow the page's rules (core/text/userTexts.ts): files read alike, too few texts refused before any model loads", async () => {
  const dir = scratch("lw-cli-texts-");
  writeFileSync(join(dir, "a.txt"), "one\n\ntwo\r\nthree\n");
  writeFileSync(join(dir, "a.json"), JSON.stringify(["one", "two", "three"]));
  writeFileSync(join(dir, "two.txt"), "one\ntwo\n");
  writeFileSync(join(dir, "bad.json"), "{");
  assert.deepEqual(readTexts(join(dir, "a.txt")), ["one", "two", "three"]);
  assert.deepEqual(readTexts(join(dir, "a.json")), ["one", "two", "three"]);
  assert.throws(
    () => readTexts(join(dir, "bad.json")),
    (e: unknown) => e instanceof CliError && /is not valid JSON/.test(e.message),
  );
  assert.throws(
    () => readTexts(join(dir, "none.txt")),
    (e: unknown) => e instanceof CliError && /Cannot read texts .*ENOENT/.test(e.message),
  );
  // A model folder that does not exist: the count is refused first, with the page's message.
  await assert.rejects(
    textSpecFromFile(join(dir, "two.txt"), join(dir, "no-model")),
    (e: unknown) => e instanceof CliError && e.exitCode === 2 && /two\.txt: Too few texts: 2 given, a text specification needs at least 3/.test(e.message),
  );
});
