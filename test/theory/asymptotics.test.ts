// Power-law asymptotics and optima (docs/theory.md §5, §7) against the SD iteration at N = T = 10⁴, against
// direct numerical minimisation of the loss constants, and against finite differences of ln F in β.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  asymptoticLoss,
  dLogFdBetaAtOptimum,
  dLogFdBetaSmallAlpha,
  finiteNTime,
  gammaFn,
  negativeMomentumConditions,
  noisePhaseLoss,
  optimalUTildeNoise,
  optimalUTildeSignal,
  phase,
  signalPhaseLoss,
  syntheticPowerLaw,
  transitionTime,
  uTildeAtOne,
  vTildeAtOne,
  alphaCrit,
  alphaForUTilde,
} from "../../lib/theory/index.ts";
import type { LawInputs } from "../../lib/theory/index.ts";
import type { Spectrum } from "../../lib/types.ts";
import { batchNoise } from "../../lib/theory/batchNoise.ts";
import { powerLawSpectrum, relErr, sdLosses } from "./helpers.ts";

function lawInputs(
  sp: Spectrum,
  nu: number,
  kappa: number,
  alpha: number,
  beta: number,
  gamma: number,
  tau: number,
): LawInputs {
  const p = { alpha, beta, gamma, tau };
  return {
    N: sp.N,
    powerLaw: syntheticPowerLaw(sp.N, nu, kappa),
    alphaEff: alpha / (1 - beta),
    gamma,
    uTilde: uTildeAtOne(sp, p),
    vTilde: vTildeAtOne(sp, p),
  };
}

test("asymptotic laws within 5% of the SD loss at t = 10⁴ with N = 10⁴ modes, both phases", (t) => {
  const N = 10000,
    T = 10000;
  // (ν, κ, α, β, b, τ); N^ν/α_eff ≥ 10⁸ ≫ T, and the truncated tail (K/N)^κ, K = (2α_eff T)^(1/ν), is ≤ 1.5%
  const cases = [
    [2, 1, 0.5, 0, 10, -1],
    [2, 1, 0.3, 0.5, 10, 0],
    [2, 1, 0.5, 0, 1, 1], // signal: ζ = 0.5 < 1.5
    [2, 5, 0.5, 0, 10, -1],
    [2, 5, 0.3, 0.5, 5, 0],
    [1.7, 4, 0.5, 0, 3, 1], // noise: ζ = 2.5, 2.35 > 1.5, 1.41
  ] as const;
  const sps = new Map<string, Spectrum>();
  for (const [nu, kappa, alpha, beta, b, tau] of cases) {
    const key = `${nu},${kappa}`;
    if (!sps.has(key)) sps.set(key, powerLawSpectrum(N, nu, kappa));
    const sp = sps.get(key)!;
    const { losses, status } = sdLosses(sp, alpha, beta, b, tau, T);
    assert.equal(status, "done");
    const inp = lawInputs(sp, nu, kappa, alpha, beta, batchNoise(N, b), tau);
    const ph = phase(nu, kappa / nu);
    const law = asymptoticLoss(T, inp);
    assert.equal(law, ph === "signal" ? signalPhaseLoss(T, inp) : noisePhaseLoss(T, inp));
    const e = relErr(law, losses[T]);
    t.diagnostic(
      `ν=${nu} κ=${kappa} α=${alpha} β=${beta} b=${b} τ=${tau}: ${ph}, Ũ(1)=${inp.uTilde.toFixed(3)}, ` +
        `law/SD − 1 = ${(law / losses[T] - 1).toFixed(4)}`,
    );
    assert.ok(e <= 0.05, `${ph} ν=${nu} κ=${kappa} α=${alpha} β=${beta}: ${e}`);
  }
});

test("phase from (ν, ζ): divergent ν ≤ 1, signal ζ < 2 − 1/ν, noise ζ > 2 − 1/ν, marginal on the line", () => {
  assert.equal(phase(1, 0.5), "divergent");
  assert.equal(phase(0.8, 3), "divergent");
  assert.equal(phase(2, 1.49), "signal");
  assert.equal(phase(2, 1.51), "noise");
  assert.equal(phase(2, 1.5), "marginal");
  assert.equal(phase(1.25, 1.1), "signal"); // 2 − 1/1.25 = 1.2
  assert.equal(phase(1.25, 1.3), "noise");
});

