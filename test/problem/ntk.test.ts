// NTKs: the closed-form empirical NTK against tfjs autodiff; the analytic infinite-width NTK against the
// empirical one as H grows (error ~ 1/√H); the network problem built from them; the spectral summary.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/random/rng.ts";
import { eigh } from "../../lib/linalg/eigh.ts";
import { analyticNtk, empiricalNtk, relativeFrobenius, topEigenvalue } from "../../lib/problem/ntk.ts";
import { networkProblem, spectrumSummary, summaryIndices } from "../../lib/problem/ntkProblem.ts";
import { forward, initNetwork, type Regression } from "../../lib/model/network.ts";
import { jacobianNtkTf } from "../../lib/regimes/networkTf.ts";
import { selectBackend } from "../../lib/tf/backend.ts";

function toyData(N: number, d: number, seed: number): Regression {
  const rng = new Rng(seed);
  const x = rng.normals(N * d);
  const y = rng.normals(N);
  return { N, d, x, y };
}

before(async () => {
  await selectBackend("auto");
});

test("closed-form empirical NTK = J Jᵀ from tfjs autodiff (float32 Jacobian: ≤ 1e-5 relative)", () => {
  const data = toyData(10, 6, 1);
  for (const H of [1, 24]) {
    const params = initNetwork(6, H, 2 + H);
    const K = empiricalNtk(data, params);
    const Kj = jacobianNtkTf(params, data);
    const err = relativeFrobenius(K, Kj);
    assert.ok(err <= 1e-5, `H=${H}: ‖K − JJᵀ‖/‖JJᵀ‖ = ${err} (measured ~4e-8)`);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) assert.equal(K[i * 10 + j], K[j * 10 + i]);
  }
});

test("analytic NTK = limit of the empirical one: relative error falls like 1/√H", () => {
  // K_emp = (1/H)·Σ_h k_h with i.i.d. neuron terms of mean K∞, so E‖K_emp − K∞‖² = E‖k − K∞‖²/H exactly:
  // the root-mean-square relative error over initialisations times √H is a constant (up to sampling noise).
  const data = toyData(30, 8, 3);
  const Kinf = analyticNtk(data);
  const widths = [64, 256, 1024, 4096];
  const seeds = 48;
  const rms = widths.map((H) => {
    let s = 0;
    for (let r = 0; r < seeds; r++)
      s += relativeFrobenius(empiricalNtk(data, initNetwork(8, H, 100 * H + r)), Kinf) ** 2;
    return Math.sqrt(s / seeds);
  });
  const lx = widths.map(Math.log),
    ly = rms.map(Math.log);
  const mx = lx.reduce((a, b) => a + b) / lx.length,
    my = ly.reduce((a, b) => a + b) / ly.length;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  const msg = `rms errors ${rms.map((e) => e.toExponential(2)).join(", ")}`;
  assert.ok(slope > -0.6 && slope < -0.4, `slope ${slope} of log error vs log H; ${msg}`);
  const c = rms.map((e, i) => e * Math.sqrt(widths[i]));
  assert.ok(
    Math.max(...c) / Math.min(...c) < 1.35,
    `err·√H should be about constant: ${c.map((v) => v.toFixed(3)).join(", ")}`,
  );
  assert.ok(rms[3] < 0.05, msg);
});

test("analytic NTK: symmetric, PSD, diagonal = Σ_ii = |x|²/d + 1", () => {
  const data = toyData(25, 4, 5);
  const K = analyticNtk(data);
  const N = 25;
  for (let i = 0; i < N; i++) {
    let sq = 0;
    for (let k = 0; k < 4; k++) sq += data.x[i * 4 + k] ** 2;
    assert.ok(Math.abs(K[i * N + i] - (sq / 4 + 1)) <= 1e-14 * K[i * N + i]);
    for (let j = 0; j < N; j++) assert.equal(K[i * N + j], K[j * N + i]);
  }
  const { values } = eigh(K, N, { vectors: false });
  assert.ok(values[N - 1] >= -1e-12 * values[0], `smallest eigenvalue ${values[N - 1]}`);
});

test("topEigenvalue (power iteration) = eigh's largest eigenvalue to 1e-12", () => {
  const data = toyData(60, 5, 6);
  const K = empiricalNtk(data, initNetwork(5, 40, 7));
  const ref = eigh(K, 60, { vectors: false }).values[0];
  assert.ok(Math.abs(topEigenvalue(K, 60) - ref) <= 1e-12 * ref);
});

test("network problem: K̂ = K/λ_max (λ_1 = 1), d₀ = f₀(X) − y unstandardised, C_k from the eigenvectors", () => {
  const data = toyData(40, 6, 8);
  const params = initNetwork(6, 50, 9);
  const np = networkProblem(data, params, { keepKernel: true });
  const { problem } = np;
  const K = np.kernel!;
  assert.ok(Math.abs(problem.lambda[0] - 1) <= 1e-12);
  assert.ok(Math.abs(np.lrScale - 40 / eigh(K, 40, { vectors: false }).values[0]) <= 1e-10 * np.lrScale);
  for (let i = 0; i < K.length; i++) assert.ok(Math.abs(problem.khat[i] - K[i] / np.lambdaMax) <= 1e-13 * np.lambdaMax);
  const f0 = forward(params, data.x, 40);
  for (let i = 0; i < 40; i++) assert.ok(Math.abs(problem.d0[i] - (f0[i] - data.y[i])) <= 1e-13);
  const ss = problem.d0.reduce((p, q) => p + q * q, 0);
  const cs = problem.c0.reduce((p, q) => p + q, 0);
  assert.ok(Math.abs(ss - cs) <= 1e-10 * ss);
  const an = networkProblem(data, null, { ntk: "analytic" });
  for (let i = 0; i < 40; i++) assert.equal(an.problem.d0[i], -data.y[i]);
  assert.throws(() => networkProblem(data, null), /needs the network's parameters/);
});

test("spectrum summary recovers ν and κ of an exact power law; summary indices", () => {
  const N = 2000,
    nu = 1.5,
    kappa = 1.5;
  const lambda = Float64Array.from({ length: N }, (_, i) => (i + 1) ** -nu);
  const c0 = Float64Array.from({ length: N }, (_, i) => (i + 1) ** (-kappa - 1));
  const s = spectrumSummary({ N, lambda, c0 });
  assert.ok(Math.abs(s.nu - nu) < 1e-9, `nu ${s.nu}`);
  assert.ok(Math.abs(s.kappa - kappa) < 0.05, `kappa ${s.kappa}`); // the finite-N tail bends the fit slightly
  assert.ok(Math.abs(s.zeta - kappa / nu) < 0.04);
  assert.deepEqual(summaryIndices(120), [1, 2, 5, 10, 20, 50, 100, 120]);
  assert.equal(s.lambda[0].value, 1);
});
