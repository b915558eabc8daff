/** Browse: the catalogue with semantic filters, a text query and pagination (state in the URL hash). */
import { api, type LearnwareView, qs, semanticOptions } from "../api.ts";
import { field, formatDate, h, mount, select } from "../dom.ts";
import { errorBox, semanticChips, statusBadge } from "./common.ts";

const PAGE = 12;
const KEYS = [
  ["data", "Data", "Data type"],
  ["task", "Task", "Task"],
  ["library", "Library", "Library"],
  ["scenario", "Scenario", "Scenario"],
  ["license", "License", "Licence"],
] as const;

export function browseView(params: URLSearchParams): HTMLElement {
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);
  const selects = new Map<string, HTMLSelectElement>();
  const form = h("form", { class: "filters card", id: "browse-filters" });
  for (const [param, , label] of KEYS) {
    const s = select([["", "any"]], "", { id: `browse-${param}`, name: param });
    selects.set(param, s);
    form.append(field(label, s));
  }
  const status = select(
    [
      ["", "any"],
      ["usable", "usable"],
      ["pending", "pending"],
      ["invalid", "invalid"],
    ],
    params.get("status") ?? "",
    { id: "browse-status", name: "status" },
  );
  const q = h("input", { type: "search", id: "browse-q", name: "q", value: params.get("q") ?? "", placeholder: "name or description" });
  form.append(
    field("Status", status),
    field("Search text", q),
    h("div", { class: "field actions" }, h("button", { type: "submit", class: "primary" }, "Apply"), h("a", { href: "#/browse", class: "button" }, "Clear")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next: Record<string, string> = {};
    for (const [k, s] of selects) if (s.value) next[k] = s.value;
    if (status.value) next["status"] = status.value;
    if (q.value.trim()) next["q"] = q.value.trim();
    location.hash = "#/browse" + qs(next);
  });
  void semanticOptions()
    .then((o) => {
      for (const [param, key] of KEYS) {
        const s = selects.get(param)!;
        for (const v of o[key]?.values ?? []) s.append(h("option", { value: v }, v));
        s.value = params.get(param) ?? "";
      }
    })
    .catch(() => {});

  const list = h("div", { "aria-live": "polite", "aria-busy": "true" }, h("p", { class: "muted" }, "Loading…"));
  const query: Record<string, string | number> = { limit: PAGE, offset };
  for (const [k, v] of params) if (k !== "offset" && v) query[k] = v;
  api<{ items: LearnwareView[]; total: number }>("/v1/learnwares" + qs(query))
    .then((r) => {
      list.setAttribute("aria-busy", "false");
      const page = (o: number) => "#/browse" + qs({ ...Object.fromEntries([...params].filter(([k]) => k !== "offset")), offset: o || undefined });
      mount(
        list,
        h(
          "p",
          { class: "muted", id: "browse-summary" },
          r.total === 0 ? "No learnwares match." : `Showing ${offset + 1}–${offset + r.items.length} of ${r.total} learnware${r.total === 1 ? "" : "s"}.`,
        ),
        h(
          "ul",
          { class: "catalogue", id: "catalogue" },
          r.items.map((lw) =>
            h(
              "li",
              { class: "card", "data-id": lw.id },
              h("div", { class: "result-head" }, h("a", { href: `#/learnware/${lw.id}`, class: "result-name" }, lw.name), statusBadge(lw.status)),
              h("div", { class: "muted small" }, h("code", {}, lw.id), ` · v${lw.latestVersion} · by ${lw.owner} · ${formatDate(lw.updatedAt)}`),
              semanticChips(lw),
              lw.description ? h("p", { class: "desc" }, lw.description) : null,
            ),
          ),
        ),
        h(
          "nav",
          { class: "pager", "aria-label": "Pages" },
          offset > 0 ? h("a", { href: page(Math.max(0, offset - PAGE)), class: "button", rel: "prev" }, "← Previous") : null,
          r.total > PAGE ? h("span", { class: "muted" }, `Page ${Math.floor(offset / PAGE) + 1} of ${Math.ceil(r.total / PAGE)}`) : null,
          offset + PAGE < r.total ? h("a", { href: page(offset + PAGE), class: "button", rel: "next" }, "Next →") : null,
        ),
      );
    })
    .catch((e) => mount(list, errorBox(e)));

  return h(
    "div",
    { class: "view browse" },
    h("h1", {}, "Browse the catalogue"),
    h("p", { class: "lead" }, "Every learnware in the market, newest first. Filter by their semantic specification."),
    form,
    list,
  );
}
