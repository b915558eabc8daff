import { test } from "node:test";
import assert from "node:assert/strict";
import { CsvError, hasHeaderRow, isMissingField, sniffDelimiter, splitCsv, toNumber } from "./csv.ts";

test("delimiters are sniffed from the first line; quotes, CRLF and blank lines follow RFC 4180", () => {
  assert.equal(sniffDelimiter("a;b;c\n1,2;3;4"), ";");
  assert.equal(sniffDelimiter("a\tb\n"), "\t");
  assert.deepEqual(splitCsv('x,"y, z"\r\n1,"say ""hi"""\r\n\r\n2,3'), [
    ["x", "y, z"],
    ["1", 'say "hi"'],
    ["2", "3"],
  ]);
  assert.throws(
    () => splitCsv('a,"b\n1,2'),
    (e: unknown) => e instanceof CsvError && /quoted field is not closed/.test((e as Error).message),
  );
});

test("numbers, missing values and headers", () => {
  assert.equal(toNumber(" 1.5e3 "), 1500);
  assert.equal(toNumber("-inf"), -Infinity);
  assert.equal(toNumber("Infinity"), Infinity);
  assert.ok(Number.isNaN(toNumber("")) && Number.isNaN(toNumber("NaN")) && Number.isNaN(toNumber("0x10")) && Number.isNaN(toNumber("abc")));
  assert.ok(isMissingField(" ") && isMissingField("-nan") && !isMissingField("abc"));
  assert.ok(hasHeaderRow(["a", "1"]));
  assert.ok(!hasHeaderRow(["1", "", "nan", "inf"]));
});

test("papaparse underneath: semicolon + decimal comma detected and explained; one missing-value rule", async () => {
  const { parseCsv } = await import("./csv.ts");
  const t = parseCsv("temp;pressure;label\n1,5;1013,25;NA\n-2,75;n/a;3\n;1e3;null\n");
  assert.equal(t.delimiter, ";");
  assert.equal(t.decimalComma, true);
  assert.deepEqual(t.header, ["temp", "pressure", "label"]);
  assert.deepEqual(Array.from(t.data), [1.5, 1013.25, NaN, -2.75, NaN, 3, NaN, 1000, NaN]);
  assert.deepEqual(Array.from(t.missing), [1, 1, 2]);
  assert.deepEqual(Array.from(t.text), [0, 0, 0]);
  assert.match(t.notes[0]!, /";" as the separator and "," as the decimal mark/);
  // A comma-separated file keeps "." decimals and says nothing.
  const c = parseCsv("a,b\n1.5,2\n");
  assert.equal(c.decimalComma, false);
  assert.deepEqual(c.notes, []);
  // Text is counted with the line of its first occurrence (header = line 1).
  const x = parseCsv("a,b\n1,2\n3,oops\n");
  assert.equal(x.text[1], 1);
  assert.deepEqual(x.firstText[1], { line: 3, value: "oops" });
});

test("ragged rows and empty files are CsvErrors naming the line; progress is reported from the first chunk", async () => {
  const { parseCsv } = await import("./csv.ts");
  assert.throws(
    () => parseCsv("a,b\n1,2\n3\n"),
    (e: unknown) => e instanceof CsvError && /line 3 has 1 fields, expected 2/.test((e as Error).message),
  );
  assert.throws(() => parseCsv("\n\n"), /has no rows/);
  assert.throws(() => parseCsv("a,b\n"), /header but no data rows/);
  const lines = ["x,y"];
  for (let i = 0; i < 20000; i++) lines.push(`${i},${i / 2}`);
  const seen: number[] = [];
  const t = parseCsv(lines.join("\n"), { onProgress: (f) => seen.push(f), chunkSize: 16384 });
  assert.equal(t.rows, 20000);
  assert.equal(seen[0], 0);
  assert.equal(seen.at(-1), 1);
  assert.ok(seen.length > 5, `progress in chunks, got ${seen.length} calls`);
  assert.ok(
    seen.every((f, i) => i === 0 || f >= seen[i - 1]!),
    "monotone",
  );
});
