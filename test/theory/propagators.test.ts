// Per-mode generating functions and propagators (docs/theory.md §3) against the 3×3 matrix A_k written out
// independently in helpers.ts: Taylor coefficients vs iterated A_k, closed forms vs resolvent solves
// and determinants, sums of coefficients vs the closed form at z = 1, and the β = 0 geometric limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  modeS,
  modeTaylorU,
  modeTaylorV,
  modeU,
  modeV,
  propagators,
  uTildeAtOne,
  vTildeAtOne,
} from "../../lib/theory/index.ts";
import { det3, iMinusZA, matVec3, modeMatrix, powerLawSpectrum, relErr, solve3 } from "./helpers.ts";

// (λ, α, β, γ, τ): momentum of both signs, γτ < 0, = 0, in (0, 1) and > 1, one mode near its edge.
const CASES = [
  [1, 0.5, 0, 0.3, 1],
  [0.3, 1.2, 0.9, 0.05, -1],
  [1, 0.7, -0.5, 1, -2],
  [0.05, 2, 0.6, 0.5, 2],
  [1, 1.9, 0, 0, 0],
  [0.7, 0.4, 0.95, 0.8, 0.5],
  [1, 0.3, -0.9, 0.2, 1],
] as const;

test("Taylor coefficients [U_k]_t, [V_k]_t = iterated A_k on (1,1,1), (1,0,0), ≤ 1e-12 of the largest one", (t) => {
  let worst = 0;
  for (const [lambda, alpha, beta, gamma, tau] of CASES) {
    const p = { alpha, beta, gamma, tau };
    const T = 300;
    const U = modeTaylorU(lambda, p, T),
      V = modeTaylorV(lambda, p, T);
    const A = modeMatrix(alpha * lambda, beta, gamma * tau);
    let xu = [1, 1, 1],
      xv = [1, 0, 0];
    let scaleU = 0,
      scaleV = 0,
      eu = 0,
      ev = 0;
    for (let t = 0; t <= T; t++) {
      scaleU = Math.max(scaleU, Math.abs(xu[0]));
      scaleV = Math.max(scaleV, Math.abs(xv[0]));
      eu = Math.max(eu, Math.abs(U[t] - xu[0]));
      ev = Math.max(ev, Math.abs(V[t] - xv[0]));
      xu = matVec3(A, xu);
      xv = matVec3(A, xv);
    }
    worst = Math.max(worst, eu / scaleU, ev / scaleV);
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-12, `max relative deviation ${worst}`);
});

test("S_k(z) = det(I − zA_k), U_k(z), V_k(z) = C-component of (I − zA_k)⁻¹(1,1,1), (1,0,0), ≤ 1e-12", (t) => {
  let worst = 0;
  for (const [lambda, alpha, beta, gamma, tau] of CASES) {
    const p = { alpha, beta, gamma, tau };
    const A = modeMatrix(alpha * lambda, beta, gamma * tau);
    for (const z of [-0.8, 0.25, 0.6, 0.97]) {
      const M = iMinusZA(A, z);
      worst = Math.max(
        worst,
        relErr(modeS(z, lambda, p), det3(M)),
        relErr(modeU(z, lambda, p), solve3(M, [1, 1, 1])[0]),
        relErr(modeV(z, lambda, p), solve3(M, [1, 0, 0])[0]),
      );
    }
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-12, `max relative deviation ${worst}`);
});

