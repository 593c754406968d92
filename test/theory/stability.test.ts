// Stability (docs/theory.md §4): α_crit against the SD iteration itself and against the spectral radius of the
// whole 3N×3N SD operator (written out from the update rule, radius by repeated squaring); λ_c and the
// asymptotic lines; the deterministic edge; the verdict.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  alphaCrit,
  alphaCritCurve,
  alphaCritHighMomentum,
  alphaCritInfo,
  alphaCritSmall,
  alphaForUTilde,
  deterministicEdge,
  lambdaC,
  uTildeAtOneOf,
  verdictOf,
} from "../../lib/theory/index.ts";
import { batchNoise } from "../../lib/theory/batchNoise.ts";
import { logSpectralRadius, powerLawSpectrum, relErr, sdLosses, sdOperator } from "./helpers.ts";

test("α_crit brackets the SD iteration: converges at 0.98·α_crit, diverges at 1.02·α_crit", (t) => {
  const N = 300,
    T = 20000;
  const sp = powerLawSpectrum(N, 1.3, 0.5);
  // (β, b, τ): both momentum signs, β near 1, τ ∈ {−2, −1, 0, 1}, and b = N (γ = 0, deterministic edge)
  const cases = [
    [0, 1, 1],
    [0.9, 10, -1],
    [-0.5, 3, 0],
    [0.99, 1, 1],
    [-0.9, 1, -2],
    [0.5, 30, 0],
    [0.3, N, 1],
  ] as const;
  for (const [beta, b, tau] of cases) {
    const gamma = batchNoise(N, b);
    const info = alphaCritInfo(sp.lambda, beta, gamma, tau);
    assert.equal(info.proven, true);
    const lo = sdLosses(sp, 0.98 * info.alpha, beta, b, tau, T);
    const hi = sdLosses(sp, 1.02 * info.alpha, beta, b, tau, T);
    // converging: ran to the end and still decreasing over the second half
    assert.equal(lo.status, "done", `β=${beta} b=${b} τ=${tau}: 0.98·α_crit stopped`);
    assert.ok(lo.losses[T] < lo.losses[T / 2], `β=${beta} b=${b} τ=${tau}: 0.98·α_crit not decreasing`);
    // diverging: hit the divergence bound, or growing over the second half of the run
    const n = hi.losses.length - 1;
    const growing = hi.status === "diverged" || hi.losses[n] > 2 * hi.losses[Math.floor(n / 2)];
    assert.ok(
      growing,
      `β=${beta} b=${b} τ=${tau}: 1.02·α_crit not diverging (${hi.losses[Math.floor(n / 2)]} → ${hi.losses[n]})`,
    );
    t.diagnostic(
      `β=${beta} b=${b} τ=${tau}: α_crit=${info.alpha.toPrecision(8)} (${info.bound}); ` +
        `L_T at 0.98: ${lo.losses[T].toExponential(2)}; ` +
        `1.02: ${hi.status} at step ${n}, L=${hi.losses[n].toExponential(2)}`,
    );
  }
});

test("α_crit = where the spectral radius of the 3N×3N SD operator reaches 1 (N = 12), to 1e-7 relative", (t) => {
  const N = 12;
  const lambda = Float64Array.from({ length: N }, (_, k) => Math.pow(k + 1, -1.5));
  const cases = [
    [0, 1, 1],
    [0.5, 4, -1],
    [0.9, 2, 0],
    [-0.5, 1, 0],
    [-0.8, 3, -2],
    [0.95, 1, 1],
    [0.2, 12, 1],
    [0, 6, 0.5],
  ] as const;
  let worst = 0;
  for (const [beta, b, tau] of cases) {
    const gamma = batchNoise(N, b);
    const ac = alphaCrit(lambda, beta, gamma, tau);
    const logRho = (alpha: number) => logSpectralRadius(sdOperator(lambda, alpha, beta, gamma, tau), 3 * N);
    const below = logRho(ac * (1 - 1e-7)),
      above = logRho(ac * (1 + 1e-7));
    assert.ok(
      below < 0 && above > 0,
      `β=${beta} b=${b} τ=${tau}: ln ρ = ${below} at (1 − 1e-7)α_crit, ${above} at (1 + 1e-7)α_crit`,
    );
    // and no earlier crossing: ρ < 1 on a grid of (0, α_crit)
    for (let i = 1; i <= 12; i++) {
      const f = i / 13;
      assert.ok(logRho(f * ac) < 0, `β=${beta} b=${b} τ=${tau}: ρ ≥ 1 already at ${f.toFixed(3)}·α_crit`);
    }
    // where exactly ρ = 1: bisection on ln ρ from a ±1e-3 bracket
    let lo = ac * (1 - 1e-3),
      hi = ac * (1 + 1e-3);
    for (let i = 0; i < 36; i++) {
      const mid = 0.5 * (lo + hi);
      if (logRho(mid) < 0) lo = mid;
      else hi = mid;
    }
    const gap = relErr(0.5 * (lo + hi), ac);
    worst = Math.max(worst, gap);
    t.diagnostic(
      `β=${beta} b=${b} τ=${tau}: α_crit=${ac.toPrecision(10)}, ρ = 1 at relative distance ${gap.toExponential(2)}`,
    );
  }
  assert.ok(worst <= 1e-7, `${worst}`);
});

