/** `lw search`: the combined search over a file-based market (or a server, with --server). */
import { parseArgs } from "node:util";
import { explainResult, LEGEND, type ResultExplanation } from "../../core/search/fit.ts";
import { search, type SearchResult } from "../../core/search/search.ts";
import { unknownMethodWarning } from "../../core/search/statSearch.ts";
import type { SemanticSpec } from "../../core/semantic/types.ts";
import { CliError } from "../errors.ts";
import type { BodyOf } from "../../client/requests.ts";
import { readAnyStatSpec, readJson, readJsonObject, readStatSpec } from "../files.ts";
import { textSpecFromFile } from "../textSpec.ts";
import { loadMarket } from "../market.ts";
import { MarketClient } from "../client.ts";
import { resolveServer } from "../config.ts";

export const searchHelp = `lw search --market <market.json | folder of zips> [--spec user_stat.json] [--semantic user_semantic.json] [--max 5] [--method greedy|auto|none] [--searcher fuzzy|exact] [--json]
lw search --server URL … [--approximate] [--hetero auto|on|off]  (the same options, searched on a market server — its exact answer, every single; --approximate asks for the index path; LW_SERVER, --token/LW_TOKEN)
lw search --server URL --texts texts.txt [--text-model DIR]  (a text search: your texts embedded here with the local model folder, LW_TEXT_MODEL; only the spec is sent)`;

/** The options that say where to search and what the user needs (`lw search`, `lw reuse`). */
export const requirementArgs = {
  market: { type: "string", short: "m" },
  spec: { type: "string" },
  semantic: { type: "string" },
  max: { type: "string" },
  method: { type: "string" },
} as const;

export async function searchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...requirementArgs,
      searcher: { type: "string" },
      json: { type: "boolean" },
      server: { type: "string" },
      token: { type: "string" },
      approximate: { type: "boolean" },
      texts: { type: "string" },
      "text-model": { type: "string" },
      hetero: { type: "string" },
    },
  });
  // A file market when --market is given; else the server of --server, LW_SERVER or `lw login`.
  const server = values.server ?? (values.market ? undefined : resolveServer(undefined));
  if (!values.market && !server) throw new CliError(`search needs --market or --server (or LW_SERVER, or lw login). Usage:\n${searchHelp}`);
  if (!values.spec && !values.semantic && !values.texts) throw new CliError("search needs --spec, --texts and/or --semantic (the user's requirement)");
  if (values.spec && values.texts) throw new CliError("search takes --spec or --texts, not both");
  if (values.texts && !server) throw new CliError("--texts searches a market server (--server or LW_SERVER)");
  const max = values.max === undefined ? 5 : Number(values.max);
  if (!Number.isInteger(max) || max < 1) throw new CliError(`--max must be a positive integer, got "${values.max}"`);
  const method = values.method ?? "greedy";
  // As the Python market: an unknown method is a warning and single results only, not an error.
  const methodWarning = unknownMethodWarning(method);
  if (methodWarning) process.stderr.write(`lw: warning: ${methodWarning}\n`);
  const searcher = values.searcher ?? "fuzzy";
  if (searcher !== "fuzzy" && searcher !== "exact") throw new CliError(`--searcher must be fuzzy or exact, got "${searcher}"`);
  const hetero = values.hetero;
  if (hetero !== undefined && hetero !== "auto" && hetero !== "on" && hetero !== "off") throw new CliError(`--hetero must be auto, on or off, got "${hetero}"`);
  if (values.hetero !== undefined && !server) throw new CliError("--hetero searches a market server (--server or LW_SERVER)");
  if (server) {
    const client = new MarketClient({ ...values, server });
    // Any registered spec type goes to the server as its file says (the server loads it by type).
    // Checked by loading it (readAnyStatSpec) or built here: the server's request schema takes it.
    const stat = (
      values.texts ? (await textSpecFromFile(values.texts, values["text-model"])).toJSON() : values.spec ? readAnyStatSpec(values.spec) : undefined
    ) as BodyOf<"search">["stat"];
    const body: BodyOf<"search"> = {
      ...(stat !== undefined ? { stat } : {}),
      ...(values.semantic ? { semantic: readJsonObject(values.semantic, "semantic spec") } : {}),
      ...(values.approximate ? { approximate: true } : {}),
      ...(hetero !== undefined ? { hetero } : {}),
      maxSearchNum: Math.min(max, 20),
      method,
      searcher,
      limit: 500,
    };
    // Every page of singles (the server's answer keeps every single the market's rules keep).
    const r = await client.call("search", { json: { ...body, offset: 0 } });
    while (r.single.items.length < r.single.total) {
      const next = await client.call("search", { json: { ...body, offset: r.single.items.length } });
      if (next.single.items.length === 0) break;
      r.single.items.push(...next.single.items);
    }
    // A heterogeneous answer keeps its column maps (what reusing it on the user's table needs).
    const result = {
      single: r.single.items.map((x) => ({ id: x.id, score: x.score, dist: x.dist, ...(x.columnMap ? { columnMap: x.columnMap } : {}) })),
      multiple: r.multiple && {
        ids: r.multiple.ids,
        weights: r.multiple.weights,
        score: r.multiple.score,
        dist: r.multiple.dist,
        ...(r.multiple.columnMaps ? { columnMaps: r.multiple.columnMaps } : {}),
      },
      ...(r.path === "hetero" ? { path: "hetero" } : {}),
    } as SearchResult;
    const names = new Map<string, string>();
    for (const x of r.single.items) if (x.learnware?.name) names.set(x.id, x.learnware.name);
    r.multiple?.ids.forEach((id, i) => {
      const n = r.multiple!.learnwares?.[i]?.name;
      if (n) names.set(id, n);
    });
    const explained: ResultExplanation | null = values.spec
      ? {
          single: r.single.items.map((x) => ({ id: x.id, fit: x.fit ?? null })),
          mixture: r.multiple?.fit && r.multiple.members ? { ...r.multiple.fit, members: r.multiple.members } : null,
          // The method warning went to stderr above; the spec's warnings are printed with the results.
          warnings: r.warnings.filter((w): w is ResultExplanation["warnings"][number] => w.code !== "UNKNOWN_SEARCH_METHOD"),
          legend: r.legend ?? LEGEND,
        }
      : null;
    return print(result, explained, names, values.json === true);
  }
  const market = loadMarket(values.market!);
  const user = {
    stat: values.spec ? readStatSpec(values.spec) : undefined,
    semantic: values.semantic ? (readJson(values.semantic, "semantic spec") as SemanticSpec) : undefined,
  };
  const result = search({ user, market, maxSearchNum: max, method, searcher });
  const specs = new Map(market.flatMap((m) => (m.stat ? [[m.id, m.stat] as const] : [])));
  const explained = user.stat ? explainResult(user.stat, result, (id) => specs.get(id)) : null;
  const names = new Map(market.flatMap((m) => (typeof m.semantic?.Name?.Values === "string" ? [[m.id, m.semantic.Name.Values] as const] : [])));
  return print(result, explained, names, values.json === true);
}

