import { test } from "node:test";
import assert from "node:assert/strict";
import { full } from "../../lib/regimes/full.ts";
import { linearized } from "../../lib/regimes/linearized.ts";
import { constantSchedule } from "../../lib/schedule/index.ts";
import { collect, powerLawProblem } from "./helpers.ts";

// The full dynamics is the exact batch average of linearized SGD: the mean loss of R independent
// replicates must sit within a few standard errors of it at every step.
test("full = mean of 4000 linearized runs within 4 standard errors (N = 16, b = 3, 30 steps)", () => {
  const N = 16;
  const b = 3;
  const T = 30;
  const R = 4000;
  const problem = powerLawProblem(N, 1.3, 0.4, 21);
  const schedule = constantSchedule(0.6, 0.5);
  const sum = new Float64Array(T + 1);
  const sum2 = new Float64Array(T + 1);
  for (let r = 0; r < R; r++) {
    const run = linearized(problem, { schedule, batchSize: b, nSteps: T, seed: 2024, replicate: r });
    for (const rec of run) {
      sum[rec.step] += rec.loss;
      sum2[rec.step] += rec.loss * rec.loss;
    }
  }
  const exact = collect(full(problem, { schedule, batchSize: b, nSteps: T })).losses;
  const noiseless = collect(full(problem, { schedule, batchSize: N, nSteps: T })).losses;
  let worstZ = 0;
  let controlZ = 0;
  for (let t = 1; t <= T; t++) {
    const mean = sum[t] / R;
    const se = Math.sqrt((sum2[t] / R - mean * mean) / (R - 1));
    const z = Math.abs(mean - exact[t]) / se;
    worstZ = Math.max(worstZ, z);
    controlZ = Math.max(controlZ, Math.abs(mean - noiseless[t]) / se);
    assert.ok(z <= 4, `step ${t}: mean ${mean} vs full ${exact[t]} (${z.toFixed(2)} SE)`);
  }
  // control: the same mean is far from the noiseless (b = N) curve, so 4 SE is a sharp test here
  assert.ok(controlZ > 20, `the batch noise should be resolved: ${controlZ}`);
  assert.ok(Math.abs(sum[0] / R - exact[0]) <= 1e-15 * exact[0]);
  console.log(
    `# full vs mean of ${R} linearized runs: max |z| = ${worstZ.toFixed(2)} (tol 4); ` +
      `noiseless curve at ${controlZ.toFixed(0)} SE`,
  );
});
