/**
 * The worker process for JS and ONNX learnwares. It runs inside the sandbox (never in the
 * runner daemon), bundled into one file by `bundle.ts`, and speaks the same framed stdio
 * protocol as the Python worker: requests `{id, op, ...}`, replies `{id, ok, result |
 * error, rss}`. Model code's console output goes to stderr so it cannot corrupt the
 * protocol.
 *
 * Ops: `hello`, `load` (`{kind: "js" | "onnx", path, class_name?, kwargs, artifacts}`),
 * `predict` (`{X}` → `{y, outputType}`), `fit` / `finetune` (`{X, y}`), `save`, `exit`.
 */
import { encodeFrame, FrameReader } from "../protocol.ts";
import { asDType, fromTyped, rowCount, type Tensor } from "../tensor.ts";
import { modelFromHooks, type LearnwareModel, type Rows, type RunnerHooks } from "../contract.ts";

interface Request {
  id: number;
  op: string;
  [key: string]: unknown;
}

interface Loaded {
  input_shape: number[];
  output_shape: number[];
  predict(X: Tensor): Promise<Tensor>;
  /** JS models: texts (a list of strings) straight to the model's predict (text learnwares). */
  predictTexts?(texts: string[]): Promise<Tensor>;
  fit?(X: Tensor, y: Tensor): Promise<void>;
  finetune?(X: Tensor, y: Tensor): Promise<void>;
  save(): Promise<unknown>;
}

const rawWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

class ModelFault extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

let model: Loaded | null = null;

function toRows(t: Tensor): Rows {
  const n = rowCount(t);
  const d = n === 0 ? 0 : t.data.length / n;
  const rows: Rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(t.data.subarray(i * d, (i + 1) * d));
  return rows;
}

function fromOutput(y: unknown): Tensor {
  if (y instanceof Float64Array || y instanceof Float32Array) return fromTyped(y, [y.length]);
  if (ArrayBuffer.isView(y)) return fromTyped(Float64Array.from(y as unknown as ArrayLike<number>, Number), [(y as unknown as ArrayLike<number>).length]);
  if (!Array.isArray(y)) throw new ModelFault("OUTPUT_NOT_ARRAY", `JS learnware predict() must return an array, got ${typeof y}`);
  const shape: number[] = [];
  let cur: unknown = y;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    shape.push((cur as ArrayLike<unknown>).length);
    cur = (cur as ArrayLike<unknown>)[0];
  }
  const flat = (y as unknown[]).flat(Infinity) as unknown[];
  const data = Float64Array.from(flat, Number);
  if (data.some((v, i) => Number.isNaN(v) && typeof flat[i] !== "number"))
    throw new ModelFault("OUTPUT_NOT_NUMERIC", "JS learnware predict() returned non-numeric values");
  return fromTyped(data, shape);
}

