/** Builds demo learnware zips: Python packages with a numpy model, or ONNX packages. */
import { buildDenseOnnx } from "../onnx/onnxBuilder.ts";
import { writeLearnwarePackage } from "../package/writePackage.ts";
import { centroidLinear, type DemoLearnware } from "./synthetic.ts";

const STAT = { module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat_spec.json", kwargs: {} };

/** A Python learnware (numpy) computing the nearest-centroid scores with weights from a JSON file. */
export function pythonPackage(lw: DemoLearnware, statJson: string, centres: number[][], extra: Record<string, Uint8Array> = {}): Uint8Array {
  const { W, b } = centroidLinear(centres);
  const d = lw.space.dim;
  const k = lw.classes;
  const init = `import os
import json

import numpy as np
from learnware.model import BaseModel


class Model(BaseModel):
    """Nearest-centroid classifier as a linear layer (demo learnware)."""

    def __init__(self):
        super().__init__(input_shape=(${d},), output_shape=(${k},))
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "weights.json")) as f:
            w = json.load(f)
        self.W = np.asarray(w["W"], dtype=np.float64)
        self.b = np.asarray(w["b"], dtype=np.float64)

    def fit(self, X, y):
        pass

    def finetune(self, X, y):
        pass

    def predict(self, X):
        return np.asarray(X, dtype=np.float64) @ self.W + self.b
`;
  return writeLearnwarePackage({
    yaml: { name: lw.name, model: { class_name: "Model", kwargs: {} }, stat_specifications: [STAT] },
    files: { "__init__.py": init, "weights.json": JSON.stringify({ W, b }), "stat_spec.json": statJson, "requirements.txt": "numpy\n", ...extra },
  });
}

/** The same nearest-centroid classifier as an ONNX learnware (softmax over the class scores). */
export function onnxPackage(lw: DemoLearnware, statJson: string, centres: number[][]): Uint8Array {
  const { W, b } = centroidLinear(centres);
  const onnx = buildDenseOnnx({ layers: [{ weights: W, bias: b, activation: "none" }], output: "softmax" });
  return writeLearnwarePackage({
    yaml: {
      name: lw.name,
      model: { kind: "onnx", file: "model.onnx", input_shape: [lw.space.dim], output_shape: [lw.classes] },
      stat_specifications: [STAT],
    },
    files: { "model.onnx": onnx, "stat_spec.json": statJson },
  });
}
