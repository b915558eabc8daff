/** `lw search`: the combined search over a file-based market (or a server, with --server). */
import { parseArgs } from "node:util";
import { search, type SearchResult } from "../../core/search/search.ts";
import type { SemanticSpec } from "../../core/semantic/types.ts";
import { CliError } from "../errors.ts";
import { readJson, readStatSpec } from "../files.ts";
import { loadMarket } from "../market.ts";
import { MarketClient } from "../client.ts";

export const searchHelp = `lw search --market <market.json | folder of zips> [--spec user_stat.json] [--semantic user_semantic.json] [--max 5] [--method greedy|auto|none] [--searcher fuzzy|exact] [--json]
lw search --server URL …  (the same options, searched on a market server; LW_SERVER, --token/LW_TOKEN)`;

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
    },
  });
  if (!values.market && !values.server) throw new CliError(`search needs --market or --server. Usage:\n${searchHelp}`);
  if (!values.spec && !values.semantic) throw new CliError("search needs --spec and/or --semantic (the user's requirement)");
  const max = values.max === undefined ? 5 : Number(values.max);
  if (!Number.isInteger(max) || max < 1) throw new CliError(`--max must be a positive integer, got "${values.max}"`);
  const method = values.method ?? "greedy";
  if (method !== "greedy" && method !== "auto" && method !== "none") throw new CliError(`--method must be greedy, auto or none, got "${method}"`);
  const searcher = values.searcher ?? "fuzzy";
  if (searcher !== "fuzzy" && searcher !== "exact") throw new CliError(`--searcher must be fuzzy or exact, got "${searcher}"`);
  if (values.server) {
    const client = new MarketClient(values);
    const r = await client.json<{ single: { items: { id: string; score: number; dist: number | null }[] }; multiple: SearchResult["multiple"] }>(
      "POST",
      "/v1/search",
      {
        json: {
          ...(values.spec ? { stat: readStatSpec(values.spec).toJSON() } : {}),
          ...(values.semantic ? { semantic: readJson(values.semantic, "semantic spec") } : {}),
          maxSearchNum: Math.min(max, 20),
          method,
          searcher,
          limit: 500,
        },
      },
    );
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
