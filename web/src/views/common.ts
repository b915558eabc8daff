/** Pieces shared by the views: status badges, semantic chips, score bars, error boxes. */
import { describeError, type LearnwareView, type SearchResponse, semanticValues } from "../api.ts";
import { h } from "../dom.ts";

export function statusBadge(status: string | undefined): HTMLElement | null {
  if (status === undefined) return null;
  const s = status;
  return h("span", { class: `badge status-${s}`, title: `check status: ${s}` }, s);
}

export function semanticChips(lw: LearnwareView | null | undefined): HTMLElement {
  const keys = ["Data", "Task", "Library", "Scenario", "License"];
  const chips = keys.flatMap((k) => semanticValues(lw, k).map((v) => h("li", { class: `chip chip-${k.toLowerCase()}`, title: k }, v)));
  return h("ul", { class: "chips", "aria-label": "Semantic specification" }, chips);
}

/** A horizontal bar for a value in [0, 1] with its number, as a meter for screen readers. */
export function scoreBar(value: number, label: string): HTMLElement {
  const v = Math.max(0, Math.min(1, value));
  return h(
    "div",
    // A short fill cannot hold the number: it then stands on the light track after the fill, drawn dark (contrast).
    {
      class: v < 0.25 ? "scorebar scorebar-low" : "scorebar",
      role: "meter",
      "aria-valuemin": "0",
      "aria-valuemax": "1",
      "aria-valuenow": v.toFixed(4),
      "aria-label": label,
    },
    h("span", { class: "scorebar-fill", style: { width: `${(v * 100).toFixed(1)}%` } }),
    h("span", { class: "scorebar-text", style: v < 0.25 ? { paddingLeft: `calc(${(v * 100).toFixed(1)}% + 6px)` } : {} }, `${(v * 100).toFixed(1)}%`),
  );
}

export function errorBox(e: unknown): HTMLElement {
  return h("div", { class: "error", role: "alert" }, h("strong", {}, "Error: "), describeError(e));
}

export function notice(text: string, kind: "info" | "ok" = "info"): HTMLElement {
  return h("div", { class: `notice notice-${kind}`, role: "status" }, text);
}

export function downloadHref(id: string, version?: number): string {
  return `/v1/learnwares/${encodeURIComponent(id)}/download${version ? `?version=${version}` : ""}`;
}

/** A search answer's singles as a ranked list (name, status, score, semantic chips); null when there are none. */
export function rankedList(r: SearchResponse): HTMLElement | null {
  if (r.single.total === 0) return null;
  return h(
    "ol",
    { class: "results" },
    ...r.single.items.map((it) =>
      h(
        "li",
        { class: "result" },
        h(
          "div",
          { class: "result-head" },
          h("a", { href: `#/learnware/${it.id}`, class: "result-name" }, it.learnware?.name ?? it.id),
          statusBadge(it.learnware?.status),
        ),
        scoreBar(it.score, `score of ${it.learnware?.name ?? it.id}`),
        semanticChips(it.learnware),
      ),
    ),
  );
}
