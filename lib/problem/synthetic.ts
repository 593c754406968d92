/**
 * Synthetic power-law problem (docs/theory.md §1): λ_k = λ_min + (1 − λ_min)·k^(−ν) for k = 1..N (λ_1 = 1;
 * λ_min = 0 by default, the reference's `lambda_min`), optionally floored: λ_k ← max(λ_k, λ_floor);
 * coefficients coef_k = k^(−(κ+1)/2) normalised to unit norm, so C_k(0) = k^(−κ−1)/Σ_j j^(−κ−1)
 * and L(0) = 1/(2N). The dense form uses a seeded Haar-random orthogonal U: K = N·U diag(λ) Uᵀ with
 * eigenvectors the columns of U, and d_0 = U·coef (the reference: U transposed; docs/theory.md §9.1).
 * The source exponent is ζ = κ/ν.
 */
import type { DenseProblem, Spectrum } from "../types.ts";
import { haarOrthogonal } from "../linalg/haarOrthogonal.ts";
import type { DenseKernels } from "../linalg/types.ts";
import { denseKernels } from "../linalg/kernels.ts";

export interface SyntheticParams {
  readonly N: number;
  readonly nu: number;
  readonly kappa: number;
  /** the reference's lift: λ_k = λ_min + (1 − λ_min)·k^(−ν), in [0, 1] (0 = none) */
  readonly lambdaMin?: number;
  /** eigenvalues below this are raised to it, in [0, 1] (0 = none) */
  readonly lambdaFloor?: number;
  readonly seed?: number;
}

function check({ N, nu, kappa, lambdaMin = 0, lambdaFloor = 0 }: SyntheticParams): void {
  if (!Number.isInteger(N) || N < 2) throw new RangeError(`N must be an integer ≥ 2, got ${N}`);
  if (!(Number.isFinite(nu) && nu > 0)) throw new RangeError(`nu must be a finite number > 0, got ${nu}`);
  if (!(Number.isFinite(kappa) && kappa > -1)) throw new RangeError(`kappa must be a finite number > −1, got ${kappa}`);
  if (!(Number.isFinite(lambdaMin) && lambdaMin >= 0 && lambdaMin <= 1))
    throw new RangeError(`lambdaMin must be in [0, 1], got ${lambdaMin}`);
  if (!(Number.isFinite(lambdaFloor) && lambdaFloor >= 0 && lambdaFloor <= 1))
    throw new RangeError(`lambdaFloor must be in [0, 1], got ${lambdaFloor}`);
}

/** The spectrum and initial eigencomponents only: O(N), no randomness (C_k(0) does not depend on U). */
export function syntheticSpectrum(params: SyntheticParams): Spectrum {
  check(params);
  const { N, nu, kappa, lambdaMin = 0, lambdaFloor = 0 } = params;
  const lambda = new Float64Array(N);
  const c0 = new Float64Array(N);
  let total = 0;
  for (let k = 1; k <= N; k++) {
    lambda[k - 1] = Math.max(lambdaMin + (1 - lambdaMin) * Math.pow(k, -nu), lambdaFloor);
    c0[k - 1] = Math.pow(k, -kappa - 1);
    total += c0[k - 1];
  }
  for (let k = 0; k < N; k++) c0[k] /= total;
  return { N, lambda, c0 };
}

/** The dense problem: K̂ = U diag(λ) Uᵀ with a Haar U seeded by `seed` (default 0), d_0 = U·coef. O(N³). */
export function syntheticDense(params: SyntheticParams, kernels: DenseKernels = denseKernels()): DenseProblem {
  const { N, lambda, c0 } = syntheticSpectrum(params);
  const U = haarOrthogonal(N, params.seed ?? 0);
  // B = U·diag(√λ) so that K̂ = B·Bᵀ (a syrk), exactly symmetric
  const B = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) B[i * N + k] = U[i * N + k] * Math.sqrt(lambda[k]);
  const khat = new Float64Array(N * N);
  kernels.syrk(false, N, N, 1, B, 0, khat);
  const d0 = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += U[i * N + k] * Math.sqrt(c0[k]);
    d0[i] = s;
  }
  return { N, lambda, c0, khat, d0, vectors: U };
}
