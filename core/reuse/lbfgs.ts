/**
 * A small L-BFGS minimiser with a backtracking (Armijo) line search, for the smooth convex
 * losses of the reusers' simple models (softmax regression, alignment maps).
 *
 * @example
 * ```ts
 * import assert from "../testing/assert.ts";
 * import { minimizeLbfgs } from "./lbfgs.ts";
 * const r = minimizeLbfgs((x, g) => { g[0] = 2 * (x[0]! - 3); return (x[0]! - 3) ** 2; }, new Float64Array(1));
 * assert.ok(Math.abs(r.x[0]! - 3) < 1e-6);
 * ```
 */

/** `f(x, grad)`: returns the loss and writes the gradient into `grad`. */
export type LossFn = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations?: number;
  /** Stop when ‖grad‖∞ ≤ tol·max(1, |f|). Default 1e-7. */
  tol?: number;
  /** History length. Default 8. */
  memory?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
}

export function minimizeLbfgs(f: LossFn, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIt = options.maxIterations ?? 200,
    tol = options.tol ?? 1e-7,
    M = options.memory ?? 8;
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n),
    gNew = new Float64Array(n),
    xNew = new Float64Array(n),
    dir = new Float64Array(n);
  const S: Float64Array[] = [],
    Y: Float64Array[] = [],
    rho: number[] = [];
  const alpha = new Float64Array(M);
  let fx = f(x, g);
  let it = 0;
  for (; it < maxIt; it++) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]!));
    if (gmax <= tol * Math.max(1, Math.abs(fx))) break;
    // two-loop recursion
    dir.set(g);
    for (let k = S.length - 1; k >= 0; k--) {
      let a = 0;
      for (let i = 0; i < n; i++) a += S[k]![i]! * dir[i]!;
      a *= rho[k]!;
      alpha[k] = a;
      for (let i = 0; i < n; i++) dir[i]! -= a * Y[k]![i]!;
    }
    if (S.length > 0) {
      const s = S[S.length - 1]!,
        y = Y[Y.length - 1]!;
      let sy = 0,
        yy = 0;
      for (let i = 0; i < n; i++) {
        sy += s[i]! * y[i]!;
        yy += y[i]! * y[i]!;
      }
      const h = sy / yy;
      for (let i = 0; i < n; i++) dir[i]! *= h;
    } else {
      const s = 1 / Math.max(1, gmax);
      for (let i = 0; i < n; i++) dir[i]! *= s;
    }
    for (let k = 0; k < S.length; k++) {
      let b = 0;
      for (let i = 0; i < n; i++) b += Y[k]![i]! * dir[i]!;
      b *= rho[k]!;
      for (let i = 0; i < n; i++) dir[i]! += S[k]![i]! * (alpha[k]! - b);
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope -= g[i]! * dir[i]!;
    if (!(slope < 0)) {
      // not a descent direction: restart from steepest descent
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = g[i]! / Math.max(1, gmax);
      slope = 0;
      for (let i = 0; i < n; i++) slope -= g[i]! * dir[i]!;
    }
    let step = 1,
      fNew = Infinity,
      ok = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! - step * dir[i]!;
      fNew = f(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) {
        ok = true;
        break;
      }
      step *= 0.5;
    }
    if (!ok) break;
    const s = new Float64Array(n),
      y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
      sy += s[i]! * y[i]!;
    }
    x.set(xNew);
    g.set(gNew);
    const decrease = fx - fNew;
    fx = fNew;
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > M) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    if (decrease <= 1e-12 * Math.max(1, Math.abs(fx))) {
      it++;
      break;
    }
  }
  return { x, value: fx, iterations: it };
}
