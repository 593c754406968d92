/**
 * The two-layer ReLU network of docs/theory.md §2.1 in NTK parametrisation, float64, no tfjs:
 *
 *   f(x) = (1/√H) · w₂ · ReLU(z(x)),   z(x) = (1/√d) · W₁ x + b₁,
 *
 * W₁ ∈ R^{H×d} (row-major), b₁ ∈ R^H, w₂ ∈ R^H (one output, no output bias), every entry N(0, 1).
 * Initialisation draws, from `new Rng(seed)` (lib/random/rng.ts), W₁ row by row, then b₁, then w₂.
 *
 * Also the shared dense pieces: the first-layer pre-activations Z = X W₁ᵀ/√d + 1 b₁ᵀ (N×H) and the
 * augmented input Gram matrix Ĝ = X Xᵀ/d + 1 1ᵀ (N×N), which is the first-layer kernel Σ(x, x') of the
 * NTK and the matrix through which every first-layer update reaches the pre-activations
 * (lib/regimes/network.ts). Dense products go through `denseKernels()` (WASM SIMD, float64).
 */
import { denseKernels } from "../linalg/kernels.ts";
import type { DenseKernels } from "../linalg/types.ts";
import { Rng } from "../random/rng.ts";

/** Inputs X (N×d row-major) and scalar targets y (length N), already standardised. */
export interface Regression {
  readonly N: number;
  readonly d: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export interface NetworkParams {
  readonly d: number;
  readonly H: number;
  /** H×d row-major */
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
}

export const DEFAULT_HIDDEN = 1000;

export function checkRegression(data: Regression): void {
  const { N, d, x, y } = data;
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`N must be an integer ≥ 1, got ${N}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`input dimension d must be an integer ≥ 1, got ${d}`);
  if (x.length !== N * d) throw new RangeError(`inputs must have N·d = ${N}·${d} = ${N * d} entries, got ${x.length}`);
  if (y.length !== N) throw new RangeError(`targets must have N = ${N} entries, got ${y.length}`);
}

/**
 * The generator seed of the initial network of an experiment with seed `seed` (0 ≤ seed < 2³¹): 2⁵² + seed.
 * Batch streams are `replicateSeed(seed, r) = seed·2²¹ + r < 2⁵²` (lib/regimes/linearized.ts), so the
 * weights never come from the same xoshiro stream as any run's batches.
 */
export function networkInitSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 31)
    throw new RangeError(`seed must be an integer in [0, 2^31), got ${seed}`);
  return 2 ** 52 + seed;
}

/** A freshly initialised network: all weights and biases N(0, 1), drawn from `new Rng(seed)` as W₁, b₁, w₂. */
export function initNetwork(d: number, H: number, seed: number): NetworkParams {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`input dimension must be an integer ≥ 1, got ${d}`);
  if (!Number.isInteger(H) || H < 1) throw new RangeError(`hidden width must be an integer ≥ 1, got ${H}`);
  const rng = new Rng(seed);
  const w1 = rng.normals(H * d);
  const b1 = rng.normals(H);
  const w2 = rng.normals(H);
  return { d, H, w1, b1, w2 };
}

export function cloneParams(p: NetworkParams): NetworkParams {
  return { d: p.d, H: p.H, w1: p.w1.slice(), b1: p.b1.slice(), w2: p.w2.slice() };
}

/** Z = X W₁ᵀ/√d + 1 b₁ᵀ, N×H row-major (one GEMM, N·d·H multiply-adds). */
export function preActivations(
  params: NetworkParams,
  x: Float64Array,
  N: number,
  kernels: DenseKernels = denseKernels(),
  into?: Float64Array,
): Float64Array {
  const { d, H, w1, b1 } = params;
  if (x.length !== N * d) throw new RangeError(`inputs must have N·d = ${N * d} entries, got ${x.length}`);
  const Z = into ?? new Float64Array(N * H);
  if (Z.length !== N * H) throw new RangeError(`output buffer must have N·H = ${N * H} entries, got ${Z.length}`);
  for (let n = 0; n < N; n++) Z.set(b1, n * H);
  kernels.gemm(false, true, N, H, d, 1 / Math.sqrt(d), x, w1, 1, Z);
  return Z;
}

/** f_n = (1/√H) Σ_h w₂[h]·ReLU(Z[n, h]) for every row of Z (N×H). */
export function outputsFromPreActivations(Z: Float64Array, w2: Float64Array, N: number, H: number): Float64Array {
  const f = new Float64Array(N);
  const s = 1 / Math.sqrt(H);
  for (let n = 0; n < N; n++) {
    const o = n * H;
    let acc = 0;
    for (let h = 0; h < H; h++) {
      const z = Z[o + h];
      acc += (z + Math.abs(z)) * w2[h]; // 2·ReLU(z), exactly and without a branch
    }
    f[n] = 0.5 * acc * s;
  }
  return f;
}

/** The plain float64 forward pass f(X) (N·d·H for the GEMM). */
export function forward(
  params: NetworkParams,
  x: Float64Array,
  N: number,
  kernels: DenseKernels = denseKernels(),
): Float64Array {
  return outputsFromPreActivations(preActivations(params, x, N, kernels), params.w2, N, params.H);
}

/** L = ½·mean((f − y)²) = ‖f − y‖²/(2N). */
export function halfMse(f: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const r = f[i] - y[i];
    s += r * r;
  }
  return s / (2 * y.length);
}

/** Ĝ = X Xᵀ/d + 1 1ᵀ (N×N, exactly symmetric): the first-layer kernel Σ(x, x') with σ_w = σ_b = 1. */
export function augmentedGram(
  x: Float64Array,
  N: number,
  d: number,
  kernels: DenseKernels = denseKernels(),
): Float64Array {
  if (x.length !== N * d) throw new RangeError(`inputs must have N·d = ${N * d} entries, got ${x.length}`);
  const G = new Float64Array(N * N).fill(1);
  kernels.syrk(false, N, d, 1 / d, x, 1, G);
  return G;
}
