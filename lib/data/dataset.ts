/**
 * Regression data sets for the network and its NTK (docs/theory.md §1, "real data"): inputs X (N×d row-major,
 * float64) and one scalar target per point, both standardised, and a seeded subset of size N.
 *
 * Conventions (as the reference's datasets/get_data.py):
 *  - images (mnist, cifar10): global standardisation of the inputs (one mean and one unbiased std over
 *    every pixel of the whole source set) and of the targets (the class label as a number), both computed
 *    on the whole source set; then a stratified subset of N (class proportions kept), seed 42 by default;
 *  - tabular: a uniformly random subset of N rows (seed 42), then per-feature standardisation and target
 *    standardisation computed on that subset.
 * Every std is the unbiased one (n − 1), as torch's. Randomness: lib/random/rng.ts only.
 */
import { Rng } from "../random/rng.ts";
import type { Regression } from "../model/network.ts";

export interface Dataset extends Regression {
  /** short name: "mnist", "cifar10", "diamonds", or "tabular" */
  readonly name: string;
  /** where the data came from (package or file path) */
  readonly source: string;
  /** the rows of the source chosen, in the order of X */
  readonly indices: Int32Array;
  /** the target before standardisation (digit, label, or column value) */
  readonly rawTargets: Float64Array;
  /** feature names (tabular: after one-hot encoding) */
  readonly features?: readonly string[];
  /** anything else worth recording with the problem (standardisation constants, dropped columns, …) */
  readonly info: Readonly<Record<string, unknown>>;
}

export const DEFAULT_DATA_SEED = 42;

/** A data error that names the data set or file and the problem. */
export class DataError extends Error {
  override readonly name = "DataError";
}

export function checkSubsetSize(what: string, N: number, available: number): void {
  if (!Number.isInteger(N) || N < 2) throw new DataError(`${what}: N must be an integer ≥ 2, got ${N}`);
  if (N > available) throw new DataError(`${what}: N = ${N} is larger than the ${available} points available`);
}

/**
 * A stratified random subset of size N: class c gets n_c = ⌊N·m_c/M⌋ points plus one for the classes with
 * the largest remainders (ties: the larger class, then the smaller label), its members drawn uniformly
 * without replacement, and the union shuffled. Deterministic in `seed`.
 */
export function stratifiedSubset(labels: ArrayLike<number>, N: number, seed: number): Int32Array {
  const M = labels.length;
  const classes = new Map<number, number[]>();
  for (let i = 0; i < M; i++) {
    const c = labels[i];
    let list = classes.get(c);
    if (!list) {
      list = [];
      classes.set(c, list);
    }
    list.push(i);
  }
  const keys = [...classes.keys()].sort((a, b) => a - b);
  const counts = keys.map((k) => Math.floor((N * classes.get(k)!.length) / M));
  let left = N - counts.reduce((a, b) => a + b, 0);
  const order = keys
    .map((_k, j) => j)
    .sort((a, b) => {
      const ra = (N * classes.get(keys[a])!.length) / M - counts[a];
      const rb = (N * classes.get(keys[b])!.length) / M - counts[b];
      return rb - ra || classes.get(keys[b])!.length - classes.get(keys[a])!.length || keys[a] - keys[b];
    });
  for (const j of order) {
    if (left === 0) break;
    if (counts[j] < classes.get(keys[j])!.length) {
      counts[j]++;
      left--;
    }
  }
  const rng = new Rng(seed);
  const out = new Int32Array(N);
  let o = 0;
  keys.forEach((k, j) => {
    const members = Int32Array.from(classes.get(k)!);
    const pick = new Int32Array(counts[j]);
    rng.sampleWithoutReplacement(members, counts[j], pick);
    out.set(pick, o);
    o += counts[j];
  });
  shuffle(out, rng);
  return out;
}

/** N distinct row indices out of M, uniformly at random (seeded), in random order. */
export function randomSubset(M: number, N: number, seed: number): Int32Array {
  const perm = new Int32Array(M);
  for (let i = 0; i < M; i++) perm[i] = i;
  const out = new Int32Array(N);
  new Rng(seed).sampleWithoutReplacement(perm, N, out);
  return out;
}

function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Mean and unbiased standard deviation. */
export function meanStd(x: ArrayLike<number>): { mean: number; std: number } {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i] - m) ** 2;
  return { mean: m, std: Math.sqrt(ss / (n - 1)) };
}

/** (x − mean)/std in place. */
export function standardizeInPlace(x: Float64Array, mean: number, std: number): Float64Array {
  const inv = 1 / std;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) * inv;
  return x;
}
