/**
 * Power-law asymptotics, phases, optimal learning rates and negative momentum (docs/theory.md §5, §7).
 *
 * Spectrum λ_k = Λk^(−ν), initial error tail Σ_{λ_k<λ} C_k(0) ≈ Qλ^ζ (synthetic problem: Λ = 1,
 * ζ = κ/ν, Q = c/κ with C_k(0) = c·k^(−κ−1)). With α_eff = α/(1 − β):
 *   v_t ≃ QΓ(ζ + 1)(2α_eff t)^(−ζ),
 *   u_t ≃ γα_eff²(Λ^(1/ν)/ν)Γ(2 − 1/ν)(2α_eff t)^(−(2 − 1/ν)).
 * Signal-dominated phase ζ < 2 − 1/ν: L_t ≃ v_t/(2N(1 − Ũ(1))).
 * Noise-dominated phase ζ > 2 − 1/ν: L_t ≃ Ṽ(1)u_t/(2N(1 − Ũ(1))²).
 * Transition (noise phase): (2α_eff t×)^(ζ−2+1/ν) = νQΓ(ζ+1)(1 − Ũ(1))/(Ṽ(1)γα_eff²Λ^(1/ν)Γ(2 − 1/ν)).
 * Finite N: exponential decay for t ≳ N^ν/(Λα_eff) = 1/(α_eff λ_N).
 * Optima (§7): signal Ũ(1)_opt = ζ/(1 + ζ); noise Ũ(1)_opt = (ν − 1)/(3ν − 1).
 * Negative momentum (§7), both reported, labelled:
 *   "function-space":  ΣC_k·Σλ_k > ((ν − 1)/ν)·Σλ_k²·Σ(C_k/λ_k),
 *   "condition (91)":  the reference notebook's, C_k/λ_k in place of C_k.
 * ∂_β ln F at β = 0, α = α_opt, F = Ṽ(1)α_eff^(1/ν)/(1 − Ũ(1))²:
 *   α_eff[ΣC_k/Σ(C_k/λ_k) − ((ν − 1)/ν)Σλ_k²/Σλ_k].
 */
import type { Spectrum } from "../types.ts";
import { gammaFn } from "./gamma.ts";
import { requireFinite, requireNonNegative, requirePositive, requireSpectrum } from "./validate.ts";

export type Phase = "divergent" | "signal" | "noise" | "marginal";

/**
 * Phase from (ν, ζ) (docs/theory.md §5): ν ≤ 1 divergent (Σλ = ∞); ζ < 2 − 1/ν signal-dominated;
 * ζ > 2 − 1/ν noise-dominated; ζ = 2 − 1/ν exactly is "marginal" (both laws share the exponent).
 */
export function phase(nu: number, zeta: number): Phase {
  requirePositive("nu", nu);
  requirePositive("zeta", zeta);
  if (nu <= 1) return "divergent";
  const edge = 2 - 1 / nu;
  return zeta < edge ? "signal" : zeta > edge ? "noise" : "marginal";
}

/** Power-law description of a problem: λ_k = Λk^(−ν), Σ_{λ_k<λ} C_k(0) ≈ Qλ^ζ. */
export interface PowerLaw {
  readonly nu: number;
  readonly zeta: number;
  readonly Q: number;
  /** Λ, the prefactor of λ_k (1 for the synthetic problem) */
  readonly Lambda: number;
}

function checkPowerLaw(pl: PowerLaw): void {
  if (pl === null || typeof pl !== "object") throw new RangeError("powerLaw must be an object {nu, zeta, Q, Lambda}");
  requirePositive("powerLaw.nu", pl.nu);
  requirePositive("powerLaw.zeta", pl.zeta);
  requirePositive("powerLaw.Q", pl.Q);
  requirePositive("powerLaw.Lambda", pl.Lambda);
}

