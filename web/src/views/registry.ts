/**
 * The model registry: every model grouped by namespace (`#/registry`), and a model's page
 * (`#/model/<id>`): its versions with tags and check status, a version's metrics as charts and
 * its artifacts. Read-only, over the registry API (`/v1/models…`), like the learnware pages.
 */
import type { ResultOf } from "../../../client/contract.ts";
import { client } from "../api.ts";
import { lineChart } from "../charts.ts";
import { formatBytes, formatDate, h, mount } from "../dom.ts";
import { errorBox, statusBadge } from "./common.ts";
import { cardPath, loadCard } from "./modelCard.ts";

type ModelItem = ResultOf<"getModel">;
type Metrics = ResultOf<"getMetrics">["metrics"];
type ArtifactItem = ResultOf<"listArtifacts">["items"][number];

const enc = encodeURIComponent;

export function registryView(params: URLSearchParams): HTMLElement {
  const list = h("div", { "aria-live": "polite", "aria-busy": "true" }, h("p", { class: "muted" }, "Loading…"));
  const kind = params.get("kind") ?? "";
  client
    .call("listModels", { query: { limit: 500, kind } })
    .then((r) => {
      list.setAttribute("aria-busy", "false");
      const byNs = new Map<string, ModelItem[]>();
      for (const m of r.items) byNs.set(m.namespace, [...(byNs.get(m.namespace) ?? []), m]);
      const sections = [...byNs.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([ns, models]) =>
          h(
            "section",
            { class: "card", "aria-labelledby": `ns-${ns}` },
            h("h2", { id: `ns-${ns}` }, ns),
            h(
              "div",
              { class: "table-scroll", tabindex: "0", role: "region", "aria-label": `Models in ${ns}` },
              h(
                "table",
                {},
                h(
                  "thead",
                  {},
                  h(
                    "tr",
                    {},
                    ["name", "kind", "latest", "status", "updated"].map((t) => h("th", { scope: "col" }, t)),
                  ),
                ),
                h(
                  "tbody",
                  {},
                  models.map((m) =>
                    h(
                      "tr",
                      { "data-id": m.id },
                      h(
                        "th",
                        { scope: "row" },
                        h("a", { href: m.kind === "learnware" ? `#/learnware/${m.id}` : `#/model/${m.id}` }, `${m.namespace}/${m.name}`),
                      ),
                      h("td", {}, m.kind),
                      h("td", { class: "num" }, `v${m.latestVersion}`),
                      h(
                        "td",
                        {},
                        m.kind === "model" ? h("span", { class: "muted", title: "registry models are not checked" }, "—") : (statusBadge(m.status) ?? "—"),
                      ),
                      h("td", {}, m.updatedAt ? formatDate(m.updatedAt) : "—"),
                    ),
                  ),
                ),
              ),
            ),
          ),
        );
      mount(
        list,
        h(
          "p",
          { class: "muted", id: "registry-summary" },
          `${r.total} model${r.total === 1 ? "" : "s"} in ${byNs.size} namespace${byNs.size === 1 ? "" : "s"}.`,
        ),
        ...sections,
      );
    })
    .catch((e) => mount(list, errorBox(e)));
  return h(
    "div",
    { class: "view registry" },
    h("h1", {}, "Model registry"),
    h(
      "p",
      { class: "lead" },
      "Every model by namespace: registry models and learnwares alike, with their latest version and check status. ",
      h("a", { href: "#/registry?kind=model" }, "Registry models only"),
      " · ",
      h("a", { href: "#/registry" }, "all"),
    ),
    list,
  );
}