test("transition time: the two laws meet at t× (≤ 1e-12); the SD loss there is ≈ their sum (≤ 2%)", (t) => {
  const N = 10000;
  const [nu, kappa, alpha, b, tau] = [2, 4, 1, 100, -1];
  const sp = powerLawSpectrum(N, nu, kappa);
  const inp = lawInputs(sp, nu, kappa, alpha, 0, batchNoise(N, b), tau);
  const tx = transitionTime(inp);
  assert.ok(
    relErr(signalPhaseLoss(tx, inp), noisePhaseLoss(tx, inp)) <= 1e-12,
    "failed: relErr(signalPhaseLoss(tx, inp), noisePhaseLoss(tx, inp)) <= 1e-12",
  );
  const T = Math.round(tx);
  const { losses } = sdLosses(sp, alpha, 0, b, tau, T);
  const sum = signalPhaseLoss(T, inp) + noisePhaseLoss(T, inp);
  t.diagnostic(
    `t× = ${tx.toFixed(1)}; SD/(signal + noise law) − 1 = ${(losses[T] / sum - 1).toFixed(4)}; ` +
      `SD/(one law) = ${(losses[T] / noisePhaseLoss(T, inp)).toFixed(3)}`,
  );
  assert.ok(relErr(losses[T], sum) <= 0.02, "failed: relErr(losses[T], sum) <= 0.02");
});

test("finite N: at 30·N^ν/α_eff the SD loss decays at the slowest rate (1 − α_eff λ_N)² a step, ≤ 1%", (t) => {
  const [N, nu, kappa, alpha] = [30, 1.5, 1, 0.5];
  const sp = powerLawSpectrum(N, nu, kappa);
  const tN = finiteNTime(N, nu, alpha);
  assert.ok(relErr(tN, 1 / (alpha * sp.lambda[N - 1])) <= 1e-14, `t_N = ${tN}`);
  const T = Math.round(30 * tN);
  const { losses } = sdLosses(sp, alpha, 0, N, 1, T); // b = N: γ = 0
  const rate = losses[T] / losses[T - 1];
  const expected = Math.pow(1 - alpha * sp.lambda[N - 1], 2);
  t.diagnostic(
    `t_N = ${tN.toFixed(1)}; per-step ratio at 30 t_N ${rate.toPrecision(10)} vs ${expected.toPrecision(10)}`,
  );
  const e = Math.abs(Math.log(rate) / Math.log(expected) - 1);
  assert.ok(e <= 0.01, `rate off by ${e}`);
});

test("synthetic constants: Σ_{λ_k<λ} C_k(0) ≈ Qλ^ζ (≤ 1% at λ = 100^(−ν), N = 10⁵)", () => {
  const N = 100000,
    nu = 1.5,
    kappa = 1;
  const pl = syntheticPowerLaw(N, nu, kappa);
  let s = 0,
    tail = 0;
  for (let k = N; k >= 1; k--) s += Math.pow(k, -kappa - 1);
  for (let k = N; k > 100; k--) tail += Math.pow(k, -kappa - 1) / s;
  assert.ok(
    relErr(tail, pl.Q * Math.pow(Math.pow(100, -nu), pl.zeta)) <= 0.01,
    "failed: relErr(tail, pl.Q * Math.pow(Math.pow(100, -nu), pl.zeta)) <= 0.01",
  );
  assert.equal(pl.zeta, kappa / nu);
});

// golden-section search for the minimum of f on [a, b]
function argmin(f: (x: number) => number, a: number, b: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a),
    d = a + g * (b - a);
  let fc = f(c),
    fd = f(d);
  for (let i = 0; i < 200 && b - a > 1e-13 * b; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return 0.5 * (a + b);
}

test("optimal Ũ(1): minimising the loss constant in α gives ζ/(1 + ζ), (ν − 1)/(3ν − 1) (γτ = 1, β = 0; 1e-6)", (t) => {
  const N = 2000;
  for (const [nu, kappa] of [
    [2, 1],
    [1.5, 0.3],
    [2, 5],
    [1.3, 3],
  ] as const) {
    const sp = powerLawSpectrum(N, nu, kappa);
    const zeta = kappa / nu;
    const ph = phase(nu, zeta);
    const [gamma, tau] = [batchNoise(N, 1), 1]; // γτ = 1
    const ac = alphaCrit(sp.lambda, 0, gamma, tau);
    // the asymptotic loss at a fixed late time t, as a function of α with exact Ũ(1), Ṽ(1)
    const loss = (alpha: number) => {
      const inp = lawInputs(sp, nu, kappa, alpha, 0, gamma, tau);
      return ph === "signal" ? signalPhaseLoss(1e6, inp) : noisePhaseLoss(1e6, inp);
    };
    const aOpt = argmin((x) => Math.log(loss(Math.exp(x))), Math.log(1e-4 * ac), Math.log(0.99999 * ac));
    const uOpt = uTildeAtOne(sp, { alpha: Math.exp(aOpt), beta: 0, gamma, tau });
    const pred = ph === "signal" ? optimalUTildeSignal(zeta) : optimalUTildeNoise(nu);
    t.diagnostic(
      `ν=${nu} ζ=${zeta.toFixed(3)} (${ph}): Ũ(1) at the numerical optimum ${uOpt.toFixed(9)} vs ${pred.toFixed(9)}`,
    );
    assert.ok(Math.abs(uOpt - pred) <= 1e-6, `${uOpt} vs ${pred}`);
    // and alphaForUTilde finds that α from the predicted Ũ(1)
    assert.ok(
      relErr(alphaForUTilde(sp.lambda, 0, gamma, tau, pred), Math.exp(aOpt)) <= 1e-5,
      "failed: relErr(alphaForUTilde(sp.lambda, 0, gamma, tau, pred), Math.exp(aOpt)) <= 1e-5",
    );
  }
});