async function loadJs(req: Request): Promise<Loaded> {
  const mod = (await import(String(req.path))) as Record<string, unknown>;
  const kwargs = (req.kwargs ?? {}) as Record<string, unknown>;
  let m: LearnwareModel & { save?(): Promise<unknown> };
  const hooks = mod.runner as RunnerHooks | undefined;
  if (hooks && typeof hooks.predict === "function") {
    const shapes = {
      input_shape: (mod.input_shape ?? kwargs.input_shape ?? []) as number[],
      output_shape: (mod.output_shape ?? kwargs.output_shape ?? []) as number[],
    };
    m = await modelFromHooks(hooks, shapes, kwargs, new Map(Object.entries((req.artifacts ?? {}) as Record<string, string>)));
  } else {
    const name = typeof req.class_name === "string" ? req.class_name : undefined;
    const exported = name ? mod[name] : (mod.createModel ?? mod.default);
    if (exported === undefined) throw new ModelFault("MODEL_CLASS_MISSING", `Module exports no ${name ?? "createModel or default"} (nor runner hooks)`);
    const isClass = typeof exported === "function" && /^class\s/.test(Function.prototype.toString.call(exported));
    m = (
      typeof exported === "function"
        ? isClass
          ? new (exported as new (k: unknown) => LearnwareModel)(kwargs)
          : await (exported as (k: unknown) => unknown)(kwargs)
        : exported
    ) as LearnwareModel;
  }
  if (!m || typeof m.predict !== "function") throw new ModelFault("LOAD_FAILED", "JS learnware model has no predict()");
  const train = (method: "fit" | "finetune") => {
    const f = m[method];
    if (typeof f !== "function") return undefined;
    return async (X: Tensor, y: Tensor) => {
      await f.call(m, toRows(X), y.shape.length === 1 ? Array.from(y.data) : toRows(y));
    };
  };
  const loaded: Loaded = {
    input_shape: Array.isArray(m.input_shape) ? m.input_shape : [],
    output_shape: Array.isArray(m.output_shape) ? m.output_shape : [],
    predict: async (X) => fromOutput(await m.predict(toRows(X))),
    predictTexts: async (texts) => fromOutput(await (m.predict as (x: unknown) => unknown)(texts)),
    save: async () => (typeof m.save === "function" ? m.save() : kwargs),
  };
  const fit = train("fit"),
    finetune = train("finetune");
  if (fit) loaded.fit = fit;
  if (finetune) loaded.finetune = finetune;
  return loaded;
}

function kwShape(v: unknown): number[] | null {
  return Array.isArray(v) && v.every((d) => Number.isInteger(d)) ? (v as number[]) : null;
}

