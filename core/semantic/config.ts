/**
 * The Python market's semantic-spec configuration (`learnware/config.py`, `semantic_specs`):
 * the keys every learnware must describe, each with its `Type` and allowed `Values`.
 * The checker walks the keys in this order, as the Python checker does.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { SEMANTIC_CONFIG, semanticOptions } from "./config.ts";
 * assert.equal(SEMANTIC_CONFIG.Data.Type, "Class");
 * assert.ok(semanticOptions().Scenario.values.includes("Health"));
 * ```
 */

/** How a key's `Values` are judged: one class, one or more tags, or a free string. */
export type SemanticValueType = "Class" | "Tag" | "String";

/** One key of the configuration: `Values` is `null` for free strings. */
export interface SemanticKeyConfig {
  readonly Type: SemanticValueType;
  readonly Values: readonly string[] | null;
}

export const DATA_TYPES = ["Table", "Image", "Text"] as const;
export const TASK_TYPES = ["Classification", "Regression", "Feature Extraction", "Segmentation", "Object Detection", "Others"] as const;
export const LIBRARY_TYPES = ["Scikit-learn", "PyTorch", "TensorFlow", "Others"] as const;
export const SCENARIOS = [
  "Business",
  "Financial",
  "Health",
  "Politics",
  "Computer",
  "Internet",
  "Traffic",
  "Nature",
  "Fashion",
  "Industry",
  "Agriculture",
  "Education",
  "Entertainment",
  "Architecture",
  "Others",
] as const;
export const LICENSES = [
  "MIT",
  "Apache-2.0",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "GPL-2.0",
  "GPL-3.0",
  "LGPL-2.1",
  "LGPL-3.0",
  "AGPL-3.0",
  "ECL-2.0",
  "AFL-3.0",
  "CC-BY-4.0",
  "CC-BY-SA-4.0",
  "Others",
] as const;

export type DataType = (typeof DATA_TYPES)[number];
export type TaskType = (typeof TASK_TYPES)[number];
export type LibraryType = (typeof LIBRARY_TYPES)[number];
export type Scenario = (typeof SCENARIOS)[number];
export type License = (typeof LICENSES)[number];

/** The configured keys, in the Python checker's order. */
export const SEMANTIC_KEYS = ["Data", "Task", "Library", "Scenario", "Description", "Name", "License"] as const;
export type SemanticKey = (typeof SEMANTIC_KEYS)[number];

/** Allowed values per key with its type, exactly as the Python market configures them. */
export const SEMANTIC_CONFIG = Object.freeze({
  Data: Object.freeze({ Type: "Class", Values: DATA_TYPES }),
  Task: Object.freeze({ Type: "Class", Values: TASK_TYPES }),
  Library: Object.freeze({ Type: "Class", Values: LIBRARY_TYPES }),
  Scenario: Object.freeze({ Type: "Tag", Values: SCENARIOS }),
  Description: Object.freeze({ Type: "String", Values: null }),
  Name: Object.freeze({ Type: "String", Values: null }),
  License: Object.freeze({ Type: "Class", Values: LICENSES }),
} as const) satisfies Readonly<Record<SemanticKey, SemanticKeyConfig>>;

/** Tasks whose learnwares must describe their `Output`. */
export const TASKS_WITH_OUTPUT: readonly string[] = ["Classification", "Regression"];

/** One key's options for forms, CLIs and API docs. */
export interface SemanticOption {
  key: SemanticKey;
  type: SemanticValueType;
  /** The allowed values; empty for free strings. */
  values: string[];
  /** Class: exactly one value; Tag: one or more; String: a non-empty string. */
  multiple: boolean;
}

/**
 * The allowed values per key (fresh arrays, safe to mutate), for the CLI's and the
 * server's option listings.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { semanticOptions } from "./config.ts";
 * assert.equal(semanticOptions().License.values[0], "MIT");
 * ```
 */
export function semanticOptions(): Record<SemanticKey, SemanticOption> {
  const out = {} as Record<SemanticKey, SemanticOption>;
  for (const key of SEMANTIC_KEYS) {
    const c: SemanticKeyConfig = SEMANTIC_CONFIG[key];
    out[key] = { key, type: c.Type, values: c.Values ? [...c.Values] : [], multiple: c.Type === "Tag" };
  }
  return out;
}
