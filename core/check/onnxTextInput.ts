/**
 * The upload rule for ONNX text learnwares: the runner passes a text learnware the raw texts
 * (as the Python market's checker passes them to `predict`), which an ONNX model can take
 * only as a string tensor. A model whose first input is numeric (token ids, embeddings) could
 * never pass the check, so it is refused at upload with the reason.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { buildDenseOnnx } from "../onnx/onnxBuilder.ts";
 * import { onnxTextInputIssue } from "./onnxTextInput.ts";
 * const onnx = buildDenseOnnx({ layers: [{ weights: [[1]], bias: [0] }] });
 * const pkg = { model: { kind: "onnx" as const, file: "m.onnx" }, files: new Map([["m.onnx", onnx]]) };
 * assert.ok(/string tensor/.test(onnxTextInputIssue(pkg, { Data: { Values: ["Text"], Type: "Class" } }) ?? ""));
 * assert.equal(onnxTextInputIssue(pkg, { Data: { Values: ["Table"], Type: "Class" } }), null);
 * ```
 */
import { onnxGraphInputs } from "../onnx/onnxInputs.ts";
import { semanticValues } from "../semantic/read.ts";

/** Why an ONNX text learnware cannot take texts, or null (not ONNX, not Text, a string input, or unreadable: the runner decides). */
export function onnxTextInputIssue(
  pkg: { model: { kind: string; file?: string | undefined }; files: ReadonlyMap<string, Uint8Array> },
  semantic: unknown,
): string | null {
  const data = semanticValues(semantic, "Data");
  if (pkg.model.kind !== "onnx" || !Array.isArray(data) || !data.includes("Text") || pkg.model.file === undefined) return null;
  const bytes = pkg.files.get(pkg.model.file);
  if (bytes === undefined) return null;
  let first;
  try {
    first = onnxGraphInputs(bytes)[0];
  } catch {
    return null;
  }
  if (first === undefined || first.elemType === "string") return null;
  return (
    `An ONNX text learnware must take the raw texts as a string tensor ([N] or [N, 1]), as the runner passes them; ` +
    `this model's input '${first.name}' is ${first.elemType} [${first.shape.join(", ")}]. ` +
    "A model on token ids or embeddings needs its tokenizer or embedder beside it: package it as a JS learnware that prepares the input and calls the ONNX model"
  );
}
