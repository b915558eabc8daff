/**
 * Model registration (VESSL's `register_model`): packs a runner (JS runner hooks module or
 * a Python model file), the model's saved props, requirements and artifact globs into a
 * learnware package — with an RKME stat spec when data is given — and uploads it to the
 * market as a new learnware or as a new version of `repository`.
 *
 * @example
 * ```ts ignore
 * import { registerModel } from "./register.ts";
 * const r = await registerModel({
 *   repository: "my-model", runner: "./runner.mjs", model: { scale: 2 },
 *   requirements: [], artifacts: { "weights/": "./out/weights-*" },
 *   semantic, data: X, server: "http://127.0.0.1:8787", token,
 * });
 * ```
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ApiError, LwClient } from "../client/client.ts";
import { LearnwareError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import { fromRows } from "../core/matrix.ts";
import { writeLearnwarePackage } from "../core/package/writePackage.ts";
import { RKMETableSpecification } from "../core/spec/rkmeTableSpec.ts";

export interface RegisterOptions {
  /** Learnware id to add a version to, or (with `create`) the name of a new learnware. */
  repository: string;
  /** Expected number of the new version (VESSL's model number); the upload fails if it differs. */
  number?: number;
  /** Runner: a JS module exporting `runner` hooks (`.mjs`/`.js`) or a Python model file (`.py`). */
  runner: string;
  /** Python: the model class (default `Model`). JS: a named export instead of `runner`. */
  className?: string;
  /** JS: the trained model; the runner's `saveModel(model)` turns it into props stored in the package. */
  model?: unknown;
  /** pip requirement lines. */
  requirements?: string[];
  /** Package path (a file, or a folder ending in `/`) → local path or glob with a trailing `*` only. */
  artifacts?: Record<string, string>;
  semantic: Record<string, unknown>;
  /** Data for the RKME stat spec (rows); or give `statSpec`. */
  data?: number[][] | Matrix;
  statSpec?: RKMETableSpecification;
  inputShape?: number[];
  outputShape?: number[];
  /** Create a new learnware instead of a new version of `repository`. */
  create?: boolean;
  server: string;
  token: string;
}

export interface RegisterResult {
  learnwareId: string;
  version: number;
  status: string;
  packageBytes: number;
  files: string[];
}

