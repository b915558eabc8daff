/**
 * Real learnwares for the runtime tests: an sklearn model pickled by the tests themselves
 * (Debian's python3), a numpy model, an ONNX model built by the project, a JS model, and
 * broken variants for every check rule.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";
import { createRng } from "../../core/random.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { matrix } from "../../core/matrix.ts";
import { buildDenseOnnx } from "../../core/onnx/onnxBuilder.ts";

import { PYTHON } from "../_requires.ts";
import { removeScratch } from "../_util.ts";

export { PYTHON };

export { removeScratch, scratch } from "../_util.ts";

/** Random data (seeded) as a Matrix. */
export function randomData(rows: number, cols: number, seed = 1) {
  const rng = createRng(seed);
  const m = matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

/** Stat spec JSON with `d` columns (a real RKME of random data). */
export function statJson(d: number, seed = 1): string {
  return RKMETableSpecification.generate(randomData(60, d, seed), { K: 8, seed }).stringify();
}

/** A Python-layout semantic specification. */
export function semantic(opts: { task: "Classification" | "Regression" | "Others"; inDim: number; outDim?: number; data?: string }): Record<string, unknown> {
  const s: Record<string, unknown> = {
    Data: { Values: [opts.data ?? "Table"], Type: "Class" },
    Task: { Values: [opts.task], Type: "Class" },
    Library: { Values: ["Scikit-learn"], Type: "Class" },
    Scenario: { Values: ["Business"], Type: "Tag" },
    License: { Values: ["MIT"], Type: "Class" },
    Description: { Values: "test learnware", Type: "String" },
    Name: { Values: "test", Type: "String" },
    Input: { Dimension: opts.inDim, Description: {} },
  };
  if (opts.outDim !== undefined) s.Output = { Dimension: opts.outDim, Description: {} };
  return s;
}

/** A Python learnware from module source (class `Model` unless named), with extra files. */
export function pythonPackage(
  source: string,
  opts: { d: number; className?: string; files?: Record<string, Uint8Array | string>; kwargs?: Record<string, unknown>; statD?: number },
): Uint8Array {
  return writeLearnwarePackage({
    yaml: {
      model: { class_name: opts.className ?? "Model", kwargs: opts.kwargs ?? {} },
      stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
    },
    files: { "__init__.py": source, "stat.json": statJson(opts.statD ?? opts.d), ...(opts.files ?? {}) },
  });
}

/** A numpy linear model `X @ W` with fixed weights: regression with `k` outputs. */
export function numpyPackage(d: number, k: number, extra = ""): Uint8Array {
  return pythonPackage(
    `import numpy as np
from learnware.model import BaseModel

class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(${d},), output_shape=(${k},))
        self.W = np.arange(${d * k}, dtype=np.float64).reshape(${d}, ${k}) / ${d * k}

    def predict(self, X):
        return np.asarray(X) @ self.W
${extra}`,
    { d },
  );
}

/** Trains and pickles an sklearn LogisticRegression (3 classes) with Debian's python3. */
export function sklearnPickle(d: number): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "lw-sk-"));
  try {
    const out = join(dir, "model.pkl");
    execFileSync(PYTHON, [
      "-c",
      `
import pickle, numpy as np
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = rng.normal(size=(90, ${d})); y = np.repeat([0, 1, 2], 30); X[y == 1] += 2; X[y == 2] -= 2
pickle.dump(LogisticRegression(max_iter=500).fit(X, y), open(${JSON.stringify(out)}, "wb"))
`,
    ]);
    return new Uint8Array(readFileSync(out));
  } finally {
    removeScratch(dir);
  }
}

export const SKLEARN_MODEL = (d: number) => `import os, pickle
import numpy as np
from learnware.model import BaseModel

class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(${d},), output_shape=(1,))
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.pkl"), "rb") as f:
            self.model = pickle.load(f)

    def fit(self, X, y):
        self.model.fit(X, y)

    def finetune(self, X, y):
        self.model.fit(X, y)

    def predict(self, X):
        return self.model.predict(X)
`;

/** The sklearn learnware: classification, labels 0..2. */
export function sklearnPackage(d = 4): Uint8Array {
  return pythonPackage(SKLEARN_MODEL(d), { d, files: { "model.pkl": sklearnPickle(d), "requirements.txt": "numpy\nscikit-learn>=1.0\n" } });
}

/** An ONNX learnware: `d` inputs, `k` softmax outputs. */
export function onnxPackage(d = 4, k = 3, opts: { statD?: number; declare?: boolean } = {}): Uint8Array {
  const rng = createRng(7);
  const w = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal()));
  const onnx = buildDenseOnnx({
    layers: [
      { weights: w(d, 8), bias: Array(8).fill(0), activation: "relu" },
      { weights: w(8, k), bias: Array(k).fill(0) },
    ],
    output: "softmax",
  });
  const model: Record<string, unknown> = { kind: "onnx", file: "model.onnx" };
  if (opts.declare) Object.assign(model, { input_shape: [d], output_shape: [k] });
  return writeLearnwarePackage({
    yaml: {
      model,
      stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.onnx": onnx, "stat.json": statJson(opts.statD ?? d) },
  });
}

/** A JS learnware (runner hooks): regression `sum(x) * scale`. */
export function jsPackage(d = 3, opts: { source?: string } = {}): Uint8Array {
  const source =
    opts.source ??
    `
export const input_shape = [${d}];
export const output_shape = [1];
export const runner = {
  loadModel(props) { return { scale: props?.scale ?? 2 }; },
  saveModel(model) { return { scale: model.scale }; },
  preprocessData(model, X) { return X.map((r) => r.map(Number)); },
  predict(model, X) { return X.map((r) => [r.reduce((a, b) => a + b, 0) * model.scale]); },
  postprocessData(model, y) { return y; },
  fit(model, X, y) { model.scale = 3; },
};
`;
  return writeLearnwarePackage({
    yaml: {
      model: { kind: "js", module_path: "model.mjs", kwargs: { scale: 2 } },
      stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
    },
    files: { "model.mjs": source, "stat.json": statJson(d) },
  });
}
