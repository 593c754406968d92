// Fit method 'reference' against a direct transcription of the reference notebooks' fit_line
// (notebooks/RegimeComparison.ipynb), written here from the Python source; and the exact power law, which the
// project's method recovers exactly while the reference's (value index i regressed on log i) is biased.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitKappa, fitLineReference, fitNu } from "../../lib/problem/fits.ts";
import { syntheticSpectrum } from "../../lib/problem/synthetic.ts";

/** np.linspace(start, stop) (num = 50, endpoint included): start + k·(stop − start)/49, the last exactly stop. */
function linspace(start: number, stop: number): number[] {
  const step = (stop - start) / 49;
  return Array.from({ length: 50 }, (_, k) => (k === 49 ? stop : k * step + start));
}

/** np.polyfit(x, y, deg=1) by the normal equations: [slope, intercept]. */
function polyfit1(x: number[], y: number[]): [number, number] {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return [slope, (sy - slope * sx) / n];
}

/** def fit_line(values, left=10, right=1000, n_intervals=3): returns a_s.mean(), a_s.std(), b_s.mean(), b_s.std(). */
function fitLine(values: ArrayLike<number>, left: number, right: number, nIntervals = 3): number[] {
  const step = (right - left) / nIntervals;
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < nIntervals; i++) {
    const x = linspace(left + i * step, left + (i + 1) * step).map((v) => Math.trunc(v)); // .astype(int)
    const y = x.map((j) => values[j]); // values[x]
    const [a, b] = polyfit1(
      x.map((v) => Math.log(v)),
      y.map((v) => Math.log(v)),
    );
    as.push(a);
    bs.push(b);
  }
  const mean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
  const std = (v: number[]) => Math.sqrt(v.reduce((p, q) => p + (q - mean(v)) ** 2, 0) / v.length); // ddof 0
  return [mean(as), std(as), mean(bs), std(bs)];
}

test("fit method 'reference' = the notebooks' fit_line on ν (5..300) and κ (10..310) windows (1e-12)", () => {
  // a spectrum with some texture (power law × a slow wiggle), so that the three sub-window slopes differ
  const N = 1000;
  const lambda = Float64Array.from({ length: N }, (_, i) => (i + 1) ** -1.4 * (1 + 0.2 * Math.sin(Math.log(i + 1))));
  lambda.sort().reverse();
  const c = Float64Array.from({ length: N }, (_, i) => (i + 1) ** -1.6 * (1 + 0.1 * Math.cos(i)));
  const eigv = lambda.map((l) => l / lambda[0]);
  const [aNu, sNu, bNu] = fitLine(eigv, 5, 300, 3);
  const nu = fitNu(lambda, { method: "reference" });
  assert.ok(Math.abs(nu.exponent + aNu) <= 1e-12, `ν: ${nu.exponent} vs ${-aNu}`);
  assert.ok(Math.abs(nu.subStd - sNu) <= 1e-12, `ν std: ${nu.subStd} vs ${sNu}`);
  assert.ok(sNu > 1e-3, `the wiggle makes the sub-window slopes differ (std ${sNu})`);
  assert.ok(Math.abs(Math.log(nu.amplitude) - bNu) <= 1e-12);
  assert.equal(nu.points, 150);
  // κ: c_cumsum = (cumsum[-1] − cumsum)/cumsum[-1], i.e. the normalised tail Σ_{l>i} C_l / Σ C_l at 0-based i
  let total = 0;
  for (const x of c) total += x;
  let run = 0;
  const cCumsum = Array.from(c, (x) => {
    run += x;
    return (total - run) / total;
  });
  const [aK, sK] = fitLine(cCumsum, 10, 310, 3);
  const kappa = fitKappa(c, { method: "reference" });
  assert.ok(Math.abs(kappa.exponent + aK) <= 1e-12, `κ: ${kappa.exponent} vs ${-aK}`);
  assert.ok(Math.abs(kappa.subStd - sK) <= 1e-12);
  // fitLineReference with the notebook's default left = 10 (its default right = 1000 needs N > 1000)
  const [aD] = fitLine(eigv, 10, 990, 3);
  assert.ok(Math.abs(fitLineReference(eigv, 10, 990).exponent + aD) <= 1e-12);
});

test(
  "exact power law λ_k = k^(−1.5): the project's fit gives ν = 1.5 (1e-12), " +
    "the reference's is biased by the index shift",
  () => {
    const { lambda, c0 } = syntheticSpectrum({ N: 2000, nu: 1.5, kappa: 1 });
    assert.ok(Math.abs(fitNu(lambda).exponent - 1.5) <= 1e-12);
    const ref = fitNu(lambda, { method: "reference" });
    // log λ[i] = −1.5·log(i + 1) regressed on log i: slope −1.5·d log(i+1)/d log i < 1.5 in magnitude
    assert.ok(ref.exponent < 1.5 - 1e-3 && ref.exponent > 1.4, `reference ν = ${ref.exponent}`);
    assert.ok(Number.isFinite(fitKappa(c0, { method: "reference" }).exponent));
    // small problems: the window is clamped to the last positive value instead of failing like the reference
    const small = syntheticSpectrum({ N: 100, nu: 1.5, kappa: 1 });
    const k = fitKappa(small.c0, { method: "reference" });
    assert.deepEqual(k.window, [10, 98]);
    assert.throws(() => fitNu(small.lambda, { method: "other" as never }), /fit method must be "log" or "reference"/);
  },
);
