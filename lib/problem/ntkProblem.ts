/**
 * A kernel problem (DenseProblem, docs/theory.md §1) from a network on a data set:
 *   empirical: K = the empirical NTK of the initial network, d₀ = f₀(X) − y its initial residual;
 *   analytic:  K = the infinite-width ReLU NTK, d₀ = −y (the infinite-width mean network is f ≡ 0).
 * K is rescaled to λ_max = N (K̂ = K/λ_max(K), λ_1 = 1). The residual is NOT standardised: the linearized,
 * full and SD regimes then start from the network's own initial loss, so their curves and the network's
 * share one scale (the four-regime comparison; the reference does the same).
 * lr_scale = N/λ_max(K) is the factor the network's learning rate needs to match α of the kernel regimes.
 * Also the spectral summary docs/theory.md §5 fits: ν from λ_k, κ from the tail of C_k, ζ = κ/ν.
 */
import { fitKappa, fitNu, type FitOptions, type PowerLawFit } from "./fits.ts";
import { kernelProblem } from "./kernelProblem.ts";
import { analyticNtk, empiricalNtk, type NtkFormula } from "./ntk.ts";
import { denseKernels } from "../linalg/kernels.ts";
import type { DenseKernels } from "../linalg/types.ts";
import {
  augmentedGram,
  checkRegression,
  outputsFromPreActivations,
  preActivations,
  type NetworkParams,
  type Regression,
} from "../model/network.ts";
import type { DenseProblem } from "../types.ts";

export type NtkKind = "empirical" | "analytic";

export interface NetworkProblem {
  readonly problem: DenseProblem;
  readonly ntk: NtkKind;
  /** λ_max of the unscaled kernel K */
  readonly lambdaMax: number;
  /** N/λ_max(K) */
  readonly lrScale: number;
  /** the unscaled kernel (N×N), kept when options.keepKernel */
  readonly kernel?: Float64Array;
  /** the input Gram matrix Ĝ = XXᵀ/d + 11ᵀ (reusable by prepareNetwork) */
  readonly gram: Float64Array;
  /** initial pre-activations (empirical only; reusable by prepareNetwork) */
  readonly z0?: Float64Array;
}

export interface NetworkProblemOptions {
  readonly ntk?: NtkKind;
  /** analytic NTK: 'exact' (default) or the reference code's formula (lib/problem/ntk.ts) */
  readonly ntkFormula?: NtkFormula;
  readonly kernels?: DenseKernels;
  readonly keepKernel?: boolean;
}

/** The DenseProblem of a network's NTK and residual; params are required for the empirical NTK. */
export function networkProblem(
  data: Regression,
  params: NetworkParams | null,
  options: NetworkProblemOptions = {},
): NetworkProblem {
  checkRegression(data);
  const kind = options.ntk ?? "empirical";
  const kernels = options.kernels ?? denseKernels();
  const { N, d, x, y } = data;
  const gram = augmentedGram(x, N, d, kernels);
  let K: Float64Array;
  let d0: Float64Array;
  let z0: Float64Array | undefined;
  if (kind === "empirical") {
    if (!params) throw new RangeError("the empirical NTK needs the network's parameters");
    z0 = preActivations(params, x, N, kernels);
    K = empiricalNtk(data, params, { kernels, gram, z: z0 });
    const f0 = outputsFromPreActivations(z0, params.w2, N, params.H);
    d0 = new Float64Array(N);
    for (let i = 0; i < N; i++) d0[i] = f0[i] - y[i];
  } else if (kind === "analytic") {
    K = analyticNtk(data, { kernels, gram, formula: options.ntkFormula });
    d0 = new Float64Array(N);
    for (let i = 0; i < N; i++) d0[i] = -y[i];
  } else throw new RangeError(`ntk must be "empirical" or "analytic", got ${String(kind)}`);
  const problem = kernelProblem(K, d0, { rescale: true, standardize: false });
  // kernelProblem sets K̂ = K/λ_max(K), so λ_max(K) = K_00/K̂_00 (K_00 > 0: an NTK diagonal is positive).
  const lambdaMax = K[0] / problem.khat[0];
  return {
    problem,
    ntk: kind,
    lambdaMax,
    lrScale: N / lambdaMax,
    kernel: options.keepKernel ? K : undefined,
    gram,
    z0,
  };
}

export interface SpectrumSummary {
  readonly N: number;
  readonly nu: number;
  readonly nu_std: number;
  readonly kappa: number;
  readonly kappa_std: number;
  /** ζ = κ/ν */
  readonly zeta: number;
  readonly nu_window: readonly [number, number];
  readonly kappa_window: readonly [number, number];
  readonly nu_r2: number;
  readonly kappa_r2: number;
  /** λ_k at k = 1, 2, 5, 10, 20, 50, … ≤ N (log-spaced summary) */
  readonly lambda: ReadonlyArray<{ k: number; value: number }>;
  /** C_k(0) at the same k, and the initial loss Σ C_k/(2N) */
  readonly c: ReadonlyArray<{ k: number; value: number }>;
  readonly initial_loss: number;
  readonly lambda_sum: number;
}

/** Summary points k = 1, 2, 5, 10, 20, 50, … up to N (and N itself). */
export function summaryIndices(N: number): number[] {
  const ks: number[] = [];
  for (let dec = 1; dec <= N; dec *= 10) for (const m of [1, 2, 5]) if (m * dec <= N) ks.push(m * dec);
  if (ks[ks.length - 1] !== N) ks.push(N);
  return ks;
}

/** ν and κ fits (mean ± std over sub-windows, as the reference reports) and a λ_k, C_k summary. */
export function spectrumSummary(
  problem: Pick<DenseProblem, "N" | "lambda" | "c0">,
  options: { nu?: FitOptions; kappa?: FitOptions } = {},
): SpectrumSummary {
  const { N, lambda, c0 } = problem;
  const nuFit: PowerLawFit = fitNu(lambda, options.nu);
  const kappaFit: PowerLawFit = fitKappa(c0, options.kappa);
  const nu = nuFit.subMean;
  const kappa = kappaFit.subMean;
  let cs = 0,
    ls = 0;
  for (let k = 0; k < N; k++) {
    cs += c0[k];
    ls += lambda[k];
  }
  const ks = summaryIndices(N);
  return {
    N,
    nu,
    nu_std: nuFit.subStd,
    kappa,
    kappa_std: kappaFit.subStd,
    zeta: kappa / nu,
    nu_window: nuFit.window,
    kappa_window: kappaFit.window,
    nu_r2: nuFit.r2,
    kappa_r2: kappaFit.r2,
    lambda: ks.map((k) => ({ k, value: lambda[k - 1] })),
    c: ks.map((k) => ({ k, value: c0[k - 1] })),
    initial_loss: cs / (2 * N),
    lambda_sum: ls,
  };
}
