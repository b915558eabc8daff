/**
 * A 2-D picture of RKMEs: the reduced-set points of the user's spec and of chosen learnwares,
 * projected on the first two principal axes of all of them together (each set weighted
 * equally, each point by its β), drawn as an SVG scatter whose dot areas follow β. Points
 * of a learnware that fits lie where the user's points lie.
 */
import { h, svg } from "./dom.ts";

export interface PointSet {
  label: string;
  color: string;
  z: number[][];
  beta: number[];
  /** Draw as hollow rings (the user's data) instead of filled dots. */
  ring?: boolean;
}

export interface Projected {
  axes: [Float64Array, Float64Array];
  mean: Float64Array;
  /** Share of the weighted variance each axis explains. */
  explained: [number, number];
  points: { set: number; x: number; y: number; w: number }[];
}

function weightsOf(s: PointSet): number[] {
  const a = s.beta.map((b) => Math.abs(b));
  const sum = a.reduce((x, y) => x + y, 0) || 1;
  return a.map((x) => x / sum);
}

/** Weighted PCA (power iteration with deflation) of the union of the sets. */
export function project(sets: readonly PointSet[]): Projected {
  const d = sets[0]?.z[0]?.length ?? 0;
  if (d === 0) throw new RangeError("Nothing to project");
  for (const s of sets) for (const p of s.z) if (p.length !== d) throw new RangeError(`${s.label} has dimension ${p.length}, expected ${d}`);
  const ws = sets.map(weightsOf);
  const mean = new Float64Array(d);
  sets.forEach((s, k) =>
    s.z.forEach((p, i) => {
      const w = ws[k]![i]! / sets.length;
      for (let j = 0; j < d; j++) mean[j]! += w * p[j]!;
    }),
  );
  const C = new Float64Array(d * d);
  let total = 0;
  sets.forEach((s, k) =>
    s.z.forEach((p, i) => {
      const w = ws[k]![i]! / sets.length;
      for (let a = 0; a < d; a++) {
        const da = p[a]! - mean[a]!;
        total += w * da * da;
        for (let b = 0; b < d; b++) C[a * d + b]! += w * da * (p[b]! - mean[b]!);
      }
    }),
  );
  const axes: Float64Array[] = [];
  const explained: number[] = [];
  for (let k = 0; k < 2; k++) {
    let v = new Float64Array(d).map((_, j) => 1 + 0.1 * j * (k + 1)); // deterministic start
    let lambda = 0;
    for (let it = 0; it < 200; it++) {
      const u = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += C[a * d + b]! * v[b]!;
        u[a] = s;
      }
      for (const prev of axes) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += u[a]! * prev[a]!;
        for (let a = 0; a < d; a++) u[a]! -= dot * prev[a]!;
      }
      const norm = Math.hypot(...u);
      if (norm < 1e-300) {
        v = new Float64Array(d);
        if (d > k) v[k] = 1;
        lambda = 0;
        break;
      }
      lambda = norm;
      for (let a = 0; a < d; a++) u[a]! /= norm;
      v = u;
    }
    axes.push(v);
    explained.push(total > 0 ? lambda / total : 0);
  }
  const points: Projected["points"] = [];
  sets.forEach((s, k) =>
    s.z.forEach((p, i) => {
      let x = 0,
        y = 0;
      for (let j = 0; j < d; j++) {
        const c = p[j]! - mean[j]!;
        x += c * axes[0]![j]!;
        y += c * (axes[1]?.[j] ?? 0);
      }
      points.push({ set: k, x, y, w: ws[k]![i]! });
    }),
  );
  return { axes: [axes[0]!, axes[1] ?? new Float64Array(d)], mean, explained: [explained[0] ?? 0, explained[1] ?? 0], points };
}

/** The scatter as an accessible SVG figure with a legend. */
export function projectionFigure(sets: readonly PointSet[], caption: string): HTMLElement {
  const W = 520,
    H = 360,
    pad = 28;
  const p = project(sets);
  const xs = p.points.map((q) => q.x),
    ys = p.points.map((q) => q.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)],
    [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const span = Math.max(x1 - x0, y1 - y0, 1e-9);
  const sx = (x: number) => pad + ((x - (x0 + x1) / 2) / span) * (Math.min(W, H) - 2 * pad) + W / 2 - pad;
  const sy = (y: number) => H / 2 - ((y - (y0 + y1) / 2) / span) * (Math.min(W, H) - 2 * pad);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "projection", "aria-label": caption });
  root.append(svg("title", {}, caption));
  root.append(svg("rect", { x: 0.5, y: 0.5, width: W - 1, height: H - 1, class: "plot-frame" }));
  root.append(svg("line", { x1: sx(0), x2: sx(0), y1: pad / 2, y2: H - pad / 2, class: "plot-axis" }));
  root.append(svg("line", { y1: sy(0), y2: sy(0), x1: pad / 2, x2: W - pad / 2, class: "plot-axis" }));
  // Learnwares first, the user's rings on top.
  const order = sets.map((_, k) => k).sort((a, b) => Number(!!sets[a]!.ring) - Number(!!sets[b]!.ring));
  for (const k of order) {
    const s = sets[k]!;
    const n = s.z.length;
    for (const q of p.points) {
      if (q.set !== k) continue;
      const r = Math.max(1.8, Math.min(9, Math.sqrt(q.w * n) * 3.2));
      root.append(
        svg(
          "circle",
          s.ring
            ? { cx: sx(q.x).toFixed(1), cy: sy(q.y).toFixed(1), r: r.toFixed(1), fill: "none", stroke: s.color, "stroke-width": 1.6 }
            : { cx: sx(q.x).toFixed(1), cy: sy(q.y).toFixed(1), r: r.toFixed(1), fill: s.color, "fill-opacity": 0.55 },
        ),
      );
    }
  }
  root.append(svg("text", { x: W - pad, y: H - 8, "text-anchor": "end", class: "plot-label" }, `PC1 (${Math.round(p.explained[0] * 100)}% of variance)`));
  root.append(svg("text", { x: 10, y: 16, class: "plot-label" }, `PC2 (${Math.round(p.explained[1] * 100)}%)`));
  const legend = h(
    "ul",
    { class: "legend" },
    sets.map((s) =>
      h(
        "li",
        {},
        h("span", { class: s.ring ? "swatch ring" : "swatch", style: { borderColor: s.color, background: s.ring ? "transparent" : s.color } }),
        `${s.label} (${s.z.length} points)`,
      ),
    ),
  );
  return h("figure", { class: "projection-figure" }, root as unknown as Node, h("figcaption", {}, caption), legend);
}

export const PALETTE = ["#d9480f", "#2b8a3e", "#7048e8", "#c2255c", "#1098ad", "#e67700", "#5c940d"];
export const USER_COLOR = "#1c3d8f";