test("τ > 1 results are flagged unproven (the capped α_crit is not the radius crossing there)", () => {
  const lambda = Float64Array.from({ length: 12 }, (_, k) => Math.pow(k + 1, -1.5));
  const gamma = batchNoise(12, 6);
  const info = alphaCritInfo(lambda, 0, gamma, 2);
  assert.equal(info.proven, false);
  assert.equal(verdictOf(lambda, { alpha: 0.5, beta: 0, gamma, tau: 2 }).proven, false);
  // the radius crossing lies beyond the deterministic edge (measured 2.1686 for this case)
  const logRho = (alpha: number) => logSpectralRadius(sdOperator(lambda, alpha, 0, gamma, 2), 36);
  assert.equal(info.bound, "edge");
  assert.ok(logRho(1.02 * info.alpha) < 0, "expected SD stable just past the deterministic edge for τ = 2, b = 6");
});

test("verdict agrees with α_crit and with Ũ(1) < 1", () => {
  const sp = powerLawSpectrum(500, 1.2, 1);
  for (const [beta, b, tau] of [
    [0, 1, 1],
    [0.9, 5, -1],
    [-0.6, 2, 0],
  ] as const) {
    const gamma = batchNoise(sp.N, b);
    const ac = alphaCrit(sp.lambda, beta, gamma, tau);
    const ok = verdictOf(sp.lambda, { alpha: 0.999 * ac, beta, gamma, tau });
    const bad = verdictOf(sp.lambda, { alpha: 1.001 * ac, beta, gamma, tau });
    assert.ok(ok.converges && ok.uTilde < 1, `β=${beta}: 0.999·α_crit`);
    assert.ok(!bad.converges && bad.reason === "U(1) >= 1", `β=${beta}: 1.001·α_crit → ${bad.reason}`);
    assert.ok(
      Math.abs(uTildeAtOneOf(sp.lambda, { alpha: ac, beta, gamma, tau }) - 1) <= 1e-12,
      "failed: Math.abs(uTildeAtOneOf(sp.lambda, { alpha: ac, beta, gamma, tau }) - 1) <= 1e-12",
    );
  }
  const edge = verdictOf(sp.lambda, { alpha: 2.01, beta: 0, gamma: 0, tau: 1 });
  assert.ok(
    !edge.converges && edge.reason === "deterministic edge",
    'failed: !edge.converges && edge.reason === "deterministic edge"',
  );
});

test("deterministic edge binds at b = N (exactly) and as β → −1 (ratio → 1)", (t) => {
  const sp = powerLawSpectrum(400, 1.3, 1);
  for (const beta of [-0.5, 0, 0.7]) {
    assert.equal(alphaCrit(sp.lambda, beta, batchNoise(400, 400), -1), deterministicEdge(1, beta));
  }
  const gamma = batchNoise(400, 4);
  const r = [-0.9, -0.99, -0.999].map((beta) => alphaCrit(sp.lambda, beta, gamma, 0) / deterministicEdge(1, beta));
  t.diagnostic(`α_crit/edge at β = −0.9, −0.99, −0.999 (b = 4, τ = 0): ${r.map((x) => x.toFixed(6)).join(", ")}`);
  assert.ok(r[0] < r[1] && r[1] < r[2] && r[2] <= 1 && r[2] > 0.999, `${r}`);
});

