/**
 * The heterogeneous search of the server (the Python market's `HeteroSearcher` role): table
 * learnwares whose columns differ from the user's are compared through the shared feature
 * space of `core/hetero` (column descriptions → concepts; MMD on the shared columns plus
 * coverage penalties). The hetero market is built per listing state from the learnwares'
 * semantic `Input` descriptions and their table specs, so it follows every upload: the
 * learned map (`core/hetero/learnedMap.ts`) is retrained on those learnwares each time and
 * answers when it trained (two learnwares share a described column); otherwise the
 * description method (`HeteroMarket`) answers.
 */
import { HeteroMarket, type HeteroSearchResult, type InputDescription } from "../../core/hetero/heteroSearch.ts";
import { columnProfiles, LearnedHeteroMap, type MappedEntry, searchWithMap } from "../../core/hetero/learnedMap.ts";
import { inputDescriptions } from "../../core/hetero/featureSpace.ts";
import type { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import type { Ctx } from "../context.ts";
import type { SearchRow } from "./listing.ts";
import { tableSpecsOf } from "./specIndex.ts";

/** Per rows array of a listing (a new one after each patch): its hetero market. */
const markets = new WeakMap<readonly SearchRow[], Promise<Hetero>>();

interface Hetero {
  description: HeteroMarket;
  map: LearnedHeteroMap;
  entries: Map<string, MappedEntry>;
}

/**
 * The user's `Input` when it qualifies for a heterogeneous search: `Input.Dimension` and the
 * number of `Input.Description` entries both equal the spec's columns, and — unless the
 * search was asked for (`requested`) — Task Classification or Regression (the Python
 * `HeteroSearcher.check_user_info` rule). Otherwise null.
 */
export function heteroUserInput(semantic: unknown, spec: RKMETableSpecification, requested = false): InputDescription | null {
  if (semantic === null || typeof semantic !== "object") return null;
  const s = semantic as Record<string, { Values?: unknown; Dimension?: unknown; Description?: unknown } | undefined>;
  const task = s.Task?.Values;
  if (!requested && (!Array.isArray(task) || task.length !== 1 || (task[0] !== "Classification" && task[0] !== "Regression"))) return null;
  const input = s.Input;
  if (!input || typeof input.Description !== "object" || input.Description === null) return null;
  const dim = Number.parseInt(String(input.Dimension), 10);
  const description = input.Description as Record<string, unknown>;
  if (dim !== spec.dim || Object.keys(description).length !== spec.dim) return null;
  if (!Object.values(description).every((v) => typeof v === "string")) return null;
  return { Dimension: dim, Description: description as Record<string, string> };
}

/** A learnware's `Input` as its semantic spec describes it, when it matches its spec. */
function learnwareInput(semantic: unknown, spec: RKMETableSpecification): InputDescription | null {
  const input = (semantic as { Input?: { Dimension?: unknown; Description?: unknown } } | null)?.Input;
  if (!input || typeof input.Description !== "object" || input.Description === null) return null;
  const dim = Number.parseInt(String(input.Dimension), 10);
  if (dim !== spec.dim) return null;
  const description: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.Description as Record<string, unknown>)) if (typeof v === "string") description[k] = v;
  return { Dimension: dim, Description: description };
}

async function marketOf(ctx: Ctx, rows: readonly SearchRow[]): Promise<Hetero> {
  let p = markets.get(rows);
  if (!p) {
    p = (async () => {
      const specs = await tableSpecsOf(
        ctx.db,
        rows.map((r) => r.versionId),
      );
      const description = new HeteroMarket();
      const entries = new Map<string, MappedEntry>();
      for (const r of rows) {
        const spec = specs.get(r.versionId);
        if (!spec) continue;
        const input = learnwareInput(r.model.semantic, spec);
        if (!input) continue;
        await description.add(r.model.id, spec, input);
        entries.set(r.model.id, { id: r.model.id, spec, profiles: columnProfiles(spec, inputDescriptions(input, spec.dim)) });
      }
      const map = new LearnedHeteroMap();
      // Pairs grow with the square of the market's columns: train on at most 200 learnwares.
      map.train([...entries.values()].slice(0, 200).map((e) => e.profiles));
      return { description, map, entries };
    })();
    markets.set(rows, p);
    p.catch(() => markets.delete(rows));
  }
  return p;
}

/** The hetero search over `pool` (the semantic matches, in market order) of the listing `rows`. */
export async function searchHeteroMarket(
  ctx: Ctx,
  rows: readonly SearchRow[],
  pool: readonly { id: string }[],
  user: RKMETableSpecification,
  input: InputDescription,
): Promise<HeteroSearchResult> {
  const market = await marketOf(ctx, rows);
  if (market.map.trained) {
    const pool2 = pool.flatMap((p) => {
      const e = market.entries.get(p.id);
      return e ? [e] : [];
    });
    return searchWithMap(market.map, pool2, { spec: user, profiles: columnProfiles(user, inputDescriptions(input, user.dim)) });
  }
  return market.description.search(user, input, { candidates: pool.map((p) => p.id) });
}
