/**
 * The statistical check of a learnware, with the Python market's `EasyStatChecker`
 * semantics and statuses: instantiate the model, compare `input_shape` with the semantic
 * `Input.Dimension` and the stat spec's `z`, predict on 10 random inputs of that shape,
 * then check output length, output type, output shape, the regression output dimension
 * and classification labels (range) or output dimension. The first failing rule makes
 * the learnware INVALID (-1) with a message naming the rule; all pass → USABLE (1).
 * Infrastructure failures (backend unavailable, runner bugs) are `error`, not a verdict.
 *
 * @example
 * ```ts ignore
 * import { checkLearnware } from "./checkLearnware.ts";
 * const r = await checkLearnware({ lw, semantic, backend, id: "00000001" });
 * console.log(r.status, r.log.join("\n"));
 * ```
 */
import { LearnwareError } from "../../core/errors.ts";
import { createRng } from "../../core/random.ts";
import { CHECK_STATUS } from "../../core/semantic/checker.ts";
import { semanticValues } from "../../core/semantic/read.ts";
import { checkStatSpecRules } from "../../core/check/statSpecRules.ts";
import type { ModelHandle } from "../contract.ts";
import type { LearnwareDir } from "../learnwareDir.ts";
import type { Backend } from "../backends/backend.ts";
import { fromTyped, rowCount, sampleShape, type Tensor } from "../tensor.ts";

export type CheckRule =
  | "instantiate"
  | "input_shape"
  | "stat_spec"
  | "stat_spec_finite"
  | "stat_spec_dimension"
  | "predict"
  | "output_length"
  | "output_type"
  | "output_shape"
  | "regression_dimension"
  | "classification_labels"
  | "classification_dimension"
  | "worker_crash";

export interface CheckResult {
  /** `usable` / `invalid` are verdicts; `error` means the check could not run (retry). */
  status: "usable" | "invalid" | "error";
  /** CHECK_STATUS value for verdicts (USABLE 1, INVALID -1); null for `error`. */
  code: number | null;
  /** The failing rule, if any. */
  rule?: CheckRule;
  message: string;
  log: string[];
  details?: Record<string, unknown>;
}

export interface CheckInput {
  lw: LearnwareDir;
  /** The semantic specification (Python layout: `Data`, `Task`, `Input`, `Output`, …). */
  semantic: unknown;
  backend: Backend;
  /** Learnware id, used in messages as the Python checker does. */
  id?: string;
  seed?: number;
  timeoutMs?: number;
  memoryLimitBytes?: number;
  /** How many times the learnware's worker may crash before the check gives up on it (default 3). */
  crashAttempts?: number;
}

/** Output types the Python checker accepts (`np.ndarray`, `torch.Tensor`); typed outputs of ONNX/JS models count as arrays. */
const ARRAY_OUTPUTS = new Set(["numpy.ndarray", "torch.Tensor", "tensor"]);
/**
 * Load failures that are the learnware's fault (a verdict), not the runner's. An environment
 * that cannot be built is the learnware's fault only when pip says its requirements cannot be
 * satisfied (`REQUIREMENT_UNSATISFIABLE`); `ENV_FAILED` (index unreachable, disk, timeout)
 * is the runner's, so the check stays pending and is retried.
 */
const LEARNWARE_FAULTS = new Set([
  "LOAD_FAILED",
  "MODEL_CLASS_MISSING",
  "MODEL_ERROR",
  "WORKER_CRASHED",
  "TIMEOUT",
  "MEMORY_LIMIT",
  "REQUIREMENT_UNSATISFIABLE",
  "NOT_LOADED",
  "OUTPUT_NOT_ARRAY",
  "OUTPUT_NOT_NUMERIC",
  // A model that cannot take the spec's kind of input (an ONNX model given texts).
  "NOT_SUPPORTED",
]);