/**
 * The synthetic problem's constants (docs/theory.md §1, §5): λ_k = k^(−ν), C_k(0) = c·k^(−κ−1) with
 * c = 1/Σ_{j≤N} j^(−κ−1); ζ = κ/ν, Q = c/κ, Λ = 1.
 */
export function syntheticPowerLaw(N: number, nu: number, kappa: number): PowerLaw {
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`N must be an integer ≥ 1, got ${N}`);
  requirePositive("nu", nu);
  requirePositive("kappa", kappa);
  let s = 0;
  for (let j = N; j >= 1; j--) s += Math.pow(j, -kappa - 1);
  return { nu, zeta: kappa / nu, Q: 1 / s / kappa, Lambda: 1 };
}

/** v_t ≃ QΓ(ζ + 1)(2α_eff t)^(−ζ) (docs/theory.md §5). */
export function signalPropagatorLaw(t: number, pl: PowerLaw, alphaEff: number): number {
  requirePositive("t", t);
  checkPowerLaw(pl);
  requirePositive("alphaEff", alphaEff);
  return pl.Q * gammaFn(pl.zeta + 1) * Math.pow(2 * alphaEff * t, -pl.zeta);
}

/** u_t ≃ γα_eff²(Λ^(1/ν)/ν)Γ(2 − 1/ν)(2α_eff t)^(−(2 − 1/ν)) (docs/theory.md §5). */
export function noisePropagatorLaw(t: number, pl: PowerLaw, alphaEff: number, gamma: number): number {
  requirePositive("t", t);
  checkPowerLaw(pl);
  requirePositive("alphaEff", alphaEff);
  requireNonNegative("gamma", gamma);
  const e = 2 - 1 / pl.nu;
  return (
    gamma * alphaEff * alphaEff * (Math.pow(pl.Lambda, 1 / pl.nu) / pl.nu) * gammaFn(e) * Math.pow(2 * alphaEff * t, -e)
  );
}

/** What the loss laws need besides t: N, the power law, α_eff, γ and Ũ(1), Ṽ(1) (from atOne.ts). */
export interface LawInputs {
  readonly N: number;
  readonly powerLaw: PowerLaw;
  readonly alphaEff: number;
  readonly gamma: number;
  readonly uTilde: number;
  readonly vTilde: number;
}

function checkInputs(x: LawInputs): void {
  if (x === null || typeof x !== "object")
    throw new RangeError("inputs must be an object {N, powerLaw, alphaEff, gamma, uTilde, vTilde}");
  if (!Number.isInteger(x.N) || x.N < 1) throw new RangeError(`N must be an integer ≥ 1, got ${x.N}`);
  checkPowerLaw(x.powerLaw);
  requirePositive("alphaEff", x.alphaEff);
  requireNonNegative("gamma", x.gamma);
  requireFinite("uTilde", x.uTilde);
  if (!(x.uTilde >= 0 && x.uTilde < 1))
    throw new RangeError(`uTilde must lie in [0, 1) (a converging run), got ${x.uTilde}`);
  requirePositive("vTilde", x.vTilde);
}

/** Signal-phase law L_t ≃ v_t/(2N(1 − Ũ(1))) (docs/theory.md §5). */
export function signalPhaseLoss(t: number, x: LawInputs): number {
  checkInputs(x);
  return signalPropagatorLaw(t, x.powerLaw, x.alphaEff) / (2 * x.N * (1 - x.uTilde));
}

/** Noise-phase law L_t ≃ Ṽ(1)u_t/(2N(1 − Ũ(1))²) (docs/theory.md §5). */
export function noisePhaseLoss(t: number, x: LawInputs): number {
  checkInputs(x);
  const d = 1 - x.uTilde;
  return (x.vTilde * noisePropagatorLaw(t, x.powerLaw, x.alphaEff, x.gamma)) / (2 * x.N * d * d);
}

/**
 * The leading law of the problem's phase: signal or noise law; at the marginal exponent the sum of both;
 * RangeError in the divergent phase (ν ≤ 1).
 */
