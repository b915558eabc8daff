/**
 * Find: the user's CSV → a preview → the RKME built in the worker (progress, cancel) →
 * semantic filters → the market's search → single learnwares with scores, the mixture with
 * its weights, and a 2-D map of the specs. Only the spec (weighted points) is sent.
 */
import type { BodyOf } from "../../../client/requests.ts";
import { client, type FitView, type LearnwareView, search as marketSearch, type SearchResponse, semanticOptions } from "../api.ts";
import { TABLE_SPEC_TYPE } from "../../../core/spec/specTypes.ts";
import type { TableProfile } from "../csv.ts";
import { field, formatBytes, h, mount, progressBar, saveFile, select } from "../dom.ts";
import { Cancelled, workerClient } from "../genClient.ts";
import { PALETTE, type PointSet, projectionFigure, USER_COLOR } from "../projection.ts";
import { downloadHref, errorBox, notice, scoreBar, semanticChips, statusBadge } from "./common.ts";
import { imageSearchSection } from "./imageSearch.ts";
import { textSearchSection } from "./textSearch.ts";

type StatJson = {
  z: number[][];
  beta: number[];
  gamma: number;
  num_points: number;
  type: string;
};

const fmt = (v: number | null) => (v === null ? "—" : Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(3));

export function findView(): HTMLElement {
  let profile: TableProfile | null = null;
  let spec: { json: string; parsed: StatJson; columns: string[] } | null = null;
  let results: SearchResponse | null = null;
  /** Why the last search found nothing of the user's dimension (and what was found instead). */
  let emptyReason: string | null = null;
  const shown = new Set<string>();
  const specCache = new Map<string, Promise<StatJson | null>>();

  // 1. Data
  // The styled label is the one tab stop; the input itself stays out of the tab order.
  const input = h("input", { type: "file", id: "csv-input", accept: ".csv,.tsv,.txt,text/csv", class: "visually-hidden", tabindex: "-1" });
  const drop = h(
    "label",
    { class: "dropzone", for: "csv-input" },
    h("strong", {}, "Drop a CSV file here"),
    h("span", {}, " or press Enter to choose one"),
    h("small", {}, "Numeric columns become the specification; your rows stay in this browser."),
  );
  drop.tabIndex = 0;
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      input.click();
    }
  });
  for (const ev of ["dragenter", "dragover"])
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  for (const ev of ["dragleave", "drop"]) drop.addEventListener(ev, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const f = (e as DragEvent).dataTransfer?.files[0];
    if (f) void loadFile(f);
  });
  input.addEventListener("change", () => {
    const f = input.files?.[0];
    if (f) void loadFile(f);
  });
  const dataStatus = h("div", { "aria-live": "polite" });

  // 2. Preview + generation
  const preview = h("div");
  const Kin = h("input", { type: "number", min: "1", max: "2000", step: "1", value: "100", id: "opt-k" });
  const seedIn = h("input", { type: "number", min: "0", step: "1", value: "0", id: "opt-seed" });
  const genBtn = h("button", { type: "button", class: "primary", id: "generate", disabled: true }, "Generate specification");
  const cancelBtn = h("button", { type: "button", id: "cancel", hidden: true }, "Cancel");
  const prog = progressBar("Specification progress");
  prog.el.hidden = true;
  const genStatus = h("div", { id: "gen-status", "aria-live": "polite" });
  const specBtn = h("button", { type: "button", id: "download-spec", hidden: true }, "Download stat.json");
  genBtn.addEventListener("click", () => void generate());
  cancelBtn.addEventListener("click", () => workerClient.cancel());
  specBtn.addEventListener("click", () => spec && saveFile("stat.json", spec.json));

  // 3. Search
  const dataSel = select([["", "any"]], "");
  const taskSel = select([["", "any"]], "");
  const scenSel = select([["", "any"]], "");
  const nameIn = h("input", { type: "search", id: "name-query", placeholder: "e.g. sensor", autocomplete: "off" });
  const maxIn = h("input", { type: "number", min: "1", max: "20", value: "5", id: "opt-max" });
  const methodSel = select(
    [
      ["greedy", "greedy"],
      ["auto", "auto (one QP)"],
      ["none", "none"],
    ],
    "greedy",
    { id: "opt-method" },
  );
  const searchBtn = h("button", { type: "submit", class: "primary", id: "search" }, "Search");
  // The ids first: field() binds each label to its control's id (set later, the labels pointed nowhere).
  dataSel.id = "filter-data";
  taskSel.id = "filter-task";
  scenSel.id = "filter-scenario";
  const searchForm = h(
    "form",
    {
      class: "filters",
      onsubmit: (e: Event) => {
        e.preventDefault();
        void search();
      },
    },
    field("Data type", dataSel),
    field("Task", taskSel),
    field("Scenario", scenSel),
    field("Name contains", nameIn),
    field("Max results", maxIn),
    field("Mixture", methodSel),
    h("div", { class: "field actions" }, searchBtn),
  );
  void semanticOptions()
    .then((o) => {
      const fill = (el: HTMLSelectElement, vals: string[], dflt = "") => {
        for (const v of vals) el.append(h("option", { value: v }, v));
        el.value = dflt;
      };
      fill(dataSel, o["Data"]?.values ?? [], "Table");
      fill(taskSel, o["Task"]?.values ?? []);
      fill(scenSel, o["Scenario"]?.values ?? []);
    })
    .catch((e) => searchStatus.replaceChildren(errorBox(e)));
  const searchStatus = h("div", { "aria-live": "polite" });
  const resultsEl = h("div", { id: "results" });
  const mapEl = h("div", { id: "map" });

  async function loadFile(f: File): Promise<void> {
    spec = null;
    results = null;
    specBtn.hidden = true;
    genBtn.disabled = true;
    mount(genStatus);
    delete genStatus.dataset["ms"];
    delete genStatus.dataset["wallMs"];
    mount(preview);
    prog.el.hidden = true;
    mount(resultsEl);
    mount(mapEl);
    mount(dataStatus, notice(`Reading ${f.name} (${formatBytes(f.size)})…`));
    try {
      workerClient.cancel(); // a fresh worker for a fresh file
      profile = await workerClient.load(f);
      mount(dataStatus);
      renderPreview(profile);
      genBtn.disabled = false;
    } catch (e) {
      profile = null;
      mount(preview);
      mount(dataStatus, errorBox(e));
    }
  }

  function renderPreview(p: TableProfile): void {
    const numeric = p.columns.filter((c) => c.type === "number");
    const boxes = p.columns.map((c) =>
      h("input", {
        type: "checkbox",
        checked: c.type === "number",
        disabled: c.type !== "number",
        "data-col": String(c.index),
        "aria-label": `Use column ${c.name}`,
      }),
    );
    const colTable = h(
      "table",
      { class: "columns" },
      h("caption", {}, "Columns (uncheck a label or id column to leave it out)"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["use", "column", "type", "missing", "min", "mean", "max"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        p.columns.map((c, i) =>
          h(
            "tr",
            {},
            h("td", {}, boxes[i]!),
            h("th", { scope: "row" }, c.name),
            h("td", {}, c.type === "text" ? `text (${c.distinct}${c.distinct === 50 ? "+" : ""} values)` : c.type),
            h("td", { class: c.missing ? "warn num" : "num" }, String(c.missing)),
            h("td", { class: "num" }, fmt(c.min)),
            h("td", { class: "num" }, fmt(c.mean)),
            h("td", { class: "num" }, fmt(c.max)),
          ),
        ),
      ),
    );
    const headTable = h(
      "table",
      { class: "head" },
      h("caption", {}, `First ${p.head.length} rows`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          p.columns.map((c) => h("th", { scope: "col" }, c.name)),
        ),
      ),
      h(
        "tbody",
        {},
        p.head.map((r) =>
          h(
            "tr",
            {},
            r.map((v) => h("td", {}, v)),
          ),
        ),
      ),
    );
    const textCols = p.columns.filter((c) => c.type !== "number").length;
    mount(
      preview,
      h(
        "p",
        { class: "summary", id: "preview-summary" },
        h("strong", {}, p.fileName),
        ` — ${p.rows.toLocaleString("en")} row${p.rows === 1 ? "" : "s"} × ${p.cols} column${p.cols === 1 ? "" : "s"} (${numeric.length} numeric${textCols ? `, ${textCols} left out` : ""}), `,
        `${p.missing.toLocaleString("en")} missing value${p.missing === 1 ? "" : "s"}${p.missing ? " (filled with column means)" : ""}.`,
      ),
      // How the file was read (the same rules as `lw`: core/csv.ts), and a hint when no column is numeric.
      ...p.notes.map((n) => h("p", { class: "note csv-note" }, `${p.fileName} was ${n}.`)),
      ...(numeric.length === 0
        ? [
            h(
              "p",
              { class: "warn csv-note", role: "alert" },
              `No column of ${p.fileName} reads as numbers with "${p.delimiter === "\t" ? "tab" : p.delimiter}" as the separator. Numbers must use "." as the decimal mark, or "," with a ";" or tab separator; missing values may be empty, NA, NaN or null.`,
            ),
          ]
        : []),
      h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Columns" }, colTable),
      h(
        "details",
        {},
        h("summary", {}, "Show the first rows"),
        h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "First rows" }, headTable),
      ),
    );
    preview.dataset["ready"] = "1";
    genBtn.dataset["columns"] = "";
    (preview as HTMLElement & { boxes?: HTMLInputElement[] }).boxes = boxes;
  }

  function chosenColumns(): number[] {
    const boxes = (preview as HTMLElement & { boxes?: HTMLInputElement[] }).boxes ?? [];
    return boxes.filter((b) => b.checked && !b.disabled).map((b) => Number(b.dataset["col"]));
  }

  async function generate(): Promise<void> {
    if (!profile) return;
    const K = Number(Kin.value),
      seed = Number(seedIn.value);
    if (!Number.isInteger(K) || K < 1) return void mount(genStatus, errorBox(new Error(`K must be a positive integer, got "${Kin.value}"`)));
    if (!Number.isInteger(seed) || seed < 0)
      return void mount(genStatus, errorBox(new Error(`The seed must be a non-negative integer, got "${seedIn.value}"`)));
    const columns = chosenColumns();
    if (columns.length === 0) return void mount(genStatus, errorBox(new Error("Choose at least one numeric column")));
    genBtn.disabled = true;
    cancelBtn.hidden = false;
    specBtn.hidden = true;
    prog.el.hidden = false;
    prog.set(0, "starting…");
    mount(genStatus);
    delete genStatus.dataset["ms"];
    delete genStatus.dataset["wallMs"];
    spec = null;
    const t0 = performance.now();
    try {
      const r = await workerClient.generate({ columns, K, seed }, (f, stage) => prog.set(f, `${Math.round(f * 100)}% ${stage}`));
      const wall = performance.now() - t0;
      spec = { json: r.json, parsed: JSON.parse(r.json) as StatJson, columns: columns.map((c, i) => profile?.columns[c]?.name || `column ${i + 1}`) };
      prog.set(1, "done");
      mount(
        genStatus,
        notice(
          `Specification ready: ${r.points} weighted points in ${r.cols} dimensions summarise ${r.rows.toLocaleString("en")} rows. Built in ${(r.ms / 1000).toFixed(2)} s in the browser (${r.backend} kernels; ${(wall / 1000).toFixed(2)} s with loading).`,
          "ok",
        ),
      );
      genStatus.dataset["ms"] = String(Math.round(r.ms));
      genStatus.dataset["wallMs"] = String(Math.round(wall));
      specBtn.hidden = false;
      void search();
    } catch (e) {
      prog.el.hidden = true;
      mount(genStatus, e instanceof Cancelled ? notice("Cancelled. Your data is still loaded; press Generate to start again.") : errorBox(e));
    } finally {
      genBtn.disabled = false;
      cancelBtn.hidden = true;
    }
  }

  function semanticQuery(): Record<string, unknown> {
    const cls = (v: string) => ({ Type: "Class", Values: v ? [v] : [] });
    return {
      Data: cls(dataSel.value),
      Task: cls(taskSel.value),
      Scenario: { Type: "Tag", Values: scenSel.value ? [scenSel.value] : [] },
      Name: { Type: "String", Values: nameIn.value.trim() },
    };
  }

  async function search(): Promise<void> {
    const max = Number(maxIn.value);
    if (!Number.isInteger(max) || max < 1 || max > 20) return void mount(searchStatus, errorBox(new Error(`Max results must be 1–20, got "${maxIn.value}"`)));
    searchBtn.disabled = true;
    mount(searchStatus, notice(spec ? "Searching with your specification…" : "Searching by semantics only (generate a specification to rank by your data)…"));
    try {
      const body: BodyOf<"search"> = {
        semantic: semanticQuery(),
        maxSearchNum: max,
        method: methodSel.value,
        limit: 20,
        ...(spec ? { stat: spec.parsed } : {}),
      };
      const answer = await marketSearch(body);
      results = answer;
      emptyReason = null;
      if (spec && answer.single.total === 0 && answer.multiple === null) {
        const why = await explainEmpty(body, spec.columns);
        emptyReason = why.text;
        if (why.hetero) results = why.hetero;
      }
      mount(searchStatus);
      shown.clear();
      const mix = results.multiple?.ids ?? [];
      for (const id of mix.length ? mix : results.single.items.slice(0, 1).map((s) => s.id)) shown.add(id);
      renderResults();
    } catch (e) {
      mount(searchStatus, errorBox(e));
    } finally {
      searchBtn.disabled = false;
    }
  }

  /**
   * An empty answer with a spec: the learnwares that match by feature meaning (the hetero
   * search over the columns' names), else the filters that removed every learnware of this
   * dimension (each filter dropped alone), else that none takes this many inputs.
   */
  async function explainEmpty(body: BodyOf<"search">, columns: string[]): Promise<{ text: string; hetero?: SearchResponse }> {
    const d = columns.length;
    const semantic = body.semantic ?? {};
    const input = { Dimension: d, Description: Object.fromEntries(columns.map((c, i) => [String(i), c])) };
    const hetero = await marketSearch({ ...body, semantic: { ...semantic, Input: input }, hetero: "on" });
    if (hetero.single.total > 0) {
      const n = hetero.single.total;
      const widths = await dimensionList(body);
      return {
        text:
          `No learnware takes ${d} inputs; ${n} learnware${n === 1 ? " matches" : "s match"} by feature meaning (their columns matched to yours by name and values` +
          (widths ? `; or keep ${widths} of your columns, unticking the others in the preview above, to search the learnwares of that width directly` : "") +
          "):",
        hetero,
      };
    }
    const filters = [
      ["Data", dataSel.value],
      ["Task", taskSel.value],
      ["Scenario", scenSel.value],
      ["Name", nameIn.value.trim()],
    ].filter(([, v]) => v !== "");
    const none = `No learnware takes ${d} inputs, and none matches your columns by feature meaning.${await dimensionAdvice(body)}`;
    if (filters.length === 0) return { text: none };
    // How many learnwares of this width the semantic filters let through (a semantic-only search:
    // the statistical one keeps only the singles the market's score rules keep).
    const { stat: _stat, ...semanticOnly } = body;
    const count = async (sem: Record<string, unknown>) =>
      (await marketSearch({ ...semanticOnly, semantic: sem, limit: 500 })).single.items.filter((it) => it.learnware?.semantic?.["Input"]?.Dimension === d)
        .length;
    const all = await count({});
    if (all === 0) return { text: none };
    const culprits: string[] = [];
    for (const [key, value] of filters) {
      const without = { ...semantic, [key!]: key === "Name" ? { Type: "String", Values: "" } : { Type: key === "Scenario" ? "Tag" : "Class", Values: [] } };
      const n = await count(without);
      if (n > 0) culprits.push(`${key} = "${value}" (${n} without it)`);
    }
    return {
      text:
        `${all} learnware${all === 1 ? " takes" : "s take"} ${d} inputs, but the filters removed ${all === 1 ? "it" : "them all"}: ` +
        (culprits.length > 0 ? culprits.join("; ") : `no single filter alone — together ${filters.map(([k, v]) => `${k} = "${v}"`).join(", ")}`) +
        ".",
    };
  }

  /**
   * What the user can do when nothing takes their columns: the input dimensions the market's
   * learnwares (under the same filters, semantics only) take, so they can choose that many
   * columns in the preview. Empty when the market has none to name.
   */
  async function dimensionAdvice(body: Record<string, unknown>): Promise<string> {
    const list = await dimensionList(body);
    return list
      ? ` The learnwares here take ${list} inputs: keep that many of your columns (untick the others in the preview above) and generate again, or name your columns as the learnwares describe theirs.`
      : "";
  }

  /** "5, 8 or 20": the input dimensions of the learnwares the filters let through (semantic search, first 100). */
  async function dimensionList(body: BodyOf<"search">): Promise<string> {
    const { stat: _stat, ...semanticOnly } = body;
    const r = await marketSearch({ ...semanticOnly, limit: 100 }).catch(() => null);
    const dims = [
      ...new Set((r?.single.items ?? []).map((s) => s.learnware?.semantic?.["Input"]?.Dimension).filter((x): x is number => typeof x === "number")),
    ];
    if (dims.length === 0) return "";
    dims.sort((a, b) => a - b);
    return dims.length === 1 ? String(dims[0]) : `${dims.slice(0, -1).join(", ")} or ${dims.at(-1)}`;
  }

  function nameOf(id: string): string {
    const lw = results?.single.items.find((s) => s.id === id)?.learnware ?? results?.multiple?.learnwares.find((l) => l?.id === id);
    return lw?.name ?? id;
  }

  function renderResults(): void {
    if (!results) return;
    const r = results;
    const items = r.single.items;
    const mixture = r.multiple
      ? h(
          "section",
          { class: "card mixture", id: "mixture", "aria-labelledby": "mix-h" },
          h("h3", { id: "mix-h" }, `Mixture of ${r.multiple.ids.length} learnwares`),
          h(
            "p",
            { class: "muted" },
            "The weights are a least-squares fit of these learnwares' summaries to yours; a member's contribution is its share of the mixture's match with your data. ",
            `Relative score ${(r.multiple.score * 100).toFixed(1)}%, MMD² ${r.multiple.dist?.toPrecision(4) ?? "—"}.`,
          ),
          r.multiple.fit ? h("p", {}, "Fit of the mixture: ", fitBadge(r.multiple.fit)) : null,
          h(
            "ol",
            { class: "weights" },
            r.multiple.ids.map((id, i) =>
              h(
                "li",
                {},
                h("a", { href: `#/learnware/${id}` }, nameOf(id)),
                scoreBar(r.multiple!.weights[i]!, `weight of ${nameOf(id)}`),
                memberNote(r.multiple!.members?.[i]),
                h(
                  "span",
                  { class: "actions" },
                  h("a", { href: downloadHref(id), download: "" }, "Download"),
                  " · ",
                  h("a", { href: `#/learnware/${id}/use` }, "Use"),
                ),
              ),
            ),
          ),
        )
      : null;
    const list = h(
      "ol",
      { class: "results", id: "single-results" },
      items.map((s, i) => resultItem(s.id, s.score, s.dist, s.learnware, i, s.fit ?? null)),
    );
    mount(
      resultsEl,
      h("h2", {}, "Results"),
      h(
        "p",
        { class: "muted", id: "results-summary" },
        `${r.single.total} matching learnware${r.single.total === 1 ? "" : "s"}${spec ? ", ranked by how well their specification fits yours" : ""} (${r.tookMs} ms).`,
      ),
      ...(r.warnings ?? []).map((w) => h("p", { class: "warn fit-warning", role: "status", "data-code": w.code }, w.message)),
      r.legend ? h("p", { class: "muted legend", id: "results-legend" }, r.legend) : null,
      emptyReason !== null
        ? h("div", { id: "empty-reason" }, notice(emptyReason))
        : items.length === 0
          ? notice(spec ? "No learnware of this dimension matches these filters. Try widening the filters." : "No learnware matches these filters.")
          : null,
      mixture,
      list,
    );
    void renderMap();
  }

  /** The absolute fit beside a relative score: the band and the overlap (see the legend). */
  function fitBadge(f: FitView): HTMLElement {
    const cls = f.band === "fits" ? "status-usable" : f.band === "fits partly" ? "status-pending" : "status-invalid";
    return h(
      "span",
      { class: `badge fit ${cls}`, title: "overlap of your data's summary with the learnware's: 1 = same distribution, 0 = never meet" },
      `${f.band} (overlap ${f.overlap.toFixed(2)})`,
    );
  }

  function memberNote(m: { contribution: number; negligible: boolean } | undefined): HTMLElement | null {
    if (!m) return null;
    return h(
      "span",
      { class: m.negligible ? "warn member-note" : "muted member-note" },
      `contributes ${(m.contribution * 100).toFixed(1)}%${m.negligible ? " — negligible: its data barely meets yours" : ""}`,
    );
  }

  function resultItem(id: string, score: number, dist: number | null, lw: LearnwareView | null, i: number, fit: FitView | null = null): HTMLElement {
    const toggle = h("input", { type: "checkbox", checked: shown.has(id), id: `show-${id}` });
    toggle.addEventListener("change", () => {
      if (toggle.checked) shown.add(id);
      else shown.delete(id);
      void renderMap();
    });
    return h(
      "li",
      { class: "card result", "data-id": id },
      h(
        "div",
        { class: "result-head" },
        h("span", { class: "rank" }, `${i + 1}`),
        h("a", { href: `#/learnware/${id}`, class: "result-name" }, lw?.name ?? id),
        h("code", { class: "muted" }, id),
        statusBadge(lw?.status),
      ),
      h(
        "div",
        { class: "result-score" },
        scoreBar(score, `relative score of ${lw?.name ?? id}`),
        dist === null ? null : h("span", { class: "muted" }, `MMD² ${dist.toPrecision(4)}`),
        fit ? fitBadge(fit) : null,
      ),
      semanticChips(lw),
      lw?.description ? h("p", { class: "desc" }, lw.description) : null,
      h(
        "div",
        { class: "actions" },
        h("a", { href: downloadHref(id), class: "button", download: "" }, "Download"),
        h("a", { href: `#/learnware/${id}/use`, class: "button" }, "Use"),
        spec ? h("label", { for: toggle.id, class: "inline" }, toggle, " show on the map") : null,
      ),
    );
  }

  function learnwareSpec(id: string): Promise<StatJson | null> {
    let p = specCache.get(id);
    if (!p) {
      p = client
        .call("getLearnwareVersion", { params: { id, ref: "latest" } })
        .then((v) => {
          const s = v.statSpecs.find((x) => x.className === TABLE_SPEC_TYPE);
          return s ? (s.json as StatJson) : null;
        })
        .catch(() => null);
      specCache.set(id, p);
    }
    return p;
  }

  async function renderMap(): Promise<void> {
    if (!spec || !results) return void mount(mapEl);
    const ids = [...shown];
    const specs = await Promise.all(ids.map(learnwareSpec));
    const sets: PointSet[] = [{ label: "your data", color: USER_COLOR, z: spec.parsed.z, beta: spec.parsed.beta, ring: true }];
    ids.forEach((id, k) => {
      const s = specs[k];
      if (s && s.z[0]?.length === spec!.parsed.z[0]?.length) sets.push({ label: nameOf(id), color: PALETTE[k % PALETTE.length]!, z: s.z, beta: s.beta });
    });
    mount(
      mapEl,
      h("h2", {}, "Why they fit"),
      h(
        "p",
        { class: "muted" },
        "Each dot is a point of a specification (area ∝ its weight), projected on the two directions along which all the shown points vary most. A learnware fits where its dots cover your rings; a mixture covers them together. Tick “show on the map” on a result to add it.",
      ),
      projectionFigure(sets, `Your specification beside ${sets.length - 1} learnware${sets.length === 2 ? "" : "s"}`),
    );
  }

  return h(
    "div",
    { class: "view find" },
    h("h1", {}, "Find learnwares for your data"),
    h(
      "p",
      { class: "lead" },
      "Your CSV is read and summarised here, in your browser. Only the summary — a reduced kernel mean embedding of a hundred weighted points — is sent to the market to search.",
    ),
    h(
      "section",
      { class: "step", "aria-labelledby": "s1" },
      h("h2", { id: "s1" }, h("span", { class: "num" }, "1"), "Your data"),
      drop,
      input,
      h(
        "p",
        { class: "muted small" },
        "No data at hand? Try ",
        h("a", { href: new URL("samples/sensors.csv", import.meta.url).href, download: "sensors.csv", id: "sample-link" }, "a sample of sensor readings"),
        ".",
      ),
      dataStatus,
      preview,
    ),
    h(
      "section",
      { class: "step", "aria-labelledby": "s2" },
      h("h2", { id: "s2" }, h("span", { class: "num" }, "2"), "Specification"),
      h(
        "div",
        { class: "row" },
        field("Points (K)", Kin, "size of the summary"),
        field("Seed", seedIn, "same seed, same spec"),
        h("div", { class: "field actions" }, genBtn, cancelBtn, specBtn),
      ),
      prog.el,
      genStatus,
    ),
    h(
      "section",
      { class: "step", "aria-labelledby": "s3" },
      h("h2", { id: "s3" }, h("span", { class: "num" }, "3"), "Search the market"),
      searchForm,
      searchStatus,
    ),
    resultsEl,
    mapEl,
    imageSearchSection(),
    textSearchSection(),
  );
}
