/**
 * YAML as PyYAML reads and writes it (YAML 1.1: `yes`/`no`/`on`/`off` are booleans, so
 * such strings get quoted on output). Duplicate keys are allowed (the last one wins, as in
 * PyYAML) and aliases are capped against "billion laughs" documents.
 *
 * Deno note: the `yaml` package's Node build reads the LOG_TOKENS environment variable while parsing,
 * which needs `--allow-env` under Deno; its browser build does not. deno.json maps `yaml`
 * to the browser build (`"imports": { "yaml": "./node_modules/yaml/browser/dist/index.js" }`)
 * so that the core's tests run with no permissions.
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { parseYaml, stringifyYaml } from "./yamlCodec.ts";
 * assert.equal((parseYaml("a: yes") as { a: unknown }).a, true);
 * assert.equal(stringifyYaml({ a: "yes" }), 'a: "yes"\n');
 * ```
 */
import { parse, stringify } from "yaml";

/**
 * PyYAML's `!!python/tuple` (how the Python learnware package writes shapes such as
 * `input_shape: (4,)`) read as a plain sequence, silently, as a list is what a tuple becomes in JSON.
 */
const PYTHON_TAGS = [{ tag: "tag:yaml.org,2002:python/tuple", collection: "seq" as const, default: false, resolve: (seq: unknown) => seq }];

/** Parses one YAML 1.1 document; throws the `yaml` package's error on bad input. */
export function parseYaml(text: string): unknown {
  return parse(text, { version: "1.1", uniqueKeys: false, maxAliasCount: 100, customTags: PYTHON_TAGS }) as unknown;
}

/** Serialises a value as a YAML 1.1 document. */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { version: "1.1" });
}
