// Piscina worker for JS learnwares (plain JS so worker threads need no TypeScript loader).
// Each thread keeps the loaded model per module URL; a task names its module, so a thread
// that was replaced (timeout, crash) reloads transparently.
import { pathToFileURL } from "node:url";

const models = new Map();

async function load(task) {
  const key = `${task.modulePath}|${JSON.stringify(task.kwargs)}|${task.generation}`;
  let entry = models.get(key);
  if (entry) return entry;
  const mod = await import(pathToFileURL(task.modulePath).href);
  const kwargs = task.kwargs ?? {};
  let model;
  if (mod.runner && typeof mod.runner.predict === "function") {
    const hooks = mod.runner;
    const props = task.props ?? kwargs;
    const inner = hooks.loadModel ? await hooks.loadModel(props, new Map(Object.entries(task.artifacts ?? {}))) : props;
    model = {
      input_shape: mod.input_shape ?? kwargs.input_shape,
      output_shape: mod.output_shape ?? kwargs.output_shape,
      async predict(X) {
        const pre = hooks.preprocessData ? await hooks.preprocessData(inner, X) : X;
        const y = await hooks.predict(inner, pre);
        return hooks.postprocessData ? hooks.postprocessData(inner, y) : y;
      },
      fit: hooks.fit ? (X, y) => hooks.fit(inner, X, y) : undefined,
      finetune: hooks.finetune ? (X, y) => hooks.finetune(inner, X, y) : undefined,
      save: async () => (hooks.saveModel ? hooks.saveModel(inner) : props),
    };
  } else {
    const exported = task.className ? mod[task.className] : (mod.createModel ?? mod.default);
    if (exported === undefined) throw new Error(`Module exports no ${task.className ?? "createModel or default"} (nor runner hooks)`);
    const isClass = typeof exported === "function" && /^class\s/.test(Function.prototype.toString.call(exported));
    model = typeof exported === "function" ? (isClass ? new exported(kwargs) : await exported(kwargs)) : exported;
  }
  if (!model || typeof model.predict !== "function") throw new Error("JS learnware model has no predict()");
  entry = { model };
  models.set(key, entry);
  return entry;
}

function toRows(t) {
  const [n, ...rest] = t.shape;
  const d = rest.reduce((a, b) => a * b, 1);
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(t.data.subarray(i * d, (i + 1) * d));
  return rows;
}

function fromOutput(y) {
  if (ArrayBuffer.isView(y)) return { shape: [y.length], data: Float64Array.from(y) };
  if (!Array.isArray(y)) throw new Error(`JS learnware predict() must return an array, got ${typeof y}`);
  const shape = [];
  let cur = y;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const flat = y.flat(Infinity);
  return { shape, data: Float64Array.from(flat, Number) };
}

export default async function run(task) {
  const { model } = await load(task);
  if (task.op === "load") {
    return {
      input_shape: Array.isArray(model.input_shape) ? model.input_shape : [],
      output_shape: Array.isArray(model.output_shape) ? model.output_shape : [],
      canFit: typeof model.fit === "function",
      canFinetune: typeof model.finetune === "function",
      memory: process.memoryUsage().heapUsed,
    };
  }
  if (task.op === "predict") return fromOutput(await model.predict(toRows(task.X)));
  if (task.op === "fit" || task.op === "finetune") {
    if (typeof model[task.op] !== "function") throw new Error(`JS learnware has no ${task.op}()`);
    const y = task.y.shape.length === 1 ? Array.from(task.y.data) : toRows(task.y);
    await model[task.op](toRows(task.X), y);
    return {};
  }
  if (task.op === "save") return typeof model.save === "function" ? model.save() : null;
  throw new Error(`Unknown op ${task.op}`);
}
