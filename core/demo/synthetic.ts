/**
 * Deterministic synthetic learnwares for the demo market: Gaussian class clusters in a
 * few feature spaces, a nearest-centroid linear classifier (as Python-with-numpy and as
 * ONNX), an RKME of the training data, and a valid semantic spec.
 */
import { createRng } from "../random.ts";
import { matrix, type Matrix } from "../matrix.ts";
import { RKMETableSpecification } from "../spec/rkmeTableSpec.ts";

export interface DemoSpace {
  key: string;
  dim: number;
  scenario: string[];
  featureNames: string[];
}

export interface DemoLearnware {
  space: DemoSpace;
  name: string;
  description: string;
  library: "Scikit-learn" | "PyTorch" | "Others";
  license: string;
  /** Center of the learnware's data region. */
  center: number[];
  classes: number;
  seed: number;
  onnx: boolean;
}

/**
 * Samples `n` rows around the learnware's class centres; returns X, labels and the centres.
 * The centres come from the learnware's seed; the rows' noise continues that draw, or comes
 * from `noiseSeed` when given (new rows around the same centres).
 */
export function sampleData(lw: DemoLearnware, n: number, noiseSeed?: number): { X: Matrix; y: Int32Array; centres: number[][] } {
  const rng = createRng(lw.seed);
  const d = lw.space.dim;
  const centres: number[][] = [];
  for (let c = 0; c < lw.classes; c++) centres.push(lw.center.map((x) => x + 1.5 * rng.normal()));
  const noise = noiseSeed === undefined ? rng : createRng(noiseSeed);
  const X = matrix(n, d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % lw.classes;
    y[i] = c;
    for (let j = 0; j < d; j++) X.data[i * d + j] = centres[c]![j]! + 0.6 * noise.normal();
  }
  return { X, y, centres };
}

/** Nearest-centroid as a linear layer: score_c = x·μ_c − ½‖μ_c‖² (W is d×k). */
export function centroidLinear(centres: number[][]): { W: number[][]; b: number[] } {
  const d = centres[0]!.length;
  const W = Array.from({ length: d }, (_, j) => centres.map((mu) => mu[j]!));
  const b = centres.map((mu) => -0.5 * mu.reduce((s, v) => s + v * v, 0));
  return { W, b };
}

export function demoSemantic(lw: DemoLearnware): Record<string, unknown> {
  const inputDesc: Record<string, string> = {};
  lw.space.featureNames.forEach((f, i) => (inputDesc[String(i)] = f));
  const outputDesc: Record<string, string> = {};
  for (let c = 0; c < lw.classes; c++) outputDesc[String(c)] = `score of class ${c}`;
  return {
    Data: { Type: "Class", Values: ["Table"] },
    Task: { Type: "Class", Values: ["Classification"] },
    Library: { Type: "Class", Values: [lw.library] },
    Scenario: { Type: "Tag", Values: lw.space.scenario },
    License: { Type: "Class", Values: [lw.license] },
    Name: { Type: "String", Values: lw.name },
    Description: { Type: "String", Values: lw.description },
    Input: { Dimension: lw.space.dim, Description: inputDesc },
    Output: { Dimension: lw.classes, Description: outputDesc },
  };
}

export function demoStatSpec(lw: DemoLearnware): { spec: RKMETableSpecification; centres: number[][] } {
  const { X, centres } = sampleData(lw, 240);
  const spec = RKMETableSpecification.generate(X, { K: 24, seed: lw.seed, steps: 2 });
  return { spec, centres };
}

const SENSOR: DemoSpace = {
  key: "sensor8",
  dim: 8,
  scenario: ["Industry"],
  featureNames: ["temperature", "pressure", "vibration", "humidity", "current", "voltage", "rpm", "load"],
};
const CREDIT: DemoSpace = {
  key: "credit20",
  dim: 20,
  scenario: ["Financial", "Business"],
  featureNames: Array.from({ length: 20 }, (_, i) => `credit feature ${i}`),
};
const CLINIC: DemoSpace = {
  key: "clinic5",
  dim: 5,
  scenario: ["Health"],
  featureNames: ["age", "blood pressure", "glucose", "bmi", "heart rate"],
};

const at = (d: number, v: number[]) => Array.from({ length: d }, (_, i) => v[i % v.length]!);

/** The demo catalogue: 3 sensor learnwares from different clusters (a mixture group), 2 credit, 1 clinic. */
export function demoLearnwares(): DemoLearnware[] {
  return [
    {
      space: SENSOR,
      name: "Sensor fault classifier (plant A)",
      description: "Classifies machine states from 8 plant sensors, trained on plant A (cool, low load).",
      library: "Scikit-learn",
      license: "MIT",
      center: at(8, [-4, 0]),
      classes: 3,
      seed: 101,
      onnx: true,
    },
    {
      space: SENSOR,
      name: "Sensor fault classifier (plant B)",
      description: "Classifies machine states from 8 plant sensors, trained on plant B (hot, high load).",
      library: "Scikit-learn",
      license: "Apache-2.0",
      center: at(8, [4, 1]),
      classes: 3,
      seed: 102,
      onnx: false,
    },
    {
      space: SENSOR,
      name: "Sensor fault classifier (plant C)",
      description: "Classifies machine states from 8 plant sensors, trained on plant C (humid).",
      library: "PyTorch",
      license: "MIT",
      center: at(8, [0, -4]),
      classes: 3,
      seed: 103,
      onnx: false,
    },
    {
      space: CREDIT,
      name: "Credit default risk (retail)",
      description: "Predicts default risk classes for retail credit applicants from 20 features.",
      library: "Scikit-learn",
      license: "BSD-3-Clause",
      center: at(20, [1, -1, 0.5]),
      classes: 2,
      seed: 201,
      onnx: true,
    },
    {
      space: CREDIT,
      name: "Credit default risk (small business)",
      description: "Predicts default risk for small-business loans from 20 features.",
      library: "Others",
      license: "Apache-2.0",
      center: at(20, [-2, 2]),
      classes: 2,
      seed: 202,
      onnx: false,
    },
    {
      space: CLINIC,
      name: "Clinic triage classifier",
      description: "Triage urgency classes from 5 vital signs.",
      library: "Scikit-learn",
      license: "CC-BY-4.0",
      center: at(5, [0, 3]),
      classes: 4,
      seed: 301,
      onnx: false,
    },
  ];
}

/**
 * A user query for examples and tests: new readings from sensor plants A and C (the machine
 * states their learnwares were trained on, fresh noise) and a handful (3 %) from plant B.
 * Searched against the demo market, plants A and C each fit partly, their mixture fits, and
 * plant B joins it with a negligible contribution.
 */
export function demoMixtureQuery(n = 200): Matrix {
  const lws = demoLearnwares();
  const nb = Math.round(0.03 * n),
    na = Math.floor((n - nb) / 2),
    nc = n - nb - na;
  const parts = [sampleData(lws[0]!, na, 901).X, sampleData(lws[2]!, nc, 903).X, sampleData(lws[1]!, nb, 902).X];
  const X = matrix(n, lws[0]!.space.dim);
  let at = 0;
  for (const p of parts) {
    X.data.set(p.data, at);
    at += p.data.length;
  }
  return X;
}
