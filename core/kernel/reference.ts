/** The plain TypeScript kernel backend: the reference every faster backend is tested against. */
import type { Matrix } from "../matrix.ts";
import type { KernelBackend } from "./backend.ts";

/** `‖a[ai..ai+d) − b[bj..bj+d)‖²` summed in coordinate order (the bits every backend matches). */
export function sqDist(a: Float64Array, ai: number, b: Float64Array, bj: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = a[ai + k]! - b[bj + k]!;
    s += t * t;
  }
  return s;
}

function check(a: Matrix, b: Matrix): void {
  if (a.cols !== b.cols) {
    throw new RangeError(`Kernel: dimension mismatch, ${a.rows}x${a.cols} vs ${b.rows}x${b.cols}`);
  }
}

export const referenceBackend: KernelBackend = {
  name: "reference",
  rbfBlockInto(out, a, b, gamma) {
    check(a, b);
    const d = a.cols,
      nb = b.rows;
    for (let i = 0; i < a.rows; i++) {
      for (let j = 0; j < nb; j++) out[i * nb + j] = Math.exp(-gamma * sqDist(a.data, i * d, b.data, j * d, d));
    }
  },
  rbfWeightedSum(a, wa, b, wb, gamma) {
    check(a, b);
    const d = a.cols;
    let total = 0;
    for (let i = 0; i < a.rows; i++) {
      let s = 0;
      for (let j = 0; j < b.rows; j++) s += wb[j]! * Math.exp(-gamma * sqDist(a.data, i * d, b.data, j * d, d));
      total += wa[i]! * s;
    }
    return total;
  },
  rbfRowSumsInto(out, a, b, wb, gamma, outPoints) {
    check(a, b);
    const d = a.cols;
    if (outPoints) outPoints.fill(0, 0, a.rows * d);
    for (let i = 0; i < a.rows; i++) {
      let s = 0;
      for (let j = 0; j < b.rows; j++) {
        const w = wb[j]! * Math.exp(-gamma * sqDist(a.data, i * d, b.data, j * d, d));
        s += w;
        if (outPoints) for (let k = 0; k < d; k++) outPoints[i * d + k]! += w * b.data[j * d + k]!;
      }
      out[i] = s;
    }
  },
  nearestCentersInto(labels, dists, x, centers) {
    check(x, centers);
    const d = x.cols;
    for (let i = 0; i < x.rows; i++) {
      let best = Infinity,
        bi = 0;
      for (let c = 0; c < centers.rows; c++) {
        const s = sqDist(x.data, i * d, centers.data, c * d, d);
        if (s < best) {
          best = s;
          bi = c;
        }
      }
      labels[i] = bi;
      dists[i] = best;
    }
  },
  sqDistBlockInto(out, a, b) {
    check(a, b);
    const d = a.cols,
      nb = b.rows;
    for (let i = 0; i < a.rows; i++) {
      for (let j = 0; j < nb; j++) out[i * nb + j] = sqDist(a.data, i * d, b.data, j * d, d);
    }
  },
};
