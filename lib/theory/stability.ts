/**
 * Convergence of the SD dynamics and the critical learning rate (docs/theory.md §4).
 *
 * - Deterministic edge (b = N): −1 < β < 1 and 0 < αλ_max < 2(1 + β).
 * - Mini-batch: the SD loss converges iff Ũ(1) < 1, Ũ(1) taken from its closed form on the
 *   α-interval where it is finite and increasing (below the deterministic edge and the pole of the
 *   top mode's denominator).
 *   Why (derived here): det(I − zM) = Π_k S_k(z)·(1 − Ũ(z)) for the whole 3N×3N SD operator M
 *   (matrix determinant lemma). For τ ≤ 1 the map M sends per-mode PSD 2×2 blocks [[C, J], [J, P]]
 *   to PSD blocks (deterministic heavy-ball part, plus the forcing γa_k²[(1 − τ)C_k + Σ_{l≠k}C_l] ≥ 0
 *   times [[1, 1], [1, 1]]), so its spectral radius is itself a positive eigenvalue (Krein–Rutman) and,
 *   as α grows from 0, stability is lost exactly where det(I − M) = 0 first, i.e. at Ũ(1) = 1.
 *   (A single A_k may even be unstable on its own — e.g. τ = 1, γ = 1, β = 0, αλ_k ∈ (1, 2) — without
 *   M being unstable: the pole of Ũ cancels the zero of S_k.) For τ ≤ 1 and γ > 0, Ũ(1) reaches 1
 *   before the deterministic edge (for 0 < τ ≤ 1 its top-mode term alone is 1/τ ≥ 1 at the edge; for
 *   τ ≤ 0 it has a pole at or before the edge), so the cap below never binds; at γ = 0 the cap is the
 *   exact edge. (Perron–Frobenius for cone-preserving maps: Birkhoff–Vandergraft / Krein–Rutman.)
 *   For τ > 1 (M not positive) the criterion (docs/theory.md §4) is NOT exact in general: measured on
 *   N = 12, λ_k = k^(−1.5), the spectral radius of M reaches 1 at α = 2.1686 where the capped
 *   α_crit is 2.0 (β = 0, b = 6, τ = 2: SD converges past the deterministic edge), and at α = 0.948
 *   where α_crit = 1.295 (β = 0, b = 1, τ = 2). Results for τ > 1 carry `proven: false`.
 * - α_crit(β): the first α with Ũ(1) = 1, found by bisection (with safeguarded Newton steps)
 *   on (0, α_hi), capped by the deterministic edge 2(1 + β)/λ_max. α_hi is the smaller of that
 *   edge and the pole of Ũ(1) where the top mode's S_k(1) reaches 0 (before the edge only when
 *   γτ < 0); if Ũ(1) ≤ 1 at the edge, α_crit is the edge.
 * - β → 1: α_crit ≃ 2(1 − β)/(γλ_c) with Σ_k λ_k/(τλ_k + λ_c) = 1 ("effective dimension").
 * - Small α: α_eff,crit ≈ 2/(γ Σ_k λ_k), α_eff = α/(1 − β).
 */
import type { Spectrum } from "../types.ts";
import type { SdParams } from "./params.ts";
import { uTildeDerivAlphaRaw, uTildeRaw } from "./atOne.ts";
import {
  lambdaMax,
  requireEigenvalues,
  requireFinite,
  requireNonNegative,
  requireOpenInterval,
  requireSdParams,
  requireSpectrum,
} from "./validate.ts";

/** Deterministic edge of the learning rate: α < 2(1 + β)/λ_max (docs/theory.md §4). */
export function deterministicEdge(lambdaMaxValue: number, beta: number): number {
  requireFinite("lambdaMax", lambdaMaxValue);
  if (!(lambdaMaxValue > 0)) throw new RangeError(`lambdaMax must be > 0, got ${lambdaMaxValue}`);
  requireOpenInterval("beta", beta, -1, 1);
  return (2 * (1 + beta)) / lambdaMaxValue;
}

export interface Verdict {
  readonly converges: boolean;
  /**
   * which condition decided: "converges", "deterministic edge" (αλ_max ≥ 2(1 + β)),
   * "U(1) >= 1" (incl. past its pole)
   */
  readonly reason: "converges" | "deterministic edge" | "U(1) >= 1";
  /** Ũ(1) from the closed form (+Infinity at or past the pole of a mode's denominator) */
  readonly uTilde: number;
  /** true when the criterion is exact by the positivity argument (τ ≤ 1, or γ = 0); see the header */
  readonly proven: boolean;
}

/**
 * Converge/diverge verdict for the SD loss (docs/theory.md §4): converges iff 0 < αλ_max < 2(1 + β), every
 * denominator (1 − β)(2(1 + β) − a_k) + γτa_k(1 + β) > 0, and Ũ(1) < 1. Exact for τ ≤ 1 or γ = 0.
 */
