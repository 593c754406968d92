/**
 * Where the project deliberately differs from the reference code, the project's choice is the default and a
 * named convention reproduces the reference (docs/reference-differences.md). These are the names (no
 * dependencies): the config's `conventions` block, the CLI's flags and the engine's options share them.
 */

/**
 * How a schedule's momentum β_n is read: classic (v ← βv − αg, d ← d + v, the moment equations' form) in every
 * regime; pytorch (p ← g + βp, d ← d − αp) in every regime; reference: PyTorch's in the linearized and network
 * regimes, classic in SD and full, as the reference code. All three agree when α is constant.
 */
export const MOMENTUM_CONVENTIONS = ["classic", "pytorch", "reference"] as const;
export type MomentumConvention = (typeof MOMENTUM_CONVENTIONS)[number];

/** Adam's bias correction: standard 1 − βᵗ (t = 1, 2, …), or the reference's 1 − β^(t+1). */
export const ADAM_BIAS_CORRECTIONS = ["standard", "reference"] as const;
export type AdamBiasCorrection = (typeof ADAM_BIAS_CORRECTIONS)[number];

/** The analytic NTK: exact, or the reference's NTK_2_layer (without the factor √(Σ_ii Σ_jj)). */
export const NTK_FORMULAS = ["exact", "reference"] as const;
export type NtkFormulaName = (typeof NTK_FORMULAS)[number];

/** Exponent fits: log (whole window plus log-equal sub-windows), or the reference notebooks' fit_line. */
export const FIT_METHODS = ["log", "reference"] as const;
export type FitMethodName = (typeof FIT_METHODS)[number];

export interface Conventions {
  readonly momentum: MomentumConvention;
  readonly adam_bias_correction: AdamBiasCorrection;
  readonly ntk_formula: NtkFormulaName;
  readonly fit_windows: FitMethodName;
}

export const PROJECT_CONVENTIONS: Conventions = {
  momentum: "classic",
  adam_bias_correction: "standard",
  ntk_formula: "exact",
  fit_windows: "log",
};

export const REFERENCE_CONVENTIONS: Conventions = {
  momentum: "reference",
  adam_bias_correction: "reference",
  ntk_formula: "reference",
  fit_windows: "reference",
};

/** The momentum form a regime reads its schedule in under a convention. */
export function momentumFormOf(convention: MomentumConvention, regime: string): "classic" | "pytorch" {
  if (convention === "reference") return regime === "linearized" || regime === "nn" ? "pytorch" : "classic";
  return convention;
}
