/**
 * Synthetic inputs (no file, no package): x_i ~ N(0, I_d) i.i.d. (d = `inputDim`, default 16) and the target
 * y_i = g(x_i) of a fixed random two-layer ReLU "teacher" network in the same NTK parametrisation as the trained
 * one (lib/model/network.ts; width 100, every weight and bias N(0, 1)), standardised over the N points
 * (unbiased std). Everything comes from `new Rng(seed)` (seed 42 by default): first the N·d inputs row by row,
 * then the teacher's W₁, b₁, w₂. The inputs are already standard and are used as drawn.
 */
import { Rng } from "../random/rng.ts";
import { forward } from "../model/network.ts";
import { DEFAULT_DATA_SEED, DataError, meanStd, type Dataset } from "./dataset.ts";

export const GAUSSIAN_DEFAULT_DIM = 16;
export const GAUSSIAN_TEACHER_WIDTH = 100;

export interface GaussianOptions {
  readonly N: number;
  /** input dimension d (default 16) */
  readonly inputDim?: number;
  readonly seed?: number;
}

export function loadGaussian(options: GaussianOptions): Dataset {
  const N = options.N;
  const d = options.inputDim ?? GAUSSIAN_DEFAULT_DIM;
  const seed = options.seed ?? DEFAULT_DATA_SEED;
  if (!Number.isInteger(N) || N < 2) throw new DataError(`gaussian: N must be an integer ≥ 2, got ${N}`);
  if (!Number.isInteger(d) || d < 1) throw new DataError(`gaussian: input_dim must be an integer ≥ 1, got ${d}`);
  const rng = new Rng(seed);
  const x = rng.normals(N * d);
  const H = GAUSSIAN_TEACHER_WIDTH;
  const teacher = { d, H, w1: rng.normals(H * d), b1: rng.normals(H), w2: rng.normals(H) };
  const raw = forward(teacher, x, N);
  const { mean, std } = meanStd(raw);
  if (!(std > 0))
    throw new DataError(
      `gaussian: the teacher's outputs are constant on the ${N} points: cannot standardise the target`,
    );
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) y[i] = (raw[i] - mean) / std;
  const indices = new Int32Array(N);
  for (let i = 0; i < N; i++) indices[i] = i;
  return {
    name: "gaussian",
    source: `gaussian(d=${d}, teacher width ${H}, seed ${seed})`,
    N,
    d,
    x,
    y,
    indices,
    rawTargets: raw,
    info: { seed, inputDim: d, teacherWidth: H, targetMean: mean, targetStd: std },
  };
}