export function asymptoticLoss(t: number, x: LawInputs): number {
  checkInputs(x);
  const ph = phase(x.powerLaw.nu, x.powerLaw.zeta);
  if (ph === "divergent")
    throw new RangeError(`powerLaw.nu must be > 1 for a convergent asymptotic law, got ${x.powerLaw.nu}`);
  if (ph === "signal") return signalPhaseLoss(t, x);
  if (ph === "noise") return noisePhaseLoss(t, x);
  return signalPhaseLoss(t, x) + noisePhaseLoss(t, x);
}

/**
 * Transition time t× from the signal law to the noise law in the noise phase (docs/theory.md §5):
 * (2α_eff t×)^(ζ−2+1/ν) = νQΓ(ζ+1)(1 − Ũ(1))/(Ṽ(1)γα_eff²Λ^(1/ν)Γ(2 − 1/ν)). The two laws are equal at t×.
 */
export function transitionTime(x: LawInputs): number {
  checkInputs(x);
  const { nu, zeta, Q, Lambda } = x.powerLaw;
  if (phase(nu, zeta) !== "noise")
    throw new RangeError(`transitionTime needs the noise-dominated phase ζ > 2 − 1/ν, got ν = ${nu}, ζ = ${zeta}`);
  if (!(x.gamma > 0)) throw new RangeError(`gamma must be > 0 for a noise-dominated loss, got ${x.gamma}`);
  const e = zeta - 2 + 1 / nu;
  const rhs =
    (nu * Q * gammaFn(zeta + 1) * (1 - x.uTilde)) /
    (x.vTilde * x.gamma * x.alphaEff * x.alphaEff * Math.pow(Lambda, 1 / nu) * gammaFn(2 - 1 / nu));
  return Math.pow(rhs, 1 / e) / (2 * x.alphaEff);
}

/** Time beyond which finite N makes the loss decay exponentially: N^ν/(Λα_eff) = 1/(α_eff λ_N) (docs/theory.md §5). */
export function finiteNTime(N: number, nu: number, alphaEff: number, Lambda = 1): number {
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`N must be an integer ≥ 1, got ${N}`);
  requirePositive("nu", nu);
  requirePositive("alphaEff", alphaEff);
  requirePositive("Lambda", Lambda);
  return Math.pow(N, nu) / (Lambda * alphaEff);
}

/** Signal phase, small α: argmin of α_eff^(−ζ)/(1 − Ũ(1)) gives Ũ(1)_opt = ζ/(1 + ζ) (docs/theory.md §7). */
export function optimalUTildeSignal(zeta: number): number {
  requirePositive("zeta", zeta);
  return zeta / (1 + zeta);
}

/**
 * Noise phase: argmin of Ṽ(1)α_eff^(1/ν)/(1 − Ũ(1))² gives Ũ(1)_opt = (ν − 1)/(3ν − 1)
 * (exact at γτ = 1, β = 0, where Ũ(1) ∝ α and Ṽ(1) ∝ 1/α) (docs/theory.md §7).
 */
export function optimalUTildeNoise(nu: number): number {
  requirePositive("nu", nu);
  if (!(nu > 1)) throw new RangeError(`nu must be > 1 (convergent phase), got ${nu}`);
  return (nu - 1) / (3 * nu - 1);
}

/** Moments Σ_k λ_k^p C_k(0)^q used by §7, over the modes with λ_k > 0. */
interface Moments {
  sC: number;
  sL: number;
  sL2: number;
  sCoverL: number;
  sCoverL2: number;
}

