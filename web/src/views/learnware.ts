/**
 * A learnware's page: semantic info, versions, the chosen version's check status and log,
 * metrics as charts, the package and artifacts with sizes and checksums, tags, the stat
 * spec's summary, and how to use it (an ONNX learnware also runs in the page itself).
 */
import { TABLE_SPEC_TYPE } from "../../../core/spec/specTypes.ts";
import { client, getModel, semanticValues } from "../api.ts";
import { lineChart } from "../charts.ts";
import { formatBytes, formatDate, h, mount } from "../dom.ts";
import { downloadHref, errorBox, semanticChips, statusBadge } from "./common.ts";
import { runInBrowserSection } from "./runInBrowser.ts";

const enc = encodeURIComponent;

function ioTable(title: string, io: { Dimension?: number; Description?: Record<string, string> } | undefined): HTMLElement | null {
  if (!io || io.Dimension === undefined) return null;
  const desc = io.Description ?? {};
  return h(
    "div",
    {},
    h("h3", {}, `${title} (dimension ${io.Dimension})`),
    h(
      "div",
      { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Table (scrolls sideways)" },
      h(
        "table",
        {},
        h(
          "tbody",
          {},
          Array.from({ length: io.Dimension }, (_, i) =>
            h("tr", {}, h("th", { scope: "row", class: "num" }, String(i)), h("td", {}, desc[String(i)] ?? h("span", { class: "muted" }, "—"))),
          ),
        ),
      ),
    ),
  );
}

export function learnwareView(id: string, section: string | null, params: URLSearchParams): HTMLElement {
  const root = h("div", { class: "view learnware", "aria-busy": "true" }, h("h1", {}, `Learnware ${id}`), h("p", { class: "muted" }, "Loading…"));
  // One "Run in this browser" section per version, kept across the live re-renders (its CSV and results stay).
  const runSections = new Map<number, HTMLElement>();
  void load().catch((e) => mount(root, h("h1", {}, `Learnware ${id}`), errorBox(e), h("p", {}, h("a", { href: "#/browse" }, "← Back to the catalogue"))));
  watchLive();

  /**
   * Live status: the server's event feed (SSE) for this learnware; a check finished, a new
   * version, a tag, metrics or an artifact re-render the page. Closed when the page is left.
   */
  function watchLive(): void {
    if (typeof EventSource === "undefined") return;
    const es = new EventSource(`/v1/events/stream?model=${enc(id)}`);
    let pending: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        if (!root.isConnected) return;
        const y = window.scrollY;
        void load()
          .then(() => window.scrollTo(0, y))
          .catch(() => {});
      }, 150);
    };
    for (const t of ["version.checked", "version.created", "tag.moved", "metrics.logged", "artifact.added", "model.updated", "job.leased"])
      es.addEventListener(t, refresh);
    // The feed carries what happens after it connects: a check that finished while the page was
    // loading and the stream connecting (a fast runner) would otherwise leave "pending" beside the
    // finished log. Reading once more when the stream opens (and reopens) closes that gap.
    es.addEventListener("open", refresh);
    const close = () => {
      es.close();
      window.removeEventListener("hashchange", closeIfGone);
    };
    const closeIfGone = () => {
      if (!root.isConnected || !location.hash.startsWith(`#/learnware/${id}`)) close();
    };
    window.addEventListener("hashchange", closeIfGone);
    root.dataset["live"] = "1";
  }

  /** Loads started; only the newest one renders (an older answer arriving late is stale). */
  let loads = 0;
  async function load(): Promise<void> {
    const seq = ++loads;
    const [lw, versions] = await Promise.all([getModel("getLearnware", id), client.call("listLearnwareVersions", { params: { id } }).then((r) => r.items)]);
    if (lw.kind === "model") {
      // A registry model has no package, no check and no semantic spec: its page is the registry's
      // (versions with tags, metrics, artifacts), never a "Download" of a package that is not there.
      if (root.isConnected && location.hash.startsWith(`#/learnware/${id}`)) location.replace(`#/model/${enc(id)}`);
      return;
    }
    const wanted = Number(params.get("version") ?? lw.latestVersion);
    const v = versions.find((x) => x.number === wanted) ?? versions[versions.length - 1];
    if (!v) throw new Error(`Learnware ${id} has no versions`);
    const at = { params: { id, ref: v.number } };
    const [check, metrics, artifacts] = await Promise.all([
      client.call("getCheck", at).catch((e) => e as Error),
      client
        .call("getMetrics", at)
        .then((r) => r.metrics)
        .catch((e) => e as Error),
      client
        .call("listArtifacts", at)
        .then((r) => r.items)
        .catch((e) => e as Error),
    ]);
    const sem = lw.semantic ?? {};
    const tags = Object.entries(lw.tags ?? {});
    const stat = v.statSpecs.find((s) => s.className === TABLE_SPEC_TYPE)?.json as { z: number[][]; gamma: number; num_points: number } | undefined;
    const origin = location.origin;

    const versionRows = [...versions]
      .reverse()
      .map((x) =>
        h(
          "tr",
          { class: x.number === v.number ? "current" : "" },
          h(
            "th",
            { scope: "row" },
            x.number === v.number ? h("strong", {}, `v${x.number}`) : h("a", { href: `#/learnware/${id}?version=${x.number}` }, `v${x.number}`),
          ),
          h("td", {}, statusBadge(x.status)),
          h("td", {}, x.framework ?? "—"),
          h("td", { class: "num" }, formatBytes(x.packageSize)),
          h("td", {}, h("code", { title: x.packageSha256 ?? "" }, (x.packageSha256 ?? "—").slice(0, 12))),
          h("td", {}, x.tags.join(", ") || h("span", { class: "muted" }, "—")),
          h("td", {}, x.createdBy),
          h("td", {}, formatDate(x.createdAt)),
        ),
      );

    const metricCharts =
      metrics instanceof Error
        ? [errorBox(metrics)]
        : Object.entries(metrics).flatMap(([key, pts]) => {
            const nums = pts.filter((p) => typeof p.value === "number").map((p) => ({ step: p.step, value: p.value as number }));
            if (nums.length === 0) return [h("p", {}, h("strong", {}, key), `: ${pts.map((p) => p.value ?? "(bytes)").slice(-1)[0]}`)];
            return [lineChart(key, nums)];
          });

    const artifactRows = [
      h(
        "tr",
        {},
        h(
          "td",
          {},
          h("a", { href: downloadHref(id, v.number), download: "" }, `learnware-${id}-v${v.number}.zip`),
          h("span", { class: "muted" }, " (package)"),
        ),
        h("td", { class: "num" }, formatBytes(v.packageSize)),
        h("td", {}, h("code", { class: "sha" }, v.packageSha256 ?? "—")),
        h("td", {}, "application/zip"),
      ),
      ...(artifacts instanceof Error
        ? []
        : artifacts.map((a) =>
            h(
              "tr",
              {},
              h(
                "td",
                {},
                a.storage === "tracked"
                  ? h("a", { href: a.uri ?? "#", rel: "noopener" }, a.path)
                  : h("a", { href: `${client.path("getArtifactContent", at.params)}?path=${enc(a.path)}` }, a.path),
                a.storage === "tracked" ? h("span", { class: "muted" }, " (tracked)") : null,
              ),
              h("td", { class: "num" }, formatBytes(a.size)),
              h("td", {}, h("code", { class: "sha" }, a.sha256 ?? "—")),
              h("td", {}, a.mime),
            ),
          )),
    ];

    // The page cannot know where the runner listens (npm start prints it; LW_RUNNER_PORT moves it):
    // the snippet names the default in one variable the user can change.
    const runnerHint = "http://127.0.0.1:8790";
    const inputDim = Number(lw.semantic?.["Input"]?.Dimension ?? Number.NaN);
    let runHere = runSections.get(v.number) ?? null;
    if (runHere === null && v.framework === "onnx") {
      runHere = runInBrowserSection(id, v.number, Number.isInteger(inputDim) ? inputDim : null, lw.semantic?.["Output"]?.Description ?? {});
      runSections.set(v.number, runHere);
    }
    const use = h(
      "section",
      { id: "use", class: "step", "aria-labelledby": "use-h" },
      h("h2", { id: "use-h" }, "Use it"),
      h(
        "p",
        {},
        "Run it through the runner's model service (npm start runs one; it loads the learnware in its sandbox), reuse it with others as a mixture, or download it:",
      ),
      h(
        "pre",
        { class: "snippet", id: "use-run", tabindex: "0" },
        `# predict with the runner's model service: the address npm start prints after "model service on" (default below); X is rows × ${Number.isInteger(inputDim) ? inputDim : "d"} numbers\nRUNNER=${runnerHint}\ncurl -fsS -X POST "$RUNNER/v1/models/${id}/versions/${v.number}/predict" \\\n  -H "authorization: Bearer $LW_TOKEN" -H "content-type: application/json" \\\n  -d '{"X": [[${Array.from({ length: Number.isInteger(inputDim) && inputDim > 0 && inputDim <= 32 ? inputDim : 3 }, () => "0.0").join(", ")}${Number.isInteger(inputDim) && inputDim > 32 ? ", …" : ""}]]}'\n\n# search with your data and reuse the result as one served mixture (lw reuse)\nlw spec generate --input my.csv --output my-stat.json\nlw reuse --market <market> --spec my-stat.json --kind averaging --input my.csv --output pred.csv --service "$RUNNER"`,
      ),
      h(
        "pre",
        { class: "snippet", id: "use-download", tabindex: "0" },
        `# the lw command (LW_SERVER=${origin})\nlw download ${id} --server ${origin}${v.number !== lw.latestVersion ? ` --version ${v.number}` : ""}\n\n# plain HTTP\ncurl -OJ ${origin}${downloadHref(id, v.number)}\n\n# the Python learnware client (Beimingwu-compatible API)\nfrom learnware.client import LearnwareClient\nclient = LearnwareClient(host="${origin}/api")\nclient.download_learnware(learnware_id="${id}", save_path="learnware-${id}.zip")`,
      ),
      runHere
        ? null
        : h(
            "p",
            { class: "muted small", id: "run-browser-note" },
            `This is a ${v.framework === "js" ? "JS" : "Python"} learnware: it runs through the runner (above); only ONNX learnwares run in the browser itself.`,
          ),
    );

    if (seq !== loads) return;
    mount(
      root,
      h("p", { class: "small" }, h("a", { href: "#/browse" }, "← Catalogue")),
      h("h1", {}, lw.name, " ", statusBadge(lw.status)),
      semanticChips(lw),
      lw.description ? h("p", { class: "lead" }, lw.description) : null,
      h(
        "div",
        { class: "actions" },
        versions.find((x) => x.number === lw.latestVersion)?.packageSha256
          ? h("a", { href: downloadHref(id), class: "button", download: "" }, `Download v${lw.latestVersion}`)
          : null,
        h("a", { href: `#/learnware/${id}/use`, class: "button" }, "Use"),
      ),
      h(
        "div",
        { class: "cols2" },
        h(
          "section",
          { class: "card", "aria-labelledby": "about-h" },
          h("h2", { id: "about-h" }, "About"),
          h(
            "dl",
            { class: "meta" },
            h("dt", {}, "id"),
            h("dd", {}, h("code", {}, lw.id)),
            h("dt", {}, "owner"),
            h("dd", {}, lw.owner),
            h("dt", {}, "versions"),
            h("dd", {}, `${versions.length} (latest v${lw.latestVersion})`),
            h("dt", {}, "tags"),
            h("dd", { id: "tags" }, tags.length ? tags.map(([t, n]) => h("span", { class: "chip" }, `${t} → v${n}`)) : h("span", { class: "muted" }, "none")),
            h("dt", {}, "library"),
            h("dd", {}, semanticValues(lw, "Library").join(", ") || "—"),
            h("dt", {}, "licence"),
            h("dd", {}, semanticValues(lw, "License").join(", ") || "—"),
            h("dt", {}, "created"),
            h("dd", {}, formatDate(lw.createdAt)),
            h("dt", {}, "updated"),
            h("dd", {}, formatDate(lw.updatedAt)),
            h("dt", {}, "RKME"),
            h("dd", {}, stat ? `${stat.z.length} points in d=${stat.z[0]?.length ?? 0}, γ=${stat.gamma}, from ${stat.num_points} rows` : "—"),
          ),
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "io-h" },
          h("h2", { id: "io-h", class: "visually-hidden" }, "Inputs and outputs"),
          ioTable("Input", sem["Input"] as never),
          ioTable("Output", sem["Output"] as never),
        ),
      ),
      h(
        "section",
        { "aria-labelledby": "ver-h" },
        h("h2", { id: "ver-h" }, "Versions"),
        h(
          "div",
          { class: "table-scroll card", tabindex: "0", role: "region", "aria-label": "Versions table (scrolls sideways)" },
          h(
            "table",
            { id: "versions" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["version", "check", "framework", "package", "sha256", "tags", "by", "created"].map((t) => h("th", { scope: "col" }, t)),
              ),
            ),
            h("tbody", {}, versionRows),
          ),
        ),
      ),
      h(
        "section",
        { "aria-labelledby": "check-h", id: "check" },
        h("h2", { id: "check-h" }, `Check of v${v.number} `, statusBadge(v.status)),
        check instanceof Error
          ? errorBox(check)
          : h(
              "div",
              {},
              h(
                "pre",
                { class: "log", tabindex: "0", role: "region", "aria-label": "Check log" },
                check.log || "(no log yet: the check is queued for a runner)",
              ),
              check.jobs.length
                ? h(
                    "p",
                    { class: "muted small" },
                    check.jobs.map((j) => `${j.id}: ${j.status}, attempt ${j.attempts}/${j.maxAttempts}${j.runner ? ` on ${j.runner}` : ""}`).join(" · "),
                  )
                : null,
            ),
      ),
      h(
        "section",
        { "aria-labelledby": "met-h", id: "metrics" },
        h("h2", { id: "met-h" }, `Metrics of v${v.number}`),
        metricCharts.length ? h("div", { class: "cols2" }, metricCharts) : h("p", { class: "muted" }, "No metrics logged for this version."),
      ),
      h(
        "section",
        { "aria-labelledby": "art-h", id: "artifacts" },
        h("h2", { id: "art-h" }, `Package and artifacts of v${v.number}`),
        h(
          "div",
          { class: "table-scroll card", tabindex: "0", role: "region", "aria-label": "Table (scrolls sideways)" },
          h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["file", "size", "sha256", "type"].map((t) => h("th", { scope: "col" }, t)),
              ),
            ),
            h("tbody", {}, artifactRows),
          ),
        ),
        artifacts instanceof Error ? errorBox(artifacts) : null,
      ),
      use,
      runHere,
    );
    root.setAttribute("aria-busy", "false");
    if (section === "use") use.scrollIntoView({ block: "start" });
  }
  return root;
}
