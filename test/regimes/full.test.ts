import { test } from "node:test";
import assert from "node:assert/strict";
import { full, FullDynamics } from "../../lib/regimes/full.ts";
import { fullDirect, FullDirectDynamics } from "../../lib/regimes/fullDirect.ts";
import { spectralDiagonal } from "../../lib/regimes/spectralDiagonal.ts";
import { constantSchedule } from "../../lib/schedule/index.ts";
import { gemmTs } from "../../lib/linalg/ts/dense.ts";
import type { DenseKernels } from "../../lib/linalg/types.ts";
import { collect, khatFrom, maxRelDiff, maxScaledDiff, powerLawProblem, realFourierBasis } from "./helpers.ts";

const tsKernels: DenseKernels = {
  name: "ts",
  gemm: gemmTs,
  syrk: (trans, n, k, alpha, A, beta, C) => gemmTs(trans, !trans, n, n, k, alpha, A, A, beta, C),
};

/** U X Uᵀ by plain loops (column k of U is u_k). */
function toDataBasis(U: Float64Array, X: Float64Array, N: number): Float64Array {
  const T = new Float64Array(N * N);
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let l = 0; l < N; l++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += U[i * N + k] * X[k * N + l];
      T[i * N + l] = s;
    }
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let l = 0; l < N; l++) s += T[i * N + l] * U[j * N + l];
      out[i * N + j] = s;
    }
  return out;
}

test(
  "full (eigenbasis) = direct matrix form, N ∈ {12, 30}, b ∈ {1, 3, N/2}, " +
    "β ∈ {−0.5, 0, 0.9}: loss, modes and C, J, P to 1e-10",
  () => {
    let worstLoss = 0;
    let worstMat = 0;
    for (const N of [12, 30]) {
      const problem = powerLawProblem(N, 1.3, 0.6, 100 + N);
      for (const b of [1, 3, N / 2]) {
        for (const beta of [-0.5, 0, 0.9]) {
          const alpha = 0.4 * (1 - beta);
          const nSteps = 150;
          const schedule = constantSchedule(alpha, beta);
          // several block widths, including a ragged last block, must all agree with the direct form
          for (const [kernels, blockSize] of [
            [undefined, undefined],
            [tsKernels, 7],
          ] as const) {
            const a = collect(full(problem, { schedule, batchSize: b, nSteps, trackEvery: 10, kernels, blockSize }));
            const d = collect(fullDirect(problem, { schedule, batchSize: b, nSteps, trackEvery: 10 }));
            assert.equal(a.outcome.status, "done");
            assert.equal(a.losses.length, nSteps + 1);
            const e = maxRelDiff(a.losses, d.losses);
            worstLoss = Math.max(worstLoss, e);
            assert.ok(e <= 1e-10, `N=${N} b=${b} β=${beta} block=${blockSize}: loss rel diff ${e}`);
            const tracked = a.records.filter((r) => r.modes);
            assert.deepEqual(
              tracked.map((r) => r.step),
              d.records.filter((r) => r.modes).map((r) => r.step),
            );
            for (let i = 0; i < tracked.length; i++) {
              const m = maxScaledDiff(tracked[i].modes!, d.records.filter((r) => r.modes)[i].modes!);
              assert.ok(m <= 1e-10, `modes at step ${tracked[i].step}: ${m}`);
            }
          }
          // the whole state after 40 steps, mapped to the data basis
          const fe = new FullDynamics(problem, b, { kernels: tsKernels, blockSize: 5 });
          const fd = new FullDirectDynamics(problem, b);
          for (let t = 0; t < 40; t++) {
            fe.step(alpha, beta);
            fd.step(alpha, beta);
          }
          for (const [name, direct] of [
            ["C", fd.C],
            ["J", fd.J],
            ["P", fd.P],
          ] as const) {
            const m = maxScaledDiff(toDataBasis(problem.vectors, fe.eigenMoment(name), N), direct);
            worstMat = Math.max(worstMat, m);
            assert.ok(m <= 1e-10, `N=${N} b=${b} β=${beta} ${name}: ${m}`);
          }
        }
      }
    }
    console.log(
      `# full vs direct: max loss rel diff ${worstLoss.toExponential(2)}, ` +
        `max matrix diff ${worstMat.toExponential(2)} (tol 1e-10)`,
    );
  },
);

