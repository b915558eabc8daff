/** `lw spec generate` and `lw spec dist`. */
import { parseArgs } from "node:util";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import { CliError } from "../errors.ts";
import { readStatSpec, writeText } from "../files.ts";
import { progressBar } from "../progress.ts";
import { readTableFile } from "../readData.ts";
import { imageSpecFromPath } from "../imageSpec.ts";
import { textSpecFromFile } from "../textSpec.ts";

export const specHelp = `lw spec generate --input data.{csv,json,npy} --output stat.json [--K 100] [--gamma 0.1] [--steps 3] [--step-size 0.1] [--seed 0]
lw spec generate --texts texts.{txt,json} --output stat.json [--text-model DIR] [--K 50]  (an RKMETextSpecification; model folder also from LW_TEXT_MODEL)
lw spec generate --images <folder of pictures | images.npy (N×C×H×W)> --output stat.json [--K 50]  (an RKMEImageSpecification, the CNN-GP kernel)
lw spec dist A.json B.json`;

function num(v: string | undefined, name: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new CliError(`--${name} must be ${integer ? "an integer" : "a number"}, got "${v}"`);
  }
  return n;
}

export function specCommand(argv: string[]): number | Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "generate") return generate(rest);
  if (sub === "dist") return dist(rest);
  throw new CliError(`Unknown spec command "${sub ?? ""}". Usage:\n${specHelp}`);
}

function generate(argv: string[]): number | Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: "string", short: "i" },
      output: { type: "string", short: "o" },
      K: { type: "string" },
      gamma: { type: "string" },
      steps: { type: "string" },
      "step-size": { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
      texts: { type: "string" },
      "text-model": { type: "string" },
      images: { type: "string" },
    },
    strict: true,
  });
  if (values.texts) return generateText(values.texts, values["text-model"], values.output, num(values.K, "K", true), num(values.seed, "seed", true));
  if (values.images) return generateImages(values.images, values.output, num(values.K, "K", true), num(values.seed, "seed", true), values.json === true);
  if (!values.input) throw new CliError("spec generate needs --input <data.csv|.json|.npy> (or --texts <texts.txt>, or --images <folder|images.npy>)");
  if (!values.output) throw new CliError("spec generate needs --output <stat.json>");
  const K = num(values.K, "K", true),
    gamma = num(values.gamma, "gamma", false);
  const steps = num(values.steps, "steps", true),
    stepSize = num(values["step-size"], "step-size", false);
  const seed = num(values.seed, "seed", true);
  if (K !== undefined && K < 1) throw new CliError(`--K must be at least 1, got ${K}`);
  if (gamma !== undefined && gamma <= 0) throw new CliError(`--gamma must be positive, got ${gamma}`);
  if (steps !== undefined && steps < 0) throw new CliError(`--steps must be non-negative, got ${steps}`);
  // The bar moves from the first byte read: reading and parsing are its first 30 %.
  const bar = progressBar("generating");
  bar.update(0, "reading");
  const X = readTableFile(values.input, { onProgress: (f) => bar.update(0.3 * f, "reading") });
  const spec = RKMETableSpecification.generate(X, {
    ...(K !== undefined ? { K } : {}),
    ...(gamma !== undefined ? { gamma } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(stepSize !== undefined ? { stepSize } : {}),
    ...(seed !== undefined ? { seed } : {}),
    onProgress: (f, stage) => bar.update(0.3 + 0.7 * f, stage),
  });
  bar.done();
  writeText(values.output, spec.stringify());
  if (values.json) process.stdout.write(`${JSON.stringify({ output: values.output, points: spec.z.rows, dim: spec.dim, rows: X.rows })}\n`);
  else process.stderr.write(`wrote ${values.output}: ${spec.z.rows} points, d=${spec.dim}, from ${X.rows} rows\n`);
  return 0;
}

async function generateText(
  texts: string,
  model: string | undefined,
  output: string | undefined,
  K: number | undefined,
  seed: number | undefined,
): Promise<number> {
  if (!output) throw new CliError("spec generate needs --output <stat.json>");
  if (K !== undefined && K < 1) throw new CliError(`--K must be at least 1, got ${K}`);
  const spec = await textSpecFromFile(texts, model, { ...(K !== undefined ? { K } : {}), ...(seed !== undefined ? { seed } : {}) });
  writeText(output, spec.stringify());
  process.stderr.write(`wrote ${output}: text spec, ${spec.z.rows} points, embedding d=${spec.dim}, languages ${spec.language.join(",") || "-"}\n`);
  return 0;
}

async function generateImages(path: string, output: string | undefined, K: number | undefined, seed: number | undefined, json: boolean): Promise<number> {
  if (!output) throw new CliError("spec generate needs --output <stat.json>");
  if (K !== undefined && K < 1) throw new CliError(`--K must be at least 1, got ${K}`);
  const spec = await imageSpecFromPath(path, { ...(K !== undefined ? { K } : {}), ...(seed !== undefined ? { seed } : {}) });
  writeText(output, spec.stringify());
  if (json) process.stdout.write(`${JSON.stringify({ output, points: spec.z.n, channels: spec.z.c, images: spec.numPoints })}\n`);
  else process.stderr.write(`wrote ${output}: image spec, ${spec.z.n} points of ${spec.z.c}×32×32, from ${spec.numPoints} images\n`);
  return 0;
}

function dist(argv: string[]): number {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {} });
  if (positionals.length !== 2) throw new CliError("spec dist needs two stat spec files: lw spec dist A.json B.json");
  const a = readStatSpec(positionals[0]!),
    b = readStatSpec(positionals[1]!);
  if (a.dim !== b.dim) throw new CliError(`Specs have different dimensions: ${positionals[0]} is d=${a.dim}, ${positionals[1]} is d=${b.dim}`);
  const out = { dist: a.dist(b), ip_ab: a.innerProduct(b), ip_aa: a.innerProduct(a), ip_bb: b.innerProduct(b) };
  process.stdout.write(JSON.stringify(out) + "\n");
  return 0;
}
