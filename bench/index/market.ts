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
 *
 * The spec file (`writeSpecRecord` / `readSpecRecords`) is the benchmark's storage: one
 * fixed-size record per learnware (z as f32 — the generator's coordinates are f32 values —
 * then beta as f64), read back by position like a key-value store.
 */
import { openSync, readSync } from "node:fs";
import { createRng, type Rng } from "../../core/random.ts";
import { RKMETableSpecification } from "../../core/spec/rkmeTableSpec.ts";

export const K = 100,
  D = 20,
  GAMMA = 0.1;

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
    let u = rng.next() * ws,
      c = 0;
    while (c < w.length - 1 && u > w[c]!) u -= w[c++]!;
    const modes = modesOf(shape, tasks[Math.floor(c / 3)]!);
    const m = c % 3;
    // f32-representable coordinates: the benchmark's spec file stores z as f32 without loss.
    for (let k = 0; k < D; k++) z[i * D + k] = Math.fround(modes[m * D + k]! + shift[k]! + scale * rng.normal());
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
  const z = new Float64Array(K * D),
    beta = new Float64Array(K);
  drawSpec(rng, shape, [taskOf(shape, i)], z, beta);
  return new RKMETableSpecification({ rows: K, cols: D, data: z }, beta, GAMMA, 1000);
}

/** User spec number u (not in the market); every fifth one mixes two tasks. */
export function userSpec(shape: MarketShape, u: number): RKMETableSpecification {
  const rng = createRng(hash(shape.seed, 4, u));
  const z = new Float64Array(K * D),
    beta = new Float64Array(K);
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

/** Bytes of one stored spec: K×D f32 coordinates, then K f64 weights. */
export const RECORD_BYTES = K * D * 4 + K * 8;

/** Writes `spec` as a record into `out` (RECORD_BYTES long, 8-byte aligned offset). */
export function writeSpecRecord(spec: RKMETableSpecification, out: Uint8Array): void {
  new Float32Array(out.buffer, out.byteOffset, K * D).set(spec.z.data);
  new Float64Array(out.buffer, out.byteOffset + K * D * 4, K).set(spec.beta);
}

/** The spec stored in a record (exactly the generated one). */
export function readSpecRecord(rec: Uint8Array): RKMETableSpecification {
  const z = Float64Array.from(new Float32Array(rec.buffer, rec.byteOffset, K * D));
  const beta = new Float64Array(rec.buffer.slice(rec.byteOffset + K * D * 4, rec.byteOffset + RECORD_BYTES));
  return new RKMETableSpecification({ rows: K, cols: D, data: z }, beta, GAMMA, 1000);
}

/** Reads learnwares by number from a spec file: one positioned read per record. */
export function openSpecFile(path: string): (nums: readonly number[]) => RKMETableSpecification[] {
  const fd = openSync(path, "r");
  const rec = new Uint8Array(RECORD_BYTES);
  return (nums) =>
    nums.map((i) => {
      const got = readSync(fd, rec, 0, RECORD_BYTES, i * RECORD_BYTES);
      if (got !== RECORD_BYTES) throw new RangeError(`spec file ${path}: record ${i} is short (${got} bytes)`);
      return readSpecRecord(rec);
    });
}