test(
  "full with an indefinite initial moment (some c_i < 0: the GEMM path for Uᵀ Diag(c) U) " +
    "= direct form (1e-10 of scale)",
  () => {
    const N = 20;
    const problem = powerLawProblem(N, 1.3, 0.6, 77);
    const M = new Float64Array(N * N);
    for (let k = 0; k < N; k++)
      for (let l = k; l < N; l++) M[k * N + l] = M[l * N + k] = Math.sin(1 + 3 * k + 7 * l) / (1 + k + l);
    const opts = { schedule: constantSchedule(0.5, 0.4), batchSize: 3, nSteps: 60 };
    const direct = collect(fullDirect(problem, { ...opts, initialMoment: toDataBasis(problem.vectors, M, N) }));
    for (const [kernels, blockSize] of [
      [undefined, undefined],
      [tsKernels, 6],
    ] as const) {
      const dyn = new FullDynamics(problem, 3, { initialMoment: M, kernels, blockSize });
      const c = dyn.dataDiagonal(new Float64Array(N));
      assert.ok(c.some((x) => x < 0) && c.some((x) => x > 0), "the test needs a c of mixed sign");
      const f = collect(full(problem, { ...opts, initialMoment: M, kernels, blockSize }));
      const e = maxScaledDiff(f.losses, direct.losses);
      assert.ok(e <= 1e-10, `indefinite C₀, block ${blockSize}: ${e}`);
    }
  },
);

test("full's data-basis diagonal c = diag(U C̃ Uᵀ) equals the plain triple product (1e-13)", () => {
  const N = 23;
  const problem = powerLawProblem(N, 1.1, 0.3, 7);
  const dyn = new FullDynamics(problem, 4, { kernels: tsKernels, blockSize: 6 });
  for (let t = 0; t < 5; t++) dyn.step(0.5, 0.3);
  const C = toDataBasis(problem.vectors, dyn.eigenMoment("C"), N);
  const want = Array.from({ length: N }, (_, i) => C[i * N + i]);
  const got = dyn.dataDiagonal(new Float64Array(N));
  assert.ok(maxScaledDiff(got, want) <= 1e-13);
});

/** Circulant problem: real Fourier basis, spectrum λ(f) = (1+f)^(−ν), sorted descending by construction. */
function circulant(N: number) {
  const { U, frequency } = realFourierBasis(N);
  const lambda = Float64Array.from(frequency, (f) => Math.pow(1 + f, -1.4));
  return { N, U, frequency, lambda };
}

test("SD(τ = 1) = full dynamics for a circulant kernel started from a Fourier-diagonal C₀ (1e-10)", () => {
  let worst = 0;
  for (const N of [15, 16]) {
    const { U, frequency, lambda } = circulant(N);
    // C₀ diagonal in the complex Fourier basis ⇔ circulant C₀ ⇔ in the real basis: diagonal with equal
    // weights on the cos and sin of each frequency (so diag C₀ is flat and γN·Diag(C) acts as γ·tr C·I).
    const c0 = Float64Array.from(frequency, (f) => Math.pow(1 + f, -1.8));
    const initialMoment = new Float64Array(N * N);
    for (let k = 0; k < N; k++) initialMoment[k * N + k] = c0[k];
    const problem = { N, lambda, vectors: U, d0: new Float64Array(N), c0 };
    for (const b of [1, 4]) {
      for (const beta of [-0.3, 0, 0.8]) {
        const schedule = constantSchedule(0.9 * (1 - beta), beta);
        const opts = { schedule, batchSize: b, nSteps: 300, trackEvery: 50 };
        const f = collect(full(problem, { ...opts, initialMoment, kernels: tsKernels, blockSize: 4 }));
        const s = collect(spectralDiagonal(problem, { ...opts, tau: 1 }));
        const e = maxRelDiff(f.losses, s.losses);
        worst = Math.max(worst, e);
        assert.ok(e <= 1e-10, `N=${N} b=${b} β=${beta}: ${e}`);
        const fm = f.records.filter((r) => r.modes);
        const sm = s.records.filter((r) => r.modes);
        assert.equal(fm.length, sm.length);
        for (let i = 0; i < fm.length; i++) assert.ok(maxScaledDiff(fm[i].modes!, sm[i].modes!) <= 1e-10);
      }
    }
  }
  console.log(`# SD(τ=1) vs full, circulant: max loss rel diff ${worst.toExponential(2)} (tol 1e-10)`);
});

