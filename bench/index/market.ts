/**
 * Procedural synthetic markets for the index benchmark: every spec is a pure function of
 * (market seed, learnware number), so a market of a million specs never needs to sit in
 * memory — the re-rank "fetches from storage" by regenerating the candidates by id.
 *
 * The distribution is clustered the way a real market is: `T` tasks (T grows as √n, so a
 * task holds √n·c learnwares), each task a region of the d=20 space with three sub-modes;
 * a learnware is one data owner's slice of a task: its own mix of the modes, a shift and a
 * scale. A spec is K = 100 reduced points with positive weights summing to one and γ = 0.1.
 * Users are drawn by the same process with other seeds; one in five mixes two tasks (the
 * case mixture search exists for).
 */
import { createRng, type Rng } from "../../core/random.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";

export const K = 100, D = 20, GAMMA = 0.1;

export interface MarketShape {
  n: number;
  seed: number;
  tasks: number;
}

export function marketShape(n: number, seed = 7): MarketShape {
  return { n, seed, tasks: Math.max(10, Math.round(Math.sqrt(n))) };
}

function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Task centre and sub-modes (3×d) of task t. */
function taskModes(shape: MarketShape, t: number): Float64Array {
  const rng = createRng(hash(shape.seed, 1, t));
  const modes = new Float64Array(3 * D);
  const centre = new Float64Array(D);
  for (let k = 0; k < D; k++) centre[k] = 3 * rng.normal();
  for (let m = 0; m < 3; m++) for (let k = 0; k < D; k++) modes[m * D + k] = centre[k]! + 1.2 * rng.normal();
  return modes;
}

const modeCache = new Map<number, Float64Array[]>();
function modesOf(shape: MarketShape, t: number): Float64Array {
  let byTask = modeCache.get(shape.seed);
  if (!byTask) modeCache.set(shape.seed, (byTask = []));
  return (byTask[t] ??= taskModes(shape, t));
}

/** Writes one learnware-like point set drawn from `tasks` (K×D) into z and beta. */
function drawSpec(rng: Rng, shape: MarketShape, tasks: readonly number[], z: Float64Array, beta: Float64Array): void {
  const shift = new Float64Array(D);
  for (let k = 0; k < D; k++) shift[k] = 0.4 * rng.normal();
  const scale = 0.5 + 0.5 * rng.next();
  // Mixture weights over (task, mode) pairs: a random Dirichlet(1)-like draw.
  const w: number[] = [];
  let ws = 0;
  for (let i = 0; i < 3 * tasks.length; i++) {
    const v = -Math.log(1 - rng.next());
    w.push(v);
    ws += v;
  }
  let bs = 0;
  for (let i = 0; i < K; i++) {
    let u = rng.next() * ws, c = 0;
    while (c < w.length - 1 && u > w[c]!) u -= w[c++]!;
    const modes = modesOf(shape, tasks[Math.floor(c / 3)]!);
    const m = c % 3;
    for (let k = 0; k < D; k++) z[i * D + k] = modes[m * D + k]! + shift[k]! + scale * rng.normal();
    beta[i] = 0.5 + rng.next();
    bs += beta[i]!;
  }
  for (let i = 0; i < K; i++) beta[i] = beta[i]! / bs;
}

/** The id of learnware number i. */
export function idOf(i: number): string {
  return `lw-${i}`;
}

export function numberOf(id: string): number {
  return Number(id.slice(3));
}

/** Learnware number i of the market (regenerated identically on every call). */
export function marketSpec(shape: MarketShape, i: number): RKMETableSpecification {
  const rng = createRng(hash(shape.seed, 2, i));
  const z = new Float64Array(K * D), beta = new Float64Array(K);
  drawSpec(rng, shape, [taskOf(shape, i)], z, beta);
  return new RKMETableSpecification({ rows: K, cols: D, data: z }, beta, GAMMA, 1000);
}

/** User spec number u (not in the market); every fifth one mixes two tasks. */
export function userSpec(shape: MarketShape, u: number): RKMETableSpecification {
  const rng = createRng(hash(shape.seed, 4, u));
  const z = new Float64Array(K * D), beta = new Float64Array(K);
  drawSpec(rng, shape, userTasks(shape, u), z, beta);
  return new RKMETableSpecification({ rows: K, cols: D, data: z }, beta, GAMMA, 5000);
}

/** Task of learnware number i. */
export function taskOf(shape: MarketShape, i: number): number {
  return hash(shape.seed, 3, i) % shape.tasks;
}

/** Tasks user u draws from. */
export function userTasks(shape: MarketShape, u: number): number[] {
  const t1 = hash(shape.seed, 5, u) % shape.tasks;
  return u % 5 === 4 ? [t1, hash(shape.seed, 6, u) % shape.tasks] : [t1];
}
