/** GPU test helpers: a fake `nvidia-smi` (two A100s) and a learnware that reports the devices it sees. */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeLearnwarePackage } from "../../core/package/writePackage.ts";

export const FAKE_GPUS = [
  "GPU-11111111-2222-3333-4444-555555555555, NVIDIA A100-SXM4-40GB, 40960 MiB",
  "GPU-66666666-7777-8888-9999-000000000000, NVIDIA A100-SXM4-40GB, 40960 MiB",
];
export const GPU_A = "GPU-11111111-2222-3333-4444-555555555555";
export const GPU_B = "GPU-66666666-7777-8888-9999-000000000000";

/** A folder holding a fake `nvidia-smi` that prints two GPUs for the runner's query (and fails for anything else). */
export function fakeNvidiaSmi(dir: string): string {
  const file = join(dir, "nvidia-smi");
  writeFileSync(
    file,
    `#!/bin/sh
if [ "$1" = "--query-gpu=uuid,name,memory.total" ] && [ "$2" = "--format=csv,noheader" ]; then
  printf '%s\\n' ${FAKE_GPUS.map((l) => `'${l}'`).join(" ")}
  exit 0
fi
echo "fake nvidia-smi: unexpected arguments: $*" >&2
exit 2
`,
  );
  chmodSync(file, 0o755);
  return dir;
}

/** A Python learnware needing one GPU whose predict returns the devices it sees (as character codes). */
export function gpuEchoPackage(name: string, resources: Record<string, unknown> = { gpu: 1 }): Uint8Array {
  const init = `import os
import numpy as np
from learnware.model import BaseModel


class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(2,), output_shape=(64,))

    def fit(self, X, y):
        pass

    def finetune(self, X, y):
        pass

    def predict(self, X):
        seen = os.environ.get("CUDA_VISIBLE_DEVICES", "-").ljust(64)[:64]
        return np.tile(np.array([ord(c) for c in seen], dtype=np.float64), (len(X), 1))
`;
  return writeLearnwarePackage({
    yaml: {
      name,
      model: { class_name: "Model", kwargs: {} },
      resources,
      stat_specifications: [{ module_path: "learnware.specification", class_name: "RKMETableSpecification", file_name: "stat.json", kwargs: {} }],
    },
    files: {
      "__init__.py": init,
      "stat.json": JSON.stringify({ type: "RKMETableSpecification", z: [[0, 1]], beta: [1], gamma: 0.1, num_points: 1 }),
      "requirements.txt": "numpy\n",
    },
  });
}

export function devicesSeen(y: { data: ArrayLike<number> }): string {
  return String.fromCharCode(...Array.from(y.data).slice(0, 64)).trim();
}
