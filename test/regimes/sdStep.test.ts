/**
 * The SD step kernel (lib/regimes/sdStep.ts) and the block-wise SD generator: the TypeScript kernel against an
 * independent step-by-step implementation written from the equations, block sizes against each other (bit for
 * bit), and the WebAssembly and native kernels against the TypeScript reference — every loss and every tracked
 * C_k to 1e-12 relative (they differ only in the summation order of Σ C_k; measured ≤ 3e-14 at N = 10⁴,
 * T = 1000), bit-identical C_k at b = N (γ = 0: no sum feeds back), the same divergence step and status.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spectralDiagonal } from "../../lib/regimes/spectralDiagonal.ts";
import type { SdStepKernel } from "../../lib/regimes/sdStep.ts";
import { sdStepKernel } from "../../lib/regimes/sdStepBackend.ts";
import { loadSdStepWasm } from "../../lib/regimes/wasm/sdStep.ts";
import { loadSdStepNative } from "../../lib/regimes/native/sdStep.ts";
import { nativeFunction } from "../../lib/linalg/native/binding.ts";
import { constantSchedule, powerSchedule } from "../../lib/schedule/index.ts";
import type { Schedule, Spectrum } from "../../lib/types.ts";
import { collect } from "./helpers.ts";

const TOL = 1e-12;

function powerLaw(N: number, nu = 1.5, kappa = 1): Spectrum {
  const lambda = new Float64Array(N);
  const c0 = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    lambda[k] = Math.pow(k + 1, -nu);
    c0[k] = Math.pow(k + 1, -kappa - 1);
  }
  return { N, lambda, c0 };
}

/** SD from the equations, one step at a time, with the new values computed from a copy of the old ones. */
function sdByHand(spec: Spectrum, schedule: Schedule, b: number, tau: number, T: number): number[] {
  const { N, lambda } = spec;
  const gamma = (N - b) / ((N - 1) * b);
  let C = Array.from(spec.c0);
  let J = new Array<number>(N).fill(0);
  let P = new Array<number>(N).fill(0);
  const loss = (c: number[]) => c.reduce((s, x) => s + x, 0) / (2 * N);
  const out = [loss(C)];
  for (let t = 0; t < T; t++) {
    const alpha = schedule.lr(t);
    const beta = schedule.momentum(t);
    const S = C.reduce((s, x) => s + x, 0);
    const Pi = C.map((c, k) => {
      const a = alpha * lambda[k];
      return a * a * ((1 - gamma * tau) * c + gamma * S) - 2 * beta * a * J[k] + beta * beta * P[k];
    });
    const Cn = C.map((c, k) => (1 - 2 * alpha * lambda[k]) * c + 2 * beta * J[k] + Pi[k]);
    const Jn = J.map((j, k) => beta * j - alpha * lambda[k] * C[k] + Pi[k]);
    [C, J, P] = [Cn, Jn, Pi];
    out.push(loss(C));
  }
  return out;
}