test("λ_c solves Σλ/(τλ + λ_c) = 1 (≤ 1e-12), and α_crit → 2(1 − β)/(γλ_c) as β → 1 with O(1 − β) error", (t) => {
  const sp = powerLawSpectrum(1000, 1.3, 1);
  for (const tau of [-2, -1, 0, 1, 2]) {
    const lc = lambdaC(sp.lambda, tau);
    let s = 0;
    for (let k = 0; k < sp.N; k++) s += sp.lambda[k] / (tau * sp.lambda[k] + lc);
    assert.ok(Math.abs(s - 1) <= 1e-12, `τ=${tau}: Σ = ${s}`);
    const gamma = batchNoise(sp.N, 2);
    const errs = [1e-2, 1e-3, 1e-4].map((eps) =>
      relErr(alphaCrit(sp.lambda, 1 - eps, gamma, tau), alphaCritHighMomentum(sp.lambda, 1 - eps, gamma, tau)),
    );
    t.diagnostic(
      `τ=${tau}: λ_c=${lc.toPrecision(8)}; ` +
        `relative gap at 1 − β = 1e-2, 1e-3, 1e-4: ${errs.map((e) => e.toExponential(2)).join(", ")}`,
    );
    assert.ok(errs[2] <= 1e-3 && errs[2] < errs[1] / 5 && errs[1] < errs[0] / 5, `τ=${tau}: ${errs}`);
  }
});

test("small-α line α_eff,crit ≈ 2/(γΣλ): relative gap O(α_crit λ) — → 0 as Σλ/λ_max grows", (t) => {
  // a flat spectrum has large Σλ, hence small α_crit: λ_k = k^(−0.3) on N modes, γ = 1
  const gaps: number[] = [];
  for (const N of [100, 1000, 10000]) {
    const lambda = Float64Array.from({ length: N }, (_, k) => Math.pow(k + 1, -0.3));
    for (const beta of [0, 0.8]) {
      const ac = alphaCrit(lambda, beta, 1, 0);
      const line = alphaCritSmall(lambda, beta, 1);
      const gap = relErr(ac, line);
      // first-order prediction of the gap: α_eff λ-weighted, ≈ α_eff,crit Σλ²/(2Σλ)
      let s1 = 0,
        s2 = 0;
      for (const l of lambda) {
        s1 += l;
        s2 += l * l;
      }
      const scale = ((ac / (1 - beta)) * s2) / (2 * s1);
      assert.ok(gap <= 2 * scale, `N=${N} β=${beta}: gap ${gap} vs scale ${scale}`);
      if (beta === 0) gaps.push(gap);
    }
  }
  t.diagnostic(`relative gap at N = 100, 1000, 10000 (β = 0): ${gaps.map((g) => g.toExponential(2)).join(", ")}`);
  assert.ok(
    gaps[2] < gaps[1] && gaps[1] < gaps[0] && gaps[2] < 1e-3,
    "failed: gaps[2] < gaps[1] && gaps[1] < gaps[0] && gaps[2] < 1e-3",
  );
});

test("alphaCritCurve = alphaCrit pointwise; alphaForUTilde inverts Ũ(1) (≤ 1e-12)", () => {
  const sp = powerLawSpectrum(300, 1.5, 1);
  const betas = Float64Array.from({ length: 21 }, (_, i) => -0.95 + 0.095 * i);
  const curve = alphaCritCurve(sp.lambda, betas, 0.1, -1);
  for (let i = 0; i < betas.length; i++) assert.equal(curve[i], alphaCrit(sp.lambda, betas[i], 0.1, -1));
  for (const target of [0.1, 0.5, 0.9]) {
    const a = alphaForUTilde(sp.lambda, 0.5, 0.3, 1, target);
    assert.ok(
      Math.abs(uTildeAtOneOf(sp.lambda, { alpha: a, beta: 0.5, gamma: 0.3, tau: 1 }) - target) <= 1e-12 * target,
      `alphaForUTilde(${target}) = ${a}: Ũ(1) there is not the target to 1e-12`,
    );
  }
});
