/**
 * The `theory` command's computation (pure over a loaded spectrum): for every setting (τ × the swept
 * (batch_size, lr, momentum)) the generating-function predictions of docs/theory.md §3–§7, as plain JSON objects.
 * Quantities that do not exist for a setting (β outside (−1, 1), α = 0, a diverging setting's loss law, …)
 * are null, with the reason in `notes`.
 */
import type { Spectrum } from "../types.ts";
import {
  uTildeAtOne,
  vTildeAtOne,
  verdict,
  alphaCritInfo,
  lambdaC,
  phase as phaseOf,
  syntheticPowerLaw,
  signalPhaseLoss,
  noisePhaseLoss,
  transitionTime,
  finiteNTime,
  optimalUTildeSignal,
  optimalUTildeNoise,
  alphaForUTilde,
  negativeMomentumConditions,
  type PowerLaw,
  type Phase,
} from "../theory/index.ts";
import { fitNu, fitKappa } from "../problem/fits.ts";
import { batchNoise } from "../theory/batchNoise.ts";
import type { Experiment } from "../config/schema.ts";
import { expandSettings } from "../config/expand.ts";

export interface TheoryProblem {
  readonly spectrum: Spectrum;
  /** ν, κ of a synthetic problem; fitted (docs/theory.md §5) for a kernel problem */
  readonly nu: number;
  readonly kappa: number;
  readonly fitted: boolean;
  /** Λ, Q of the power law (synthetic: exact; kernel: from the fits) */
  readonly powerLaw: PowerLaw | null;
}

export interface TheoryRow {
  tau: number;
  lr: number;
  momentum: number;
  batch_size: number;
  N: number;
  gamma: number;
  alpha_eff: number | null;
  U1: number | null;
  V1: number | null;
  converges: boolean | null;
  verdict: string | null;
  proven: boolean | null;
  alpha_crit: number | null;
  alpha_crit_bound: string | null;
  lambda_crit: number | null;
  nu: number;
  kappa: number;
  zeta: number;
  nu_kappa_fitted: boolean;
  phase: Phase | null;
  law: null | {
    phase: Phase;
    formula: string;
    exponent: number;
    constant: number;
    transition_time: number | null;
    finite_N_time: number | null;
  };
  U1_opt: number | null;
  alpha_opt: number | null;
  negative_momentum: null | Record<string, { label: string; lhs: number; rhs: number; holds: boolean }>;
  notes: string[];
}

function attempt<T>(notes: string[], what: string, f: () => T): T | null {
  try {
    const v = f();
    if (typeof v === "number" && !Number.isFinite(v)) {
      notes.push(`${what}: ${v}`);
      return null;
    }
    return v;
  } catch (e) {
    notes.push(`${what}: ${(e as Error).message}`);
    return null;
  }
}

/** ν, κ and the power-law constants of the experiment's problem. */
export function theoryProblem(e: Experiment, spectrum: Spectrum): TheoryProblem {
  if (e.problem.kind === "synthetic") {
    const { N, nu, kappa } = e.problem;
    return { spectrum, nu, kappa, fitted: false, powerLaw: kappa > 0 ? syntheticPowerLaw(N, nu, kappa) : null };
  }
  const method = e.conventions?.fit_windows ?? "log";
  const fn = fitNu(spectrum.lambda, { method });
  const fk = fitKappa(spectrum.c0, { method });
  const nu = fn.exponent;
  const kappa = fk.exponent;
  // Σ_{λ_k<λ} C_k ≈ Qλ^ζ with λ_k ≈ Λk^(−ν), S_k/S_0 ≈ A k^(−κ): Q = S_0·A·Λ^(−ζ)
  let s0 = 0;
  for (let k = 0; k < spectrum.N; k++) s0 += spectrum.c0[k];
  const Lambda = fn.amplitude * spectrum.lambda[0];
  const zeta = kappa / nu;
  const ok = nu > 0 && kappa > 0 && Number.isFinite(Lambda) && Lambda > 0;
  return {
    spectrum,
    nu,
    kappa,
    fitted: true,
    powerLaw: ok ? { nu, zeta, Q: s0 * fk.amplitude * Math.pow(Lambda, -zeta), Lambda } : null,
  };
}