/** max over i of |a_i − b_i| / |b_i| (0 where both are 0). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return m;
}

test("SD (TS kernel, blocks of 256) = SD step by step from the equations, 1e-12 (N = 60, β ≠ 0)", () => {
  const spec = powerLaw(60);
  const schedule = powerSchedule({ lr: 0.6, p: 0.5, n0: 20, momentum: 0.4 });
  for (const [b, tau] of [
    [1, 1],
    [6, -1],
    [60, 0],
  ]) {
    const hand = sdByHand(spec, schedule, b, tau, 600);
    const run = collect(spectralDiagonal(spec, { schedule, batchSize: b, nSteps: 600, tau }));
    assert.equal(run.outcome.status, "done");
    assert.equal(run.losses.length, 601);
    const err = relErr(run.losses, hand);
    assert.ok(err <= TOL, `b=${b} τ=${tau}: ${err}`);
    assert.ok(hand[600] < 0.5 * hand[0], "the run should make progress");
  }
});

test("SD block size changes nothing (TS kernel, bit for bit): losses, tracked modes, divergence step", () => {
  const spec = powerLaw(37);
  // a schedule whose α varies each step, so a block that reads α_t at the wrong index would show
  const schedule: Schedule = {
    name: "wobble",
    lr: (n) => 0.6 + 0.3 * Math.sin(n),
    momentum: (n) => -0.2 + 0.1 * Math.cos(n),
  };
  const diverging = constantSchedule(3.5, 0.2);
  for (const [sched, expect] of [
    [schedule, "done"],
    [diverging, "diverged"],
  ] as const) {
    const runs = [1, 7, 256].map((blockSteps) =>
      collect(
        spectralDiagonal(spec, { schedule: sched, batchSize: 4, nSteps: 500, tau: 1, trackEvery: 30, blockSteps }),
      ),
    );
    assert.equal(runs[0].outcome.status, expect);
    for (const r of runs.slice(1)) {
      assert.deepEqual(r.outcome, runs[0].outcome);
      assert.deepEqual(r.losses, runs[0].losses);
      assert.deepEqual(
        r.records.filter((x) => x.modes).map((x) => [x.step, Array.from(x.modes!)]),
        runs[0].records.filter((x) => x.modes).map((x) => [x.step, Array.from(x.modes!)]),
      );
    }
    const tracked = runs[0].records.filter((x) => x.modes).map((x) => x.step);
    if (expect === "done") assert.deepEqual(tracked, [...Array.from({ length: 17 }, (_, i) => 30 * i), 500]);
    else {
      assert.ok(runs[0].outcome.divergedAt! > 1 && runs[0].outcome.divergedAt! < 100, `${runs[0].outcome.divergedAt}`);
      assert.equal(runs[0].records.at(-1)!.step, runs[0].outcome.divergedAt);
      assert.equal(runs[0].records.at(-1)!.modes, undefined);
    }
  }
});

/** The kernels to test against the TS reference: wasm always (a test failure if it does not load), native if built. */
function otherKernels(): { kernel: SdStepKernel | null; name: string; reason?: string }[] {
  let native: SdStepKernel | null = null;
  let reason = "";
  try {
    native = loadSdStepNative();
  } catch (e) {
    reason = `native addon not available: ${(e as Error).message}`;
  }
  return [
    { kernel: loadSdStepWasm(), name: "wasm" },
    { kernel: native, name: "native", reason },
  ];
}

for (const { kernel, name, reason } of otherKernels()) {
  test(`SD ${name} = TS: N ∈ {2, 3, 5, 17, 1001, 10⁴}, τ ∈ {1, 0, −1, 2}, β = ±½, b ∈ {1, 10, N}`, (t) => {
    if (!kernel) return t.skip(reason);
    let worstLoss = 0;
    let worstModes = 0;
    let configs = 0;
    let diverged = 0;
    for (const N of [2, 3, 5, 17, 1001, 10_000]) {
      const spec = powerLaw(N);
      const big = N === 10_000;
      const T = big ? 1000 : 2000;
      for (const tau of big ? [1, -1] : [1, 0, -1, 2])
        for (const beta of [0.5, -0.5])
          for (const b of [...new Set([1, Math.min(10, N), N])]) {
            const opts = {
              schedule: constantSchedule(0.5, beta),
              batchSize: b,
              nSteps: T,
              tau,
              trackEvery: big ? 250 : 400,
            };
            const ref = collect(spectralDiagonal(spec, opts));
            const got = collect(spectralDiagonal(spec, { ...opts, kernel }));
            const what = `N=${N} τ=${tau} β=${beta} b=${b}`;
            assert.deepEqual(got.outcome, ref.outcome, what);
            const e = relErr(got.losses, ref.losses);
            assert.ok(e <= TOL, `${what}: losses differ by ${e}`);
            worstLoss = Math.max(worstLoss, e);
            const mr = ref.records.filter((x) => x.modes);
            const mg = got.records.filter((x) => x.modes);
            assert.deepEqual(
              mg.map((x) => x.step),
              mr.map((x) => x.step),
              what,
            );
            for (let i = 0; i < mr.length; i++) {
              const em = relErr(mg[i].modes!, mr[i].modes!);
              if (b === N) assert.equal(em, 0, `${what}: γ = 0, modes must be bit-identical`);
              assert.ok(em <= TOL, `${what}: modes at step ${mr[i].step} differ by ${em}`);
              worstModes = Math.max(worstModes, em);
            }
            configs++;
            if (ref.outcome.status === "diverged") diverged++;
          }
    }
    assert.ok(
      diverged >= 3 && diverged < configs,
      `the matrix should hold diverging and converging runs (${diverged}/${configs})`,
    );
    t.diagnostic(
      `${configs} runs (${diverged} diverged): losses ≤ ${worstLoss.toExponential(1)}, ` +
        `modes ≤ ${worstModes.toExponential(1)} relative`,
    );
  });

  test(`SD ${name}: a diverging run stops at the same step inside a block (NaN at step 77, bound)`, (t) => {
    if (!kernel) return t.skip(reason);
    const spec = powerLaw(501);
    const nanAt: Schedule = { name: "nan", lr: (n) => (n === 76 ? NaN : 0.4), momentum: () => 0.3 };
    for (const [schedule, at] of [
      [nanAt, 77],
      [constantSchedule(4, 0), null],
    ] as const) {
      const opts = { schedule, batchSize: 10, nSteps: 1000, tau: 1 };
      const ref = collect(spectralDiagonal(spec, opts));
      const got = collect(spectralDiagonal(spec, { ...opts, kernel }));
      assert.equal(ref.outcome.status, "diverged");
      if (at !== null) assert.equal(ref.outcome.divergedAt, at);
      assert.ok(ref.outcome.divergedAt! % 256 !== 0, "the divergence should fall inside a block");
      assert.deepEqual(got.outcome, ref.outcome);
      assert.equal(got.records.length, ref.records.length);
      assert.ok(relErr(got.losses.slice(0, -1), ref.losses.slice(0, -1)) <= TOL);
    }
  });

  test(`SD ${name} kernel: argument errors name the argument`, (t) => {
    if (!kernel) return t.skip(reason);
    const N = 8;
    const state = {
      lambda: new Float64Array(N),
      C: new Float64Array(N),
      J: new Float64Array(N),
      P: new Float64Array(N - 1),
    };
    const block = {
      steps: 4,
      alphas: new Float64Array(4),
      betas: new Float64Array(4),
      sums: new Float64Array(4),
      damp: 1,
      gamma: 0.5,
      sum: 0,
      norm: 1 / 16,
      bound: 1,
    };
    assert.throws(() => kernel.sdStep(state, block), /sdStep: P has 7 entries, lambda 8/);
    assert.throws(
      () => kernel.sdStep({ ...state, P: new Float64Array(N) }, { ...block, steps: 5 }),
      /alphas has 4 entries/,
    );
  });
}