export function verdict(spectrum: Spectrum, p: SdParams): Verdict {
  requireSpectrum(spectrum);
  requireSdParams(p);
  return verdictOf(spectrum.lambda, p);
}

/** Same as verdict, from the eigenvalues alone. */
export function verdictOf(lambda: Float64Array, p: SdParams): Verdict {
  requireEigenvalues("lambda", lambda);
  requireSdParams(p);
  const { alpha, beta, gamma, tau } = p;
  const proven = tau <= 1 || gamma === 0;
  const lmax = lambdaMax(lambda);
  if (!(alpha * lmax < 2 * (1 + beta)))
    return {
      converges: false,
      reason: "deterministic edge",
      uTilde: uTildeRaw(lambda, alpha, beta, gamma, tau),
      proven,
    };
  const u = uTildeRaw(lambda, alpha, beta, gamma, tau);
  return u < 1
    ? { converges: true, reason: "converges", uTilde: u, proven }
    : { converges: false, reason: "U(1) >= 1", uTilde: u, proven };
}

export interface AlphaCrit {
  /** the critical learning rate α_crit(β) */
  readonly alpha: number;
  /** "noise": Ũ(1) = 1 there; "edge": capped by the deterministic edge 2(1 + β)/λ_max */
  readonly bound: "noise" | "edge";
  /** true when exact by the positivity argument (τ ≤ 1, or γ = 0); see the header */
  readonly proven: boolean;
}

/** α_crit(β) with which bound is active (docs/theory.md §4). */
export function alphaCritInfo(lambda: Float64Array, beta: number, gamma: number, tau: number): AlphaCrit {
  requireEigenvalues("lambda", lambda);
  requireOpenInterval("beta", beta, -1, 1);
  requireNonNegative("gamma", gamma);
  requireFinite("tau", tau);
  return alphaCritRaw(lambda, lambdaMax(lambda), beta, gamma, tau);
}

/** α_crit(β): first α with Ũ(1) = 1, capped by the deterministic edge (docs/theory.md §4). */
export function alphaCrit(lambda: Float64Array, beta: number, gamma: number, tau: number): number {
  return alphaCritInfo(lambda, beta, gamma, tau).alpha;
}

/** The whole curve α_crit(β) over the given momenta. */
export function alphaCritCurve(lambda: Float64Array, betas: Float64Array, gamma: number, tau: number): Float64Array {
  requireEigenvalues("lambda", lambda);
  requireNonNegative("gamma", gamma);
  requireFinite("tau", tau);
  for (let i = 0; i < betas.length; i++) requireOpenInterval(`betas[${i}]`, betas[i], -1, 1);
  const lmax = lambdaMax(lambda);
  const out = new Float64Array(betas.length);
  for (let i = 0; i < betas.length; i++) out[i] = alphaCritRaw(lambda, lmax, betas[i], gamma, tau).alpha;
  return out;
}

function alphaCritRaw(lambda: Float64Array, lmax: number, beta: number, gamma: number, tau: number): AlphaCrit {
  if (!(lmax > 0)) throw new RangeError("lambda must have a positive eigenvalue");
  const edge = (2 * (1 + beta)) / lmax;
  if (gamma === 0) return { alpha: edge, bound: "edge", proven: true };
  const proven = tau <= 1;
  const hi = uTildeDomainEnd(lmax, beta, gamma, tau);
  if (hi === edge && uTildeRaw(lambda, edge, beta, gamma, tau) <= 1) return { alpha: edge, bound: "edge", proven };
  return { alpha: solveIncreasing(lambda, beta, gamma, tau, 1, hi), bound: "noise", proven };
}

/**
 * End of the α-interval on which Ũ(1; α) is the (finite, increasing) sum of its series: the smaller
 * of the deterministic edge 2(1 + β)/λ_max and the pole 2(1 − β²)/(λ_max(1 − β − γτ(1 + β))) where the
 * top mode's S_k(1) reaches 0 (the pole comes first only when γτ < 0).
 */
function uTildeDomainEnd(lmax: number, beta: number, gamma: number, tau: number): number {
  const edge = (2 * (1 + beta)) / lmax;
  const d = gamma * tau * (1 + beta) - (1 - beta);
  const pole = d < 0 ? (2 * (1 - beta * beta)) / (-d * lmax) : Infinity;
  return Math.min(edge, pole);
}

/**
 * The α ∈ (0, hi) with Ũ(1; α) = target, Ũ increasing from 0: bisection with safeguarded Newton steps
 * (Numerical Recipes' rtsafe rule), to ~1e-15 relative.
 */