test("closed forms at z = 1 = sums of the Taylor coefficients for stable modes, ≤ 1e-10", (t) => {
  let worst = 0;
  let n = 0;
  for (const [lambda, alpha, beta, gamma, tau] of CASES) {
    const p = { alpha, beta, gamma, tau };
    const T = 200000;
    const U = modeTaylorU(lambda, p, T),
      V = modeTaylorV(lambda, p, T);
    if (!(Math.abs(U[T]) < 1e-30 && Math.abs(V[T]) < 1e-30)) continue; // not a convergent mode
    n++;
    let su = 0,
      sv = 0;
    for (let t = 0; t <= T; t++) {
      su += U[t];
      sv += V[t];
    }
    worst = Math.max(worst, relErr(su, modeU(1, lambda, p)), relErr(sv, modeV(1, lambda, p)));
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)} over ${n} cases`);
  assert.ok(n >= 5, `only ${n} convergent cases`);
  assert.ok(worst <= 1e-10, `max relative deviation ${worst}`);
});

test("β = 0: [U_k]_t = [V_k]_t = m^t with m = (1 − a)² − γτa², ≤ 1e-13", (t) => {
  let worst = 0;
  for (const [a, gt] of [
    [0.3, 0],
    [0.9, 0.5],
    [1.5, -0.2],
    [0.01, 1],
  ]) {
    const p = { alpha: a, beta: 0, gamma: 1, tau: gt };
    const U = modeTaylorU(1, p, 100),
      V = modeTaylorV(1, p, 100);
    const m = (1 - a) * (1 - a) - gt * a * a;
    for (let t = 0; t <= 100; t++) {
      const e = Math.pow(m, t);
      worst = Math.max(worst, relErr(U[t], e), relErr(V[t], e));
    }
  }
  t.diagnostic(`max relative deviation ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-13, `max relative deviation ${worst}`);
});

test("propagators v_t, u_t = Σ_k iterated A_k (N = 30, T = 400), ≤ 1e-12; Σv = Ṽ(1), Σu = Ũ(1) ≤ 1e-9", (t) => {
  const sp = powerLawSpectrum(30, 1.4, 0.7);
  for (const [alpha, beta, gamma, tau] of [
    [0.8, 0, 0.2, -1],
    [0.3, 0.8, 0.1, 1],
    [0.9, -0.5, 0.5, 0],
  ] as const) {
    const p = { alpha, beta, gamma, tau };
    const T = 400;
    const { v, u } = propagators(sp, p, T);
    const vRef = new Float64Array(T + 1),
      uRef = new Float64Array(T + 1);
    for (let k = 0; k < sp.N; k++) {
      const a = alpha * sp.lambda[k];
      const A = modeMatrix(a, beta, gamma * tau);
      let xv = [1, 0, 0],
        xu = [1, 1, 1];
      for (let s = 0; s <= T; s++) {
        vRef[s] += sp.c0[k] * xv[0];
        if (s + 1 <= T) uRef[s + 1] += gamma * a * a * xu[0];
        xv = matVec3(A, xv);
        xu = matVec3(A, xu);
      }
    }
    let ev = 0,
      eu = 0;
    for (let s = 0; s <= T; s++) {
      ev = Math.max(ev, relErr(v[s], vRef[s]));
      if (s > 0) eu = Math.max(eu, relErr(u[s], uRef[s]));
    }
    assert.equal(u[0], 0);
    assert.ok(ev <= 1e-12 && eu <= 1e-12, `v: ${ev}, u: ${eu} (α=${alpha}, β=${beta})`);
    // long horizon: the series sum to the closed forms at z = 1 (this spectrum's slowest mode decays by T = 2·10⁵)
    const long = propagators(sp, p, 200000);
    let sv = 0,
      su = 0;
    for (let s = 0; s <= 200000; s++) {
      sv += long.v[s];
      su += long.u[s];
    }
    const e1 = relErr(sv, vTildeAtOne(sp, p)),
      e2 = relErr(su, uTildeAtOne(sp, p));
    t.diagnostic(
      `α=${alpha} β=${beta}: v ${ev.toExponential(2)}, u ${eu.toExponential(2)}, ` +
        `ΣV ${e1.toExponential(2)}, ΣU ${e2.toExponential(2)}`,
    );
    assert.ok(e1 <= 1e-9 && e2 <= 1e-9, `ΣV: ${e1}, ΣU: ${e2}`);
  }
});
