import { test } from "node:test";
import assert from "node:assert/strict";
import { fitKappa, fitLossExponent, fitNu, fitPowerLaw } from "../../lib/problem/fits.ts";
import { syntheticSpectrum } from "../../lib/problem/synthetic.ts";
import { Rng } from "../../lib/random/rng.ts";

test("an exact power law is recovered to 1e-12 with R² = 1 on every sub-window", () => {
  const x = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  const y = x.map((v) => 3.5 * v ** -1.7);
  const fit = fitPowerLaw(x, y, { window: [10, 800], subWindows: 5 });
  assert.ok(Math.abs(fit.exponent - 1.7) < 1e-12);
  assert.ok(Math.abs(fit.amplitude - 3.5) < 1e-10);
  assert.ok(Math.abs(fit.r2 - 1) < 1e-12);
  assert.equal(fit.subExponents.length, 5);
  for (const e of fit.subExponents) assert.ok(Math.abs(e - 1.7) < 1e-12);
  assert.deepEqual(fit.window, [10, 800]);
});

test("noisy power law: exponent within 3 standard errors, 1 − R² within 5 standard errors of its expectation", () => {
  const rng = new Rng(5);
  const sigma = 0.05;
  const x = Float64Array.from({ length: 2000 }, (_, i) => i + 1);
  const y = x.map((v) => v ** -1.2 * Math.exp(sigma * rng.normal()));
  const fit = fitPowerLaw(x, y, { subWindows: 4 });
  // OLS on (ln x, ln y): slope standard error σ/√Sxx with Sxx = Σ(ln x − mean)² (≈ 1.1e-3 here)
  const lx = Array.from(x, Math.log);
  const mean = lx.reduce((a, v) => a + v, 0) / lx.length;
  const sxx = lx.reduce((a, v) => a + (v - mean) ** 2, 0);
  const se = sigma / Math.sqrt(sxx);
  assert.ok(Math.abs(fit.exponent - 1.2) <= 3 * se, `${fit.exponent} vs 1.2 ± 3·${se}`);
  // E[1 − R²] ≈ σ²/(p²Sxx/n + σ²); the residual variance has relative standard error √(2/n)
  const n = x.length;
  const expected = sigma ** 2 / ((1.2 ** 2 * sxx) / n + sigma ** 2);
  assert.ok(
    Math.abs(1 - fit.r2 - expected) <= 5 * Math.sqrt(2 / n) * expected,
    `1 − R² = ${1 - fit.r2} vs ${expected}`,
  );
  assert.ok(fit.subStd > 0);
});

test("ν of the synthetic spectrum is exact; κ from the tail within 1% at N = 10⁶", () => {
  const s = syntheticSpectrum({ N: 1_000_000, nu: 1.4, kappa: 0.8 });
  assert.ok(Math.abs(fitNu(s.lambda).exponent - 1.4) < 1e-10);
  // S_k ∝ k^(−κ)·(1 + O(1/k)) − N^(−κ): on [100, 1000] both corrections are ≤ 1%
  const kappa = fitKappa(s.c0, { window: [100, 1000] });
  assert.ok(Math.abs(kappa.exponent - 0.8) < 0.01 * 0.8, `${kappa.exponent}`);
});

test("loss exponent over the last two decades", () => {
  const t = Float64Array.from({ length: 10001 }, (_, i) => i);
  const L = t.map((v) => (1 + v) ** -0.9);
  const fit = fitLossExponent(t, L);
  assert.deepEqual(fit.window, [100, 10000]);
  assert.ok(Math.abs(fit.exponent - 0.9) < 0.01); // (1+t) vs t shifts the slope by < 1% on [100, 10⁴]
});

test("bad input is named", () => {
  assert.throws(() => fitPowerLaw([1, 2], [1, 2, 3]), /equal lengths/);
  assert.throws(() => fitPowerLaw([1, 2, 3], [1, 1, 1], { window: [5, 1] }), /window/);
  assert.throws(() => fitPowerLaw([1, 2, 3, 4], [1, 1, 1, 1], { window: [10, 20] }), /at least 3/);
});