function moments(spectrum: Spectrum): Moments {
  requireSpectrum(spectrum);
  const { lambda, c0 } = spectrum;
  let sC = 0,
    sL = 0,
    sL2 = 0,
    sCoverL = 0,
    sCoverL2 = 0;
  for (let k = 0; k < spectrum.N; k++) {
    const l = lambda[k],
      c = c0[k];
    if (l === 0) {
      if (c > 0) throw new RangeError(`spectrum.lambda[${k}] = 0 with c0[${k}] > 0: Σ C_k/λ_k is infinite`);
      continue;
    }
    sC += c;
    sL += l;
    sL2 += l * l;
    sCoverL += c / l;
    sCoverL2 += c / (l * l);
  }
  return { sC, sL, sL2, sCoverL, sCoverL2 };
}

export interface MomentumCondition {
  readonly label: string;
  readonly lhs: number;
  readonly rhs: number;
  /** lhs > rhs: negative momentum lowers the asymptotic noise-phase loss by this criterion */
  readonly holds: boolean;
}

/**
 * Both negative-momentum conditions of docs/theory.md §7, labelled:
 * - functionSpace: ΣC_k·Σλ_k > ((ν − 1)/ν)·Σλ_k²·Σ(C_k/λ_k)   (the derived one, ∂_β ln F > 0 at β = 0);
 * - condition91:  Σ(C_k/λ_k)·Σλ_k > ((ν − 1)/ν)·Σλ_k²·Σ(C_k/λ_k²)  (the reference notebook's, parameter-space moments).
 */
export function negativeMomentumConditions(
  spectrum: Spectrum,
  nu: number,
): { functionSpace: MomentumCondition; condition91: MomentumCondition } {
  requirePositive("nu", nu);
  const m = moments(spectrum);
  const f = (nu - 1) / nu;
  const fs = { lhs: m.sC * m.sL, rhs: f * m.sL2 * m.sCoverL };
  const c91 = { lhs: m.sCoverL * m.sL, rhs: f * m.sL2 * m.sCoverL2 };
  return {
    functionSpace: { label: "function-space: ΣC·Σλ > ((ν−1)/ν)·Σλ²·Σ(C/λ)", ...fs, holds: fs.lhs > fs.rhs },
    condition91: { label: "condition (91): Σ(C/λ)·Σλ > ((ν−1)/ν)·Σλ²·Σ(C/λ²)", ...c91, holds: c91.lhs > c91.rhs },
  };
}

/**
 * ∂_β ln F at β = 0 and α = α_opt (docs/theory.md §7), F = Ṽ(1)α_eff^(1/ν)/(1 − Ũ(1))²:
 * α_eff[ΣC_k/Σ(C_k/λ_k) − ((ν − 1)/ν)Σλ_k²/Σλ_k]. Positive ⇔ the function-space condition holds.
 */
export function dLogFdBetaAtOptimum(spectrum: Spectrum, alphaEff: number, nu: number): number {
  requirePositive("alphaEff", alphaEff);
  requirePositive("nu", nu);
  const m = moments(spectrum);
  return alphaEff * (m.sC / m.sCoverL - ((nu - 1) / nu) * (m.sL2 / m.sL));
}

/**
 * The same derivative at any small α_eff (leading order in α_eff λ, β = 0), before α = α_opt is
 * substituted: α_eff ΣC_k/Σ(C_k/λ_k) − γα_eff²Σλ_k²/(1 − Ũ(1)), with Ũ(1) ≈ (γ/2)α_eff Σλ_k.
 * At α_eff = 2Ũ_opt/(γΣλ), Ũ_opt = (ν − 1)/(3ν − 1), it equals dLogFdBetaAtOptimum.
 */
export function dLogFdBetaSmallAlpha(spectrum: Spectrum, alphaEff: number, gamma: number): number {
  requirePositive("alphaEff", alphaEff);
  requireNonNegative("gamma", gamma);
  const m = moments(spectrum);
  const u = (gamma / 2) * alphaEff * m.sL;
  if (!(u < 1)) throw new RangeError(`alphaEff = ${alphaEff} gives Ũ(1) ≈ ${u} ≥ 1 (divergent)`);
  return alphaEff * (m.sC / m.sCoverL) - (gamma * alphaEff * alphaEff * m.sL2) / (1 - u);
}
