/** A small SVG line chart for a metric's values over steps (no chart library). */
import { h, svg } from "./dom.ts";

export function lineChart(key: string, points: { step: number; value: number }[]): HTMLElement {
  const W = 440,
    H = 180,
    L = 48,
    R = 12,
    T = 14,
    B = 28;
  const xs = points.map((p) => p.step),
    ys = points.map((p) => p.value);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)],
    [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) {
    x0 -= 1;
    x1 += 1;
  }
  if (y0 === y1) {
    const d = Math.abs(y0) * 0.1 || 1;
    y0 -= d;
    y1 += d;
  }
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: "chart",
    role: "img",
    "aria-label": `${key} over ${points.length} steps, from ${ys[0]} to ${ys[ys.length - 1]}`,
  });
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    root.append(svg("line", { x1: L, x2: W - R, y1: sy(y), y2: sy(y), class: "grid" }));
    root.append(svg("text", { x: L - 6, y: sy(y) + 4, "text-anchor": "end" }, y.toPrecision(3)));
  }
  root.append(svg("text", { x: L, y: H - 8 }, `step ${x0}`), svg("text", { x: W - R, y: H - 8, "text-anchor": "end" }, `step ${x1}`));
  const d = points.map((p, i) => `${i ? "L" : "M"}${sx(p.step).toFixed(1)},${sy(p.value).toFixed(1)}`).join("");
  root.append(svg("path", { d, class: "line", stroke: "#1c3d8f" }));
  if (points.length <= 40)
    for (const p of points) root.append(svg("circle", { cx: sx(p.step).toFixed(1), cy: sy(p.value).toFixed(1), r: 2.5, fill: "#1c3d8f" }));
  const last = points[points.length - 1]!;
  return h(
    "figure",
    { class: "metric" },
    h("figcaption", {}, h("strong", {}, key), h("span", { class: "muted" }, ` — last ${last.value.toPrecision(4)} at step ${last.step}`)),
    root as unknown as Node,
  );
}
