/**
 * Upload: a token, the semantic specification as a form (the allowed values as choices,
 * Input/Output descriptions), the package checked in the worker before anything is sent,
 * and a resumable upload with progress, pause and resume. The result is a new learnware,
 * or a new version of one the token's owner may update.
 */
import { client, describeError, getToken, type SemanticOptions, semanticOptions, setToken } from "../api.ts";
import { field, formatBytes, h, mount, progressBar, select } from "../dom.ts";
import { workerClient } from "../genClient.ts";
import { finishUpload, forgetUpload, sendResumable } from "../resumable.ts";
import type { PackageReport } from "../worker.ts";
import { errorBox, notice } from "./common.ts";

const TASKS_WITH_OUTPUT = ["Classification", "Regression"];

function ioEditor(
  prefix: string,
  label: string,
): { el: HTMLElement; dim: HTMLInputElement; value(): { Dimension: number; Description: Record<string, string> } | null; setDim(n: number): void } {
  const dim = h("input", { type: "number", min: "1", max: "10000", id: `${prefix}-dim` });
  const rows = h("div", { class: "io-rows" });
  const inputs: HTMLInputElement[] = [];
  const render = () => {
    const n = Math.min(Number(dim.value) || 0, 500);
    while (inputs.length < n) {
      const i = inputs.length;
      inputs.push(h("input", { type: "text", id: `${prefix}-desc-${i}`, placeholder: `what ${label.toLowerCase()} ${i} means` }));
    }
    mount(
      rows,
      inputs.slice(0, n).map((inp, i) => [h("label", { for: inp.id }, `${label} ${i}`), inp]),
    );
  };
  dim.addEventListener("input", render);
  return {
    el: h("fieldset", {}, h("legend", {}, label === "Feature" ? "Input" : "Output"), field("Dimension", dim), rows),
    dim,
    value() {
      const n = Number(dim.value);
      if (!dim.value) return null;
      const Description: Record<string, string> = {};
      inputs.slice(0, n).forEach((inp, i) => {
        if (inp.value.trim()) Description[String(i)] = inp.value.trim();
      });
      return { Dimension: n, Description };
    },
    setDim(n) {
      dim.value = String(n);
      render();
    },
  };
}

