/**
 * Find with pictures: the user's images decoded and summarised in the page's worker into an
 * image RKME (`RKMEImageSpecification`, the Python package's CNN-GP kernel), then the market's
 * search with it. The pictures never leave the browser; only the spec (K small images and their
 * weights) is sent. Results are ranked by the image kernel's MMD (singles only, as the market).
 */
import { search } from "../api.ts";
import { field, h, mount, saveFile } from "../dom.ts";
import { workerClient } from "../genClient.ts";
import { errorBox, notice, rankedList } from "./common.ts";

export function imageSearchSection(): HTMLElement {
  const files = h("input", { type: "file", id: "image-input", accept: "image/*", multiple: true });
  const Kin = h("input", { type: "number", min: "1", max: "200", step: "1", value: "20", id: "image-k" });
  const go = h("button", { type: "button", class: "primary", id: "image-search" }, "Summarise and search");
  const specBtn = h("button", { type: "button", id: "image-download-spec", hidden: true }, "Download stat.json");
  const status = h("div", { id: "image-status", "aria-live": "polite" });
  const results = h("div", { id: "image-results" });
  let json: string | null = null;
  specBtn.addEventListener("click", () => json && saveFile("stat.json", json));

  go.addEventListener("click", () => void run());
  async function run(): Promise<void> {
    const chosen = [...(files.files ?? [])];
    const K = Number(Kin.value);
    if (chosen.length === 0) return void mount(status, errorBox(new Error("Choose one or more pictures first")));
    if (!Number.isInteger(K) || K < 1 || K > 200) return void mount(status, errorBox(new Error(`Points (K) must be 1–200, got "${Kin.value}"`)));
    go.disabled = true;
    specBtn.hidden = true;
    mount(results);
    mount(status, notice(`Summarising ${chosen.length} picture${chosen.length === 1 ? "" : "s"} in this browser…`));
    try {
      const spec = await workerClient.imageSpec(chosen, K, 0);
      json = spec.json;
      specBtn.hidden = false;
      mount(status, notice(`Image specification: ${spec.points} points from ${spec.images} pictures in ${(spec.ms / 1000).toFixed(1)} s. Searching…`));
      const r = await search({ stat: JSON.parse(spec.json), maxSearchNum: 5, limit: 20 });
      mount(
        status,
        notice(
          r.single.total === 0
            ? "No image learnware in this market was summarised with the same kernel and channels."
            : `${r.single.total} image learnware${r.single.total === 1 ? "" : "s"} ranked by how close their pictures are to yours (score 1 − exp(−MMD²/0.00005)).`,
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
    { class: "step", "aria-labelledby": "s-images" },
    h("h2", { id: "s-images" }, "Or search with pictures"),
    h(
      "p",
      { class: "muted" },
      "Choose some of your pictures (PNG, JPEG, WebP…). They are decoded and summarised here, in your browser, into an image specification; only that summary is sent to search the image learnwares.",
    ),
    h("div", { class: "row" }, field("Pictures", files), field("Points (K)", Kin, "size of the summary"), h("div", { class: "field actions" }, go, specBtn)),
    status,
    results,
  );
}
