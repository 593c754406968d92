// The linearized regime with the reference's conventions against direct transcriptions of the reference code
// (training/train_linearized.py with optim/sgd.py, optim/adam.py and schedules/jacobi.py), written here from the
// Python source and run on the same batches: Adam's bias correction 1 − β^(t+1), and SGD in PyTorch's
// momentum form with the Jacobi coefficients called with n = step (1-based).
import { test } from "node:test";
import assert from "node:assert/strict";
import { linearized, replicateSeed } from "../../lib/regimes/linearized.ts";
import { Rng } from "../../lib/random/rng.ts";
import { constantSchedule, jacobiSchedule } from "../../lib/schedule/index.ts";
import type { DenseProblem } from "../../lib/types.ts";
import { collect, maxRelDiff, powerLawProblem } from "./helpers.ts";

const problem = powerLawProblem(40, 1.3, 0.5, 9);

/** The batches of replicate r (the project's documented stream), standing in for np.random.choice. */
function batches(N: number, b: number, seed: number, T: number): Int32Array[] {
  const rng = new Rng(replicateSeed(seed, 0));
  const perm = Int32Array.from({ length: N }, (_, i) => i);
  return Array.from({ length: T }, () => {
    const batch = new Int32Array(b);
    rng.sampleWithoutReplacement(perm, b, batch);
    return batch;
  });
}

/** g_f = K[:, batch_idx] @ d_f[batch_idx] / B with K = N·K̂. */
function grad(p: DenseProblem, d: Float64Array, B: Int32Array): Float64Array {
  const { N, khat } = p;
  const g = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (const i of B) s += N * khat[j * N + i] * d[i];
    g[j] = s / B.length;
  }
  return g;
}

const loss = (d: Float64Array) => (0.5 * d.reduce((s, x) => s + x * x, 0)) / d.length; // 0.5 * mean(d ** 2)

/** train_linearized: for step in range(1, n_steps + 1): state = optimizer.step(step, state, K, batch_idx). */
function trainLinearized(
  step: (t: number, d: Float64Array, g: Float64Array) => void,
  b: number,
  seed: number,
  T: number,
): number[] {
  const d = Float64Array.from(problem.d0);
  const curve = [loss(d)];
  const bs = batches(problem.N, b, seed, T);
  for (let t = 1; t <= T; t++) {
    step(t, d, grad(problem, d, bs[t - 1]));
    curve.push(loss(d));
  }
  return curve;
}

/** optim/adam.py Adam.step, alpha_fn constant. */
function adamReference(lr: number, b1: number, b2: number, eps: number, b: number, seed: number, T: number): number[] {
  const p = new Float64Array(problem.N);
  const v = new Float64Array(problem.N);
  return trainLinearized(
    (step, d, g) => {
      for (let j = 0; j < d.length; j++) {
        p[j] = (1 - b1) * g[j] + b1 * p[j]; // p_f = (1 - b1) * g_f + b1 * p_f
        v[j] = (1 - b2) * g[j] ** 2 + b2 * v[j]; // v_f = (1 - b2) * (g_f ** 2) + b2 * v_f
        const pHat = p[j] / (1 - b1 ** (step + 1)); // p_hat = p_f / (1 - b1 ** (step + 1))
        const vHat = v[j] / (1 - b2 ** (step + 1));
        d[j] -= (lr * pHat) / (Math.sqrt(vHat) + eps); // d_f -= alpha * p_hat / (sqrt(v_hat) + eps)
      }
    },
    b,
    seed,
    T,
  );
}

/** JacobiScheduleA/B.__call__(step): n = step. */
const jacobiA = (lr: number, a: number, bb: number, n: number) =>
  (lr * (2 * n + a + bb + 1) * (2 * n + a + bb + 2)) / (2 * (n + a + 1) * (n + a + bb + 1));
const jacobiB = (a: number, bb: number, n: number) =>
  (n * (n + bb) * (2 * n + a + bb + 2)) / ((n + a + 1) * (n + a + bb + 1) * (2 * n + a + bb));

/** optim/sgd.py SGD.step with alpha_fn = JacobiScheduleA(lr, a, b), beta_fn = JacobiScheduleB(a, b). */
function sgdJacobiReference(lr: number, a: number, bb: number, b: number, seed: number, T: number): number[] {
  let pState: Float64Array = new Float64Array(problem.N);
  return trainLinearized(
    (step, d, g) => {
      const alpha = jacobiA(lr, a, bb, step);
      const beta = jacobiB(a, bb, step);
      let p: Float64Array;
      if (beta !== 0) {
        p = g.map((gj, j) => gj + beta * pState[j]); // p_f = g_f + beta * p_f; state['p_f'] = p_f
        pState = p;
      } else p = g; // p_f = g_f (the state keeps its old p_f)
      for (let j = 0; j < d.length; j++) d[j] -= alpha * p[j]; // d_f -= alpha * p_f
    },
    b,
    seed,
    T,
  );
}

test("adam biasCorrection 'reference' = the reference's Adam, 1 − β^(t+1) (1e-12); 'standard' differs early on", () => {
  const lr = 0.02;
  const opts = { schedule: constantSchedule(lr, 0), batchSize: 5, nSteps: 60, optimizer: "adam" as const, seed: 4 };
  const want = adamReference(lr, 0.9, 0.999, 1e-8, 5, 4, 60);
  const got = collect(linearized(problem, { ...opts, adam: { biasCorrection: "reference" } })).losses;
  const e = maxRelDiff(got, want);
  assert.ok(e <= 1e-12, `reference bias correction vs transcription: ${e}`);
  // other β's go through too (the reference's --b1 --b2)
  const want2 = adamReference(lr, 0.8, 0.99, 1e-8, 5, 4, 60);
  const got2 = collect(
    linearized(problem, { ...opts, adam: { beta1: 0.8, beta2: 0.99, biasCorrection: "reference" } }),
  ).losses;
  assert.ok(maxRelDiff(got2, want2) <= 1e-12, `β₁ = 0.8, β₂ = 0.99: ${maxRelDiff(got2, want2)}`);
  const standard = collect(linearized(problem, opts)).losses;
  assert.ok(maxRelDiff(standard, want) > 1e-3, `standard vs reference: ${maxRelDiff(standard, want)}`);
  assert.throws(
    () => collect(linearized(problem, { ...opts, adam: { biasCorrection: "none" as never } })),
    /biasCorrection must be "standard" or "reference"/,
  );
});

test(
  "sgd with momentumConvention 'pytorch' and jacobi indexing 'reference' " +
    "= the reference's SGD under its Jacobi schedule (1e-12)",
  () => {
    const [lr, a, bb] = [0.4, 1, 0.5];
    const want = sgdJacobiReference(lr, a, bb, 6, 8, 80);
    const schedule = jacobiSchedule({ lr, a, b: bb, indexing: "reference" });
    const opts = { schedule, batchSize: 6, nSteps: 80, seed: 8 };
    const got = collect(linearized(problem, { ...opts, momentumConvention: "pytorch" })).losses;
    const e = maxRelDiff(got, want);
    assert.ok(e <= 1e-12, `reference conventions vs transcription: ${e}`);
    // the project's classic convention on the same schedule is a different dynamics
    const classic = collect(linearized(problem, opts)).losses;
    assert.ok(maxRelDiff(classic, want) > 1e-3, `classic vs reference: ${maxRelDiff(classic, want)}`);
  },
);
