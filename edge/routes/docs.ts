/** The OpenAPI 3.1 document at `/openapi.json`, Swagger UI rendering it at `/docs`, a plain list at `/docs/plain`. */
import { SwaggerUI } from "@hono/swagger-ui";
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

/**
 * `/docs`: Swagger UI (the maintained viewer, from npm's `swagger-ui-dist`, served offline from
 * the page's build under `/vendor/swagger-ui-dist/`) rendering `/openapi.json`: request and
 * response bodies, examples, try-it-out. No inline script (the page's CSP forbids them): the
 * initialiser is `/docs/init.js`. Without JavaScript the plain reference shows (`/docs/plain`).
 */
export function swaggerPage(doc: Doc): string {
  const body = SwaggerUI({
    url: "/openapi.json",
    baseUrl: "/vendor",
    manuallySwaggerUIHtml: (asset) =>
      `<div id="swagger-ui"></div>${asset.css.map((u) => `<link rel="stylesheet" href="${esc(u)}">`).join("")}${asset.js
        .map((u) => `<script src="${esc(u)}"></script>`)
        .join("")}<script src="/docs/init.js"></script>`,
  });
  const plain = renderReference(doc);
  const list = plain.slice(plain.indexOf("<body>") + 6, plain.lastIndexOf("</body>"));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>API reference — learnware market &amp; model registry</title><link rel="icon" href="data:,"></head><body>${body}<noscript>${list}</noscript></body></html>`;
}

const INIT_JS = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, docExpansion: "list", defaultModelRendering: "example", tryItOutEnabled: false, persistAuthorization: false });\n`;

export function docRoutes(app: App, ctx: Ctx): void {
  let cached: unknown = null;
  const doc = () => (cached ??= openApiDocument(app, ctx));
  app.get("/openapi.json", (c) => c.json(doc() as object));
  app.get("/docs", (c) => c.html(swaggerPage(doc() as Doc)));
  app.get("/docs/init.js", (c) => c.body(INIT_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" }));
  app.get("/docs/plain", (c) => c.html(renderReference(doc() as Doc)));
}
