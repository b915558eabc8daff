/**
 * onnxruntime-node's MLAS as a native path for large dense blocks (issue #16): the same
 * workloads as `kernels.ts` run as ONNX graphs on the CPU execution provider, f64 —
 * `MatMul` n³ (MLAS DGEMM against numpy's dgemm) and the whole C vector
 * `mean_n exp(−γ‖z_i − x_n‖²)` as `Gemm(transB) → Sub → Exp → ReduceMean` (the expansion
 * `2γ z·x − γ‖z‖² − γ‖x‖²`, as numpy does it). The server and CLI would use this path only
 * where it beats the wasm kernels; `npm run bench` reports both side by side.
 *
 * Needs the native binding (node_modules/onnxruntime-node/bin/napi-v6/<os>/<arch>); where
 * it is missing the rows say so instead of failing the run.
 */
import { ProtoWriter } from "../core/onnx/protoWriter.ts";
import { gaussianMixture, summarize, type BenchContext, type ResultRow } from "./_lib.ts";

const DOUBLE = 11;
const ATTR_FLOAT = 1,
  ATTR_INT = 2,
  ATTR_INTS = 7;

type Attr = { name: string; f?: number; i?: number; ints?: number[] };

function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, outputs[0]!).string(4, op);
  for (const a of attrs) {
    const w = new ProtoWriter().string(1, a.name);
    if (a.f !== undefined) w.float(2, a.f).int64(20, ATTR_FLOAT);
    else if (a.ints) {
      for (const v of a.ints) w.int64(8, v);
      w.int64(20, ATTR_INTS);
    } else w.int64(3, a.i!).int64(20, ATTR_INT);
    n.message(5, w);
  }
  return n;
}

function valueInfo(name: string, dims: Array<number | string>): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === "number" ? new ProtoWriter().int64(1, d) : new ProtoWriter().string(2, d));
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().int64(1, DOUBLE).message(2, shape)));
}

function model(nodes: ProtoWriter[], inputs: [string, Array<number | string>][], output: [string, Array<number | string>]): Uint8Array {
  const g = new ProtoWriter();
  for (const n of nodes) g.message(1, n);
  g.string(2, "bench");
  for (const [name, dims] of inputs) g.message(11, valueInfo(name, dims));
  g.message(12, valueInfo(output[0], output[1]));
  return new ProtoWriter().int64(1, 8).string(2, "learnware-ts-bench").message(7, g).message(8, new ProtoWriter().string(1, "").int64(2, 13)).finish();
}

/** Y = A·B, f64. */
export function matmulModel(): Uint8Array {
  return model(
    [node("MatMul", ["A", "B"], ["Y"])],
    [
      ["A", ["N", "K"]],
      ["B", ["K", "M"]],
    ],
    ["Y", ["N", "M"]],
  );
}

/** C[i] = mean_n exp(−γ‖z_i − x_n‖²), f64, γ baked in. */
export function cvecModel(gamma: number): Uint8Array {
  return model(
    [
      node(
        "Gemm",
        ["Z", "X"],
        ["G"],
        [
          { name: "transB", i: 1 },
          { name: "alpha", f: 2 * gamma },
        ],
      ), // 2γ z·x (alpha is a float attribute: 2γ rounds to f32, exact for γ = 0.1·2^k only — fine for timing)
      node(
        "ReduceSumSquare",
        ["Z"],
        ["zn"],
        [
          { name: "axes", ints: [1] },
          { name: "keepdims", i: 1 },
        ],
      ),
      node(
        "ReduceSumSquare",
        ["X"],
        ["xn0"],
        [
          { name: "axes", ints: [1] },
          { name: "keepdims", i: 1 },
        ],
      ),
      node("Transpose", ["xn0"], ["xn"]),
      node("Add", ["zn", "xn"], ["n2"]),
      node("Mul", ["n2", "g"], ["gn"]),
      node("Sub", ["G", "gn"], ["E"]),
      node("Exp", ["E"], ["K"]),
      node(
        "ReduceMean",
        ["K"],
        ["C"],
        [
          { name: "axes", ints: [1] },
          { name: "keepdims", i: 0 },
        ],
      ),
    ],
    [
      ["Z", ["N", "D"]],
      ["X", ["M", "D"]],
      ["g", [1]],
    ],
    ["C", ["N"]],
  );
}

type Ort = typeof import("onnxruntime-node");

async function loadOrt(): Promise<Ort | string> {
  try {
    const ort = await import("onnxruntime-node");
    await ort.InferenceSession.create(matmulModel());
    return ort;
  } catch (e) {
    return `onnxruntime-node unavailable: ${(e as Error).message.split("\n")[0]}`;
  }
}

/**
 * Rows for the kernels table: `onnxruntime-mlas` next to numpy's dgemm and the C vector.
 * `dgemm` = numpy's GFLOP/s (for `of_dgemm`), `cvec` the same shapes as kernels.ts.
 */
export async function benchMlas(ctx: BenchContext, dgemmGflops: number, n: number, nx: number): Promise<ResultRow[]> {
  const ort = await loadOrt();
  if (typeof ort === "string") {
    ctx.log(ort);
    return [{ workload: "kernels", case: `dgemm ${n}³`, impl: "onnxruntime-mlas", time: summarize([Number.NaN]), extra: { unavailable: ort } }];
  }
  const threads = { intraOpNumThreads: 0, interOpNumThreads: 1, executionMode: "sequential" as const };
  const rows: ResultRow[] = [];
  {
    const s = await ort.InferenceSession.create(matmulModel(), threads);
    const a = new ort.Tensor("float64", gaussianMixture(n, n, 401).data, [n, n]);
    const b = new ort.Tensor("float64", gaussianMixture(n, n, 402).data, [n, n]);
    const times: number[] = [];
    await s.run({ A: a, B: b });
    for (let r = 0; r < ctx.runs; r++) {
      const t = performance.now();
      await s.run({ A: a, B: b });
      times.push((performance.now() - t) / 1000);
    }
    const g = (2 * n ** 3) / summarize(times).median / 1e9;
    rows.push({ workload: "kernels", case: `dgemm ${n}³`, impl: "onnxruntime-mlas", time: summarize(times), extra: { gflops: g, of_dgemm: g / dgemmGflops } });
    await s.release();
  }
  {
    const gamma = 0.125; // a power of two: the Gemm's float alpha is exact
    const s = await ort.InferenceSession.create(cvecModel(gamma), threads);
    const z = gaussianMixture(100, 50, 303),
      x = gaussianMixture(nx, 50, 304);
    const feeds = {
      Z: new ort.Tensor("float64", z.data, [100, 50]),
      X: new ort.Tensor("float64", x.data, [nx, 50]),
      g: new ort.Tensor("float64", new Float64Array([gamma]), [1]),
    };
    const times: number[] = [];
    await s.run(feeds);
    for (let r = 0; r < ctx.runs; r++) {
      const t = performance.now();
      await s.run(feeds);
      times.push((performance.now() - t) / 1000);
    }
    const flops = 2 * 100 * nx * 50;
    const g = flops / summarize(times).median / 1e9;
    rows.push({
      workload: "kernels",
      case: `C vector 100 vs ${nx / 1000}k, d=50`,
      impl: "onnxruntime-mlas",
      time: summarize(times),
      extra: { gflops: g, of_dgemm: g / dgemmGflops },
    });
    await s.release();
  }
  return rows;
}
