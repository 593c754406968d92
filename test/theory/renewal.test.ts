// The SD loss computed two independent ways: the SD regime's O(N) step recursion
// (lib/regimes/spectralDiagonal.ts, constant schedule) and the renewal equation over the propagators
// σ_t = v_t + Σ_{s=1..t} u_s σ_{t−s}, L = σ/(2N) (docs/theory.md §3).
import { test } from "node:test";
import assert from "node:assert/strict";
import { alphaCrit, renewalLoss, solveRenewal } from "../../lib/theory/index.ts";
import { batchNoise } from "../../lib/theory/batchNoise.ts";
import { powerLawSpectrum, relErr, sdLosses } from "./helpers.ts";

test("SD loss = renewal-equation loss, ≤ 1e-10 relative at every step, τ ∈ {−2,−1,0,1,2} × β ∈ {−0.5, 0, 0.9}", (t) => {
  const N = 200,
    T = 500,
    b = 8;
  const sp = powerLawSpectrum(N, 1.5, 1);
  const gamma = batchNoise(N, b);
  let worst = 0;
  for (const tau of [-2, -1, 0, 1, 2]) {
    for (const beta of [-0.5, 0, 0.9]) {
      // a converging and a diverging learning rate (the latter stopped early by the divergence bound)
      for (const frac of [0.6, 1.05]) {
        const alpha = frac * alphaCrit(sp.lambda, beta, gamma, tau);
        const { losses } = sdLosses(sp, alpha, beta, b, tau, T);
        const ren = renewalLoss(sp, { alpha, beta, gamma, tau }, T);
        let e = 0;
        for (let s = 0; s < losses.length; s++) e = Math.max(e, relErr(losses[s], ren[s]));
        worst = Math.max(worst, e);
        assert.ok(e <= 1e-10, `τ=${tau} β=${beta} α=${alpha}: ${e}`);
        assert.ok(losses.length > 50, `τ=${tau} β=${beta}: only ${losses.length} steps compared`);
      }
    }
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)}`);
});

test("solveRenewal: v = δ_0, u = r·δ_1 gives σ_t = r^t; v_t = 1, u_s = 2^(−s) gives σ_t = t/2 + 1", (t) => {
  const T = 60;
  const v = new Float64Array(T + 1),
    u = new Float64Array(T + 1);
  v[0] = 1;
  u[1] = 0.9;
  const s = solveRenewal(v, u);
  let e = 0;
  for (let i = 0; i <= T; i++) e = Math.max(e, relErr(s[i], Math.pow(0.9, i)));
  // second case: v_t = 1 (V(z) = 1/(1 − z)), u_s = (1/2)^s for s ≥ 1 (U(z) = z/(2 − z)):
  // σ(z) = V/(1 − U) = (2 − z)/(2(1 − z)²) ⇒ σ_t = (t + 1) − t/2 = t/2 + 1
  v.fill(1);
  u[0] = 0;
  for (let i = 1; i <= T; i++) u[i] = Math.pow(0.5, i);
  const s2 = solveRenewal(v, u);
  for (let i = 0; i <= T; i++) e = Math.max(e, relErr(s2[i], i / 2 + 1));
  t.diagnostic(`max relative deviation ${e.toExponential(2)}`);
  assert.ok(e <= 1e-13, `${e}`);
});
