/** `lw search`: the combined search over a file-based market (or a server, with --server). */
import { parseArgs } from "node:util";
import { search, type SearchResult } from "../../core/search/search.ts";
import type { SemanticSpec } from "../../core/semantic/types.ts";
import { CliError } from "../errors.ts";
import { readAnyStatSpec, readJson, readStatSpec } from "../files.ts";
import { textSpecFromFile } from "../textSpec.ts";
import { loadMarket } from "../market.ts";
import { MarketClient } from "../client.ts";

export const searchHelp = `lw search --market <market.json | folder of zips> [--spec user_stat.json] [--semantic user_semantic.json] [--max 5] [--method greedy|auto|none] [--searcher fuzzy|exact] [--json]
lw search --server URL … [--approximate]  (the same options, searched on a market server — its exact answer, every single; --approximate asks for the index path; LW_SERVER, --token/LW_TOKEN)
lw search --server URL --texts texts.txt [--text-model DIR]  (a text search: your texts embedded here with the local model folder, LW_TEXT_MODEL; only the spec is sent)`;

export async function searchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      market: { type: "string", short: "m" },
      spec: { type: "string" },
      semantic: { type: "string" },
      max: { type: "string" },
      method: { type: "string" },
      searcher: { type: "string" },
      json: { type: "boolean" },
      server: { type: "string" },
      token: { type: "string" },
      approximate: { type: "boolean" },
      texts: { type: "string" },
      "text-model": { type: "string" },
    },
  });
  if (!values.market && !values.server) throw new CliError(`search needs --market or --server. Usage:\n${searchHelp}`);
  if (!values.spec && !values.semantic && !values.texts) throw new CliError("search needs --spec, --texts and/or --semantic (the user's requirement)");
  if (values.spec && values.texts) throw new CliError("search takes --spec or --texts, not both");
  if (values.texts && !values.server) throw new CliError("--texts searches a market server (--server or LW_SERVER)");
  const max = values.max === undefined ? 5 : Number(values.max);
  if (!Number.isInteger(max) || max < 1) throw new CliError(`--max must be a positive integer, got "${values.max}"`);
  const method = values.method ?? "greedy";
  if (method !== "greedy" && method !== "auto" && method !== "none") throw new CliError(`--method must be greedy, auto or none, got "${method}"`);
  const searcher = values.searcher ?? "fuzzy";
  if (searcher !== "fuzzy" && searcher !== "exact") throw new CliError(`--searcher must be fuzzy or exact, got "${searcher}"`);
  if (values.server) {
    const client = new MarketClient(values);
    type Page = { single: { items: { id: string; score: number; dist: number | null }[]; total: number }; multiple: SearchResult["multiple"] };
    // Any registered spec type goes to the server as its file says (the server loads it by type).
    const stat = values.texts ? (await textSpecFromFile(values.texts, values["text-model"])).toJSON() : values.spec ? readAnyStatSpec(values.spec) : undefined;
    const body = {
      ...(stat !== undefined ? { stat } : {}),
      ...(values.semantic ? { semantic: readJson(values.semantic, "semantic spec") } : {}),
      ...(values.approximate ? { approximate: true } : {}),
      maxSearchNum: Math.min(max, 20),
      method,
      searcher,
      limit: 500,
    };
    // Every page of singles (the server's answer keeps every single the market's rules keep).
    const r = await client.json<Page>("POST", "/v1/search", { json: { ...body, offset: 0 } });
    while (r.single.items.length < r.single.total) {
      const next = await client.json<Page>("POST", "/v1/search", { json: { ...body, offset: r.single.items.length } });
      if (next.single.items.length === 0) break;
      r.single.items.push(...next.single.items);
    }
    const result = {
      single: r.single.items.map((x) => ({ id: x.id, score: x.score, dist: x.dist })),
      multiple: r.multiple && { ids: r.multiple.ids, weights: r.multiple.weights, score: r.multiple.score, dist: r.multiple.dist },
    } as SearchResult;
    process.stdout.write(values.json ? JSON.stringify(result, null, 2) + "\n" : formatResult(result));
    return 0;
  }
  const market = loadMarket(values.market!);
  const user = {
    stat: values.spec ? readStatSpec(values.spec) : undefined,
    semantic: values.semantic ? (readJson(values.semantic, "semantic spec") as SemanticSpec) : undefined,
  };
  const result = search({ user, market, maxSearchNum: max, method, searcher });
  process.stdout.write(values.json ? JSON.stringify(result, null, 2) + "\n" : formatResult(result));
  return 0;
}

export function formatResult(r: SearchResult): string {
  if (r.single.length === 0) return "No matching learnwares.\n";
  const w = Math.max(2, ...r.single.map((s) => s.id.length));
  const lines = [`${"id".padEnd(w)}  score     dist`];
  for (const s of r.single) lines.push(`${s.id.padEnd(w)}  ${s.score.toFixed(4)}  ${s.dist === null ? "-" : s.dist.toPrecision(6)}`);
  if (r.multiple) {
    lines.push("", `mixture (score ${r.multiple.score.toFixed(4)}, MMD² ${r.multiple.dist.toPrecision(6)}):`);
    r.multiple.ids.forEach((id, i) => lines.push(`  ${id.padEnd(w)}  weight ${r.multiple!.weights[i]!.toFixed(4)}`));
  }
  return lines.join("\n") + "\n";
}
