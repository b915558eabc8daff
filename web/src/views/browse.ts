/** Browse: the catalogue with semantic filters, a text query and pagination (state in the URL hash). */
import { CHECK_STATUSES } from "../../../core/checkStatus.ts";
import { type LearnwareView, listModels, qs, semanticOptions } from "../api.ts";
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
  const status = select([["", "any"], ...[...CHECK_STATUSES].reverse().map((s): [string, string] => [s.name, s.name])], params.get("status") ?? "", {
    id: "browse-status",
    name: "status",
  });
  const q = h("input", { type: "search", id: "browse-q", name: "q", value: params.get("q") ?? "", placeholder: "name or description" });
  const sort = select(
    [
      ["", "newest first"],
      ["oldest", "oldest first"],
      ["name", "name (A–Z)"],
      ["updated", "recently updated"],
    ],
    params.get("sort") ?? "",
    { id: "browse-sort", name: "sort" },
  );
  form.append(
    field("Status", status),
    field("Search text", q),
    field("Sort", sort),
    h("div", { class: "field actions" }, h("button", { type: "submit", class: "primary" }, "Apply"), h("a", { href: "#/browse", class: "button" }, "Clear")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next: Record<string, string> = {};
    for (const [k, s] of selects) if (s.value) next[k] = s.value;
    if (status.value) next["status"] = status.value;
    if (q.value.trim()) next["q"] = q.value.trim();
    if (sort.value) next["sort"] = sort.value;
    location.hash = "#/browse" + qs(next);
  });
  // Choosing an order applies it at once (as a sort control does elsewhere); filters wait for Apply.
  sort.addEventListener("change", () => form.requestSubmit());
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
  listModels("listLearnwares", query)
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
              h(
                "div",
                { class: "muted small" },
                h("code", {}, lw.id),
                ` · ${inputDimension(lw)} · ${taskOf(lw)} · v${lw.latestVersion} · by ${lw.owner} · ${formatDate(lw.updatedAt)}`,
              ),
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
    h(
      "p",
      { class: "lead" },
      "Every learnware in the market with its input dimension (what a search needs), task and check status. Filter by their semantic specification; sort as you like.",
    ),
    form,
    list,
  );
}

/** "8 input features" from the semantic spec's Input.Dimension (what a table search matches on). */
function inputDimension(lw: LearnwareView): string {
  const d = (lw.semantic as { Input?: { Dimension?: unknown } } | null | undefined)?.Input?.Dimension;
  return typeof d === "number" ? `${d} input feature${d === 1 ? "" : "s"}` : "no input dimension";
}

function taskOf(lw: LearnwareView): string {
  const t = (lw.semantic as { Task?: { Values?: unknown } } | null | undefined)?.Task?.Values;
  const v = Array.isArray(t) ? t[0] : t;
  return typeof v === "string" && v !== "" ? v : "task not given";
}