test("optimal Ũ(1) away from γτ = 1 (τ = 0, small α: α_opt λ_max ≲ 1e-2, β = 0 and 0.5): within 2%", (t) => {
  const N = 10000;
  for (const [nu, kappa, gamma, beta] of [
    [1.1, 0.5, 1, 0],
    [1.5, 0.3, 10, 0.5],
    [1.5, 4, 50, 0],
    [2, 5, 100, 0.5],
  ] as const) {
    const sp = powerLawSpectrum(N, nu, kappa);
    const ph = phase(nu, kappa / nu);
    const tau = 0;
    const loss = (alpha: number) => {
      const inp = lawInputs(sp, nu, kappa, alpha, beta, gamma, tau);
      return ph === "signal" ? signalPhaseLoss(1e6, inp) : noisePhaseLoss(1e6, inp);
    };
    const ac = alphaCrit(sp.lambda, beta, gamma, tau);
    const aOpt = Math.exp(argmin((x) => Math.log(loss(Math.exp(x))), Math.log(1e-4 * ac), Math.log(0.99999 * ac)));
    const uOpt = uTildeAtOne(sp, { alpha: aOpt, beta, gamma, tau });
    const pred = ph === "signal" ? optimalUTildeSignal(kappa / nu) : optimalUTildeNoise(nu);
    const e = relErr(uOpt, pred);
    t.diagnostic(
      `ν=${nu} κ=${kappa} γ=${gamma} β=${beta} (${ph}): α_opt=${aOpt.toPrecision(3)}, ` +
        `Ũ(1)_opt ${uOpt.toFixed(5)} vs ${pred.toFixed(5)} (rel ${e.toExponential(2)})`,
    );
    assert.ok(e <= 0.02, `${uOpt} vs ${pred}`);
  }
});

/**
 * ∂_β ln F at β = 0 by a central difference in β at fixed α_eff, F = Ṽ(1)α_eff^(1/ν)/(1 − Ũ(1))² from the
 * closed forms at z = 1 (docs/theory.md §3, §7): independent of the moment sums the formulas use.
 */
function dLogFdBetaFiniteDiff(sp: Spectrum, aEff: number, nu: number, gamma: number, tau: number): number {
  const lnF = (beta: number) => {
    const p = { alpha: aEff * (1 - beta), beta, gamma, tau };
    return Math.log(vTildeAtOne(sp, p)) + Math.log(aEff) / nu - 2 * Math.log(1 - uTildeAtOne(sp, p));
  };
  const h = 1e-5;
  return (lnF(h) - lnF(-h)) / (2 * h);
}

/** α_opt of the noise phase at small α (docs/theory.md §7): Ũ(1) ≈ (γ/2)α_eff Σλ = (ν − 1)/(3ν − 1). */
function smallAlphaOptimum(sp: Spectrum, nu: number, gamma: number): number {
  let sL = 0;
  for (const l of sp.lambda) sL += l;
  return (2 * optimalUTildeNoise(nu)) / (gamma * sL);
}

test("∂_β ln F at β = 0 = finite difference of ln[Ṽ(1)α_eff^(1/ν)/(1 − Ũ(1))²] from the closed forms (≤ 1%)", (t) => {
  const [N, nu, kappa] = [1000, 2, 5];
  const sp = powerLawSpectrum(N, nu, kappa);
  // the formula is the leading order in α_eff λ (and γτα_eff λ): take τ = 0 and γ large so that α_opt λ_max ~ 1e-3
  const gamma = 200,
    tau = 0;
  const aOpt = smallAlphaOptimum(sp, nu, gamma);
  const fd = (aEff: number) => dLogFdBetaFiniteDiff(sp, aEff, nu, gamma, tau);
  const formula = dLogFdBetaAtOptimum(sp, aOpt, nu);
  const e1 = relErr(formula, fd(aOpt));
  assert.ok(relErr(dLogFdBetaSmallAlpha(sp, aOpt, gamma), formula) <= 1e-9, "general form ≠ optimum form at α_opt");
  // away from the optimum, the general small-α form
  const a2 = 0.5 * aOpt;
  const e2 = relErr(dLogFdBetaSmallAlpha(sp, a2, gamma), fd(a2));
  t.diagnostic(
    `α_opt λ_max = ${aOpt.toExponential(2)}: formula ${formula.toExponential(5)} vs FD ${fd(aOpt).toExponential(5)} ` +
      `(rel ${e1.toExponential(2)}); at α_opt/2 rel ${e2.toExponential(2)}`,
  );
  assert.ok(e1 <= 0.01 && e2 <= 0.01, `${e1}, ${e2}`);
});

