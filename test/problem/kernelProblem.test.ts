import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelProblem, standardize } from "../../lib/problem/kernelProblem.ts";
import { syntheticDense } from "../../lib/problem/synthetic.ts";
import { Rng } from "../../lib/random/rng.ts";

test("a synthetic kernel given as K = N·K̂ comes back with the same spectrum and C_k (1e-10)", () => {
  // Independent route: the synthetic problem knows its eigenpairs by construction; kernelProblem finds them by eigh.
  const N = 80;
  const p = syntheticDense({ N, nu: 1.2, kappa: 0.5, seed: 11 });
  const K = p.khat.map((v) => 3.7 * N * v); // any positive scale: rescaling must undo it
  const q = kernelProblem(K, p.d0, { standardize: false });
  for (let k = 0; k < N; k++) assert.ok(Math.abs(q.lambda[k] - p.lambda[k]) < 1e-12, `λ_${k}`);
  // C_k only for well-separated eigenvalues (λ_k − λ_{k+1} ≫ 1e-12 here since ν = 1.2, N = 80)
  for (let k = 0; k < N; k++) assert.ok(Math.abs(q.c0[k] - p.c0[k]) < 1e-10, `C_${k}: ${q.c0[k]} vs ${p.c0[k]}`);
  for (let i = 0; i < N * N; i++) assert.ok(Math.abs(q.khat[i] - p.khat[i]) < 1e-14);
  let sum = 0;
  for (let k = 0; k < N; k++) sum += q.c0[k];
  assert.ok(Math.abs(sum - 1) < 1e-12, "Parseval: Σ C_k = ‖d_0‖² = 1");
});

test("rescale: λ_max(K̂) = 1; rescale off keeps K/N", () => {
  const N = 30;
  const rng = new Rng(1);
  const X = rng.normals(N * 5);
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let f = 0; f < 5; f++) s += X[i * 5 + f] * X[j * 5 + f];
      K[i * N + j] = s;
    }
  const d = rng.normals(N);
  const scaled = kernelProblem(K, d);
  assert.ok(Math.abs(scaled.lambda[0] - 1) < 1e-14);
  const raw = kernelProblem(K, d, { rescale: false });
  for (let i = 0; i < N * N; i++) assert.equal(raw.khat[i], K[i] / N, `rescale off: K̂ = K/N at ${i}`);
  // λ_max(K) independently: K = XXᵀ has the nonzero spectrum of the 5×5 XᵀX (power iteration, Rayleigh quotient)
  const G = new Float64Array(25);
  for (let a = 0; a < 5; a++)
    for (let c = 0; c < 5; c++) for (let i = 0; i < N; i++) G[a * 5 + c] += X[i * 5 + a] * X[i * 5 + c];
  let v = [1, 1, 1, 1, 1];
  let top = 0;
  for (let it = 0; it < 2000; it++) {
    const w = v.map((_, a) => v.reduce((acc, x, c) => acc + G[a * 5 + c] * x, 0));
    top = w.reduce((acc, x, a) => acc + x * v[a], 0);
    const nrm = Math.hypot(...w);
    v = w.map((x) => x / nrm);
  }
  assert.ok(Math.abs(raw.lambda[0] - top / N) <= 1e-12 * raw.lambda[0], `λ_max(K)/N ${raw.lambda[0]} vs ${top / N}`);
  for (let i = 0; i < N * N; i++) assert.ok(Math.abs(scaled.khat[i] - K[i] / top) <= 1e-13, `K̂ = K/λ_max(K) at ${i}`);
  // rank 5: eigenvalues past the 5th vanish (to round-off)
  assert.ok(Math.abs(scaled.lambda[5]) < 1e-13);
});

test("standardize: mean 0 and unbiased std 1", () => {
  const x = Float64Array.from([1, 2, 3, 4, 10]);
  const z = standardize(x);
  const mean = z.reduce((a, b) => a + b, 0) / z.length;
  const var1 = z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1);
  assert.ok(Math.abs(mean) < 1e-15);
  assert.ok(Math.abs(var1 - 1) < 1e-14);
  assert.throws(() => standardize(Float64Array.from([2, 2, 2])), /constant/);
});

test("bad kernels are named", () => {
  const d = Float64Array.from([1, 2, 3]);
  assert.throws(() => kernelProblem(new Float64Array(8), d), /kernel must be 3×3/);
  const K = Float64Array.from([2, 1, 0, 1, 2, 1, 0, 1, 2]);
  const bad = K.slice();
  bad[1] = 1.5;
  assert.throws(() => kernelProblem(bad, d), /not symmetric: K\[0\]\[1\]/);
  const nan = K.slice();
  nan[4] = NaN;
  assert.throws(() => kernelProblem(nan, d), /non-finite entry at \(1, 1\)/);
  assert.throws(() => kernelProblem(K, Float64Array.from([1, NaN, 3])), /residual has a non-finite entry at 1/);
  assert.throws(() => kernelProblem(new Float64Array(9), d), /identically zero/);
});
