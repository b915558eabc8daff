import { semanticOptions } from "../../core/semantic/config.ts";
import { REQUESTS } from "../../client/requests.ts";
import type { App, Ctx } from "../context.ts";
import { isAdmin } from "../auth/tokens.ts";
import { LearnwareError } from "../errors.ts";
import { defineRoute } from "../http/route.ts";
import { latestRuntimes, modelView } from "../services/catalog.ts";
import { searchMarket } from "../services/market.ts";
import { explainSearch } from "../services/searchFit.ts";
import { unknownMethodWarning } from "../../core/search/statSearch.ts";

export function searchRoutes(app: App, ctx: Ctx): void {
  defineRoute(
    app,
    ctx,
    {
      method: "post",
      path: "/v1/search",
      tags: ["market"],
      summary: "Search learnwares by semantic spec and optionally an RKME stat spec",
      auth: "read",
      body: REQUESTS.search,
    },
    async (c, { body, principal }) => {
      const codes = { usable: 1, pending: 0, invalid: -1 } as const;
      const statuses = (body.statuses ?? ["usable"]).map((s) => codes[s]);
      if (statuses.some((s) => s !== 1) && !isAdmin(principal)) {
        throw new LearnwareError("FORBIDDEN", "Only admins may search learnwares that are not usable", { field: "statuses" });
      }
      if (body.exact === true && body.approximate) {
        throw new LearnwareError("BAD_REQUEST", "exact: true and approximate: true contradict each other; send one of them", { field: "approximate" });
      }
      const t0 = performance.now();
      const r = await searchMarket(ctx, {
        semantic: body.semantic,
        stat: body.stat,
        statuses,
        maxSearchNum: body.maxSearchNum,
        method: body.method as "greedy" | "auto" | "none",
        searcher: body.searcher,
        approximate: body.approximate,
        hetero: body.hetero,
        principal,
        indexThreshold: ctx.config.indexThreshold,
        indexTopN: ctx.config.indexTopN,
        page: { offset: body.offset, limit: body.limit },
      });
      const page = r.singlesTotal !== undefined ? r.single : r.single.slice(body.offset, body.offset + body.limit);
      // Beside the market's relative scores: an absolute fit per item, mixture members' contributions, warnings.
      const methodWarning = unknownMethodWarning(body.method);
      if (methodWarning) ctx.log(`search: ${methodWarning}`);
      // (Hetero answers bring theirs, measured in the shared space where they were ranked.)
      const fit = r.path === "hetero" ? (r.fit ?? null) : await explainSearch(ctx, body.stat, { single: page, multiple: r.multiple });
      const fitOf = new Map(fit?.single.map((f) => [f.id, f.fit]) ?? []);
      const lw = (id: string) => {
        const m = r.models.get(id);
        return m ? modelView(m) : null;
      };
      // Which results the Python client's load_learnware can run (ONNX and JS packages have no __init__.py).
      const runtimes = await latestRuntimes(ctx.db.db, [...new Set([...page.map((s) => s.id), ...(r.multiple?.ids ?? [])])]);
      const runtime = (id: string) => {
        const kind = runtimes.get(id) ?? "python";
        return { runtime: kind, pythonLoadable: kind === "python" };
      };
      return c.json({
        single: {
          items: page.map((s) => ({
            id: s.id,
            score: s.score,
            dist: s.dist,
            // Hetero answers: for each learnware column, the user column that feeds it (−1: none).
            ...("columnMap" in s ? { columnMap: s.columnMap } : {}),
            learnware: lw(s.id),
            ...runtime(s.id),
            fit: fitOf.get(s.id) ?? null,
          })),
          total: r.singlesTotal ?? r.single.length,
          limit: body.limit,
          offset: body.offset,
        },
        multiple:
          r.multiple === null
            ? null
            : {
                ids: r.multiple.ids,
                weights: r.multiple.weights,
                score: r.multiple.score,
                dist: r.multiple.dist,
                learnwares: r.multiple.ids.map(lw),
                runtimes: r.multiple.ids.map((id) => runtime(id)),
                fit: fit?.mixture ? { overlap: fit.mixture.overlap, band: fit.mixture.band } : null,
                members: fit?.mixture?.members ?? null,
                // Hetero mixtures: per member, for each of its columns the user column that feeds it (−1: none).
                ...("columnMaps" in r.multiple ? { columnMaps: r.multiple.columnMaps } : {}),
              },
        warnings: [...(methodWarning ? [{ code: "UNKNOWN_SEARCH_METHOD", message: methodWarning }] : []), ...(fit?.warnings ?? [])],
        ...(fit ? { legend: fit.legend } : {}),
        path: r.path,
        ...(r.ranked !== undefined ? { ranked: r.ranked } : {}),
        tookMs: Math.round((performance.now() - t0) * 100) / 100,
      });
    },
  );

  defineRoute(
    app,
    ctx,
    { method: "get", path: "/v1/semantic-options", tags: ["market"], summary: "The allowed semantic-spec values per key", auth: "public" },
    (c) => c.json({ options: semanticOptions() }),
  );
}