test("negative-momentum conditions: labelled, sums as written; function-space ⇔ FD ∂_β ln F > 0", (t) => {
  // three modes by hand: λ = (1, 0.5, 0.1), C = (0.2, 0.3, 0.5), ν = 2 ⇒ (ν − 1)/ν = 0.5
  const sp = { N: 3, lambda: new Float64Array([1, 0.5, 0.1]), c0: new Float64Array([0.2, 0.3, 0.5]) };
  const r = negativeMomentumConditions(sp, 2);
  const sC = 1,
    sL = 1.6,
    sL2 = 1.26,
    sCl = 0.2 + 0.6 + 5,
    sCl2 = 0.2 + 1.2 + 50;
  assert.ok(
    relErr(r.functionSpace.lhs, sC * sL) <= 1e-15 && relErr(r.functionSpace.rhs, 0.5 * sL2 * sCl) <= 1e-15,
    "failed: relErr(r.functionSpace.lhs, sC * sL) <= 1e-15 && relErr(r.functionSpace.rhs, 0.5 * sL2 * sCl) <= 1e-15",
  );
  assert.ok(
    relErr(r.condition91.lhs, sCl * sL) <= 1e-15 && relErr(r.condition91.rhs, 0.5 * sL2 * sCl2) <= 1e-15,
    "failed: relErr(r.condition91.lhs, sCl * sL) <= 1e-15 && relErr(r.condition91.rhs, 0.5 * sL2 * sCl2) <= 1e-15",
  );
  assert.match(r.functionSpace.label, /function-space/);
  assert.match(r.condition91.label, /condition \(91\)/);
  // The condition against the derivative it stands for, computed independently: ∂_β ln F by finite
  // differences of the closed forms at β = 0, α = α_opt (τ = 0, γ = 200: α_opt λ_max ≤ 2.1e-3, so the
  // leading-order formula holds to O(α_opt λ_max); measured ≤ 5.6e-3 relative). ν ≠ 2 in most cases,
  // so a wrong factor (ν − 1)/ν would show.
  const seen = new Set<boolean>();
  const [gamma, tau] = [200, 0];
  for (const [nu, kappa] of [
    [1.5, 0.5],
    [2, 5],
    [3, 8],
    [1.2, 3],
    [2, 1],
    [1.5, 2],
    [3, 2],
  ] as const) {
    const s = powerLawSpectrum(2000, nu, kappa);
    const c = negativeMomentumConditions(s, nu);
    const aOpt = smallAlphaOptimum(s, nu, gamma);
    const fd = dLogFdBetaFiniteDiff(s, aOpt, nu, gamma, tau);
    const e = relErr(dLogFdBetaAtOptimum(s, aOpt, nu), fd);
    t.diagnostic(
      `ν=${nu} κ=${kappa}: holds=${c.functionSpace.holds}, FD ∂_β ln F = ${fd.toExponential(4)}, ` +
        `formula rel ${e.toExponential(2)}`,
    );
    assert.equal(c.functionSpace.holds, fd > 0, `ν=${nu} κ=${kappa}: condition ${c.functionSpace.holds}, FD ${fd}`);
    assert.ok(e <= 0.01, `ν=${nu} κ=${kappa}: ∂_β ln F formula vs FD ${e}`);
    seen.add(c.functionSpace.holds);
  }
  assert.equal(seen.size, 2, "the cases should include both outcomes");
});

test("Γ: known values to 1e-14", () => {
  const cases: [number, number][] = [
    [0.5, Math.sqrt(Math.PI)],
    [1, 1],
    [1.5, Math.sqrt(Math.PI) / 2],
    [5, 24],
    [2.5, 1.329340388179137],
    [0.1, 9.513507698668732],
    [1 / 3, 2.678938534707748],
    [10, 362880],
    [-0.5, -2 * Math.sqrt(Math.PI)],
  ];
  for (const [x, g] of cases) assert.ok(relErr(gammaFn(x), g) <= 1e-14, `Γ(${x}) = ${gammaFn(x)} vs ${g}`);
});
