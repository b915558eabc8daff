/**
 * "Run in this browser" on an ONNX learnware's page: the user's CSV (chosen here, or the one
 * Find loaded) is read in the page's worker, the learnware's package is downloaded, and the
 * model runs there with ONNX Runtime Web. The rows never leave the browser; the page shows the
 * first 20 predictions and offers all of them as a CSV.
 */
import type { TableProfile } from "../csv.ts";
import { h, mount } from "../dom.ts";
import { workerClient } from "../genClient.ts";
import { MAX_PREDICT_ROWS, type Prediction, predictionsCsv } from "../onnxPredict.ts";
import { request } from "../api.ts";
import { downloadHref, errorBox, notice } from "./common.ts";

/** How many predictions the page shows (the download has every row). */
export const SHOWN_ROWS = 20;

const num = (v: number) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(5) : v.toPrecision(6));

/**
 * The section for one version of an ONNX learnware. `inputDim` is the semantic spec's input
 * dimension (the model's own shape decides in the worker); `classNames` the output descriptions.
 */
export function runInBrowserSection(id: string, version: number, inputDim: number | null, classNames: Record<string, string>): HTMLElement {
  let pkg: Promise<Uint8Array> | null = null;
  let downloadUrl: string | null = null;

  const input = h("input", { type: "file", id: "run-csv", accept: ".csv,.tsv,.txt,text/csv", "aria-describedby": "run-privacy" });
  const useLoaded = h("button", { type: "button", id: "run-use-loaded", hidden: true });
  const dataStatus = h("div", { id: "run-data", "aria-live": "polite" });
  const columnsBox = h("div", { id: "run-columns" });
  const runBtn = h("button", { type: "button", class: "primary", id: "run-onnx", disabled: true }, "Run");
  const status = h("div", { id: "run-status", role: "status", "aria-live": "polite" });
  const results = h("div", { id: "run-results" });

  const loaded = workerClient.current;
  if (loaded) {
    useLoaded.textContent = `Use ${loaded.file.name} (loaded on Find)`;
    useLoaded.hidden = false;
    useLoaded.addEventListener("click", () => showData(loaded.profile));
  }
  input.addEventListener("change", () => {
    const f = input.files?.[0];
    if (f) void loadFile(f);
  });
  runBtn.addEventListener("click", () => void run());

  async function loadFile(f: File): Promise<void> {
    runBtn.disabled = true;
    useLoaded.hidden = true;
    mount(columnsBox);
    mount(results);
    mount(status);
    mount(dataStatus, notice(`Reading ${f.name}…`));
    try {
      workerClient.cancel(); // a fresh worker for a fresh file
      showData(await workerClient.load(f));
    } catch (e) {
      mount(dataStatus, errorBox(e));
    }
  }

  function showData(p: TableProfile): void {
    const numeric = p.columns.filter((c) => c.type === "number");
    mount(
      dataStatus,
      h(
        "p",
        { id: "run-summary" },
        h("strong", {}, p.fileName),
        ` — ${p.rows.toLocaleString("en")} rows, ${numeric.length} numeric column${numeric.length === 1 ? "" : "s"}`,
        p.rows > MAX_PREDICT_ROWS ? ` (the page runs at most ${MAX_PREDICT_ROWS.toLocaleString("en")} rows)` : "",
        ".",
      ),
    );
    if (inputDim === null || numeric.length === inputDim) {
      mount(
        columnsBox,
        h("p", { class: "muted small" }, `Every numeric column is an input, in the file's order${inputDim === null ? "" : ` (the model takes ${inputDim})`}.`),
      );
    } else {
      // The model takes a different number of columns: the user picks them (file order is input order).
      const boxes = numeric.map((c, i) => {
        const cb = h("input", { type: "checkbox", value: String(c.index), id: `run-col-${c.index}`, checked: i < inputDim });
        return h("label", { class: "inline", for: cb.id }, cb, c.name);
      });
      mount(
        columnsBox,
        h(
          "fieldset",
          {},
          h("legend", {}, `Columns for the model's ${inputDim} inputs (your file has ${numeric.length} numeric; file order is input order)`),
          h("div", { class: "checks" }, boxes),
        ),
      );
    }
    runBtn.disabled = false;
  }

  function chosenColumns(): number[] | undefined {
    const boxes = [...columnsBox.querySelectorAll<HTMLInputElement>("input[type=checkbox]")];
    return boxes.length ? boxes.filter((b) => b.checked).map((b) => Number(b.value)) : undefined;
  }

  async function run(): Promise<void> {
    runBtn.disabled = true;
    section.setAttribute("aria-busy", "true");
    mount(results);
    mount(status, notice("Running the model in this browser…"));
    try {
      pkg ??= request(downloadHref(id, version))
        .then((r) => r.arrayBuffer())
        .then((b) => new Uint8Array(b))
        .catch((e) => {
          pkg = null;
          throw e;
        });
      const p = await workerClient.predictOnnx(await pkg, chosenColumns());
      const threads = p.threads ?? 1;
      mount(
        status,
        notice(
          `Predicted ${(p.shape[0] ?? 0).toLocaleString("en")} rows in ${p.ms.toFixed(1)} ms, in this browser (ONNX Runtime Web, ${threads} thread${threads === 1 ? "" : "s"}).`,
          "ok",
        ),
      );
      showResults(p);
    } catch (e) {
      mount(status, errorBox(e));
    } finally {
      runBtn.disabled = false;
      section.setAttribute("aria-busy", "false");
    }
  }

  function showResults(p: Prediction): void {
    const rows = p.shape[0] ?? 0;
    const k = rows > 0 ? p.values.length / rows : 0;
    const shown = Math.min(SHOWN_ROWS, rows);
    const classified = p.classes !== null && p.top !== null;
    const head = classified
      ? ["row", "predicted class", p.probabilities ? "probability" : "score"]
      : ["row", ...Array.from({ length: Math.min(k, 8) }, (_, j) => (k === 1 ? "value" : `output ${j}`))];
    const body = Array.from({ length: shown }, (_, i) =>
      h(
        "tr",
        { "data-row": String(i) },
        h("th", { scope: "row", class: "num" }, String(i + 1)),
        classified
          ? [
              h(
                "td",
                { class: "pred-class" },
                String(p.classes![i]),
                classNames[String(p.classes![i])] ? h("span", { class: "muted" }, ` (${classNames[String(p.classes![i])]})`) : null,
              ),
              h("td", { class: "num pred-top" }, num(p.top![i]!)),
            ]
          : Array.from({ length: Math.min(k, 8) }, (_, j) => h("td", { class: "num pred-value" }, num(p.values[i * k + j]!))),
      ),
    );
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([predictionsCsv(p)], { type: "text/csv" }));
    mount(
      results,
      h(
        "div",
        { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Predictions (scrolls sideways)" },
        h(
          "table",
          { id: "predictions" },
          h("caption", {}, `Predictions for the first ${shown} of ${rows.toLocaleString("en")} rows`),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              head.map((t) => h("th", { scope: "col" }, t)),
            ),
          ),
          h("tbody", {}, body),
        ),
      ),
      h(
        "p",
        { class: "actions" },
        h(
          "a",
          { href: downloadUrl, download: `predictions-${id}-v${version}.csv`, class: "button", id: "download-predictions" },
          `Download predictions (CSV, ${rows.toLocaleString("en")} rows)`,
        ),
      ),
    );
  }

  const section = h(
    "section",
    { id: "run-browser", class: "step", "aria-labelledby": "run-h" },
    h("h2", { id: "run-h" }, "Run in this browser"),
    h(
      "p",
      { id: "run-privacy" },
      "This learnware is an ONNX model, so this page can run it itself (ONNX Runtime Web in a worker): your CSV is read here and never leaves the browser; only the learnware's package is downloaded.",
    ),
    h("div", { class: "actions" }, useLoaded),
    h("div", { class: "field" }, h("label", { for: input.id }, "CSV file (numeric columns, header optional)"), input),
    dataStatus,
    columnsBox,
    h("div", { class: "actions" }, runBtn),
    status,
    results,
  );
  return section;
}
