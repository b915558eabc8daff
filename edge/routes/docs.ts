/** The OpenAPI 3.1 document at `/openapi.json` and a rendered reference page at `/docs`. */
import type { App, Ctx } from "../context.ts";

const esc = (s: unknown) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

type Doc = {
  paths?: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        description?: string;
        tags?: string[];
        security?: unknown[];
        parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
        requestBody?: { content?: Record<string, { schema?: unknown }> };
      }
    >
  >;
};

export function openApiDocument(app: App, ctx: Ctx) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Learnware market and model registry",
      version: "1.0.0",
      description: `One catalogue for the learnware market (upload, check, search, download) and the model registry. Errors are \`{ "error": { "code", "message", "details"? } }\`. The Beimingwu-compatible API for the Python client is served under \`${ctx.config.compatPrefix || "/"}\`.`,
    },
    servers: [{ url: "/" }],
  });
}

export function renderReference(doc: Doc): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? "other";
      const params = (op.parameters ?? []).map((p) => `<code>${esc(p.name)}</code> <small>(${esc(p.in)}${p.required ? ", required" : ""})</small>`).join(", ");
      const body = op.requestBody?.content ? Object.keys(op.requestBody.content).map(esc).join(", ") : "";
      const auth = op.security && op.security.length > 0 ? "🔒 bearer" : "public";
      const row = `<tr><td><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span></td><td><code>${esc(path)}</code></td><td>${esc(op.summary)}${op.description ? `<br><small>${esc(op.description)}</small>` : ""}</td><td>${params}${body ? `<br>body: ${body}` : ""}</td><td>${auth}</td></tr>`;
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(row);
    }
  }
  const sections = [...byTag.entries()]
    .map(
      ([tag, rows]) =>
        `<h2 id="${esc(tag)}">${esc(tag)}</h2><table><tr><th></th><th>path</th><th>what</th><th>input</th><th>auth</th></tr>${rows.join("")}</table>`,
    )
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>API reference</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
code{font-size:13px}.m{font:bold 11px monospace;padding:2px 6px;border-radius:3px;color:#fff;background:#777}
.get{background:#2a7}.post{background:#27c}.put{background:#c80}.patch{background:#a5c}.delete{background:#c33}
</style></head><body><h1>Learnware market &amp; model registry — API reference</h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors: <code>{"error":{"code","message","details"}}</code>.</p>
<nav>${[...byTag.keys()].map((t) => `<a href="#${esc(t)}">${esc(t)}</a>`).join(" · ")}</nav>
${sections}</body></html>`;
}

export function docRoutes(app: App, ctx: Ctx): void {
  let cached: unknown = null;
  const doc = () => (cached ??= openApiDocument(app, ctx));
  app.get("/openapi.json", (c) => c.json(doc() as object));
  app.get("/docs", (c) => c.html(renderReference(doc() as Doc)));
}
