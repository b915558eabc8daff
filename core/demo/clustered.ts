/**
 * A clustered synthetic table market for benchmarks and scale tests: `tasks` centres in `dim`
 * dimensions, each learnware's RKME a shifted copy of its task's centre with spread noise.
 * One seeded generator drives everything, so a market is the same on every run.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { clusteredMarket, tableSemantic } from "./clustered.ts";
 * const m = clusteredMarket({ seed: 1, tasks: 3, dim: 4, centreScale: 3, shiftScale: 0.5, numPoints: 100 });
 * const spec = m.stat(0, 5, 0.5);
 * assert.equal(spec.z.length, 5);
 * assert.equal(tableSemantic("x", "y", 4).Input.Dimension, 4);
 * ```
 */
import { createRng } from "../random.ts";

export interface ClusteredMarketOptions {
  seed: number;
  tasks: number;
  dim: number;
  /** Standard deviation of the task centres. */
  centreScale: number;
  /** Standard deviation of a learnware's shift from its task's centre. */
  shiftScale: number;
  /** `num_points` written into each spec. */
  numPoints: number;
}

/** The market's generator (also for the caller's own draws, which continue its sequence) and its spec maker. */
export function clusteredMarket(o: ClusteredMarketOptions) {
  const rng = createRng(o.seed);
  const centres = Array.from({ length: o.tasks }, () => Array.from({ length: o.dim }, () => o.centreScale * rng.normal()));
  /** An RKMETableSpecification JSON of `k` points near task `t`'s centre, spread by `spread`. */
  const stat = (t: number, k: number, spread: number) => {
    const shift = centres[t]!.map((c) => c + o.shiftScale * rng.normal());
    const z = Array.from({ length: k }, () => shift.map((c) => c + spread * rng.normal()));
    return { z, beta: Array(k).fill(1 / k), gamma: 0.1, num_points: o.numPoints, type: "RKMETableSpecification" };
  };
  return { rng, stat };
}

/** A table regression learnware's semantic spec of `dim` inputs. */
export function tableSemantic(name: string, description: string, dim: number) {
  return {
    Data: { Values: ["Table"], Type: "Class" },
    Task: { Values: ["Regression"], Type: "Class" },
    Library: { Values: ["Scikit-learn"], Type: "Class" },
    Scenario: { Values: ["Business"], Type: "Tag" },
    License: { Values: ["MIT"], Type: "Class" },
    Description: { Values: description, Type: "String" },
    Name: { Values: name, Type: "String" },
    Input: { Dimension: dim },
  };
}