/**
 * The answer: JSON (the market's `single`/`multiple` fields first, unchanged, then `fit`,
 * `warnings` and `legend`), or tables with a header row, names, the absolute fit and a legend.
 */
function print(result: SearchResult, explained: ResultExplanation | null, names: Map<string, string>, json: boolean): number {
  if (json) {
    const out = {
      ...result,
      ...(explained ? { fit: { single: explained.single, mixture: explained.mixture }, warnings: explained.warnings, legend: explained.legend } : {}),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else process.stdout.write(formatResult(result, explained, names));
  for (const w of explained?.warnings ?? []) process.stderr.write(`lw: warning: ${w.message}\n`);
  return 0;
}

export function formatResult(r: SearchResult, explained: ResultExplanation | null = null, names: Map<string, string> = new Map()): string {
  if (r.single.length === 0) return "No matching learnwares.\n";
  const w = Math.max(2, ...r.single.map((s) => s.id.length), ...(r.multiple?.ids.map((id) => id.length) ?? []));
  const nw = Math.min(40, Math.max(4, ...[...names.values()].map((n) => n.length)));
  const name = (id: string) => (names.get(id) ?? "-").slice(0, nw).padEnd(nw);
  const fitOf = new Map(explained?.single.map((f) => [f.id, f.fit]) ?? []);
  const fitText = (id: string) => {
    const f = fitOf.get(id);
    return f ? `${f.overlap.toFixed(2)} ${f.band}` : "-";
  };
  const hetero = (r as { path?: string }).path === "hetero";
  const mapText = (m: number[] | undefined) => (m ? `  columns ← [${m.join(", ")}]` : "");
  const lines = [
    ...(hetero ? ["Heterogeneous answer (learnwares of other columns; columns ← [the user column feeding each learnware column, -1: imputed]):"] : []),
    `${"ID".padEnd(w)}  ${"NAME".padEnd(nw)}  SCORE   MMD²        FIT`,
  ];
  for (const s of r.single)
    lines.push(
      `${s.id.padEnd(w)}  ${name(s.id)}  ${s.score.toFixed(4)}  ${(s.dist === null ? "-" : s.dist.toPrecision(6)).padEnd(10)}  ${fitText(s.id)}${mapText((s as { columnMap?: number[] }).columnMap)}`,
    );
  if (r.multiple) {
    const mf = explained?.mixture;
    lines.push(
      "",
      `mixture: score ${r.multiple.score.toFixed(4)}, MMD² ${r.multiple.dist.toPrecision(6)}${mf ? `, fit ${mf.overlap.toFixed(2)} ${mf.band}` : ""}`,
      `  ${"ID".padEnd(w)}  ${"NAME".padEnd(nw)}  WEIGHT  CONTRIBUTION`,
    );
    r.multiple.ids.forEach((id, i) => {
      const m = mf?.members[i];
      const contribution = m ? `${(m.contribution * 100).toFixed(1)} %${m.negligible ? "  (negligible: its data barely meets yours)" : ""}` : "-";
      lines.push(
        `  ${id.padEnd(w)}  ${name(id)}  ${r.multiple!.weights[i]!.toFixed(4)}  ${contribution}${mapText((r.multiple as { columnMaps?: number[][] }).columnMaps?.[i])}`,
      );
    });
  }
  if (explained) lines.push("", explained.legend);
  return lines.join("\n") + "\n";
}
