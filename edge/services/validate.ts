/**
 * Input sanity beyond the schemas, shared by every path that takes a spec (pure: the package
 * worker runs it too). Each problem is a 4xx naming the field: numbers that JSON turned into
 * `Infinity` (`1e999`), absurd dimensions, oversized names and descriptions, and statistical
 * specs that would make a search meaningless (non-finite or huge points, β that does not sum
 * to a positive weight or has negative entries, γ outside a sane range).
 */
import { LearnwareError } from "../../core/errors.ts";
import { semanticValues } from "../../core/semantic/read.ts";

/** Caps on the semantic spec's free text and size. */
export const SEMANTIC_LIMITS = Object.freeze({ name: 200, description: 10_000, json: 1024 * 1024, dimension: 10_000_000 });
/** γ of an RBF kernel outside this range makes every distance 0 or 1. */
export const GAMMA_RANGE = Object.freeze([1e-8, 1e8] as const);
/** Coordinates beyond this overflow the squared distances. */
export const Z_MAX = 1e100;

/** The first non-finite number's path (`a.b[3]`), or null. Iterative: deep nesting cannot overflow the stack. */
export function findNonFinite(value: unknown, root = "body"): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) stack.push([x, `${path}.${k}`]);
    }
  }
  return null;
}

/** Throws a 400 naming the first non-finite number (JSON's `1e999` parses to Infinity). */
export function assertFiniteJson(value: unknown, root = "body"): void {
  const at = findNonFinite(value, root);
  if (at !== null) throw new LearnwareError("VALIDATION_FAILED", `Invalid ${at}: numbers must be finite (got a value out of the float range)`, { field: at });
}

/** Sizes, finiteness and dimensions of a semantic spec (before the semantic checker's own rules). */
export function assertSaneSemantic(spec: unknown, root = "semantic"): void {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) return; // the checker names it
  assertFiniteJson(spec, root);
  const s = spec as Record<string, unknown>;
  const size = JSON.stringify(spec).length;
  if (size > SEMANTIC_LIMITS.json) {
    throw new LearnwareError("PAYLOAD_TOO_LARGE", `The semantic specification is ${size} characters of JSON, more than the limit of ${SEMANTIC_LIMITS.json}`, {
      field: root,
      limit: SEMANTIC_LIMITS.json,
    });
  }
  for (const [key, max] of [
    ["Name", SEMANTIC_LIMITS.name],
    ["Description", SEMANTIC_LIMITS.description],
  ] as const) {
    const v = semanticValues(s, key);
    const text = typeof v === "string" ? v : Array.isArray(v) ? v.filter((x) => typeof x === "string").join("") : "";
    if (text.length > max) {
      throw new LearnwareError("VALIDATION_FAILED", `Invalid ${root}.${key}: ${text.length} characters, more than the limit of ${max}`, {
        field: `${root}.${key}`,
        limit: max,
      });
    }
  }
  for (const io of ["Input", "Output"]) {
    const d = (s[io] as { Dimension?: unknown } | undefined)?.Dimension;
    if (d === undefined || s[io] === null || typeof s[io] !== "object") continue;
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > SEMANTIC_LIMITS.dimension) {
      throw new LearnwareError(
        "VALIDATION_FAILED",
        `Invalid ${root}.${io}.Dimension: must be an integer from 1 to ${SEMANTIC_LIMITS.dimension}, got ${JSON.stringify(d)}`,
        {
          field: `${root}.${io}.Dimension`,
        },
      );
    }
  }
}

/** The first problem of an RKME table spec's numbers (null when sane); `json` as in the stat file. */
export function statSpecProblem(json: unknown): { field: string; message: string } | null {
  if (json === null || typeof json !== "object") return null; // the parser names it
  const o = json as { z?: unknown; beta?: unknown; gamma?: unknown };
  if (o.gamma !== undefined) {
    const g = o.gamma;
    if (typeof g !== "number" || !Number.isFinite(g) || g < GAMMA_RANGE[0] || g > GAMMA_RANGE[1]) {
      return { field: "gamma", message: `gamma must be a finite number from ${GAMMA_RANGE[0]} to ${GAMMA_RANGE[1]}, got ${JSON.stringify(g) ?? String(g)}` };
    }
  }
  if (Array.isArray(o.z)) {
    for (let i = 0; i < o.z.length; i++) {
      const row: unknown = o.z[i];
      if (!Array.isArray(row)) continue;
      for (let j = 0; j < row.length; j++) {
        const x: unknown = row[j];
        if (typeof x === "number" && !(Math.abs(x) <= Z_MAX))
          return { field: `z[${i}][${j}]`, message: `z[${i}][${j}] must be finite and at most ${Z_MAX} in magnitude, got ${String(x)}` };
        if (x === null) return { field: `z[${i}][${j}]`, message: `z[${i}][${j}] must be a finite number, got null (NaN or Infinity?)` };
      }
    }
  }
  if (Array.isArray(o.beta)) {
    let sum = 0;
    for (let i = 0; i < o.beta.length; i++) {
      const b: unknown = o.beta[i];
      if (b === null || (typeof b === "number" && !Number.isFinite(b)))
        return { field: `beta[${i}]`, message: `beta[${i}] must be a finite number, got ${String(b)}` };
      if (typeof b !== "number") continue;
      if (b < 0) return { field: `beta[${i}]`, message: `beta[${i}] is ${b}; the weights of an RKME are non-negative` };
      sum += b;
    }
    if (o.beta.length > 0 && !(sum > 0)) return { field: "beta", message: `The weights beta sum to ${sum}; they must sum to a positive number` };
  }
  return null;
}

/** Throws STAT_SPEC_INVALID (422) naming `<root>.<field>` when the spec's numbers are degenerate. */
export function assertSaneStatSpec(json: unknown, root = "stat"): void {
  const p = statSpecProblem(json);
  if (p) throw new LearnwareError("STAT_SPEC_INVALID", `Invalid ${root}: ${p.message}`, { field: `${root}.${p.field}` });
}
