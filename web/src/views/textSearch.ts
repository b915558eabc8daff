/**
 * Find with texts: the user's texts (typed or pasted one per line, or a .txt / .json file)
 * embedded in the page's worker with the market's text model (`/v1/text-model/`, loaded on the
 * first text search) and summarised into a text RKME (`RKMETextSpecification`) by the same core
 * function as `lw spec generate --texts`, then the market's search with it. The texts never
 * leave the browser; only the spec (K embedded points, their weights, the detected languages)
 * is sent. Results are the text learnwares whose languages cover the user's, ranked by MMD.
 */
import { search } from "../api.ts";
import { checkUserTexts, DEFAULT_USER_TEXT_K, parseTexts } from "../../../core/text/userTexts.ts";
import { field, h, mount, saveFile } from "../dom.ts";
import { workerClient } from "../genClient.ts";
import { errorBox, notice, rankedList } from "./common.ts";

export function textSearchSection(): HTMLElement {
  const area = h("textarea", { id: "text-input", rows: 6, spellcheck: false, placeholder: "one text per line" });
  const file = h("input", { type: "file", id: "text-file", accept: ".txt,.json,text/plain,application/json" });
  const Kin = h("input", { type: "number", min: "1", max: "500", step: "1", value: String(DEFAULT_USER_TEXT_K), id: "text-k" });
  const go = h("button", { type: "button", class: "primary", id: "text-search" }, "Summarise and search");
  const specBtn = h("button", { type: "button", id: "text-download-spec", hidden: true }, "Download stat.json");
  const status = h("div", { id: "text-status", "aria-live": "polite" });
  const results = h("div", { id: "text-results" });
  let json: string | null = null;
  /** Texts read from the chosen file; typing in the box afterwards uses the box again. */
  let fromFile: { name: string; texts: string[] } | null = null;
  specBtn.addEventListener("click", () => json && saveFile("stat.json", json));

  file.addEventListener("change", () => void pick());
  async function pick(): Promise<void> {
    const f = file.files?.[0];
    fromFile = null;
    if (!f) return;
    try {
      const texts = parseTexts(await f.text(), f.name);
      fromFile = { name: f.name, texts };
      area.value = "";
      mount(status, notice(`${texts.length} text${texts.length === 1 ? "" : "s"} read from ${f.name} (still only in this browser).`));
    } catch (e) {
      file.value = "";
      mount(status, errorBox(e));
    }
  }
  area.addEventListener("input", () => {
    if (fromFile && area.value.trim() !== "") {
      fromFile = null;
      file.value = "";
    }
  });

  go.addEventListener("click", () => void run());
  async function run(): Promise<void> {
    const texts = fromFile?.texts ?? area.value.split(/\r?\n/).filter((l) => l.trim() !== "");
    const K = Number(Kin.value);
    try {
      checkUserTexts(texts);
    } catch (e) {
      return void mount(status, errorBox(e));
    }
    if (!Number.isInteger(K) || K < 1 || K > 500) return void mount(status, errorBox(new Error(`Points (K) must be 1–500, got "${Kin.value}"`)));
    go.disabled = true;
    specBtn.hidden = true;
    mount(results);
    mount(status, notice(`Embedding ${texts.length} texts in this browser with the market's text model…`));
    try {
      const spec = await workerClient.textSpec(texts, K);
      json = spec.json;
      specBtn.hidden = false;
      const langs = spec.languages.length > 0 ? spec.languages.join(", ") : "none detected";
      mount(
        status,
        notice(
          `Text specification: ${spec.points} points of dimension ${spec.dim} from ${spec.texts} texts (model ${spec.model}, languages ${langs}) in ${(spec.ms / 1000).toFixed(1)} s. Searching…`,
        ),
      );
      const r = await search({ stat: JSON.parse(spec.json), maxSearchNum: 5, limit: 20 });
      mount(
        status,
        notice(
          r.single.total === 0
            ? `No text learnware in this market matches: none has embeddings of dimension ${spec.dim} (the market's model) in languages that cover your texts' (${langs}).`
            : `${r.single.total} text learnware${r.single.total === 1 ? "" : "s"} ranked by how close their texts are to yours (languages ${langs}; your texts summarised here in ${(spec.ms / 1000).toFixed(2)} s).`,
          r.single.total === 0 ? "info" : "ok",
        ),
      );
      mount(results, rankedList(r));
    } catch (e) {
      mount(status, errorBox(e));
    } finally {
      go.disabled = false;
    }
  }

  return h(
    "section",
    { class: "step", "aria-labelledby": "s-texts" },
    h("h2", { id: "s-texts" }, "Or search with texts"),
    h(
      "p",
      { class: "muted" },
      "Paste your texts, one per line, or choose a .txt file (one text per line) or a .json file (an array of strings). They are embedded and summarised here, in your browser, with the market's text model; only that summary is sent to search the text learnwares.",
    ),
    field("Texts", area, "one text per line; at least 3"),
    h(
      "div",
      { class: "row" },
      field("Or a file", file, ".txt or .json"),
      field("Points (K)", Kin, "size of the summary"),
      h("div", { class: "field actions" }, go, specBtn),
    ),
    status,
    results,
  );
}
