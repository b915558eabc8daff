// The page (web/src/csv.ts, in its worker) and `lw` (cli/readData.ts) read a CSV by the same
// parser and rules (core/csv.ts): the same numbers, header, separator and missing values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCsv as cliParse } from "../../cli/readData.ts";
import { parseCsvTable, selectColumns } from "../../web/src/csv.ts";

const files: Record<string, string> = {
  comma: "a,b,c\n1.5,2,NA\n3,,4e2\n",
  semicolonDecimalComma: "a;b\n1,5;2\n-0,25;nan\n",
  tab: "1\t2\n3\tnull\n",
  quoted: 'x,"y, z"\r\n1,"2"\r\n\r\n3,4\r\n',
};

for (const [name, text] of Object.entries(files)) {
  test(`page and lw agree on the ${name} CSV`, () => {
    const cli = cliParse(text, name, { quiet: true });
    const page = parseCsvTable(text, name, text.length);
    const all = page.profile.columns.map((c) => c.index);
    const m = selectColumns(page, all);
    assert.equal(m.rows, cli.rows);
    assert.equal(m.cols, cli.cols);
    assert.deepEqual(Array.from(m.data), Array.from(cli.data));
    assert.deepEqual(cli.columns, page.profile.hasHeader ? page.profile.columns.map((c) => c.name) : null);
  });
}

test("a CSV with a text column: the page leaves it out, lw names the line and column", () => {
  const text = "id,v\nx1,1\nx2,2\n";
  const page = parseCsvTable(text, "t.csv", text.length);
  assert.deepEqual(
    page.profile.columns.map((c) => c.type),
    ["text", "number"],
  );
  assert.throws(() => cliParse(text, "t.csv", { quiet: true }), /t\.csv line 2, column 1: "x1" is not a number/);
});
