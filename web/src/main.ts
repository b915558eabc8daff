/**
 * The page: a hash router over three views (Find, Browse, Upload) and the learnware page.
 * Find and Upload keep their state while the user looks elsewhere.
 */
import { h, mount } from "./dom.ts";
import { browseView } from "./views/browse.ts";
import { modelView, registryView } from "./views/registry.ts";
import { findView } from "./views/find.ts";
import { learnwareView } from "./views/learnware.ts";
import { uploadView } from "./views/upload.ts";

const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;
let find: HTMLElement | null = null;
let upload: HTMLElement | null = null;

function route(): void {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path = "", query = ""] = hash.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  const page = parts[0] ?? "find";
  for (const a of nav.querySelectorAll("a")) {
    const active = a.dataset["page"] === (page === "learnware" ? "browse" : page === "model" ? "registry" : page);
    if (active) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  let view: HTMLElement;
  if (page === "browse") view = browseView(params);
  else if (page === "learnware" && parts[1]) view = learnwareView(parts[1], parts[2] ?? null, params);
  else if (page === "upload") view = upload ??= uploadView();
  else if (page === "registry") view = registryView(params);
  else if (page === "model" && parts[1]) view = modelView(parts[1], params);
  else view = find ??= findView();
  mount(main, view);
  document.title = `${page === "learnware" ? `Learnware ${parts[1]}` : page[0]!.toUpperCase() + page.slice(1)} · learnware market`;
  if (page !== "learnware" || !parts[2]) window.scrollTo(0, 0);
  // Move focus to the new view for keyboard and screen-reader users.
  const heading = view.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

window.addEventListener("hashchange", route);
mount(
  nav,
  h("a", { href: "#/find", "data-page": "find" }, "Find"),
  h("a", { href: "#/browse", "data-page": "browse" }, "Browse"),
  h("a", { href: "#/upload", "data-page": "upload" }, "Upload"),
  h("a", { href: "#/registry", "data-page": "registry" }, "Registry"),
);
route();
