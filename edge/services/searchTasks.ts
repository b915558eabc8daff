/**
 * The server's heavy search work as plain tasks: parse stored stat specs (with their exact
 * `ip(L, L)` and, when asked, their index sketch), scan a shard of the packed market, and
 * finish a search (rank, mixture, scores). `runSearchTask` runs one on whatever thread calls
 * it — a piscina worker (`searchWorker.ts`) on Node, the calling thread where no pool runs —
 * and the training of the index's inverted file.
 * Inputs and outputs are structured-cloneable; the packed specs travel as views over
 * `SharedArrayBuffer`s, so a task carries the market by reference, not by copy.
 */
import { LearnwareError } from "../../core/errors.ts";
import { createFeatureMap, type FeatureMap } from "../../core/index/featureMap.ts";
import { IvfQuantizer, type IvfTrainOptions } from "../../core/index/ivf.ts";
import { sketchSpec } from "../../core/index/sketch.ts";
import { selfInnerProductsMany } from "../../core/kernel/mmd.ts";
import {
  finishPacked,
  type PackedSearchResult,
  type PackedSpecs,
  scanPacked,
  searchPacked,
  type UserSpecData,
  userSpecOf,
} from "../../core/search/packedMarket.ts";
import type { MixtureMethod } from "../../core/search/statSearch.ts";
import type { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { tableSpecOfJson } from "./specIndex.ts";

/** A version's table spec, parsed (null when the version has none, or it does not parse). */
export interface ParsedSpec {
  versionId: number;
  spec: {
    z: Float64Array;
    rows: number;
    cols: number;
    beta: Float64Array;
    gamma: number;
    self: number;
    /** The index sketch (f32), when the task asked for one. */
    sketch?: Float32Array;
  } | null;
}

export type SearchTask =
  | { kind: "parse"; items: { versionId: number; text: string | null }[]; sketch?: { features: number; seed: number } }
  | { kind: "scan"; packed: PackedSpecs; slots: Int32Array; from: number; to: number; user: UserSpecData }
  | { kind: "finish"; packed: PackedSpecs; slots: Int32Array; dists: Float64Array; user: UserSpecData; maxSearchNum: number; method: MixtureMethod }
  | { kind: "search"; packed: PackedSpecs; slots: Int32Array; user: UserSpecData; maxSearchNum: number; method: MixtureMethod }
  | { kind: "trainIvf"; store: Float32Array; dim: number; slots: Int32Array; options: IvfTrainOptions };

export type TaskResult<T extends SearchTask> = T extends { kind: "parse" }
  ? ParsedSpec[]
  : T extends { kind: "scan" }
    ? Float64Array
    : T extends { kind: "trainIvf" }
      ? { centroids: Float32Array; lists: Int32Array }
      : PackedSearchResult;

/** An error as it crosses a thread: rebuilt by `rebuildError` on the other side. */
export interface TaskError {
  taskError: { name: string; code?: string; message: string; details?: unknown };
}

const maps = new Map<string, FeatureMap>();

function parse(task: Extract<SearchTask, { kind: "parse" }>): ParsedSpec[] {
  const specs: (RKMETableSpecification | null)[] = task.items.map((it) => {
    if (it.text === null) return null;
    try {
      return tableSpecOfJson(JSON.parse(it.text));
    } catch {
      return null;
    }
  });
  // ip(L, L) batched per dimension (a batch takes one dimension; the bits equal one call each).
  const selfs = new Float64Array(specs.length);
  const byDim = new Map<number, number[]>();
  specs.forEach((s, i) => {
    if (!s) return;
    const group = byDim.get(s.z.cols);
    if (group) group.push(i);
    else byDim.set(s.z.cols, [i]);
  });
  for (const idx of byDim.values()) {
    const v = selfInnerProductsMany(idx.map((i) => specs[i]!));
    idx.forEach((i, t) => (selfs[i] = v[t]!));
  }
  return task.items.map((it, i) => {
    const s = specs[i];
    if (!s) return { versionId: it.versionId, spec: null };
    const out: NonNullable<ParsedSpec["spec"]> = { z: s.z.data, rows: s.z.rows, cols: s.z.cols, beta: s.beta, gamma: s.gamma, self: selfs[i]! };
    if (task.sketch) {
      const key = `${s.z.cols}/${s.gamma}/${task.sketch.features}/${task.sketch.seed}`;
      let map = maps.get(key);
      if (!map) maps.set(key, (map = createFeatureMap({ dim: s.z.cols, gamma: s.gamma, ...task.sketch })));
      out.sketch = sketchSpec(s, map);
    }
    return { versionId: it.versionId, spec: out };
  });
}

/** Runs one task on the calling thread. */
export function runSearchTask<T extends SearchTask>(task: T): TaskResult<T> {
  switch (task.kind) {
    case "parse":
      return parse(task) as TaskResult<T>;
    case "scan":
      return scanPacked(userSpecOf(task.user), task.packed, task.slots, task.from, task.to) as TaskResult<T>;
    case "finish":
      return finishPacked(userSpecOf(task.user), task.packed, task.slots, task.dists, {
        maxSearchNum: task.maxSearchNum,
        method: task.method,
      }) as TaskResult<T>;
    case "trainIvf":
      return IvfQuantizer.trainLists(task.store, task.dim, task.slots, task.options) as TaskResult<T>;
    case "search":
      return searchPacked(userSpecOf(task.user), task.packed, task.slots, { maxSearchNum: task.maxSearchNum, method: task.method }) as TaskResult<T>;
    default:
      throw new TypeError(`Unknown search task ${JSON.stringify((task as { kind?: unknown }).kind)}`);
  }
}

/** `runSearchTask`, with domain and input errors returned as values (for a worker's reply). */
export function runSearchTaskCaught(task: SearchTask): TaskResult<SearchTask> | TaskError {
  try {
    return runSearchTask(task);
  } catch (err) {
    const e = err as Error & { code?: string; details?: unknown };
    if (err instanceof LearnwareError) return { taskError: { name: "LearnwareError", code: e.code ?? "INTERNAL", message: e.message, details: e.details } };
    if (err instanceof RangeError || err instanceof TypeError) return { taskError: { name: e.name, message: e.message } };
    throw err;
  }
}

/** Rebuilds a `TaskError` as the error it was (by code), or passes a result through. */
export function unwrapTaskResult<R>(r: R | TaskError): R {
  if (r !== null && typeof r === "object" && "taskError" in (r as object)) {
    const e = (r as TaskError).taskError;
    if (e.name === "LearnwareError") throw new LearnwareError(e.code ?? "INTERNAL", e.message, e.details);
    if (e.name === "RangeError") throw new RangeError(e.message);
    throw new TypeError(e.message);
  }
  return r as R;
}