export function theoryRows(e: Experiment, tp: TheoryProblem, taus: readonly number[]): TheoryRow[] {
  const { spectrum, nu, kappa } = tp;
  const N = spectrum.N;
  const zeta = kappa / nu;
  const ph = attempt([], "phase", () => phaseOf(nu, zeta));
  const nm = attempt([], "negative momentum", () => negativeMomentumConditions(spectrum, nu));
  const rows: TheoryRow[] = [];
  for (const tau of taus) {
    for (const s of expandSettings(e)) {
      const notes: string[] = [];
      const beta = s.momentum ?? 0;
      const alpha = s.lr;
      const gamma = batchNoise(N, s.batchSize);
      const p = { alpha, beta, gamma, tau };
      const U1 = attempt(notes, "U1", () => uTildeAtOne(spectrum, p));
      const V1 = attempt(notes, "V1", () => vTildeAtOne(spectrum, p));
      const v = attempt(notes, "verdict", () => verdict(spectrum, p));
      const ac = attempt(notes, "alpha_crit", () => alphaCritInfo(spectrum.lambda, beta, gamma, tau));
      const lc = attempt(notes, "lambda_crit", () => lambdaC(spectrum.lambda, tau));
      const alphaEff = beta < 1 ? alpha / (1 - beta) : null;
      let law: TheoryRow["law"] = null;
      if (
        v?.converges &&
        U1 !== null &&
        V1 !== null &&
        ph &&
        ph !== "divergent" &&
        tp.powerLaw &&
        alphaEff !== null &&
        alphaEff > 0
      ) {
        const x = { N, powerLaw: tp.powerLaw, alphaEff, gamma, uTilde: U1, vTilde: V1 };
        const sig = ph === "signal" || ph === "marginal";
        const noi = ph === "noise" || ph === "marginal";
        const constant = attempt(
          notes,
          "law",
          () => (sig ? signalPhaseLoss(1, x) : 0) + (noi ? noisePhaseLoss(1, x) : 0),
        );
        if (constant !== null) {
          law = {
            phase: ph,
            formula:
              ph === "signal"
                ? "L_t ≈ constant·t^(−ζ) = v_t/(2N(1 − Ũ(1)))"
                : ph === "noise"
                  ? "L_t ≈ constant·t^(−(2 − 1/ν)) = Ṽ(1)·u_t/(2N(1 − Ũ(1))²)"
                  : "L_t ≈ constant·t^(−ζ), ζ = 2 − 1/ν (signal + noise laws)",
            exponent: ph === "noise" ? 2 - 1 / nu : zeta,
            constant,
            transition_time:
              ph === "noise" && gamma > 0 ? attempt(notes, "transition_time", () => transitionTime(x)) : null,
            finite_N_time: attempt(notes, "finite_N_time", () => finiteNTime(N, nu, alphaEff, tp.powerLaw!.Lambda)),
          };
        }
      } else if (v && !v.converges) notes.push(`no asymptotic law: the setting diverges (${v.reason})`);
      const uOpt = ph === "signal" ? optimalUTildeSignal(zeta) : ph === "noise" ? optimalUTildeNoise(nu) : null;
      const aOpt =
        uOpt !== null && gamma > 0
          ? attempt(notes, "alpha_opt", () => alphaForUTilde(spectrum.lambda, beta, gamma, tau, uOpt))
          : null;
      rows.push({
        tau,
        lr: alpha,
        momentum: beta,
        batch_size: s.batchSize,
        N,
        gamma,
        alpha_eff: alphaEff,
        U1,
        V1,
        converges: v?.converges ?? (beta <= -1 || beta >= 1 || alpha === 0 ? false : null),
        verdict: v?.reason ?? null,
        proven: v?.proven ?? null,
        alpha_crit: ac?.alpha ?? null,
        alpha_crit_bound: ac?.bound ?? null,
        lambda_crit: lc,
        nu,
        kappa,
        zeta,
        nu_kappa_fitted: tp.fitted,
        phase: ph,
        law,
        U1_opt: uOpt,
        alpha_opt: aOpt,
        negative_momentum: nm ? { function_space: nm.functionSpace, condition_91: nm.condition91 } : null,
        notes,
      });
    }
  }
  return rows;
}
