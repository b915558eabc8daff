/**
 * `lw reuse`: search a file market for the user's data, build a reuser from the result,
 * fit it when it needs labels, predict the user's rows and write them as CSV.
 *
 * With `--service URL` the learnwares run in that model service as one served mixture
 * (`POST /mixtures`, ids as in the market, their latest versions). Without it, the
 * learnwares run in this process through the runner's own backends: only ONNX and JS
 * learnwares of a folder market of zips qualify; any other learnware is named in the error.
 * `--kind averaging` is unweighted (every learnware counts once, as the Python market's
 * AveragingReuser and the served mixture); `--weighted` weights it by the search's weights.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LearnwareError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { buildReuser, describeReuse, type ReuseDescriptor } from "../../core/reuse/fromSearchResult.ts";
import type { Learnware } from "../../core/reuse/types.ts";
import { search, type SearchResult } from "../../core/search/search.ts";
import type { SemanticSpec } from "../../core/semantic/types.ts";
import { CliError } from "../errors.ts";
import { readBytes, readJson, readStatSpec, writeText } from "../files.ts";
import { loadMarket } from "../market.ts";
import { requirementArgs } from "./search.ts";
import { readTableFile } from "../readData.ts";

export const reuseHelp = `lw reuse --market <market.json | folder of zips> --spec user_stat.json [--semantic user_semantic.json] --kind job_selector|averaging|ensemble_pruning|feature_augment
         [--mode mean|vote_by_label|vote_by_prob|classification|regression] [--top-k N] [--max 5] [--method greedy|auto|none]
         --input X.csv [--fit-input X.csv --labels y.csv] --output pred.csv [--weighted] [--service URL [--token T]]
         (runs the search, builds the reuser, fits it when it needs labels — ensemble_pruning, feature_augment — and writes the predictions;
          without --service only ONNX and JS learnwares of a folder market run, in this process)`;

const KINDS = ["job_selector", "averaging", "ensemble_pruning", "feature_augment"] as const;
type Kind = (typeof KINDS)[number];
const NEEDS_FIT = new Set<string>(["ensemble_pruning", "feature_augment"]);

function modesOf(kind: Kind): string[] {
  return kind === "averaging" ? ["mean", "vote_by_label", "vote_by_prob"] : kind === "job_selector" ? [] : ["classification", "regression"];
}

export async function reuseCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...requirementArgs,
      kind: { type: "string" },
      mode: { type: "string" },
      "top-k": { type: "string" },
      input: { type: "string", short: "i" },
      "fit-input": { type: "string" },
      labels: { type: "string" },
      output: { type: "string", short: "o" },
      service: { type: "string" },
      token: { type: "string" },
      weighted: { type: "boolean" },
    },
  });
  if (!values.market) throw new CliError(`reuse needs --market. Usage:\n${reuseHelp}`);
  if (!values.spec && !values.semantic) throw new CliError("reuse needs --spec and/or --semantic (the user's requirement)");
  if (!values.input) throw new CliError("reuse needs --input (the rows to predict: CSV, JSON or .npy)");
  if (!values.output) throw new CliError("reuse needs --output (where the predictions CSV goes)");
  const kind = (values.kind ?? "job_selector") as Kind;
  if (!KINDS.includes(kind)) throw new CliError(`--kind must be one of ${KINDS.join(", ")}, got "${values.kind}"`);
  const modes = modesOf(kind);
  if (values.mode !== undefined && !modes.includes(values.mode)) {
    throw new CliError(
      modes.length === 0 ? `--mode does not apply to --kind ${kind}` : `--mode for --kind ${kind} must be one of ${modes.join(", ")}, got "${values.mode}"`,
    );
  }
  if (values.weighted && kind !== "averaging") throw new CliError(`--weighted applies only to --kind averaging, not ${kind}`);
  const weighted = values.weighted === true;
  const topK = values["top-k"] === undefined ? undefined : Number(values["top-k"]);
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1)) throw new CliError(`--top-k must be a positive integer, got "${values["top-k"]}"`);
  const max = values.max === undefined ? 5 : Number(values.max);
  if (!Number.isInteger(max) || max < 1) throw new CliError(`--max must be a positive integer, got "${values.max}"`);
  const method = values.method ?? "greedy";
  if (method !== "greedy" && method !== "auto" && method !== "none") throw new CliError(`--method must be greedy, auto or none, got "${method}"`);
  const needsFit = NEEDS_FIT.has(kind);
  if (needsFit && (!values["fit-input"] || !values.labels))
    throw new CliError(`--kind ${kind} is fitted on labelled rows: pass --fit-input X.csv and --labels y.csv`);
  if (!needsFit && (values["fit-input"] || values.labels))
    throw new CliError(`--kind ${kind} takes no fit: drop --fit-input / --labels (only ensemble_pruning and feature_augment use them)`);

  const X = readTableFile(values.input);
  let fitX: Matrix | undefined, fitY: Matrix | undefined;
  if (needsFit) {
    fitX = readTableFile(values["fit-input"]!);
    fitY = readTableFile(values.labels!);
    if (fitY.rows !== fitX.rows) throw new CliError(`--labels ${values.labels} has ${fitY.rows} rows but --fit-input ${values["fit-input"]} has ${fitX.rows}`);
    if (fitX.cols !== X.cols) throw new CliError(`--fit-input has ${fitX.cols} columns but --input has ${X.cols}`);
  }

  const market = loadMarket(values.market);
  const userStat = values.spec ? readStatSpec(values.spec) : undefined;
  const user = { stat: userStat, semantic: values.semantic ? (readJson(values.semantic, "semantic spec") as SemanticSpec) : undefined };
  const result: SearchResult = search({ user, market, maxSearchNum: max, method });
  if (result.single.length === 0 && result.multiple === null) throw new CliError("The search found no learnware for this requirement: nothing to reuse");

  let pred: Matrix;
  let used: string[];
  if (values.service) {
    ({ pred, used } = await viaService(values.service, values.token, { result, kind, mode: values.mode, topK, weighted }, X, fitX, fitY));
  } else {
    let d: ReuseDescriptor = describeReuse(result, {
      kind,
      ...(values.mode !== undefined ? { mode: values.mode as "mean" } : {}),
      ...(topK !== undefined ? { topK } : {}),
    });
    // Unweighted as Python's AveragingReuser (and the served mixture); --weighted keeps the search weights.
    if (d.kind === "averaging" && !weighted && d.weights) {
      const { weights: _searchWeights, ...unweighted } = d;
      d = unweighted;
    }
    if (d.kind === "single" && needsFit) d = { ...d, kind, ...(values.mode !== undefined ? { mode: values.mode as "mean" } : {}) };
    used = d.ids;
    for (const id of d.ids) {
      const spec = market.find((m) => m.id === id)?.stat;
      if (spec && spec.dim !== X.cols) throw new CliError(`--input has ${X.cols} columns but learnware "${id}" takes ${spec.dim}`);
    }
    pred = await inProcess(values.market, d, market, X, fitX, fitY);
  }
  writeText(values.output, toCsv(pred));
  process.stdout.write(
    `wrote ${pred.rows}×${pred.cols} predictions to ${values.output} (${kind === "averaging" || used.length > 1 ? kind : "single"} over ${used.join(", ")})\n`,
  );
  return 0;
}

async function viaService(
  address: string,
  token: string | undefined,
  body: { result: SearchResult; kind: Kind; mode: string | undefined; topK: number | undefined; weighted: boolean },
  X: Matrix,
  fitX: Matrix | undefined,
  fitY: Matrix | undefined,
): Promise<{ pred: Matrix; used: string[] }> {
  const { createMixture, MixtureClient } = await import("../../runner/service/mixtures.ts");
  const t = (m: Matrix) => ({ dtype: "float64" as const, shape: [m.rows, m.cols], data: m.data });
  const opts = token ? { token } : {};
  try {
    const info = await createMixture(
      address,
      {
        result: body.result,
        kind: body.kind,
        ...(body.mode !== undefined ? { mode: body.mode } : {}),
        ...(body.topK !== undefined ? { topK: body.topK } : {}),
        // The same numbers as the in-process reuser: unweighted unless --weighted.
        ...(body.kind === "averaging" && body.weighted ? { weighted: true } : {}),
      },
      opts,
    );
    const client = new MixtureClient(address, info.id, opts);
    if (fitX && fitY) await client.fit(t(fitX), t(fitY));
    const y = await client.predict(t(X));
    const rows = y.shape[0] ?? 1,
      cols = y.shape.length <= 1 ? 1 : y.shape.slice(1).reduce((a, b) => a * b, 1);
    return { pred: { rows, cols, data: Float64Array.from(y.data) }, used: info.learnwares.map((l) => l.id) };
  } catch (e) {
    if (e instanceof LearnwareError) throw new CliError(`Model service ${address}: ${e.message} (${e.code})`);
    if (e instanceof TypeError && /fetch failed/.test(e.message)) throw new CliError(`Cannot reach the model service at ${address}`);
    throw e;
  }
}

/** Runs the descriptor's learnwares through the runner's ONNX / JS backends in this process. */
async function inProcess(
  marketPath: string,
  d: ReuseDescriptor,
  market: ReturnType<typeof loadMarket>,
  X: Matrix,
  fitX: Matrix | undefined,
  fitY: Matrix | undefined,
): Promise<Matrix> {
  if (!(existsSync(marketPath) && statSync(marketPath).isDirectory())) {
    throw new CliError(
      `Learnware "${d.ids[0]}" cannot run in this process: a market.json holds no model packages. Use a folder market of learnware zips, or --service URL`,
    );
  }
  // Check every learnware first, so the error names each one that cannot run here.
  const pkgs = d.ids.map((id) => {
    const zip = readBytes(join(marketPath, `${id}.zip`), `package of learnware "${id}"`);
    return { id, zip, pkg: readLearnwarePackage(zip) };
  });
  const foreign = pkgs.filter((p) => p.pkg.model.kind !== "onnx" && p.pkg.model.kind !== "js");
  if (foreign.length > 0) {
    throw new CliError(
      `Cannot run ${foreign.map((p) => `"${p.id}" (a ${p.pkg.model.kind} learnware)`).join(", ")} in this process: only ONNX and JS learnwares run without a model service. Pass --service URL`,
    );
  }
  const [{ loadConfig }, { Runtime }] = await Promise.all([import("../../runner/config.ts"), import("../../runner/runtime.ts")]);
  const scratch = mkdtempSync(join(tmpdir(), "lw-reuse-"));
  const runtime = new Runtime(loadConfig({ LW_DATA_DIR: scratch }));
  const handles: { dispose(): Promise<void> }[] = [];
  try {
    const byId = new Map<string, Learnware>();
    for (const p of pkgs) {
      const handle = await runtime.load(await runtime.materialize(p.zip));
      handles.push(handle);
      const spec = market.find((m) => m.id === p.id)?.stat;
      byId.set(p.id, {
        id: p.id,
        spec,
        async predict(M: Matrix): Promise<Matrix> {
          const y = await handle.predict({ dtype: "float64", shape: [M.rows, M.cols], data: M.data });
          const rows = y.shape[0] ?? 1,
            cols = y.shape.length <= 1 ? 1 : y.shape.slice(1).reduce((a, b) => a * b, 1);
          return { rows, cols, data: Float64Array.from(y.data) };
        },
      });
    }
    const reuser = await buildReuser(d, async (id) => byId.get(id)!);
    if (fitX && fitY) await reuser.fit!(fitX, fitY);
    return await reuser.predict(X);
  } catch (e) {
    if (e instanceof LearnwareError) throw new CliError(`${e.message} (${e.code})`);
    throw e;
  } finally {
    for (const h of handles) await h.dispose().catch(() => {});
    for (const b of Object.values(runtime.backends)) await b.close?.().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
  }
}

function toCsv(m: Matrix): string {
  const header = m.cols === 1 ? "y" : Array.from({ length: m.cols }, (_, j) => `y${j}`).join(",");
  const lines = [header];
  for (let i = 0; i < m.rows; i++) lines.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), (v) => String(v)).join(","));
  return lines.join("\n") + "\n";
}
