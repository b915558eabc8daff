/**
 * The heterogeneous search of the server (the Python market's `HeteroSearcher`): every table
 * learnware's RKME is mapped into the market's shared space (`core/hetero/heteroSpace.ts`:
 * one coordinate per feature concept of the column descriptions), the user's RKME is mapped
 * too, and the market's statistical search runs over the mapped specs — singles and a
 * mixture, each with the column maps reuse needs. The hetero market is built per listing
 * state from the learnwares' semantic `Input` descriptions and their table specs, so it
 * follows every upload. Which user column feeds which concept: the learned map
 * (`core/hetero/learnedMap.ts`, retrained on those learnwares each time) when it trained
 * (two learnwares share a described column), otherwise the description method
 * (`FeatureSpace` lookup).
 */
import { HeteroMarket, type InputDescription } from "../../core/hetero/heteroSearch.ts";
import { type ColumnProfile, columnProfiles, LearnedHeteroMap, type MappedEntry } from "../../core/hetero/learnedMap.ts";
import { feedsFromConcepts, HeteroSpace, type HeteroSpaceResult, searchHeteroSpace, type SpaceEntry } from "../../core/hetero/heteroSpace.ts";
import type { MixtureMethod } from "../../core/search/statSearch.ts";
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
  /** The shared space and every learnware's place in it (its columns' concepts). */
  space: HeteroSpace;
  spaceEntries: Map<string, SpaceEntry>;
  /** Per concept, its columns' profiles in the market's learnwares (what the learned map scores a user column against). */
  members: Map<number, ColumnProfile[]>;
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
      const spaceEntries = new Map<string, SpaceEntry>();
      const members = new Map<number, ColumnProfile[]>();
      for (const r of rows) {
        const spec = specs.get(r.versionId);
        if (!spec) continue;
        const input = learnwareInput(r.model.semantic, spec);
        if (!input) continue;
        const { concepts } = await description.add(r.model.id, spec, input);
        const profiles = columnProfiles(spec, inputDescriptions(input, spec.dim));
        entries.set(r.model.id, { id: r.model.id, spec, profiles });
        spaceEntries.set(r.model.id, { id: r.model.id, spec, concepts });
        concepts.forEach((c, j) => {
          const list = members.get(c);
          if (list) list.push(profiles[j]!);
          else members.set(c, [profiles[j]!]);
        });
      }
      const map = new LearnedHeteroMap();
      // Pairs grow with the square of the market's columns: train on at most 200 learnwares.
      map.train([...entries.values()].slice(0, 200).map((e) => e.profiles));
      return { description, map, entries, space: new HeteroSpace(spaceEntries.values()), spaceEntries, members };
    })();
    markets.set(rows, p);
    p.catch(() => markets.delete(rows));
  }
  return p;
}

/**
 * The hetero search over `pool` (the semantic matches, in market order) of the listing
 * `rows`: singles and a mixture (`maxSearchNum`, `method` as the homogeneous search's).
 */
export async function searchHeteroMarket(
  ctx: Ctx,
  rows: readonly SearchRow[],
  pool: readonly { id: string }[],
  user: RKMETableSpecification,
  input: InputDescription,
  options: { maxSearchNum?: number; method?: MixtureMethod } = {},
): Promise<HeteroSpaceResult> {
  const market = await marketOf(ctx, rows);
  const feeds = market.map.trained
    ? market.map.feeds(market.members, columnProfiles(user, inputDescriptions(input, user.dim)))
    : feedsFromConcepts(await market.description.userConcepts(user, input));
  const candidates = pool.flatMap((p) => {
    const e = market.spaceEntries.get(p.id);
    return e ? [e] : [];
  });
  return searchHeteroSpace(market.space, candidates, { spec: user, feeds }, options);
}
