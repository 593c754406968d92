// Ũ(1), Ṽ(1) closed forms (docs/theory.md §3) against per-mode resolvent solves, the deterministic heavy-ball
// loss summed over time (γ = 0), the β = 0 limit, the grid routine and the small-αλ approximations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { atOneSmallAlpha, uTildeAtOne, uTildeAtOneGrid, vTildeAtOne } from "../../lib/theory/index.ts";
import { iMinusZA, modeMatrix, powerLawSpectrum, relErr, solve3 } from "./helpers.ts";

const SP = powerLawSpectrum(100, 1.3, 0.8);

test("Ũ(1), Ṽ(1) = Σ_k over per-mode solves of (I − A_k)x = (1,1,1), (1,0,0), ≤ 1e-12", (t) => {
  let worst = 0;
  for (const [alpha, beta, gamma, tau] of [
    [0.5, 0, 0.3, 1],
    [0.1, 0.9, 1, -1],
    [0.8, -0.5, 0.05, 0],
    [1.5, 0.3, 0.01, 2],
    [0.01, 0.99, 0.6, -2],
  ] as const) {
    let u = 0,
      v = 0;
    for (let k = 0; k < SP.N; k++) {
      const a = alpha * SP.lambda[k];
      const M = iMinusZA(modeMatrix(a, beta, gamma * tau), 1);
      u += gamma * a * a * solve3(M, [1, 1, 1])[0];
      v += SP.c0[k] * solve3(M, [1, 0, 0])[0];
    }
    const p = { alpha, beta, gamma, tau };
    worst = Math.max(worst, relErr(uTildeAtOne(SP, p), u), relErr(vTildeAtOne(SP, p), v));
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-12, `${worst}`);
});

test("γ = 0 (b = N): Ũ(1) = 0 and Ṽ(1) = Σ_t Σ_k C_k(0)d_k(t)² of the plain heavy ball, ≤ 1e-10", (t) => {
  let worst = 0;
  for (const [alpha, beta] of [
    [1, 0],
    [0.5, 0.9],
    [0.9, -0.5],
    [2.5, 0.5],
  ] as const) {
    const p = { alpha, beta, gamma: 0, tau: 1 };
    assert.equal(uTildeAtOne(SP, p), 0);
    // heavy ball per mode (docs/theory.md §2): p' = λd + βp, d' = d − αp', from d = 1, p = 0
    let sum = 0;
    for (let k = 0; k < SP.N; k++) {
      const l = SP.lambda[k];
      let d = 1,
        m = 0,
        s = 0;
      for (let it = 0; it < 2_000_000; it++) {
        s += d * d;
        m = l * d + beta * m;
        d -= alpha * m;
        if (d * d + m * m < 1e-40) break;
      }
      sum += SP.c0[k] * s;
    }
    worst = Math.max(worst, relErr(vTildeAtOne(SP, p), sum));
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-10, `${worst}`);
});

test("β = 0: Ũ(1) = γΣa/(2 − a + γτa), Ṽ(1) = ΣC/(a(2 − a + γτa)), ≤ 1e-13", (t) => {
  let worst = 0;
  for (const [alpha, gamma, tau] of [
    [0.5, 0.3, 1],
    [0.5, 1, -2],
    [1.9, 0.1, 0],
    [0.7, 0.4, 2],
  ] as const) {
    let u = 0,
      v = 0;
    for (let k = 0; k < SP.N; k++) {
      const a = alpha * SP.lambda[k];
      const den = 2 - a + gamma * tau * a;
      u += (gamma * a) / den;
      v += SP.c0[k] / (a * den);
    }
    const p = { alpha, beta: 0, gamma, tau };
    worst = Math.max(worst, relErr(uTildeAtOne(SP, p), u), relErr(vTildeAtOne(SP, p), v));
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-13, `${worst}`);
});

test("uTildeAtOneGrid = uTildeAtOne pointwise (≤ 1e-13), +Infinity exactly where a mode's denominator is ≤ 0", (t) => {
  const alphas = Float64Array.from({ length: 23 }, (_, j) => 0.05 + 0.17 * j);
  const betas = Float64Array.from({ length: 17 }, (_, i) => -0.95 + 0.118 * i);
  let worst = 0,
    nInf = 0;
  for (const [gamma, tau] of [
    [0.2, -1],
    [0.05, 1],
    [0.5, 0],
  ] as const) {
    const g = uTildeAtOneGrid(SP.lambda, alphas, betas, gamma, tau);
    for (let i = 0; i < betas.length; i++) {
      for (let j = 0; j < alphas.length; j++) {
        const ref = uTildeAtOne(SP, { alpha: alphas[j], beta: betas[i], gamma, tau });
        const got = g[i * alphas.length + j];
        if (ref === Infinity) {
          assert.equal(got, Infinity);
          nInf++;
          continue;
        }
        worst = Math.max(worst, relErr(got, ref));
      }
    }
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)}; ${nInf} infinite points`);
  assert.ok(nInf > 0 && worst <= 1e-13, `${worst}`);
  assert.ok(
    uTildeAtOneGrid(SP.lambda, alphas, betas, 0, 1).every((x) => x === 0),
    "γ = 0 must give Ũ(1) = 0",
  );
});

test("small αλ: Ũ(1) ≈ (γ/2)α_eff Σλ, Ṽ(1) ≈ ΣC/(2α_eff λ) with relative error O(α_eff λ_max)", (t) => {
  for (const [beta, tau] of [
    [0, 1],
    [0.9, -1],
    [-0.5, 0],
  ] as const) {
    const errs: number[] = [];
    for (const aEff of [1e-2, 1e-3, 1e-4]) {
      const p = { alpha: aEff * (1 - beta), beta, gamma: 0.3, tau };
      const approx = atOneSmallAlpha(SP, p);
      const e = Math.max(relErr(uTildeAtOne(SP, p), approx.uTilde), relErr(vTildeAtOne(SP, p), approx.vTilde));
      assert.ok(e <= (2 * aEff) / (1 - Math.abs(beta)), `β=${beta} α_eff=${aEff}: ${e}`);
      errs.push(e);
    }
    // first-order: the error shrinks ~10× per decade of α_eff
    assert.ok(errs[2] < errs[1] / 5 && errs[1] < errs[0] / 5, `not O(α): ${errs}`);
    t.diagnostic(
      `β=${beta}: relative errors at α_eff = 1e-2, 1e-3, 1e-4: ${errs.map((e) => e.toExponential(2)).join(", ")}`,
    );
  }
});
