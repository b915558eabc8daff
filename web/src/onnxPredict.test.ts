import { test } from "node:test";
import assert from "node:assert/strict";
import { demoLearnwares, demoStatSpec } from "../../core/demo/synthetic.ts";
import { onnxPackage, pythonPackage } from "../../core/demo/packages.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { parseCsvTable } from "./csv.ts";
import { inputDimOf, MAX_PREDICT_ROWS, onnxModelOf, predictInput, predictionsCsv, readOutput } from "./onnxPredict.ts";

const table = (text: string) => parseCsvTable(text, "data.csv", text.length);

test("onnxModelOf: the ONNX file and declared input shape of an ONNX package; a Python package is refused by kind", () => {
  const lw = demoLearnwares()[0]!;
  const { spec, centres } = demoStatSpec(lw);
  const m = onnxModelOf(readLearnwarePackage(onnxPackage(lw, spec.stringify(), centres)));
  assert.equal(m.file, "model.onnx");
  assert.deepEqual(m.inputShape, [8]);
  assert.ok(m.bytes.byteLength > 100);
  assert.throws(() => onnxModelOf(readLearnwarePackage(pythonPackage(lw, spec.stringify(), centres))), /a Python class, not ONNX: it runs through the runner/);
  assert.equal(inputDimOf([3, 4]), 12);
});

test("predictInput: float32 rows of the chosen columns; wrong count, text, missing values and too many rows are refused with their numbers", () => {
  const t = table("a,b,c,name\n1,2,3,x\n4,5,6,y\n");
  const X = predictInput(t, [2, 0], 2);
  assert.deepEqual([X.rows, X.cols], [2, 2]);
  assert.deepEqual([...X.data], [3, 1, 6, 4]);
  assert.throws(() => predictInput(t, [0, 1, 2], 8), /The model takes 8 input columns, but 3 are chosen/);
  assert.throws(() => predictInput(t, [0], 2), /takes 2 input columns, but 1 is chosen/);
  assert.throws(() => predictInput(t, [0, 3], 2), /Column "name" is not numeric/);
  assert.throws(() => predictInput(table("a,b\n1,2\n3,NA\n"), [0, 1], 2), /Row 2 has no number in column "b" \(1 missing there\)/);
  const big = table("a\n" + "1\n".repeat(MAX_PREDICT_ROWS + 1));
  assert.throws(() => predictInput(big, [0], 1), /has 100,001 rows; the page runs at most 100,000/);
});

test("readOutput: class and top value per row of a 2-D output, probabilities recognised; a 1-D output is values only", () => {
  const soft = readOutput([2, 3], Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.25, 0.25]));
  assert.deepEqual([...soft.classes!], [1, 0]);
  assert.deepEqual([...soft.top!], [Math.fround(0.7), 0.5]);
  assert.equal(soft.probabilities, true);
  const scores = readOutput([1, 2], Float32Array.from([-3, -1]));
  assert.deepEqual([...scores.classes!], [1]);
  assert.equal(scores.probabilities, false);
  const reg = readOutput([3], Float32Array.from([1.5, 2, 3]));
  assert.equal(reg.classes, null);
  assert.equal(reg.top, null);
  const col = readOutput([3, 1], Float32Array.from([1, 2, 3]));
  assert.equal(col.classes, null, "one output column is a regression, not a class");
});

test("predictionsCsv: a header and one line per input row", () => {
  const csv = predictionsCsv(readOutput([2, 2], Float32Array.from([0.25, 0.75, 1, 0])));
  assert.equal(csv, "row,class,output_0,output_1\n1,1,0.25,0.75\n2,0,1,0\n");
  assert.equal(predictionsCsv(readOutput([2], Float32Array.from([0.5, 2]))), "row,output_0\n1,0.5\n2,2\n");
});
