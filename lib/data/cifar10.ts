/**
 * CIFAR-10 from the official binary version (https://www.cs.toronto.edu/~kriz/cifar.html, "CIFAR-10
 * binary version"), read from a user-supplied folder (nothing ships it; no download at run time).
 *
 * Format: data_batch_1.bin … data_batch_5.bin (training) and test_batch.bin, each a sequence of
 * 3073-byte records: 1 label byte (0–9), then 3072 pixel bytes — the 1024 red values of the 32×32 image
 * in row-major order, then the 1024 green, then the 1024 blue. (Inputs keep this channel-major order;
 * torchvision's HWC order is a permutation of the coordinates, which changes neither the NTK nor the
 * distribution of the network, so results agree.)
 * The training files found in the folder are used (all five normally), in numeric order; `files` picks
 * others (e.g. ["test_batch.bin"]).
 * Inputs: global standardisation over every pixel byte of every record read (exact, from a histogram);
 * target: the label as a number, standardised over every record read; then a stratified subset of N
 * (seed 42 by default), as the reference's get_image_dataset.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { DEFAULT_DATA_SEED, DataError, checkSubsetSize, stratifiedSubset, type Dataset } from "./dataset.ts";

export const CIFAR10_DIM = 3072;
export const CIFAR10_RECORD = 1 + CIFAR10_DIM;
export const CIFAR10_LABELS = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;

export interface Cifar10Options {
  /** folder holding data_batch_*.bin (e.g. the extracted cifar-10-batches-bin) */
  readonly dir: string;
  readonly N: number;
  readonly seed?: number;
  /** file names inside dir to read instead of the training batches */
  readonly files?: readonly string[];
}

/** Reads and validates CIFAR-10 binary batch files: labels and pixel bytes (records concatenated). */
export function readCifar10Files(paths: readonly string[]): {
  labels: Uint8Array;
  pixels: Uint8Array;
  counts: number[];
} {
  const parts: Buffer[] = [];
  const counts: number[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new DataError(`cifar10: ${path}: file not found`);
    const buf = readFileSync(path);
    if (buf.length === 0) throw new DataError(`cifar10: ${path}: the file is empty`);
    if (buf.length % CIFAR10_RECORD !== 0) {
      throw new DataError(
        `cifar10: ${path}: size ${buf.length} bytes is not a multiple of ${CIFAR10_RECORD} ` +
          "(1 label byte + 3072 pixel bytes per image): not a CIFAR-10 binary batch, or truncated",
      );
    }
    const n = buf.length / CIFAR10_RECORD;
    for (let r = 0; r < n; r++) {
      const label = buf[r * CIFAR10_RECORD];
      if (label > 9)
        throw new DataError(
          `cifar10: ${path}: record ${r} has label byte ${label}, expected 0–9 (is this the CIFAR-100 format?)`,
        );
    }
    parts.push(buf);
    counts.push(n);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const labels = new Uint8Array(total);
  const pixels = new Uint8Array(total * CIFAR10_DIM);
  let r0 = 0;
  for (let p = 0; p < parts.length; p++) {
    const buf = parts[p];
    for (let r = 0; r < counts[p]; r++) {
      const o = r * CIFAR10_RECORD;
      labels[r0 + r] = buf[o];
      pixels.set(buf.subarray(o + 1, o + CIFAR10_RECORD), (r0 + r) * CIFAR10_DIM);
    }
    r0 += counts[p];
  }
  return { labels, pixels, counts };
}

/** The training batch files in a folder, data_batch_1.bin … in numeric order. */
export function cifar10TrainingFiles(dir: string): string[] {
  const abs = resolvePath(dir);
  if (!existsSync(abs)) throw new DataError(`cifar10: folder not found: ${abs}`);
  if (!statSync(abs).isDirectory()) throw new DataError(`cifar10: not a folder: ${abs}`);
  const files = readdirSync(abs)
    .map((f) => /^data_batch_(\d+)\.bin$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(abs, m[0]));
  if (files.length === 0) {
    throw new DataError(
      `cifar10: no data_batch_*.bin in ${abs} ` +
        "(expected the CIFAR-10 binary version: data_batch_1.bin … data_batch_5.bin)",
    );
  }
  return files;
}

export function loadCifar10(options: Cifar10Options): Dataset {
  const dir = resolvePath(options.dir);
  const paths = options.files ? options.files.map((f) => resolvePath(dir, f)) : cifar10TrainingFiles(dir);
  const { labels, pixels } = readCifar10Files(paths);
  const M = labels.length;
  const N = options.N;
  checkSubsetSize(`cifar10 (${M} images in ${paths.length} file(s) of ${dir})`, N, M);
  const seed = options.seed ?? DEFAULT_DATA_SEED;
  // global mean and unbiased std of the pixel bytes, exactly from their histogram
  const hist = new Float64Array(256);
  for (let i = 0; i < pixels.length; i++) hist[pixels[i]]++;
  let s = 0;
  for (let v = 0; v < 256; v++) s += v * hist[v];
  const mean = s / pixels.length;
  let ss = 0;
  for (let v = 0; v < 256; v++) ss += hist[v] * (v - mean) ** 2;
  const std = Math.sqrt(ss / (pixels.length - 1));
  if (!(std > 0))
    throw new DataError(`cifar10: every pixel of ${paths.join(", ")} has the same value: cannot standardise`);
  let ls = 0;
  for (let i = 0; i < M; i++) ls += labels[i];
  const lMean = ls / M;
  let lss = 0;
  for (let i = 0; i < M; i++) lss += (labels[i] - lMean) ** 2;
  const lStd = Math.sqrt(lss / (M - 1));
  if (!(lStd > 0))
    throw new DataError(
      `cifar10: every image of ${paths.join(", ")} has label ${labels[0]}: cannot standardise the target`,
    );
  const indices = stratifiedSubset(labels, N, seed);
  const d = CIFAR10_DIM;
  const x = new Float64Array(N * d);
  const y = new Float64Array(N);
  const rawTargets = new Float64Array(N);
  const inv = 1 / std;
  for (let r = 0; r < N; r++) {
    const src = indices[r] * d;
    for (let k = 0; k < d; k++) x[r * d + k] = (pixels[src + k] - mean) * inv;
    rawTargets[r] = labels[indices[r]];
    y[r] = (labels[indices[r]] - lMean) / lStd;
  }
  return {
    name: "cifar10",
    source: paths.join(","),
    N,
    d,
    x,
    y,
    indices,
    rawTargets,
    info: {
      seed,
      total: M,
      files: paths,
      pixelMean: mean,
      pixelStd: std,
      targetMean: lMean,
      targetStd: lStd,
      stratified: true,
    },
  };
}