async function loadOnnx(req: Request): Promise<Loaded> {
  const ort = await import("onnxruntime-node");
  const { readFile } = await import("node:fs/promises");
  const bytes = new Uint8Array(await readFile(String(req.path)));
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" });
  } catch (e) {
    throw new ModelFault("LOAD_FAILED", `ONNX model cannot be loaded: ${(e as Error).message}`);
  }
  const staticShape = (meta: (typeof session.inputMetadata)[number] | undefined): number[] | null => {
    if (meta === undefined || !meta.isTensor) return null;
    const tail = meta.shape.slice(1);
    return tail.every((d) => typeof d === "number" && d > 0) ? (tail as number[]) : null;
  };
  const kwargs = (req.kwargs ?? {}) as Record<string, unknown>;
  const inMeta = session.inputMetadata[0];
  // A text model takes the raw texts as a string tensor ([N] or [N, 1]), as a Python text
  // model's predict takes a list of strings.
  const takesTexts = inMeta?.isTensor === true && inMeta.type === "string";
  const inputDesc =
    inMeta?.isTensor === true ? `input '${inMeta.name}' is ${inMeta.type} [${inMeta.shape.map((d) => String(d)).join(", ")}]` : "input is not a tensor";
  const input = kwShape(kwargs.input_shape) ?? staticShape(inMeta);
  const output = kwShape(kwargs.output_shape) ?? staticShape(session.outputMetadata[0]);
  if (input === null) throw new ModelFault("LOAD_FAILED", "ONNX model input shape is unknown: declare model.input_shape in learnware.yaml");
  if (output === null) throw new ModelFault("LOAD_FAILED", "ONNX model output shape is unknown: declare model.output_shape in learnware.yaml");
  const inName = session.inputNames[0]!,
    outName = session.outputNames[0]!;
  const run = async (feed: InstanceType<typeof ort.Tensor>, rows: number): Promise<Tensor> => {
    const out = (await session.run({ [inName]: feed }))[outName];
    if (out === undefined) throw new ModelFault("MODEL_ERROR", `ONNX model produced no output '${outName}'`);
    const data = out.data;
    const shape = out.dims.length === 0 ? [rows] : [...out.dims];
    if (data instanceof Float32Array || data instanceof Float64Array) return fromTyped(data, shape);
    if (Array.isArray(data)) throw new ModelFault("OUTPUT_NOT_NUMERIC", `ONNX model output '${outName}' is ${out.type}, not numbers`);
    return fromTyped(Float64Array.from(data as ArrayLike<number>, Number), shape);
  };
  return {
    input_shape: input,
    output_shape: output,
    async predict(X) {
      if (takesTexts) throw new ModelFault("NOT_SUPPORTED", `This ONNX model takes texts (its ${inputDesc}), not a numeric tensor`);
      const x32 = asDType(X, "float32");
      return run(new ort.Tensor("float32", x32.data as Float32Array, x32.shape), rowCount(X));
    },
    async predictTexts(texts) {
      if (!takesTexts) {
        throw new ModelFault(
          "NOT_SUPPORTED",
          `This ONNX model cannot take texts: its ${inputDesc}, but an ONNX text learnware must take the raw texts as a string tensor ([N] or [N, 1]); a model on token ids or embeddings needs its tokenizer or embedder beside it — package it as a JS learnware that calls the ONNX model`,
        );
      }
      const rank = inMeta!.isTensor ? inMeta!.shape.length : 1;
      return run(new ort.Tensor("string", texts, rank === 2 ? [texts.length, 1] : [texts.length]), texts.length);
    },
    save: async () => kwargs,
  };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case "hello":
      return { node: process.versions.node, pid: process.pid };
    case "load": {
      model = req.kind === "onnx" ? await loadOnnx(req) : await loadJs(req);
      return {
        input_shape: model.input_shape,
        output_shape: model.output_shape,
        has_fit: model.fit !== undefined,
        has_finetune: model.finetune !== undefined,
        class: String(req.kind),
      };
    }
    case "predict": {
      if (!model) throw new ModelFault("NOT_LOADED", "No model is loaded");
      if (Array.isArray(req.X)) {
        if (!model.predictTexts) throw new ModelFault("NOT_SUPPORTED", "This model takes tensors, not texts");
        return { y: await model.predictTexts(req.X.map(String)), outputType: "tensor" };
      }
      return { y: await model.predict(req.X as Tensor), outputType: "tensor" };
    }
    case "fit":
    case "finetune": {
      if (!model) throw new ModelFault("NOT_LOADED", "No model is loaded");
      const f = model[req.op];
      if (!f) throw new ModelFault("NOT_SUPPORTED", `This learnware has no ${req.op}()`);
      await f(req.X as Tensor, req.y as Tensor);
      return {};
    }
    case "save":
      if (!model) throw new ModelFault("NOT_LOADED", "No model is loaded");
      return { props: await model.save() };
    default:
      throw new ModelFault("BAD_REQUEST", `Unknown op ${req.op}`);
  }
}

function reply(message: Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => rawWrite(encodeFrame({ ...message, rss: process.memoryUsage.rss() }), () => resolve()));
}

const reader = new FrameReader();
let queue: Promise<void> = Promise.resolve();
process.stdin.on("data", (chunk: Buffer) => {
  let messages: unknown[];
  try {
    messages = reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  } catch (e) {
    process.stderr.write(`undecodable frame: ${(e as Error).message}\n`);
    process.exit(2);
  }
  for (const m of messages) {
    const req = m as Request;
    queue = queue.then(async () => {
      if (req.op === "exit") process.exit(0);
      try {
        await reply({ id: req.id, ok: true, result: await handle(req) });
      } catch (e) {
        const err = e as Error & { code?: string };
        const code = e instanceof ModelFault ? e.code : req.op === "load" ? "LOAD_FAILED" : "MODEL_ERROR";
        await reply({
          id: req.id,
          ok: false,
          error: { code, message: `${err?.name ?? "Error"}: ${err?.message ?? String(e)}`, details: { traceback: String(err?.stack ?? "") } },
        });
      }
    });
  }
});
process.stdin.on("end", () => process.exit(0));
