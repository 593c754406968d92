/**
 * A problem from a kernel matrix and a residual (docs/theory.md §1, "real data"): K is rescaled so that
 * λ_max(K) = N (K̂ = K/λ_max), the residual is standardised to mean 0 and unbiased std 1 (each
 * switchable off), then the symmetric eigendecomposition K̂ = Σ λ_k u_k u_kᵀ gives C_k = (u_kᵀ d_0)².
 */
import type { DenseProblem } from "../types.ts";
import { eigh } from "../linalg/eigh.ts";
import { meanStd } from "../data/dataset.ts";

export interface KernelProblemOptions {
  /** rescale K so that λ_max(K) = N (default true); when false K̂ = K/N as given */
  readonly rescale?: boolean;
  /** standardise the residual (default true) */
  readonly standardize?: boolean;
  /** relative asymmetry max|K_ij − K_ji| / max|K| allowed (default 1e-8); K is then symmetrised */
  readonly symmetryTolerance?: number;
}

export function kernelProblem(
  K: Float64Array,
  residual: Float64Array,
  options: KernelProblemOptions = {},
): DenseProblem {
  const N = residual.length;
  if (N < 2) throw new RangeError(`residual must have at least 2 entries, got ${N}`);
  if (K.length !== N * N)
    throw new RangeError(`kernel must be ${N}×${N} to match the residual (length ${N}), got ${K.length} entries`);
  let scale = 0;
  for (let i = 0; i < K.length; i++) {
    if (!Number.isFinite(K[i]))
      throw new RangeError(`kernel has a non-finite entry at (${Math.floor(i / N)}, ${i % N}): ${K[i]}`);
    scale = Math.max(scale, Math.abs(K[i]));
  }
  for (let i = 0; i < N; i++)
    if (!Number.isFinite(residual[i])) throw new RangeError(`residual has a non-finite entry at ${i}: ${residual[i]}`);
  if (scale === 0) throw new RangeError("kernel is identically zero");
  const tol = options.symmetryTolerance ?? 1e-8;
  const khat = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = i; j < N; j++) {
      const a = K[i * N + j];
      const b = K[j * N + i];
      if (Math.abs(a - b) > tol * scale)
        throw new RangeError(`kernel is not symmetric: K[${i}][${j}] = ${a} but K[${j}][${i}] = ${b}`);
      khat[i * N + j] = khat[j * N + i] = (0.5 * (a + b)) / N;
    }
  }
  const { values, vectors } = eigh(khat, N, { vectors: true });
  if (!vectors) throw new Error("eigh returned no eigenvectors");
  const top = values[0];
  if (!(top > 0)) throw new RangeError(`kernel has no positive eigenvalue (λ_max = ${top})`);
  const factor = options.rescale === false ? 1 : 1 / top;
  if (factor !== 1) {
    for (let i = 0; i < khat.length; i++) khat[i] *= factor;
    for (let k = 0; k < N; k++) values[k] *= factor;
  }
  const d0 = options.standardize === false ? Float64Array.from(residual) : standardize(residual);
  const c0 = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    let s = 0;
    for (let i = 0; i < N; i++) s += vectors[i * N + k] * d0[i];
    c0[k] = s * s;
  }
  return { N, lambda: values, c0, khat, d0, vectors };
}

/** (x − mean)/std with the unbiased (N − 1) standard deviation, as the reference code. */
export function standardize(x: Float64Array): Float64Array {
  const n = x.length;
  const { mean, std } = meanStd(x);
  if (!(std > 0)) throw new RangeError("residual is constant: cannot standardise (use standardize: false)");
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i] - mean) / std;
  return out;
}
