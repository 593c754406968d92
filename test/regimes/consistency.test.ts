import { test } from "node:test";
import assert from "node:assert/strict";
import { full } from "../../lib/regimes/full.ts";
import { fullDirect } from "../../lib/regimes/fullDirect.ts";
import { linearized } from "../../lib/regimes/linearized.ts";
import { spectralDiagonal } from "../../lib/regimes/spectralDiagonal.ts";
import { constantSchedule, jacobiSchedule, powerSchedule, toPytorchMomentum } from "../../lib/schedule/index.ts";
import type { Schedule } from "../../lib/types.ts";
import { collect, maxRelDiff, plainHeavyBall, powerLawProblem } from "./helpers.ts";

// b = N: no batch noise (γ = 0), every regime is deterministic heavy ball and the modes decouple.
// The independent reference is plainHeavyBall (PyTorch-form loop with the dense K̂d); for varying
// schedules it is driven by toPytorchMomentum(schedule), the regimes' convention written PyTorch's way.
const cases: [string, Schedule][] = [
  ["constant β = 0.6", constantSchedule(0.7, 0.6)],
  ["constant β = −0.4", constantSchedule(1.1, -0.4)],
  ["constant β = 0", constantSchedule(1.5, 0)],
  ["jacobi(1, 1.5, 0.5)", jacobiSchedule({ lr: 1, a: 1.5, b: 0.5 })],
  ["power(0.9, p = 0.5, n0 = 5, β = 0.5)", powerSchedule({ lr: 0.9, p: 0.5, n0: 5, momentum: 0.5 })],
];

test("b = N: SD(τ ∈ {−1, 1}) = full = direct = linearized (sgd) = plain heavy ball, to 1e-10", () => {
  const N = 24;
  const problem = powerLawProblem(N, 1.2, 0.8, 31);
  const nSteps = 120;
  let worst = 0;
  for (const [name, schedule] of cases) {
    const hb = plainHeavyBall(
      problem,
      nSteps,
      (n) => toPytorchMomentum(schedule).lr(n),
      (n) => toPytorchMomentum(schedule).momentum(n),
    );
    const opts = { schedule, batchSize: N, nSteps };
    const curves: [string, number[]][] = [
      ["SD τ=1", collect(spectralDiagonal(problem, { ...opts, tau: 1 })).losses],
      ["SD τ=−1", collect(spectralDiagonal(problem, { ...opts, tau: -1 })).losses],
      ["full", collect(full(problem, opts)).losses],
      ["direct", collect(fullDirect(problem, opts)).losses],
      ["linearized", collect(linearized(problem, { ...opts, seed: 5 })).losses],
    ];
    assert.ok(hb[nSteps] < 0.5 * hb[0], `${name}: the reference run should make progress`);
    for (const [regime, curve] of curves) {
      const e = maxRelDiff(curve, hb);
      worst = Math.max(worst, e);
      assert.ok(e <= 1e-10, `${name}, ${regime}: max rel diff ${e}`);
    }
  }
  console.log(`# b = N, all regimes vs plain heavy ball: max rel diff ${worst.toExponential(2)} (tol 1e-10)`);
});
