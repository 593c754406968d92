import { test } from "node:test";
import assert from "node:assert/strict";
import { syntheticDense, syntheticSpectrum } from "../../lib/problem/synthetic.ts";

test("C_k(0) follows k^(−κ−1)/Σ j^(−κ−1) and L(0) = 1/(2N) (closed form, 1e-14)", () => {
  const N = 500,
    nu = 1.3,
    kappa = 0.7;
  const { lambda, c0 } = syntheticSpectrum({ N, nu, kappa });
  let Z = 0;
  for (let j = 1; j <= N; j++) Z += j ** (-kappa - 1);
  let sum = 0;
  for (let k = 1; k <= N; k++) {
    assert.ok(Math.abs(c0[k - 1] - k ** (-kappa - 1) / Z) <= 1e-14 * c0[k - 1] + 1e-300);
    assert.ok(Math.abs(lambda[k - 1] - k ** -nu) <= 1e-15);
    sum += c0[k - 1];
  }
  assert.ok(Math.abs(sum / (2 * N) - 1 / (2 * N)) < 1e-14 / N);
});

test("lambdaFloor floors the spectrum", () => {
  const { lambda } = syntheticSpectrum({ N: 100, nu: 2, kappa: 1, lambdaFloor: 1e-3 });
  assert.equal(lambda[99], 1e-3);
  assert.equal(lambda[0], 1);
  assert.equal(lambda[9], 1e-2);
});

test(
  "lambdaMin is the reference's lift: λ_k = λ_min + (1 − λ_min)·k^(−ν) " +
    "(transcription of synthetic_powerlaw.py, 1e-15)",
  () => {
    // datasets/synthetic_powerlaw.py: spec = lambda_min + (1 - lambda_min) * torch.arange(1, size + 1) ** (-nu)
    const N = 200,
      nu = 1.5,
      lambdaMin = 0.05;
    const spec = Array.from({ length: N }, (_, i) => lambdaMin + (1 - lambdaMin) * (i + 1) ** -nu);
    const { lambda } = syntheticSpectrum({ N, nu, kappa: 1, lambdaMin });
    for (let k = 0; k < N; k++) assert.ok(Math.abs(lambda[k] - spec[k]) <= 1e-15, `k = ${k + 1}`);
    assert.equal(lambda[0], 1);
    // the lift is not the floor: at k = N the floor would give 0.05, the lift 0.05 + 0.95·N^(−ν)
    assert.ok(lambda[N - 1] > lambdaMin + 0.9 * N ** -nu);
    // λ_min = 0 is bit-identical to the plain power law (existing problems keep their numbers)
    const plain = syntheticSpectrum({ N, nu, kappa: 1 }).lambda;
    const zero = syntheticSpectrum({ N, nu, kappa: 1, lambdaMin: 0 }).lambda;
    assert.deepEqual(Array.from(zero), Array.from(plain));
    assert.throws(() => syntheticSpectrum({ N, nu, kappa: 1, lambdaFloor: 1.5 }), /lambdaFloor must be in \[0, 1\]/);
  },
);

test("dense synthetic problem: K̂ u_k = λ_k u_k, (u_kᵀ d_0)² = C_k(0), ‖d_0‖² = 1 (1e-12)", () => {
  const N = 60;
  const p = syntheticDense({ N, nu: 1.5, kappa: 1, seed: 3 });
  let worst = 0;
  for (let k = 0; k < N; k++) {
    let proj = 0;
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < N; j++) s += p.khat[i * N + j] * p.vectors[j * N + k];
      worst = Math.max(worst, Math.abs(s - p.lambda[k] * p.vectors[i * N + k]));
      proj += p.vectors[i * N + k] * p.d0[i];
    }
    assert.ok(Math.abs(proj * proj - p.c0[k]) < 1e-12, `C_${k}`);
  }
  assert.ok(worst < 1e-12, `eigen-residual ${worst}`);
  let d2 = 0;
  for (let i = 0; i < N; i++) d2 += p.d0[i] ** 2;
  assert.ok(Math.abs(d2 - 1) < 1e-12);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) assert.equal(p.khat[i * N + j], p.khat[j * N + i]);
});

test("same seed → same problem; another seed → another one", () => {
  const a = syntheticDense({ N: 20, nu: 1.5, kappa: 1, seed: 1 });
  const b = syntheticDense({ N: 20, nu: 1.5, kappa: 1, seed: 1 });
  const c = syntheticDense({ N: 20, nu: 1.5, kappa: 1, seed: 2 });
  assert.deepEqual(a.d0, b.d0);
  assert.notDeepEqual(a.d0, c.d0);
});

test("bad parameters name the field", () => {
  assert.throws(() => syntheticSpectrum({ N: 1, nu: 1, kappa: 1 }), /N must be an integer ≥ 2/);
  assert.throws(() => syntheticSpectrum({ N: 10, nu: -1, kappa: 1 }), /nu must be/);
  assert.throws(() => syntheticSpectrum({ N: 10, nu: 1, kappa: NaN }), /kappa must be/);
});