test("native sdStep checks its arguments itself: TypeError naming a non-Float64Array, RangeError on lengths", (t) => {
  let f: (...args: unknown[]) => number;
  try {
    loadSdStepNative();
    f = nativeFunction<(...args: unknown[]) => number>("sdStep");
  } catch (e) {
    return t.skip(`native addon not available: ${(e as Error).message}`);
  }
  const a = (n: number) => new Float64Array(n);
  const args = (over: Record<number, unknown>) =>
    [a(8), a(8), a(8), a(8), a(4), a(4), a(4), 4, 1, 0.5, 0, 1 / 16, 1].map((x, i) => (i in over ? over[i] : x));
  assert.equal(f(...args({})), 4);
  assert.throws(() => f(...args({ 1: new Float32Array(8) })), {
    name: "TypeError",
    message: /sdStep C must be a Float64Array/,
  });
  assert.throws(() => f(...args({ 3: a(7) })), { name: "RangeError", message: /sdStep P: length 7 < required 8/ });
  assert.throws(() => f(...args({ 7: 5 })), { name: "RangeError", message: /sdStep alphas: length 4 < required 5/ });
  assert.throws(() => f(...args({ 7: 2.5 })), { name: "RangeError", message: /sdStep steps must be an integer/ });
  assert.throws(() => f(...args({}).slice(0, 12)), {
    name: "TypeError",
    message: /sdStep: expected 13 arguments, got 12/,
  });
});

test("sdStepKernel: the forced backend is the one returned; auto prefers native, then wasm", () => {
  assert.equal(sdStepKernel("ts").name, "ts");
  assert.equal(sdStepKernel("wasm").name, "wasm");
  let nativeLoads = true;
  try {
    loadSdStepNative();
  } catch {
    nativeLoads = false;
  }
  assert.equal(sdStepKernel("auto").name, nativeLoads ? "native" : "wasm");
  if (!nativeLoads)
    assert.throws(() => sdStepKernel("native"), /POWERLAW_SGD_KERNELS=native but the native backend cannot load/);
});
