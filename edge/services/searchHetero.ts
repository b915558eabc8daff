/**
 * The heterogeneous search of the server (the Python market's `HeteroSearcher` role): table
 * learnwares whose columns differ from the user's are compared through the shared feature
 * space of `core/hetero` (column descriptions → concepts; MMD on the shared columns plus
 * coverage penalties). The hetero market is built per listing state from the learnwares'
 * semantic `Input` descriptions and their table specs, so it follows every upload.
 */
import { HeteroMarket, type HeteroSearchResult, type InputDescription } from "../../core/hetero/heteroSearch.ts";
import type { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";
import type { Ctx } from "../context.ts";
import type { SearchRow } from "./listing.ts";
import { tableSpecsOf } from "./specIndex.ts";

/** Per rows array of a listing (a new one after each patch): its hetero market. */
const markets = new WeakMap<readonly SearchRow[], Promise<HeteroMarket>>();

/**
 * The user's `Input` when it qualifies for a heterogeneous search, by the Python
 * `HeteroSearcher.check_user_info` rule: Task Classification or Regression, and
 * `Input.Dimension` and the number of `Input.Description` entries both equal the spec's
 * columns. Otherwise null.
 */
export function heteroUserInput(semantic: unknown, spec: RKMETableSpecification): InputDescription | null {
  if (semantic === null || typeof semantic !== "object") return null;
  const s = semantic as Record<string, { Values?: unknown; Dimension?: unknown; Description?: unknown } | undefined>;
  const task = s.Task?.Values;
  if (!Array.isArray(task) || task.length !== 1 || (task[0] !== "Classification" && task[0] !== "Regression")) return null;
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

async function marketOf(ctx: Ctx, rows: readonly SearchRow[]): Promise<HeteroMarket> {
  let p = markets.get(rows);
  if (!p) {
    p = (async () => {
      const specs = await tableSpecsOf(
        ctx.db,
        rows.map((r) => r.versionId),
      );
      const market = new HeteroMarket();
      for (const r of rows) {
        const spec = specs.get(r.versionId);
        if (!spec) continue;
        const input = learnwareInput(r.model.semantic, spec);
        if (input) await market.add(r.model.id, spec, input);
      }
      return market;
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
  return market.search(user, input, { candidates: pool.map((p) => p.id) });
}