test("controls: per-mode agreement needs a Fourier-diagonal C₀; loss agreement needs a circulant kernel", () => {
  const N = 16;
  const { U, frequency, lambda } = circulant(N);
  const opts = { schedule: constantSchedule(0.5, 0.3), batchSize: 1, nSteps: 100, trackEvery: 10 };
  const modeDiff = (x: ReturnType<typeof collect>, y: ReturnType<typeof collect>) => {
    const xm = x.records.filter((r) => r.modes);
    const ym = y.records.filter((r) => r.modes);
    return Math.max(...xm.map((r, i) => maxScaledDiff(r.modes!, ym[i].modes!)));
  };
  // (a) diagonal in the real basis but unequal on each cos/sin pair (not circulant): modes differ.
  // The loss still agrees: for a circulant K̂ the degenerate pairs have a flat Σ_pair u_k(i)², so the
  // trace only ever sees γ·tr C, whatever C₀ is.
  const c0 = Float64Array.from(frequency, (f, k) => Math.pow(1 + f, -1.8) * (k % 2 === 0 ? 1.5 : 0.5));
  const initialMoment = new Float64Array(N * N);
  for (let k = 0; k < N; k++) initialMoment[k * N + k] = c0[k];
  const problem = { N, lambda, vectors: U, d0: new Float64Array(N), c0 };
  const f = collect(full(problem, { ...opts, initialMoment, kernels: tsKernels }));
  const s = collect(spectralDiagonal(problem, { ...opts, tau: 1 }));
  const da = modeDiff(f, s);
  assert.ok(da > 1e-3, `(a) modes should differ: ${da}`);
  const la = maxRelDiff(f.losses, s.losses);
  assert.ok(la <= 1e-10, `(a) loss should agree: ${la}`);
  // (b) rank one, C₀ = d₀d₀ᵀ with the same C_k(0): modes differ, loss agrees (same reason)
  const d0 = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) d0[i] += U[i * N + k] * Math.sqrt(c0[k]);
  const r1 = collect(full({ ...problem, d0 }, { ...opts, kernels: tsKernels }));
  assert.ok(
    Math.abs(r1.losses[0] - s.losses[0]) <= 1e-14 * s.losses[0],
    `same L(0): ${r1.losses[0]} vs ${s.losses[0]}`,
  );
  const db = modeDiff(r1, s);
  assert.ok(db > 1e-3, `(b) modes should differ: ${db}`);
  // (c) split each pair's eigenvalue (K̂ no longer circulant), Fourier-diagonal pair-equal C₀: the loss differs
  const split = Float64Array.from(lambda, (l, k) => (frequency[k] > 0 && k % 2 === 0 ? 0.9 * l : l));
  const pairEqual = Float64Array.from(frequency, (f) => Math.pow(1 + f, -1.8));
  const m0 = new Float64Array(N * N);
  for (let k = 0; k < N; k++) m0[k * N + k] = pairEqual[k];
  const pc = { N, lambda: split, vectors: U, d0: new Float64Array(N), c0: pairEqual };
  const fc = collect(full(pc, { ...opts, initialMoment: m0, kernels: tsKernels }));
  const sc = collect(spectralDiagonal(pc, { ...opts, tau: 1 }));
  const lc = maxRelDiff(fc.losses, sc.losses);
  assert.ok(lc > 1e-3, `(c) loss should differ: ${lc}`);
});

test(
  "full accepts a circulant problem through its dense K̂ as well: " + "direct form from K̂ = U Λ Uᵀ agrees (1e-10)",
  () => {
    const N = 16;
    const { U, frequency, lambda } = circulant(N);
    const khat = khatFrom(U, lambda);
    // K̂ must be circulant: row i is row 0 shifted by i
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) assert.ok(Math.abs(khat[i * N + j] - khat[(j - i + N) % N]) < 1e-14);
    const c0 = Float64Array.from(frequency, (f) => Math.pow(1 + f, -1.8));
    const initialMoment = new Float64Array(N * N);
    for (let k = 0; k < N; k++) initialMoment[k * N + k] = c0[k];
    const opts = { schedule: constantSchedule(0.5, 0.5), batchSize: 3, nSteps: 100 };
    const f = collect(
      full({ N, lambda, vectors: U, d0: new Float64Array(N) }, { ...opts, initialMoment, kernels: tsKernels }),
    );
    const d = collect(
      fullDirect({ N, khat, d0: new Float64Array(N) }, { ...opts, initialMoment: toDataBasis(U, initialMoment, N) }),
    );
    assert.ok(maxRelDiff(f.losses, d.losses) <= 1e-10);
  },
);

test("full: divergence is reported with its step, the same step as the direct form", () => {
  const problem = powerLawProblem(12, 1.3, 0.6, 5);
  const opts = { schedule: constantSchedule(3, 0), batchSize: 2, nSteps: 500 };
  const f = collect(full(problem, { ...opts, kernels: tsKernels }));
  const d = collect(fullDirect(problem, opts));
  assert.equal(f.outcome.status, "diverged");
  assert.ok(f.outcome.divergedAt !== null && f.outcome.divergedAt > 1);
  assert.equal(f.outcome.divergedAt, d.outcome.divergedAt);
  assert.equal(f.outcome.steps, f.outcome.divergedAt);
  const last = f.records[f.records.length - 1];
  assert.equal(last.step, f.outcome.divergedAt);
  assert.ok(!(last.loss <= 1e10 * f.losses[0]));
  assert.ok(f.records.slice(0, -1).every((r) => r.loss <= 1e10 * f.losses[0]));
});

test("full: input validation", () => {
  const problem = powerLawProblem(8, 1.3, 0.6, 5);
  const schedule = constantSchedule(0.1, 0);
  assert.throws(() => collect(full(problem, { schedule, batchSize: 9, nSteps: 1 })), RangeError);
  assert.throws(() => collect(full(problem, { schedule, batchSize: 2, nSteps: -1 })), RangeError);
  const asym = new Float64Array(64);
  asym[1] = 1;
  assert.throws(() => collect(full(problem, { schedule, batchSize: 2, nSteps: 1, initialMoment: asym })), RangeError);
});
