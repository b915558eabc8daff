/**
 * Types of a semantic specification, in the Python package's JSON shape: every described key
 * is `{ Type, Values }`, and `Input` / `Output` (feature and output meanings) sit at the top
 * level beside them.
 *
 * `SemanticSpec` is what the checker and the searchers accept: any JSON object, with the
 * well-known keys typed as far as can be relied on *before* checking (extra keys are allowed
 * and ignored by the checker; a user's search spec may also carry `learnware_id`).
 * `ValidSemanticSpec` is the shape of a spec the checker accepts.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import type { ValidSemanticSpec } from "./types.ts";
 * const spec: ValidSemanticSpec = {
 *   Data: { Type: "Class", Values: ["Table"] },
 *   Task: { Type: "Class", Values: ["Classification"] },
 *   Library: { Type: "Class", Values: ["Scikit-learn"] },
 *   Scenario: { Type: "Tag", Values: ["Financial"] },
 *   License: { Type: "Class", Values: ["MIT"] },
 *   Name: { Type: "String", Values: "credit scoring" },
 *   Description: { Type: "String", Values: "Gradient boosting on 12 features." },
 *   Input: { Dimension: 2, Description: { "0": "age", "1": "income" } },
 *   Output: { Dimension: 2, Description: { "0": "reject", "1": "accept" } },
 * };
 * assert.ok(spec.Output?.Dimension === 2);
 * ```
 */
import type { DataType, License, LibraryType, Scenario, SemanticValueType, TaskType } from "./config.ts";

/** A described key: `Values` is a list for Class/Tag keys and a string for String keys. */
export interface SemanticField<T extends string = string> {
  Type: SemanticValueType | (string & {});
  Values: T[] | string;
}

/** A Class key of a valid spec: exactly one allowed value. */
export interface SemanticClassField<T extends string> {
  Type: "Class";
  Values: [T];
}

/** A Tag key of a valid spec: one or more allowed values. */
export interface SemanticTagField<T extends string> {
  Type: "Tag";
  Values: T[];
}

/** A String key of a valid spec: a non-empty string. */
export interface SemanticStringField {
  Type: "String";
  Values: string;
}

/**
 * `Input` / `Output`: the dimension and a description per index. Keys are decimal
 * integers as Python's `int()` parses them (`" 1"`, `"+2"`, `"00"` are accepted) in
 * `[0, Dimension)`; not every index needs a description.
 */
export interface SemanticIO {
  Dimension: number;
  Description: Record<string, string>;
}

/** The `learnware_id` key of a user's search spec (contained in / equal to the id). */
export interface LearnwareIdField {
  Type?: string;
  Values: string;
}

/** A semantic spec as received (unchecked): any JSON object. */
export interface SemanticSpec {
  Data?: SemanticField<DataType | (string & {})>;
  Task?: SemanticField<TaskType | (string & {})>;
  Library?: SemanticField<LibraryType | (string & {})>;
  Scenario?: SemanticField<Scenario | (string & {})>;
  License?: SemanticField<License | (string & {})>;
  Name?: SemanticField;
  Description?: SemanticField;
  Input?: SemanticIO | null;
  Output?: SemanticIO | null;
  learnware_id?: LearnwareIdField;
  [key: string]: unknown;
}

/** A spec the semantic checker accepts (status NONUSABLE 0: semantics fine). */
export interface ValidSemanticSpec {
  Data: SemanticClassField<DataType>;
  Task: SemanticClassField<TaskType>;
  Library: SemanticClassField<LibraryType>;
  Scenario: SemanticTagField<Scenario>;
  License: SemanticClassField<License>;
  Name: SemanticStringField;
  Description: SemanticStringField;
  /** Required when Data is `Table`. */
  Input?: SemanticIO;
  /** Required when Task is `Classification` (Dimension > 1) or `Regression`. */
  Output?: SemanticIO;
  [key: string]: unknown;
}