function solveIncreasing(
  lambda: Float64Array,
  beta: number,
  gamma: number,
  tau: number,
  target: number,
  hi: number,
): number {
  let lo = 0;
  let sumL = 0;
  for (let k = 0; k < lambda.length; k++) sumL += lambda[k];
  let x = Math.min((2 * target * (1 - beta)) / (gamma * sumL), 0.5 * hi); // small-α line as the first guess
  let dxOld = hi - lo;
  for (let iter = 0; iter < 300; iter++) {
    const f = uTildeRaw(lambda, x, beta, gamma, tau) - target;
    if (f === 0) return x;
    if (f > 0) hi = x;
    else lo = x;
    const fp = uTildeDerivAlphaRaw(lambda, x, beta, gamma, tau);
    let xn = Number.isFinite(f) && Number.isFinite(fp) && fp > 0 ? x - f / fp : NaN;
    if (!(xn > lo && xn < hi) || Math.abs(2 * (xn - x)) > Math.abs(dxOld)) xn = 0.5 * (lo + hi); // bisection step
    dxOld = xn - x;
    if (Math.abs(xn - x) <= 1e-15 * xn || hi - lo <= 2e-16 * hi) return xn;
    x = xn;
  }
  return x;
}

/**
 * The learning rate α at which Ũ(1) reaches a target value in (0, Ũ(1; α_hi)) at momentum β (the exact
 * inverse of the closed form; e.g. the optimal-Ũ(1) predictions of docs/theory.md §7). RangeError if the
 * target is not reached before the deterministic edge.
 */
export function alphaForUTilde(lambda: Float64Array, beta: number, gamma: number, tau: number, target: number): number {
  requireEigenvalues("lambda", lambda);
  requireOpenInterval("beta", beta, -1, 1);
  if (!(gamma > 0) || !Number.isFinite(gamma)) throw new RangeError(`gamma must be a finite number > 0, got ${gamma}`);
  requireFinite("tau", tau);
  if (!(target > 0) || !Number.isFinite(target))
    throw new RangeError(`target must be a finite number > 0, got ${target}`);
  const lmax = lambdaMax(lambda);
  if (!(lmax > 0)) throw new RangeError("lambda must have a positive eigenvalue");
  const hi = uTildeDomainEnd(lmax, beta, gamma, tau);
  if (hi === (2 * (1 + beta)) / lmax && !(uTildeRaw(lambda, hi, beta, gamma, tau) > target)) {
    throw new RangeError(`target = ${target} is not reached below the deterministic edge α = ${hi}`);
  }
  return solveIncreasing(lambda, beta, gamma, tau, target, hi);
}

/**
 * λ_c from Σ_k λ_k/(τλ_k + λ_c) = 1 (docs/theory.md §4), by bisection on λ_c > max(0, −τλ_max), where the
 * left side decreases from +∞ (or N/τ for τ > 0) to 0. Requires τ < N when τ > 0 (else no root).
 */
export function lambdaC(lambda: Float64Array, tau: number): number {
  requireEigenvalues("lambda", lambda);
  requireFinite("tau", tau);
  const lmax = lambdaMax(lambda);
  if (!(lmax > 0)) throw new RangeError("lambda must have a positive eigenvalue");
  let nPos = 0,
    sumL = 0;
  for (let k = 0; k < lambda.length; k++) {
    if (lambda[k] > 0) nPos++;
    sumL += lambda[k];
  }
  if (tau > 0 && !(nPos / tau > 1))
    throw new RangeError(`tau must be < ${nPos} (the number of positive eigenvalues) for λ_c to exist, got ${tau}`);
  const g = (lc: number): number => {
    let s = 0;
    for (let k = 0; k < lambda.length; k++) s += lambda[k] / (tau * lambda[k] + lc);
    return s;
  };
  let lo = Math.max(0, -tau * lmax);
  let hi = lo + sumL; // g(hi) ≤ Σλ/(hi − max(0, −τλ_max)) = 1
  for (let iter = 0; iter < 200 && hi - lo > 1e-16 * hi; iter++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (g(mid) > 1) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** β → 1 asymptote of the critical learning rate: α_crit ≃ 2(1 − β)/(γλ_c) (docs/theory.md §4). */
export function alphaCritHighMomentum(lambda: Float64Array, beta: number, gamma: number, tau: number): number {
  requireOpenInterval("beta", beta, -1, 1);
  if (!(gamma > 0) || !Number.isFinite(gamma)) throw new RangeError(`gamma must be a finite number > 0, got ${gamma}`);
  return (2 * (1 - beta)) / (gamma * lambdaC(lambda, tau));
}

/** Small-α line: α_eff,crit ≈ 2/(γ Σ_k λ_k) (docs/theory.md §4). */
export function alphaEffCritSmall(lambda: Float64Array, gamma: number): number {
  requireEigenvalues("lambda", lambda);
  if (!(gamma > 0) || !Number.isFinite(gamma)) throw new RangeError(`gamma must be a finite number > 0, got ${gamma}`);
  let s = 0;
  for (let k = 0; k < lambda.length; k++) s += lambda[k];
  return 2 / (gamma * s);
}

/** The small-α line in (α, β): α_crit ≈ (1 − β)·2/(γ Σ_k λ_k). */
export function alphaCritSmall(lambda: Float64Array, beta: number, gamma: number): number {
  requireOpenInterval("beta", beta, -1, 1);
  return (1 - beta) * alphaEffCritSmall(lambda, gamma);
}
