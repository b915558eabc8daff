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