function firstValue(sem: unknown, key: string): string | undefined {
  const v = semanticValues(sem, key);
  return Array.isArray(v) ? v[0] : undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const fmt = (s: readonly number[] | null | undefined): string => (s == null ? "None" : `(${s.join(", ")}${s.length === 1 ? "," : ""})`);

/**
 * Loads the learnware with `backend`, runs the rules, disposes the instance. A worker
 * that crashes (exits or is killed by a signal other than the runner's limits) is given
 * `crashAttempts` fresh starts; crashing every time makes the learnware INVALID under the
 * rule `worker_crash`. A sandbox that cannot start is the runner's failure (`error`).
 */
export async function checkLearnware(input: CheckInput): Promise<CheckResult> {
  const log: string[] = [];
  const id = input.id ?? input.lw.digest.slice(0, 12);
  log.push(`check of learnware ${id} (${input.lw.pkg.model.kind} model, backend ${input.backend.name})`);
  const avail = await input.backend.available();
  if (!avail.ok) {
    log.push(`backend ${input.backend.name} unavailable: ${avail.reason}; the check stays pending`);
    return { status: "error", code: null, message: `Backend ${input.backend.name} is unavailable: ${avail.reason}`, log };
  }
  const attempts = Math.max(1, input.crashAttempts ?? 3);
  for (let i = 1; ; i++) {
    const r = await checkOnce(input, id, log);
    if (r.details?.errorCode !== "WORKER_CRASHED") return r;
    if (i >= attempts) {
      const message = `The learnware [${id}] crashed its worker ${i} times (${r.rule}: ${r.message.split("\n")[0]})`;
      log.push(`✗ worker_crash: ${message}`);
      return { status: "invalid", code: CHECK_STATUS.INVALID, rule: "worker_crash", message, log };
    }
    log.push(`worker crashed (attempt ${i} of ${attempts}); starting it again`);
  }
}

async function checkOnce(input: CheckInput, id: string, log: string[]): Promise<CheckResult> {
  let handle: ModelHandle;
  const started = Date.now();
  try {
    const opts: { log: (l: string) => void; timeoutMs?: number; memoryLimitBytes?: number } = { log: (l) => log.push(l) };
    if (input.timeoutMs !== undefined) opts.timeoutMs = input.timeoutMs;
    if (input.memoryLimitBytes !== undefined) opts.memoryLimitBytes = input.memoryLimitBytes;
    handle = await input.backend.load(input.lw, opts);
  } catch (e) {
    const code = e instanceof LearnwareError ? e.code : "INTERNAL";
    const tb = e instanceof LearnwareError ? (e.details as { traceback?: string; stderr?: string } | undefined) : undefined;
    if (!LEARNWARE_FAULTS.has(code)) {
      log.push(`could not load the learnware: ${(e as Error).message}`);
      return { status: "error", code: null, message: `The runner could not load learnware ${id}: ${(e as Error).message}`, log };
    }
    const message = `The learnware [${id}] is instantiated failed! Due to ${(e as Error).message}.`;
    log.push(`✗ instantiate: ${message}`);
    if (tb?.traceback) log.push(tb.traceback.trimEnd());
    else if (tb?.stderr) log.push(tb.stderr.trimEnd());
    return { status: "invalid", code: CHECK_STATUS.INVALID, rule: "instantiate", message, log, details: { errorCode: code } };
  }
  log.push(`✓ instantiate (${Date.now() - started} ms): input_shape=${fmt(handle.input_shape)}, output_shape=${fmt(handle.output_shape)}`);
  try {
    return await checkLoaded(handle, input, id, log);
  } finally {
    await handle.dispose().catch(() => {});
  }
}

/** The rules over an already loaded model (exported for the service's on-demand checks). */
export async function checkLoaded(handle: ModelHandle, input: CheckInput, id: string, log: string[] = []): Promise<CheckResult> {
  const sem = (input.semantic ?? {}) as Record<string, any>;
  const fail = (rule: CheckRule, message: string, details?: Record<string, unknown>): CheckResult => {
    log.push(`✗ ${rule}: ${message}`);
    const r: CheckResult = { status: "invalid", code: CHECK_STATUS.INVALID, rule, message, log };
    if (details) r.details = details;
    return r;
  };
  const inputShape = handle.input_shape;
  const dataType = firstValue(sem, "Data");
  const task = firstValue(sem, "Task");

  if (dataType === "Table") {
    const dim = Number.parseInt(String(sem.Input?.Dimension), 10);
    if (!sameShape(inputShape, [dim])) {
      return fail(
        "input_shape",
        `input shapes of model and semantic specifications are different: model input_shape=${fmt(inputShape)}, semantic Input.Dimension=${fmt([dim])}`,
      );
    }
  }
  log.push(`✓ input_shape matches the semantic specification${dataType === "Table" ? ` (Input.Dimension=${sem.Input?.Dimension})` : ""}`);

  // The shared stat-spec rules (the upload inspection runs the same ones without a model).
  const rules = checkStatSpecRules(input.lw.pkg.statSpecs, { semantic: sem, inputShape, requireOne: true });
  const issue = rules.issues[0];
  if (issue) {
    const message = issue.rule === "stat_spec_dimension" ? `The learnware [${id}] ${issue.message}` : issue.message;
    return fail(issue.rule, message);
  }
  const stat = rules.loaded[0];
  if (stat === undefined)
    return fail("stat_spec", `No valid specification is found in stat spec ${JSON.stringify(input.lw.pkg.statSpecs.map((s) => s.className))}`);
  const dimNote = stat.kind.dimension(stat.spec);
  log.push(`✓ stat spec ${stat.fileName} (${stat.kind.type}${dimNote === null ? "" : `, dimension ${dimNote}`}), dist(self)=${stat.selfDist.toExponential(2)}`);
  const rng = createRng(input.seed ?? 0);
  // Inputs as the Python market's EasyStatChecker draws them for the spec's kind.
  let X: Tensor | string[];
  if (stat.kind.dataType === "Table") X = randomInputs(inputShape, () => rng.normal());
  else if (stat.kind.dataType === "Image") X = randomInputs(inputShape, () => rng.nextInt(255));
  else {
    if (!handle.predictTexts) {
      log.push(`backend ${input.backend.name} cannot pass texts to a model`);
      return { status: "error", code: null, message: `Backend ${input.backend.name} cannot run text learnwares`, log };
    }
    X = randomTexts(10, rng);
  }

  if (handle.isAipod) {
    // An AIPOD model (AIModelBase) is driven by keyword arguments after `initialize`, not by
    // arrays: it loaded, its shapes and stat spec passed; the array output rules do not apply.
    log.push("✓ AIPOD model (AIModelBase): initialize/train/predict/log take keyword arguments; the array output rules do not apply");
    log.push("EasyStatChecker Success");
    return { status: "usable", code: CHECK_STATUS.USABLE, message: "EasyStatChecker Success", log };
  }

  let y: Tensor;
  let outputType = "tensor";
  try {
    const opts = input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {};
    if (Array.isArray(X)) ({ y, outputType } = await handle.predictTexts!(X, opts));
    else if (handle.predictDetailed) ({ y, outputType } = await handle.predictDetailed(X, opts));
    else y = await handle.predict(X, opts);
  } catch (e) {
    const code = e instanceof LearnwareError ? e.code : "INTERNAL";
    if (!LEARNWARE_FAULTS.has(code)) {
      log.push(`could not run the learnware: ${(e as Error).message}`);
      return { status: "error", code: null, message: `The runner could not run learnware ${id}: ${(e as Error).message}`, log };
    }
    const details = e instanceof LearnwareError ? (e.details as { traceback?: string } | undefined) : undefined;
    const msg = `The learnware ${id} prediction is not avaliable! ${(e as Error).message}${details?.traceback ? `\r\n${details.traceback}` : ""}`;
    return fail("predict", msg, { errorCode: code });
  }
  const n = Array.isArray(X) ? X.length : rowCount(X);
  log.push(`✓ predict on ${n} random ${Array.isArray(X) ? "texts" : `inputs of shape ${fmt(inputShape)}`} → output shape [${y.shape.join(", ")}]`);

  if (rowCount(y) !== n || y.shape.length === 0) {
    return fail(
      "output_length",
      `The learnware ${id} output length must be equal to input length! (${y.shape.length === 0 ? "scalar" : rowCount(y)} outputs for ${n} inputs)`,
    );
  }
  const outputShape = handle.output_shape;
  const hasOutputShape = outputShape.length > 0;
  if (hasOutputShape || task === "Classification" || task === "Regression" || task === "Feature Extraction") {
    if (!ARRAY_OUTPUTS.has(outputType)) {
      return fail("output_type", `The learnware ${id} output must be np.ndarray or torch.Tensor! (got ${outputType})`);
    }
    const predShape = sampleShape(y);
    if (!sameShape(predShape, outputShape)) {
      return fail(
        "output_shape",
        `The learnware [${id}] output dimension mismatch, where pred_shape=${fmt(predShape)}, model_shape=${fmt(hasOutputShape ? outputShape : null)}`,
      );
    }
    log.push(`✓ output shape ${fmt(predShape)} matches model output_shape`);
    const semDim = Number.parseInt(String(sem.Output?.Dimension), 10);
    if (task === "Regression" && outputShape[0] !== semDim) {
      return fail(
        "regression_dimension",
        `The learnware [${id}] output dimension mismatch, where model_shape=${fmt(outputShape)}, semantic_shape=${fmt([semDim])}`,
      );
    }
    if (task === "Classification") {
      if (outputShape[0] === 1) {
        const bad = Array.from(y.data).filter((v) => !(v >= 0 && v < semDim));
        if (bad.length > 0) {
          return fail(
            "classification_labels",
            `The learnware [${id}] output label mismatch, where outputs of model is [${Array.from(y.data).join(", ")}], semantic_shape=${fmt([semDim])}`,
            { outOfRange: bad },
          );
        }
        log.push(`✓ classification labels in [0, ${semDim})`);
      } else if (outputShape[0] !== semDim) {
        return fail(
          "classification_dimension",
          `The learnware [${id}] output dimension mismatch, where model_shape=${fmt(outputShape)}, semantic_shape=${fmt([semDim])}`,
        );
      } else {
        log.push(`✓ classification output dimension ${semDim}`);
      }
    } else if (task === "Regression") {
      log.push(`✓ regression output dimension ${semDim}`);
    }
  }
  log.push("EasyStatChecker Success");
  return { status: "usable", code: CHECK_STATUS.USABLE, message: "EasyStatChecker Success", log };
}

function randomInputs(shape: number[], draw: () => number): Tensor {
  const per = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(10 * per);
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return fromTyped(data, [10, ...shape]);
}

/** Python's `string.ascii_letters + string.digits + string.punctuation`. */
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/** The Python checker's `_generate_random_text_list` (English): `num` random strings of 10–1000 such characters. */
export function randomTexts(num: number, rng: { nextInt(n: number): number }, minLen = 10, maxLen = 1000): string[] {
  return Array.from({ length: num }, () => {
    const len = minLen + rng.nextInt(maxLen - minLen + 1);
    let s = "";
    for (let i = 0; i < len; i++) s += LETTERS[rng.nextInt(LETTERS.length)];
    return s;
  });
}