export function uploadView(): HTMLElement {
  // Token
  const token = h("input", { type: "password", id: "token", autocomplete: "off", value: getToken(), placeholder: "lw_…" });
  const whoami = h("span", { class: "muted", "aria-live": "polite", id: "whoami" });
  const checkToken = async () => {
    setToken(token.value);
    if (!token.value.trim()) return void (whoami.textContent = "No token: uploads need one with the write scope.");
    try {
      const r = await client.call("whoami");
      whoami.textContent = r.owner ? `Signed in as ${r.owner} (${r.scopes.join(", ")})` : "The server does not know this token.";
    } catch (e) {
      whoami.textContent = describeError(e);
    }
  };
  token.addEventListener("change", () => void checkToken());
  if (token.value) void checkToken();

  // Semantic spec
  const name = h("input", { type: "text", id: "sem-name", required: true, maxlength: "200" });
  const desc = h("textarea", { id: "sem-desc", rows: 3 });
  const dataSel = select([], "", { id: "sem-data" });
  const taskSel = select([], "", { id: "sem-task" });
  const libSel = select([], "", { id: "sem-library" });
  const licSel = select([], "", { id: "sem-license" });
  const scenBox = h("div", { class: "checks", id: "sem-scenario" });
  const input = ioEditor("in", "Feature");
  const output = ioEditor("out", "Output");
  const updateId = h("input", { type: "text", id: "update-id", placeholder: "e.g. 00000003", autocomplete: "off" });
  let options: SemanticOptions | null = null;
  const syncIO = () => {
    input.el.hidden = dataSel.value !== "Table";
    output.el.hidden = !TASKS_WITH_OUTPUT.includes(taskSel.value);
  };
  dataSel.addEventListener("change", syncIO);
  taskSel.addEventListener("change", syncIO);
  void semanticOptions()
    .then((o) => {
      options = o;
      const fill = (el: HTMLSelectElement, key: string, dflt: string) => {
        for (const v of o[key]?.values ?? []) el.append(h("option", { value: v }, v));
        el.value = dflt;
      };
      fill(dataSel, "Data", "Table");
      fill(taskSel, "Task", "Classification");
      fill(libSel, "Library", "Scikit-learn");
      fill(licSel, "License", "MIT");
      for (const v of o["Scenario"]?.values ?? []) {
        const cb = h("input", { type: "checkbox", value: v, id: `scen-${v.replace(/\W+/g, "-")}` });
        scenBox.append(h("label", { class: "inline", for: cb.id }, cb, v));
      }
      syncIO();
    })
    .catch((e) => mount(status, errorBox(e)));

  function semantic(): Record<string, unknown> {
    const scen = [...scenBox.querySelectorAll<HTMLInputElement>("input:checked")].map((c) => c.value);
    const s: Record<string, unknown> = {
      Data: { Type: "Class", Values: [dataSel.value] },
      Task: { Type: "Class", Values: [taskSel.value] },
      Library: { Type: "Class", Values: [libSel.value] },
      Scenario: { Type: "Tag", Values: scen },
      License: { Type: "Class", Values: [licSel.value] },
      Name: { Type: "String", Values: name.value.trim() },
      Description: { Type: "String", Values: desc.value.trim() },
    };
    if (!input.el.hidden) {
      const v = input.value();
      if (v) s["Input"] = v;
    }
    if (!output.el.hidden) {
      const v = output.value();
      if (v) s["Output"] = v;
    }
    return s;
  }

  // Package
  const pkgInput = h("input", { type: "file", id: "package", accept: ".zip,application/zip" });
  const pkgReport = h("div", { id: "package-report", "aria-live": "polite" });
  let report: PackageReport | null = null;
  const inspect = async (): Promise<PackageReport | null> => {
    const f = pkgInput.files?.[0];
    if (!f) {
      mount(pkgReport);
      return (report = null);
    }
    mount(pkgReport, notice(`Checking ${f.name}…`));
    try {
      report = await workerClient.inspectPackage(f, semantic());
    } catch (e) {
      mount(pkgReport, errorBox(e));
      return (report = null);
    }
    const dims = report.statSpecs.map((s) => s.dim).filter((d): d is number => d !== null);
    if (dims[0] !== undefined && !input.dim.value) input.setDim(dims[0]);
    mount(
      pkgReport,
      h(
        "ul",
        { class: "checklist" },
        h("li", { class: report.entries.length ? "" : "bad" }, `${f.name}: ${formatBytes(f.size)}, ${report.entries.length} files, no unsafe paths`),
        report.modelKind ? h("li", {}, `model: ${report.modelKind}${report.environment ? `, environment from ${report.environment}` : ""}`) : null,
        report.statSpecs.map((s) => h("li", {}, `${s.fileName}: ${s.className}${s.dim !== null ? ` (${s.points} points, d=${s.dim})` : ""}`)),
        report.problems.map((p) => h("li", { class: "bad" }, p)),
      ),
      report.ok ? null : errorBox(new Error("Fix the package or the form before uploading: " + report.problems[0])),
    );
    return report;
  };
  pkgInput.addEventListener("change", () => void inspect());

  // Upload
  const prog = progressBar("Upload progress");
  prog.el.hidden = true;
  const uploadBtn = h("button", { type: "submit", class: "primary", id: "upload" }, "Upload");
  const pauseBtn = h("button", { type: "button", id: "pause", hidden: true }, "Pause");
  const status = h("div", { id: "upload-status", "aria-live": "polite" });
  let abort: AbortController | null = null;
  pauseBtn.addEventListener("click", () => abort?.abort());

  async function upload(): Promise<void> {
    setToken(token.value);
    mount(status);
    if (!token.value.trim())
      return void mount(status, errorBox(new Error("Enter a token with the write scope (the server's admin token, or one made with `lw tokens create`)")));
    const f = pkgInput.files?.[0];
    if (!f) return void mount(status, errorBox(new Error("Choose the learnware package (a .zip)")));
    const lwId = updateId.value.trim();
    if (!lwId && !name.value.trim()) return void mount(status, errorBox(new Error("Give the learnware a name")));
    const r = await inspect();
    if (!r?.ok) return;
    uploadBtn.disabled = true;
    pauseBtn.hidden = false;
    prog.el.hidden = false;
    abort = new AbortController();
    const t0 = performance.now();
    try {
      const { id, sha256 } = await sendResumable(f, {
        signal: abort.signal,
        onProgress: (p) =>
          prog.set(p.sent / p.total, `${formatBytes(p.sent)} of ${formatBytes(p.total)}${p.resumedFrom ? ` (resumed at ${formatBytes(p.resumedFrom)})` : ""}`),
      });
      pauseBtn.hidden = true;
      prog.set(1, "checking…");
      const res = await finishUpload(f, id, sha256, semantic(), lwId || undefined);
      const lw = res.learnware as { id: string; name: string };
      const v = res.version as { number: number; status: string };
      prog.set(1, `done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      mount(
        status,
        h(
          "div",
          { class: "notice notice-ok", role: "status", id: "upload-result", "data-id": lw.id, "data-version": String(v.number) },
          `Uploaded ${lw.name}: learnware `,
          h("a", { href: `#/learnware/${lw.id}` }, lw.id),
          `, version ${v.number} (${v.status}: a runner checks it next). `,
          // The next upload is a new learnware unless the user asks for a version: never silently.
          lwId
            ? null
            : h(
                "button",
                {
                  type: "button",
                  id: "as-new-version",
                  onclick: () => {
                    updateId.value = lw.id;
                    updateId.focus();
                  },
                },
                `Upload a new version of ${lw.id}`,
              ),
        ),
      );
    } catch (e) {
      if (abort.signal.aborted) {
        mount(status, notice("Paused. Press Upload to resume from where the server stopped receiving."));
      } else {
        if ((e as { code?: string }).code === "CHECKSUM_MISMATCH") forgetUpload(f);
        mount(status, errorBox(e));
      }
    } finally {
      uploadBtn.disabled = false;
      pauseBtn.hidden = true;
      abort = null;
    }
  }

  const form = h(
    "form",
    {
      id: "upload-form",
      novalidate: true,
      onsubmit: (e: Event) => {
        e.preventDefault();
        void upload();
      },
    },
    h(
      "section",
      { class: "step", "aria-labelledby": "u1" },
      h("h2", { id: "u1" }, h("span", { class: "num" }, "1"), "Token"),
      h(
        "div",
        { class: "row" },
        h("div", { class: "field grow" }, h("label", { for: token.id }, "API token (write scope)"), token),
        h("div", { class: "field actions" }, h("button", { type: "button", onclick: () => void checkToken() }, "Check")),
      ),
      whoami,
      h(
        "p",
        { class: "muted small" },
        "Kept for this tab only. `npm start` writes the admin token to .lw-data/admin-token; `lw tokens create --owner you` makes one per person.",
      ),
    ),
    h(
      "section",
      { class: "step", "aria-labelledby": "u2" },
      h("h2", { id: "u2" }, h("span", { class: "num" }, "2"), "Semantic specification"),
      h(
        "div",
        { class: "row" },
        h("div", { class: "field grow" }, h("label", { for: name.id }, "Name"), name),
        field("Data type", dataSel),
        field("Task", taskSel),
        field("Library", libSel),
        field("Licence", licSel),
      ),
      h("div", { class: "field" }, h("label", { for: desc.id }, "Description"), desc),
      h("fieldset", {}, h("legend", {}, "Scenario (one or more)"), scenBox),
      h("div", { class: "cols2" }, input.el, output.el),
    ),
    h(
      "section",
      { class: "step", "aria-labelledby": "u3" },
      h("h2", { id: "u3" }, h("span", { class: "num" }, "3"), "Package"),
      h(
        "div",
        { class: "row" },
        field("Learnware zip", pkgInput, "learnware.yaml, the stat spec, the model and its requirements; checked here before upload"),
        field("New version of (optional)", updateId, "an id you own; leave empty for a new learnware"),
      ),
      pkgReport,
      h("div", { class: "actions" }, uploadBtn, pauseBtn),
      prog.el,
      status,
    ),
  );
  void options;
  return h(
    "div",
    { class: "view upload" },
    h("h1", {}, "Upload a learnware"),
    h(
      "p",
      { class: "lead" },
      "Describe the model, add its package, and send it. Large packages go in chunks and resume after a dropped connection or a pause.",
    ),
    form,
  );
}
