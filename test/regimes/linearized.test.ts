import { test } from "node:test";
import assert from "node:assert/strict";
import { linearized, replicateSeed } from "../../lib/regimes/linearized.ts";
import { Rng } from "../../lib/random/rng.ts";
import { constantSchedule, powerSchedule } from "../../lib/schedule/index.ts";
import type { DenseProblem, Schedule } from "../../lib/types.ts";
import { collect, maxRelDiff, powerLawProblem } from "./helpers.ts";

/** The documented batch stream of replicate r: Rng(replicateSeed(seed, r)), identity perm, partial Fisher–Yates. */
function batches(N: number, b: number, seed: number, r: number, T: number): Int32Array[] {
  const rng = new Rng(replicateSeed(seed, r));
  const perm = Int32Array.from({ length: N }, (_, i) => i);
  const out: Int32Array[] = [];
  for (let t = 0; t < T; t++) {
    const batch = new Int32Array(b);
    rng.sampleWithoutReplacement(perm, b, batch);
    out.push(batch);
  }
  return out;
}

/** g = (1/b)·K[:, B]·d[B] with K = N·K̂, read by columns (no symmetry assumed). */
function batchGradient(problem: DenseProblem, d: Float64Array, B: Int32Array): Float64Array {
  const { N, khat } = problem;
  const g = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (const i of B) s += N * khat[j * N + i] * d[i];
    g[j] = s / B.length;
  }
  return g;
}

const lossOf = (d: Float64Array) => d.reduce((s, x) => s + x * x, 0) / (2 * d.length);

/** Few-line mini-batch heavy ball, PyTorch form: p ← g + β'p, d ← d − αp (step t uses index t−1). */
function referenceSgd(
  problem: DenseProblem,
  lr: number | ((n: number) => number),
  beta: number,
  b: number,
  seed: number,
  r: number,
  T: number,
): number[] {
  const alpha = typeof lr === "number" ? () => lr : lr;
  const d = Float64Array.from(problem.d0);
  const p = new Float64Array(problem.N);
  const out = [lossOf(d)];
  let t = 0;
  for (const B of batches(problem.N, b, seed, r, T)) {
    const g = batchGradient(problem, d, B);
    for (let j = 0; j < problem.N; j++) {
      p[j] = g[j] + beta * p[j];
      d[j] -= alpha(t) * p[j];
    }
    t++;
    out.push(lossOf(d));
  }
  return out;
}

/** Few-line Adam on g (PyTorch semantics: bias corrections, eps added to √v̂). */
function referenceAdam(
  problem: DenseProblem,
  lr: (n: number) => number,
  b: number,
  seed: number,
  r: number,
  T: number,
): number[] {
  const d = Float64Array.from(problem.d0);
  const m = new Float64Array(problem.N);
  const v = new Float64Array(problem.N);
  const out = [lossOf(d)];
  let t = 0;
  for (const B of batches(problem.N, b, seed, r, T)) {
    const g = batchGradient(problem, d, B);
    t++;
    for (let j = 0; j < problem.N; j++) {
      m[j] = 0.9 * m[j] + 0.1 * g[j];
      v[j] = 0.999 * v[j] + 0.001 * g[j] * g[j];
      const mHat = m[j] / (1 - 0.9 ** t);
      const vHat = v[j] / (1 - 0.999 ** t);
      d[j] -= (lr(t - 1) * mHat) / (Math.sqrt(vHat) + 1e-8);
    }
    out.push(lossOf(d));
  }
  return out;
}

const problem = powerLawProblem(40, 1.3, 0.5, 9);

test(
  "linearized sgd = few-line mini-batch heavy ball on the documented batch stream (1e-12), " + "b ∈ {1, 3, 7, 13}",
  () => {
    let worst = 0;
    for (const b of [1, 3, 7, 13]) {
      for (const beta of [-0.3, 0, 0.7]) {
        const lr = 0.3 * (1 - beta);
        const got = collect(
          linearized(problem, {
            schedule: constantSchedule(lr, beta),
            batchSize: b,
            nSteps: 80,
            seed: 11,
            replicate: 2,
          }),
        );
        const want = referenceSgd(problem, lr, beta, b, 11, 2, 80);
        const e = maxRelDiff(got.losses, want);
        worst = Math.max(worst, e);
        assert.ok(e <= 1e-12, `b=${b} β=${beta}: ${e}`);
      }
    }
    console.log(`# linearized sgd vs reference loop: max rel diff ${worst.toExponential(2)} (tol 1e-12)`);
  },
);

test(
  "linearized with a decaying lr: momentumConvention 'pytorch' = PyTorch-form loop (1e-12); " + "'regimes' differs",
  () => {
    const schedule = powerSchedule({ lr: 0.5, p: 0.8, n0: 4, momentum: 0.7 });
    const want = referenceSgd(problem, (n) => schedule.lr(n), 0.7, 5, 12, 0, 80);
    const torch = collect(
      linearized(problem, { schedule, batchSize: 5, nSteps: 80, seed: 12, momentumConvention: "pytorch" }),
    ).losses;
    const e = maxRelDiff(torch, want);
    assert.ok(e <= 1e-12, `pytorch convention: ${e}`);
    const classic = collect(linearized(problem, { schedule, batchSize: 5, nSteps: 80, seed: 12 })).losses;
    assert.ok(maxRelDiff(classic, want) > 1e-3, "the conventions should differ under a decaying lr");
    assert.throws(
      () => collect(linearized(problem, { schedule, batchSize: 5, nSteps: 1, momentumConvention: "keras" as never })),
      RangeError,
    );
  },
);

