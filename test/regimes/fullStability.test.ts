import { test } from "node:test";
import assert from "node:assert/strict";
import { full, FullDynamics } from "../../lib/regimes/full.ts";
import { spectralDiagonal } from "../../lib/regimes/spectralDiagonal.ts";
import { constantSchedule } from "../../lib/schedule/index.ts";
import { collect, powerLawProblem } from "./helpers.ts";

// THEORY §2.3: the reference's general-matrix update lets round-off grow in an antisymmetric sector
// and its loss turns invalid within ~100 steps at N = 300, b = 10–100. The eigenbasis form stores one
// triangle of C̃ and P̃, so that sector does not exist; it must stay finite, positive and physical.
test("full stays finite, positive and PSD-consistent over 10⁴ steps at N = 100, b = 10; loss ≈ SD-Gauss", () => {
  const N = 100;
  const b = 10;
  const T = 10_000;
  const problem = powerLawProblem(N, 1.2, 0.5, 4242);
  for (const [alpha, beta] of [[1, 0.5], [1.2, -0.3]]) {
    const schedule = constantSchedule(alpha, beta);
    const dyn = new FullDynamics(problem, b);
    const sd = collect(spectralDiagonal(problem, { schedule, batchSize: b, nSteps: T, tau: -1 })).losses;
    const checkpoints = new Set([1, 10, 100, 1000, 10_000]);
    const ratios: string[] = [];
    let prev = dyn.loss();
    for (let t = 1; t <= T; t++) {
      dyn.step(alpha, beta);
      const loss = dyn.loss();
      assert.ok(Number.isFinite(loss) && loss > 0, `step ${t}: loss ${loss}`);
      assert.ok(loss <= 1.5 * prev || t < 5, `step ${t}: loss jumped from ${prev} to ${loss}`);
      prev = loss;
      if (checkpoints.has(t)) {
        const ratio = loss / sd[t];
        ratios.push(`${t}:${ratio.toFixed(3)}`);
        assert.ok(ratio > 1 / 3 && ratio < 3, `α=${alpha} β=${beta} step ${t}: full/SD-Gauss = ${ratio}`);
      }
    }
    // C̃ must remain a valid second moment: diag ≥ 0 and |C̃_kl| ≤ √(C̃_kk C̃_ll) (Cauchy–Schwarz), same for P̃
    for (const which of ["C", "P"] as const) {
      const M = dyn.eigenMoment(which);
      let worst = 0;
      for (let k = 0; k < N; k++) {
        assert.ok(M[k * N + k] >= 0, `${which}_${k}${k} = ${M[k * N + k]}`);
        for (let l = 0; l < N; l++) {
          assert.equal(M[k * N + l], M[l * N + k]);
          const bound = Math.sqrt(M[k * N + k] * M[l * N + l]);
          worst = Math.max(worst, Math.abs(M[k * N + l]) / (bound + 1e-300));
        }
      }
      assert.ok(worst <= 1 + 1e-6, `${which}: Cauchy–Schwarz ratio ${worst}`);
    }
    console.log(`# full/SD-Gauss loss ratio, α=${alpha} β=${beta}: ${ratios.join(" ")}`);
    assert.ok(dyn.loss() < 1e-2 * (problem.c0.reduce((s, x) => s + x, 0) / (2 * N)), "the loss should have decreased");
  }
  // the generator wrapper reports done with T + 1 records
  const g = collect(full(problem, { schedule: constantSchedule(1, 0.5), batchSize: b, nSteps: 50 }));
  assert.deepEqual(g.outcome, { status: "done", divergedAt: null, steps: 50 });
});
