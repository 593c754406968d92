/**
 * The generating functions at z = 1 in closed form (docs/theory.md §3):
 *   Ũ(1) = γ Σ_k a_k(1 + β) / [(1 − β)(2(1 + β) − a_k) + γτ a_k(1 + β)],
 *   Ṽ(1) = Σ_k C_k(0)·[(1 − β)(1 − β²) + 2αβλ_k] / S_k(1),
 *   S_k(1) = a_k[(1 − β)(2(1 + β) − a_k) + γτ a_k(1 + β)],   a_k = αλ_k.
 * Ũ(1) = Σ_{t≥1} u_t and Ṽ(1) = Σ_{t≥0} v_t = Σ_t σ_t at γ = 0. Small αλ (docs/theory.md §3):
 * Ũ(1) ≈ (γ/2)α_eff Σλ_k, Ṽ(1) ≈ Σ C_k(0)/(2α_eff λ_k), α_eff = α/(1 − β).
 *
 * The series converge only while every mode is stable; where a mode's denominator
 * D_k = (1 − β)(2(1 + β) − a_k) + γτ a_k(1 + β) is ≤ 0 (S_k(1) ≤ 0: the mode itself has a
 * multiplier ≥ 1) the sums are reported as +Infinity (for Ũ(1) only when γ > 0; Ũ(1) = 0 at γ = 0).
 * Written as Ũ(1) = γ(1 + β)α Σ_k λ_k/(c + dαλ_k) with c = 2(1 − β²), d = γτ(1 + β) − (1 − β):
 * one division per mode, which is what makes a 200×200 (α, β) grid at N = 1000 cost ~4·10⁷ divisions.
 */
import type { Spectrum } from "../types.ts";
import type { SdParams } from "./params.ts";
import {
  requireEigenvalues,
  requireFinite,
  requireNonNegative,
  requireOpenInterval,
  requirePositive,
  requireSdParams,
  requireSpectrum,
} from "./validate.ts";

/** Ũ(1) for eigenvalues λ (C_k(0) are not needed). +Infinity if some mode has D_k ≤ 0 and γ > 0. */
export function uTildeAtOneOf(lambda: Float64Array, p: SdParams): number {
  requireEigenvalues("lambda", lambda);
  requireSdParams(p);
  return uTildeRaw(lambda, p.alpha, p.beta, p.gamma, p.tau);
}

/** Ũ(1) for a spectrum (docs/theory.md §3). */
export function uTildeAtOne(spectrum: Spectrum, p: SdParams): number {
  requireSpectrum(spectrum);
  requireSdParams(p);
  return uTildeRaw(spectrum.lambda, p.alpha, p.beta, p.gamma, p.tau);
}

/** Unchecked kernel of Ũ(1); also used by the stability module's root finder. */
export function uTildeRaw(lambda: Float64Array, alpha: number, beta: number, gamma: number, tau: number): number {
  if (gamma === 0) return 0;
  const c = 2 * (1 - beta * beta);
  const d = gamma * tau * (1 + beta) - (1 - beta);
  const e = d * alpha;
  let s = 0;
  for (let k = 0; k < lambda.length; k++) {
    const l = lambda[k];
    const den = c + e * l;
    if (!(den > 0)) return Infinity;
    s += l / den;
  }
  return gamma * (1 + beta) * alpha * s;
}

/** dŨ(1)/dα = γ(1 + β) Σ_k cλ_k/(c + dαλ_k)² (for Newton steps); +Infinity past a pole. */
export function uTildeDerivAlphaRaw(
  lambda: Float64Array,
  alpha: number,
  beta: number,
  gamma: number,
  tau: number,
): number {
  if (gamma === 0) return 0;
  const c = 2 * (1 - beta * beta);
  const e = (gamma * tau * (1 + beta) - (1 - beta)) * alpha;
  let s = 0;
  for (let k = 0; k < lambda.length; k++) {
    const l = lambda[k];
    const den = c + e * l;
    if (!(den > 0)) return Infinity;
    s += l / (den * den);
  }
  return gamma * (1 + beta) * c * s;
}

