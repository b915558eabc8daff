import { test } from "node:test";
import assert from "node:assert/strict";
import { LearnwareError } from "../errors.ts";
import { interpretResources, MAX_GPUS_PER_INSTANCE } from "./learnwareYaml.ts";
import { readLearnwarePackage } from "./readPackage.ts";
import { writeLearnwarePackage } from "./writePackage.ts";

const STAT = JSON.stringify({ type: "RKMETableSpecification", z: [[0, 1]], beta: [1], gamma: 0.1, num_points: 1 });

function pkg(resources?: unknown): Uint8Array {
  return writeLearnwarePackage({
    yaml: {
      model: { class_name: "Model" },
      ...(resources === undefined ? {} : { resources }),
      stat_specifications: [{ class_name: "RKMETableSpecification", file_name: "stat.json" }],
    },
    files: { "__init__.py": "class Model: pass\n", "stat.json": STAT },
  });
}

function refused(raw: unknown, field: string, message: RegExp): void {
  assert.throws(
    () => interpretResources(raw),
    (e: unknown) =>
      e instanceof LearnwareError &&
      e.code === "PACKAGE_INVALID" &&
      (e.details as { field?: string }).field === `learnware.yaml:${field}` &&
      message.test(e.message),
    `${JSON.stringify(raw)} should be refused naming ${field}`,
  );
}

test("resources: absent means a CPU learnware with no labels", () => {
  assert.deepEqual(readLearnwarePackage(pkg()).resources, { gpu: 0, labels: [] });
  assert.deepEqual(interpretResources(null), { gpu: 0, labels: [] });
});

test("resources: gpu and labels are read, labels sorted and distinct", () => {
  assert.deepEqual(readLearnwarePackage(pkg({ gpu: 2, labels: ["fp16", "cuda12", "fp16"] })).resources, { gpu: 2, labels: ["cuda12", "fp16"] });
  assert.deepEqual(interpretResources({ labels: ["a100"] }), { gpu: 0, labels: ["a100"] });
  assert.deepEqual(interpretResources({ gpu: MAX_GPUS_PER_INSTANCE }).gpu, MAX_GPUS_PER_INSTANCE);
});

test("resources: bad values are PACKAGE_INVALID naming the field", () => {
  refused("lots", "resources", /must be a mapping/);
  refused([1], "resources", /must be a mapping/);
  refused({ gpu: -1 }, "resources.gpu", /integer from 0 to 8/);
  refused({ gpu: 0.5 }, "resources.gpu", /integer/);
  refused({ gpu: "1" }, "resources.gpu", /integer/);
  refused({ gpu: MAX_GPUS_PER_INSTANCE + 1 }, "resources.gpu", /integer/);
  refused({ labels: "cuda12" }, "resources.labels", /must be a list/);
  refused({ labels: ["cuda,12"] }, "resources.labels", /'cuda,12'.*not a runner label/);
  refused({ labels: [""] }, "resources.labels", /not a runner label/);
  refused({ labels: [12] }, "resources.labels", /not a runner label/);
  refused({ labels: Array.from({ length: 17 }, (_, i) => `l${i}`) }, "resources.labels", /at most 16/);
  refused({ gpus: 1 }, "resources.gpus", /not known \(use gpu and labels\)/);
  assert.throws(() => readLearnwarePackage(pkg({ gpu: -2 })), /resources\.gpu/);
});
