/**
 * A registry model's card: the `README.md` (or `MODEL_CARD.md`) among the model's own artifacts,
 * else the shown version's, rendered as Markdown by markdown-it with raw HTML off (tags in the
 * card show as text), its link check on (no `javascript:`, `vbscript:`, `file:` or `data:` links)
 * and images off (a card cannot make the page fetch from elsewhere). Headings move two levels
 * down, under the section's own heading.
 */
import MarkdownIt from "markdown-it";
import { h } from "../dom.ts";

const md = new MarkdownIt({ html: false, linkify: false, typographer: false }).disable("image");
md.core.ruler.push("lw_shift_headings", (state) => {
  for (const t of state.tokens) if (t.type === "heading_open" || t.type === "heading_close") t.tag = `h${Math.min(6, Number(t.tag.slice(1)) + 2)}`;
});

/** At most this much of a card is shown. */
const MAX_CHARS = 200_000;

/** The artifact that is the card, if any: README.md or MODEL_CARD.md at the top of the artifacts. */
export function cardPath(paths: string[]): string | undefined {
  return paths.find((p) => /^(README|MODEL_CARD)\.md$/i.test(p));
}

/** Renders Markdown text as the card's element (safe: markdown-it escapes every HTML tag in it). */
export function renderCard(text: string): HTMLElement {
  const el = h("div", { class: "model-card", id: "model-card" });
  el.innerHTML = md.render(text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}\n\n…` : text);
  for (const a of Array.from(el.querySelectorAll("a"))) a.setAttribute("rel", "noopener noreferrer nofollow");
  return el;
}

/** Fetches the card at `url` (an artifact's content) and renders it; null when it cannot be read. */
export async function loadCard(url: string): Promise<HTMLElement | null> {
  const res = await fetch(url).catch(() => null);
  if (!res?.ok) return null;
  return renderCard(await res.text());
}