/**
 * Ṽ(1) = Σ_k C_k(0)[(1 − β)(1 − β²) + 2αβλ_k]/S_k(1) (docs/theory.md §3). +Infinity if a mode with C_k(0) > 0
 * has S_k(1) ≤ 0 (including λ_k = 0: a mode that never decays).
 */
export function vTildeAtOne(spectrum: Spectrum, p: SdParams): number {
  requireSpectrum(spectrum);
  requireSdParams(p);
  const { lambda, c0 } = spectrum;
  const { alpha, beta } = p;
  const gt = p.gamma * p.tau;
  const num0 = (1 - beta) * (1 - beta * beta);
  let s = 0;
  for (let k = 0; k < lambda.length; k++) {
    const w = c0[k];
    if (w === 0) continue;
    const a = alpha * lambda[k];
    const s1 = a * ((1 - beta) * (2 * (1 + beta) - a) + gt * a * (1 + beta));
    if (!(s1 > 0)) return Infinity;
    s += (w * (num0 + 2 * a * beta)) / s1;
  }
  return s;
}

/**
 * Ũ(1) on an (α, β) grid: out[i·alphas.length + j] = Ũ(1) at (alphas[j], betas[i]) (row = β).
 * Uses the one-division form above; +Infinity where some mode has D_k ≤ 0.
 */
export function uTildeAtOneGrid(
  lambda: Float64Array,
  alphas: Float64Array,
  betas: Float64Array,
  gamma: number,
  tau: number,
): Float64Array {
  requireEigenvalues("lambda", lambda);
  requireNonNegative("gamma", gamma);
  requireFinite("tau", tau);
  for (let j = 0; j < alphas.length; j++) requirePositive(`alphas[${j}]`, alphas[j]);
  for (let i = 0; i < betas.length; i++) requireOpenInterval(`betas[${i}]`, betas[i], -1, 1);
  const nA = alphas.length;
  const out = new Float64Array(betas.length * nA);
  if (gamma === 0) return out;
  const n = lambda.length;
  for (let i = 0; i < betas.length; i++) {
    const beta = betas[i];
    const c = 2 * (1 - beta * beta);
    const d = gamma * tau * (1 + beta) - (1 - beta);
    for (let j = 0; j < nA; j++) {
      const alpha = alphas[j];
      const e = d * alpha;
      let s = 0;
      let ok = true;
      // Unrolled by two: independent accumulators shorten the dependency chain of the divisions.
      let s2 = 0;
      let k = 0;
      for (; k + 1 < n; k += 2) {
        const l0 = lambda[k],
          l1 = lambda[k + 1];
        const d0 = c + e * l0,
          d1 = c + e * l1;
        if (!(d0 > 0 && d1 > 0)) {
          ok = false;
          break;
        }
        s += l0 / d0;
        s2 += l1 / d1;
      }
      if (ok && k < n) {
        const l0 = lambda[k];
        const d0 = c + e * l0;
        if (!(d0 > 0)) ok = false;
        else s += l0 / d0;
      }
      out[i * nA + j] = ok ? gamma * (1 + beta) * alpha * (s + s2) : Infinity;
    }
  }
  return out;
}

/** Small-αλ approximations (docs/theory.md §3): Ũ(1) ≈ (γ/2)α_eff Σλ_k, Ṽ(1) ≈ Σ C_k(0)/(2α_eff λ_k). */
export function atOneSmallAlpha(spectrum: Spectrum, p: SdParams): { uTilde: number; vTilde: number } {
  requireSpectrum(spectrum);
  requireSdParams(p);
  const aEff = p.alpha / (1 - p.beta);
  let sl = 0,
    sv = 0;
  for (let k = 0; k < spectrum.N; k++) {
    sl += spectrum.lambda[k];
    if (spectrum.c0[k] > 0) sv += spectrum.c0[k] / (2 * aEff * spectrum.lambda[k]);
  }
  return { uTilde: (p.gamma / 2) * aEff * sl, vTilde: sv };
}
