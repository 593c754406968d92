/**
 * Neural tangent kernels of the two-layer ReLU network of docs/theory.md §2.1 (lib/model/network.ts),
 * all in float64 through the project's dense kernels (no tfjs).
 *
 * Empirical NTK at the current parameters, layer-wise closed form. With z = W₁x/√d + b₁,
 *   ∂f/∂w₂[h] = ReLU(z_h)/√H,   ∂f/∂b₁[h] = w₂[h]·1[z_h > 0]/√H,   ∂f/∂W₁[h,:] = w₂[h]·1[z_h > 0]·xᵀ/√(Hd),
 * so K(x, x') = Σ_θ ∂f(x)/∂θ · ∂f(x')/∂θ is
 *   K = (1/H)·[ A Aᵀ + (S Sᵀ) ⊙ Ĝ ],   A = ReLU(Z),  S = 1[Z > 0]·diag(w₂),  Ĝ = X Xᵀ/d + 1 1ᵀ,
 * two N×N×H symmetric products (SYRK) plus one N×N×d for Ĝ. (ReLU′(0) is taken as 0, as PyTorch.)
 *
 * Analytic infinite-width NTK (σ_w = σ_b = 1; Jacot et al. 2018, arc-cosine kernels of Cho & Saul 2009):
 * Σ = Ĝ, θ_ij = arccos(Σ_ij/√(Σ_ii Σ_jj)),
 *   K∞_ij = Σ_ij·(π − θ_ij)/(2π) + √(Σ_ii Σ_jj)·(sin θ_ij + (π − θ_ij) cos θ_ij)/(2π)
 * (E over w₂ ~ N(0,1) of w₂² is 1). The empirical NTK at initialisation converges to it as H → ∞ with
 * fluctuations O(1/√H) (test/problem/ntk.test.ts). The reference code's NTK_2_layer omits the factor
 * √(Σ_ii Σ_jj) in the second term (exact only where Σ_ii = 1, which Σ = Ĝ ≥ 1 never gives):
 *   K_ref,ij = Σ_ij·(π − θ_ij)/(2π) + (sin θ_ij + (π − θ_ij) cos θ_ij)/(2π)      (formula 'reference'),
 * offered to reproduce its numbers (docs/reference-differences.md); 'exact' is the default.
 */
import { denseKernels } from "../linalg/kernels.ts";
import type { DenseKernels } from "../linalg/types.ts";
import type { NetworkParams } from "../model/network.ts";
import { augmentedGram, preActivations } from "../model/network.ts";

export interface NtkInputs {
  readonly N: number;
  readonly d: number;
  readonly x: Float64Array;
}

export interface NtkOptions {
  readonly kernels?: DenseKernels;
  /** Ĝ = XXᵀ/d + 11ᵀ if already computed (N×N) */
  readonly gram?: Float64Array;
  /** the pre-activations Z = XW₁ᵀ/√d + 1b₁ᵀ (N×H) if already computed; not modified */
  readonly z?: Float64Array;
}

/** The empirical NTK Gram matrix K (N×N, row-major, exactly symmetric) of the network at `params`. */
export function empiricalNtk(data: NtkInputs, params: NetworkParams, options: NtkOptions = {}): Float64Array {
  const { N, d, x } = data;
  const { H, w2 } = params;
  if (params.d !== d) throw new RangeError(`network input dimension ${params.d} does not match the data's ${d}`);
  const kernels = options.kernels ?? denseKernels();
  const Z = options.z ?? preActivations(params, x, N, kernels);
  if (Z.length !== N * H) throw new RangeError(`pre-activations must be N×H = ${N * H} entries, got ${Z.length}`);
  const G = options.gram ?? augmentedGram(x, N, d, kernels);
  if (G.length !== N * N) throw new RangeError(`Gram matrix must be N×N = ${N * N} entries, got ${G.length}`);
  const A = new Float64Array(N * H);
  const S = new Float64Array(N * H);
  for (let i = 0; i < N * H; i++) {
    const z = Z[i];
    if (z > 0) {
      A[i] = z;
      S[i] = w2[i % H];
    }
  }
  const K = new Float64Array(N * N);
  const K2 = new Float64Array(N * N);
  kernels.syrk(false, N, H, 1 / H, A, 0, K);
  kernels.syrk(false, N, H, 1 / H, S, 0, K2);
  for (let i = 0; i < N * N; i++) K[i] += K2[i] * G[i];
  return K;
}