/** Expands a path with at most one `*`, at the end (VESSL's artifact globs). */
export function expandArtifactGlob(pattern: string): string[] {
  const star = pattern.indexOf("*");
  if (star === -1) {
    const s = statSync(pattern, { throwIfNoEntry: false });
    if (!s) throw new LearnwareError("BAD_REQUEST", `Artifact '${pattern}' does not exist`);
    if (s.isDirectory()) return walk(pattern);
    return [pattern];
  }
  if (star !== pattern.length - 1) throw new LearnwareError("BAD_REQUEST", `Artifact glob '${pattern}' may only have '*' at the end`);
  const prefix = pattern.slice(0, -1);
  const dir = prefix.endsWith("/") ? prefix : dirname(prefix) + "/";
  const namePrefix = prefix.endsWith("/") ? "" : basename(prefix);
  return readdirSync(dir)
    .filter((n) => n.startsWith(namePrefix))
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

/** Builds the package (zip bytes) without uploading. */
export async function buildRegisteredPackage(opts: Omit<RegisterOptions, "server" | "token" | "repository">): Promise<{ zip: Uint8Array; files: string[] }> {
  const files: Record<string, Uint8Array | string> = {};
  const isPython = opts.runner.endsWith(".py");
  let model: Record<string, unknown>;
  if (isPython) {
    files["__init__.py"] = readFileSync(opts.runner);
    model = { class_name: opts.className ?? "Model", kwargs: {} };
  } else {
    files["runner.mjs"] = readFileSync(opts.runner);
    const mod = (await import(pathToFileURL(opts.runner).href)) as {
      runner?: { saveModel?: (m: unknown) => unknown };
      input_shape?: number[];
      output_shape?: number[];
    };
    const props = opts.model === undefined ? {} : mod.runner?.saveModel ? await mod.runner.saveModel(opts.model) : opts.model;
    const kwargs: Record<string, unknown> = typeof props === "object" && props !== null ? { ...(props as object) } : { value: props };
    const inShape = opts.inputShape ?? mod.input_shape;
    const outShape = opts.outputShape ?? mod.output_shape;
    if (inShape) kwargs.input_shape = inShape;
    if (outShape) kwargs.output_shape = outShape;
    model = { kind: "js", module_path: "runner.mjs", kwargs };
    if (opts.className) model.class_name = opts.className;
  }
  if (opts.requirements && opts.requirements.length > 0) files["requirements.txt"] = opts.requirements.join("\n") + "\n";
  for (const [target, pattern] of Object.entries(opts.artifacts ?? {})) {
    const matches = expandArtifactGlob(pattern);
    if (matches.length === 0) throw new LearnwareError("BAD_REQUEST", `Artifact glob '${pattern}' matched no files`);
    const base = pattern.includes("*")
      ? pattern.slice(0, pattern.lastIndexOf("/") + 1)
      : statSync(pattern).isDirectory()
        ? `${pattern.replace(/\/+$/, "")}/`
        : `${dirname(pattern)}/`;
    for (const m of matches) {
      const single = matches.length === 1 && !pattern.includes("*") && !target.endsWith("/");
      const rel = single ? target : `${target.replace(/\/?$/, "/")}${m.slice(base.length)}`;
      files[`artifacts/${rel}`] = readFileSync(m);
    }
  }
  const spec = opts.statSpec ?? (opts.data ? RKMETableSpecification.generate(Array.isArray(opts.data) ? fromRows(opts.data, "data") : opts.data) : undefined);
  if (!spec) throw new LearnwareError("BAD_REQUEST", "registerModel needs data (or a statSpec) for the learnware's RKME specification");
  files["stat.json"] = spec.stringify();
  const yaml = {
    model,
    stat_specifications: [{ module_path: "learnware.specification", class_name: RKMETableSpecification.TYPE, file_name: "stat.json", kwargs: {} }],
  };
  return { zip: writeLearnwarePackage({ yaml, files }), files: ["learnware.yaml", ...Object.keys(files)] };
}

/** Packs and uploads; returns the new version. */
export async function registerModel(opts: RegisterOptions): Promise<RegisterResult> {
  const { zip, files } = await buildRegisteredPackage(opts);
  const form = new FormData();
  const semantic = { ...opts.semantic };
  if (opts.create && semantic.Name === undefined) semantic.Name = { Values: opts.repository, Type: "String" };
  form.set("semantic", JSON.stringify(semantic));
  form.set("package", new Blob([zip as Uint8Array<ArrayBuffer>], { type: "application/zip" }), "learnware.zip");
  const api = new LwClient({ baseUrl: opts.server, token: opts.token });
  if (opts.number !== undefined) {
    // The number is checked before anything is uploaded: a refused number leaves no version behind.
    if (!Number.isInteger(opts.number) || opts.number < 1)
      throw new LearnwareError("BAD_REQUEST", `Model number must be a positive integer, got ${opts.number}`);
    let next = 1;
    if (!opts.create) {
      const found = await api.call("getLearnware", { params: { id: opts.repository } }).catch((e: unknown) => {
        if (!(e instanceof ApiError)) throw e;
        throw new LearnwareError(e.status === 404 ? "NOT_FOUND" : "UPSTREAM_ERROR", `Looking up ${opts.repository} failed (HTTP ${e.status}): ${e.message}`);
      });
      next = found.latestVersion + 1;
    }
    if (next !== opts.number) throw new LearnwareError("CONFLICT", `${opts.repository} would get version ${next}, not ${opts.number}; nothing was uploaded`);
  }
  const body = await (opts.create
    ? api.call("submitLearnware", { body: form })
    : api.call("updateLearnware", { params: { id: opts.repository }, body: form })
  ).catch((e: unknown) => {
    if (!(e instanceof ApiError)) throw e;
    throw new LearnwareError(e.code, `Registering ${opts.repository} failed (HTTP ${e.status}): ${e.message}`);
  });
  const version = body.version.number;
  if (opts.number !== undefined && version !== opts.number) {
    throw new LearnwareError("CONFLICT", `Registered ${opts.repository} as version ${version}, expected ${opts.number}`);
  }
  return {
    learnwareId: body.learnware.id,
    version,
    status: body.version.status,
    packageBytes: zip.length,
    files,
  };
}