test("linearized adam = few-line Adam on the same batches (1e-12), constant and decaying lr", () => {
  let worst = 0;
  const schedules: Schedule[] = [constantSchedule(0.01, 0.9), powerSchedule({ lr: 0.02, p: 0.5, n0: 10 })];
  for (const schedule of schedules) {
    for (const b of [4, 40]) {
      const got = collect(linearized(problem, { schedule, batchSize: b, nSteps: 60, optimizer: "adam", seed: 3 }));
      const want = referenceAdam(problem, (n) => schedule.lr(n), b, 3, 0, 60);
      const e = maxRelDiff(got.losses, want);
      worst = Math.max(worst, e);
      assert.ok(e <= 1e-12, `${schedule.name}, b=${b}: ${e}`);
      assert.ok(got.losses[60] < got.losses[0], "adam should make progress");
    }
  }
  console.log(`# linearized adam vs reference loop: max rel diff ${worst.toExponential(2)} (tol 1e-12)`);
});

test("linearized: same seed and replicate → identical curve; other replicates and seeds differ", () => {
  const opts = { schedule: constantSchedule(0.5, 0.2), batchSize: 5, nSteps: 50 };
  const a = collect(linearized(problem, { ...opts, seed: 7, replicate: 3 })).losses;
  const b = collect(linearized(problem, { ...opts, seed: 7, replicate: 3 })).losses;
  assert.deepEqual(a, b);
  const c = collect(linearized(problem, { ...opts, seed: 7, replicate: 4 })).losses;
  const d = collect(linearized(problem, { ...opts, seed: 8, replicate: 3 })).losses;
  assert.equal(a[0], c[0]);
  assert.ok(maxRelDiff(c, a) > 1e-3, "replicates should differ");
  assert.ok(maxRelDiff(d, a) > 1e-3, "seeds should differ");
});

test("replicateSeed: seed·2²¹ + r, collision-free, validated", () => {
  assert.equal(replicateSeed(0, 0), 0);
  assert.equal(replicateSeed(1, 0), 2 ** 21);
  assert.equal(replicateSeed(3, 5), 3 * 2 ** 21 + 5);
  assert.equal(replicateSeed(2 ** 32 - 1, 2 ** 21 - 1), 2 ** 53 - 1);
  assert.notEqual(replicateSeed(0, 1), replicateSeed(1, 0));
  for (const [s, r] of [
    [-1, 0],
    [2 ** 32, 0],
    [0, 2 ** 21],
    [0.5, 0],
    [0, -1],
  ])
    assert.throws(() => replicateSeed(s, r), RangeError);
});

test("linearized: divergence stops the run at the first step above 1e10·L(0), reported with that step", () => {
  const got = collect(linearized(problem, { schedule: constantSchedule(40, 0), batchSize: 4, nSteps: 1000, seed: 1 }));
  const want = referenceSgd(problem, 40, 0, 4, 1, 0, 1000);
  const first = want.findIndex((l) => !(l <= 1e10 * want[0]));
  assert.ok(first > 1, `reference diverges at ${first}`);
  assert.equal(got.outcome.status, "diverged");
  assert.equal(got.outcome.divergedAt, first);
  assert.equal(got.outcome.steps, first);
  assert.equal(got.records.length, first + 1);
  assert.equal(got.records[first].step, first);
  // a custom bound
  const early = collect(
    linearized(problem, {
      schedule: constantSchedule(40, 0),
      batchSize: 4,
      nSteps: 1000,
      seed: 1,
      divergenceFactor: 100,
    }),
  );
  assert.equal(
    early.outcome.divergedAt,
    want.findIndex((l) => !(l <= 100 * want[0])),
  );
  // a run that converges reports done
  const ok = collect(linearized(problem, { schedule: constantSchedule(0.2, 0), batchSize: 4, nSteps: 100, seed: 1 }));
  assert.deepEqual(ok.outcome, { status: "done", divergedAt: null, steps: 100 });
});

test("linearized: per-mode tracking = (u_kᵀd)², at every k-th step and the last; Σ/(2N) = loss", () => {
  const got = collect(
    linearized(problem, { schedule: constantSchedule(0.3, 0.5), batchSize: 6, nSteps: 25, trackEvery: 10, seed: 2 }),
  );
  const tracked = got.records.filter((r) => r.modes).map((r) => r.step);
  assert.deepEqual(tracked, [0, 10, 20, 25]);
  for (const r of got.records.filter((x) => x.modes)) {
    const s = r.modes!.reduce((a, x) => a + x, 0) / (2 * problem.N);
    assert.ok(Math.abs(s - r.loss) <= 1e-12 * r.loss);
  }
  const m0 = got.records[0].modes!;
  for (let k = 0; k < problem.N; k++) assert.ok(Math.abs(m0[k] - problem.c0[k]) <= 1e-12 * Math.max(...problem.c0));
});

test("linearized: input validation", () => {
  const schedule = constantSchedule(0.1, 0);
  assert.throws(() => collect(linearized(problem, { schedule, batchSize: 0, nSteps: 1 })), RangeError);
  assert.throws(() => collect(linearized(problem, { schedule, batchSize: 41, nSteps: 1 })), RangeError);
  assert.throws(
    () => collect(linearized(problem, { schedule, batchSize: 2, nSteps: 1, optimizer: "rmsprop" as never })),
    RangeError,
  );
  const { vectors: _, ...noVectors } = problem;
  assert.throws(() => collect(linearized(noVectors, { schedule, batchSize: 2, nSteps: 1, trackEvery: 1 })), RangeError);
  assert.equal(collect(linearized(noVectors, { schedule, batchSize: 2, nSteps: 3 })).losses.length, 4);
});