/** 'exact': the infinite-width NTK; 'reference': the reference code's NTK_2_layer (no √(Σ_ii Σ_jj) factor). */
export type NtkFormula = "exact" | "reference";

/** The infinite-width ReLU NTK (σ_w = σ_b = 1) on the inputs (N×N, exactly symmetric). */
export function analyticNtk(
  data: NtkInputs,
  options: Pick<NtkOptions, "kernels" | "gram"> & { readonly formula?: NtkFormula } = {},
): Float64Array {
  const { N, d, x } = data;
  const formula = options.formula ?? "exact";
  if (formula !== "exact" && formula !== "reference")
    throw new RangeError(`formula must be "exact" or "reference", got ${String(formula)}`);
  const reference = formula === "reference";
  const G = options.gram ?? augmentedGram(x, N, d, options.kernels ?? denseKernels());
  const norm = new Float64Array(N);
  for (let i = 0; i < N; i++) norm[i] = Math.sqrt(G[i * N + i]);
  const K = new Float64Array(N * N);
  const inv2pi = 1 / (2 * Math.PI);
  for (let i = 0; i < N; i++) {
    // θ = 0: Σ_ii/2 + Σ_ii·π/(2π) (reference: Σ_ii/2 + π/(2π))
    K[i * N + i] = G[i * N + i] * 0.5 + (reference ? 1 : norm[i] * norm[i]) * 0.5;
    for (let j = 0; j < i; j++) {
      const s = G[i * N + j];
      const nn = norm[i] * norm[j];
      const c = Math.max(-1, Math.min(1, s / nn));
      const theta = Math.acos(c);
      const amp = reference ? 1 : nn;
      const v = (s * (Math.PI - theta) + amp * (Math.sqrt(1 - c * c) + (Math.PI - theta) * c)) * inv2pi;
      K[i * N + j] = v;
      K[j * N + i] = v;
    }
  }
  return K;
}

/**
 * The largest eigenvalue of a symmetric positive semi-definite N×N matrix by power iteration with the
 * Rayleigh quotient (a kernel's top eigenvalue is well separated, so this converges in a few dozen
 * O(N²) products). Stops when the quotient changes by less than tol (relative).
 */
export function topEigenvalue(K: Float64Array, N: number, options: { tol?: number; maxIter?: number } = {}): number {
  if (K.length !== N * N) throw new RangeError(`matrix must be N×N = ${N * N} entries, got ${K.length}`);
  const tol = options.tol ?? 1e-13;
  const maxIter = options.maxIter ?? 10_000;
  let v = new Float64Array(N).fill(1 / Math.sqrt(N));
  let w = new Float64Array(N);
  let rq = 0;
  for (let it = 0; it < maxIter; it++) {
    for (let i = 0; i < N; i++) {
      let s = 0;
      const o = i * N;
      for (let j = 0; j < N; j++) s += K[o + j] * v[j];
      w[i] = s;
    }
    let vw = 0,
      ww = 0;
    for (let i = 0; i < N; i++) {
      vw += v[i] * w[i];
      ww += w[i] * w[i];
    }
    const next = vw; // Rayleigh quotient (‖v‖ = 1)
    const nrm = Math.sqrt(ww);
    if (!(nrm > 0)) return 0;
    for (let i = 0; i < N; i++) w[i] /= nrm;
    [v, w] = [w, v];
    if (it > 2 && Math.abs(next - rq) <= tol * Math.abs(next)) return next;
    rq = next;
  }
  return rq;
}

/** ‖A − B‖_F / ‖B‖_F. */
export function relativeFrobenius(A: ArrayLike<number>, B: ArrayLike<number>): number {
  if (A.length !== B.length) throw new RangeError(`sizes differ: ${A.length} vs ${B.length}`);
  let num = 0,
    den = 0;
  for (let i = 0; i < A.length; i++) {
    num += (A[i] - B[i]) ** 2;
    den += B[i] ** 2;
  }
  return Math.sqrt(num / den);
}