export function modelView(id: string, params: URLSearchParams): HTMLElement {
  const root = h("div", { class: "view model", "aria-busy": "true" }, h("h1", {}, `Model ${id}`), h("p", { class: "muted" }, "Loading…"));
  void load().catch((e) => mount(root, h("h1", {}, `Model ${id}`), errorBox(e), h("p", {}, h("a", { href: "#/registry" }, "← Registry"))));

  async function load(): Promise<void> {
    const [m, versions] = await Promise.all([client.call("getModel", { params: { id } }), client.call("listModelVersions", { params: { id } })]);
    const chosen = Number(params.get("v") ?? m.latestVersion) || m.latestVersion;
    const ofVersion = { params: { id, ref: chosen } };
    const ofModel = { params: { id } };
    const [metrics, artifacts, ownMetrics, ownArtifacts] = await Promise.all([
      client.call("getMetrics", ofVersion).then(
        (r) => r.metrics,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      ),
      client.call("listArtifacts", ofVersion).then(
        (r) => r.items,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      ),
      // The model's own metrics and artifacts (logged on the model, not a version); absent → none shown.
      client.call("getModelMetrics", ofModel).then(
        (r) => r.metrics,
        () => ({}) as Metrics,
      ),
      client.call("listModelArtifacts", ofModel).then(
        (r) => r.items,
        () => [] as ArtifactItem[],
      ),
    ]);
    // The model card: README.md / MODEL_CARD.md of the model itself, else of the shown version.
    const ownCard = cardPath(ownArtifacts.map((a) => a.path));
    const versionCard = artifacts instanceof Error ? undefined : cardPath(artifacts.map((a) => a.path));
    const card = ownCard
      ? await loadCard(`${client.path("getModelArtifactContent", ofModel.params)}?path=${enc(ownCard)}`)
      : versionCard
        ? await loadCard(`${client.path("getArtifactContent", ofVersion.params)}?path=${enc(versionCard)}`)
        : null;
    // A registry model is never checked: its versions carry no check status to show.
    const checked = m.kind !== "model";
    /** Artifacts with links to their content (`content`: the content operation's path). */
    const artifactList = (items: ArtifactItem[], content: string) =>
      h(
        "ul",
        {},
        items.map((a) =>
          h(
            "li",
            {},
            a.storage === "tracked" ? a.path : h("a", { href: `${content}?path=${enc(a.path)}` }, a.path),
            h("span", { class: "muted" }, ` ${formatBytes(a.size)} · ${a.mime} · ${a.storage}`),
          ),
        ),
      );
    const ownKeys = Object.entries(ownMetrics);
    const charts =
      metrics instanceof Error
        ? [errorBox(metrics)]
        : Object.entries(metrics).map(([key, pts]) => {
            const nums = pts.filter((p) => typeof p.value === "number").map((p) => ({ step: p.step, value: p.value as number }));
            return nums.length > 0 ? lineChart(key, nums) : h("p", {}, h("strong", {}, key), `: ${String(pts.at(-1)?.value ?? "(bytes)")}`);
          });
    mount(
      root,
      h("p", { class: "small" }, h("a", { href: "#/registry" }, "← Registry")),
      h("h1", {}, `${m.namespace}/${m.name}`),
      h("p", { class: "muted" }, h("code", {}, m.id), ` · ${m.kind}${m.task ? ` · ${m.task}` : ""} · latest v${m.latestVersion}`),
      m.description ? h("p", { class: "desc" }, m.description) : null,
      card ? h("section", { class: "card", "aria-labelledby": "mc-h" }, h("h2", { id: "mc-h" }, `Model card (${ownCard ?? versionCard})`), card) : null,
      h(
        "section",
        { "aria-labelledby": "mv-h" },
        h("h2", { id: "mv-h" }, "Versions"),
        h(
          "div",
          { class: "table-scroll card", tabindex: "0", role: "region", "aria-label": "Versions" },
          h(
            "table",
            { id: "model-versions" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                (checked ? ["version", "status", "framework", "tags", "created"] : ["version", "framework", "tags", "created"]).map((t) =>
                  h("th", { scope: "col" }, t),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              versions.items.map((v) =>
                h(
                  "tr",
                  v.number === chosen ? { "aria-current": "true", class: "current" } : {},
                  h("th", { scope: "row" }, h("a", { href: `#/model/${id}?v=${v.number}` }, `v${v.number}`)),
                  checked ? h("td", {}, statusBadge(v.status) ?? v.status) : null,
                  h("td", {}, v.framework ?? "—"),
                  h("td", {}, v.tags.length ? v.tags.map((t) => h("span", { class: "badge tag" }, t)) : "—"),
                  h("td", {}, formatDate(v.createdAt)),
                ),
              ),
            ),
          ),
        ),
      ),
      h(
        "section",
        { "aria-labelledby": "mm-h", id: "model-metrics" },
        h("h2", { id: "mm-h" }, `Metrics of v${chosen}`),
        charts.length ? h("div", { class: "cols2" }, charts) : h("p", { class: "muted" }, "No metrics logged for this version."),
      ),
      h(
        "section",
        { "aria-labelledby": "ma-h", id: "model-artifacts" },
        h("h2", { id: "ma-h" }, `Artifacts of v${chosen}`),
        artifacts instanceof Error
          ? errorBox(artifacts)
          : artifacts.length === 0
            ? h("p", { class: "muted" }, "No artifacts.")
            : artifactList(artifacts, client.path("getArtifactContent", ofVersion.params)),
      ),
      ownKeys.length > 0 || ownArtifacts.length > 0
        ? h(
            "section",
            { "aria-labelledby": "mo-h", id: "model-own" },
            h("h2", { id: "mo-h" }, "The model's own metrics and artifacts"),
            ownKeys.length
              ? h(
                  "ul",
                  {},
                  ownKeys.map(([key, pts]) =>
                    h("li", {}, h("strong", {}, key), `: ${String(pts.at(-1)?.value ?? "(bytes)")} (${pts.length} point${pts.length === 1 ? "" : "s"})`),
                  ),
                )
              : null,
            ownArtifacts.length ? artifactList(ownArtifacts, client.path("getModelArtifactContent", ofModel.params)) : null,
          )
        : null,
    );
    root.setAttribute("aria-busy", "false");
  }
  return root;
}
