// On a small problem, the mean of many network runs at a moderate learning rate tracks the mean of the
// linearized runs on the network's empirical NTK, and both track the full (batch-averaged) dynamics.
// Network replicate r and linearized replicate r share their batches (same seeded sampler), so their
// difference is a finite-width effect, not sampling noise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/random/rng.ts";
import { constantSchedule } from "../../lib/schedule/constant.ts";
import { networkProblem } from "../../lib/problem/ntkProblem.ts";
import { initNetwork } from "../../lib/model/network.ts";
import { network, prepareNetwork } from "../../lib/regimes/network.ts";
import { linearized } from "../../lib/regimes/linearized.ts";
import { full } from "../../lib/regimes/full.ts";

test("mean network loss ≈ mean linearized loss ≈ full dynamics (N = 16, H = 2048, 200 runs)", () => {
  const N = 16,
    d = 8,
    H = 2048,
    T = 60,
    R = 200,
    b = 4;
  const rng = new Rng(21);
  const x = rng.normals(N * d);
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) y[i] = Math.tanh(x[i * d]) + 0.3 * x[i * d + 1];
  const data = { N, d, x, y };
  const params = initNetwork(d, H, 22);
  const np = networkProblem(data, params);
  const setup = prepareNetwork(data, params, { lambdaMax: np.lambdaMax });
  const schedule = constantSchedule(0.5, 0.5);
  const nn = new Float64Array(T + 1),
    lin = new Float64Array(T + 1),
    lin2 = new Float64Array(T + 1);
  for (let r = 0; r < R; r++) {
    const a = Array.from(network(setup, { schedule, batchSize: b, nSteps: T, seed: 1, replicate: r }), (q) => q.loss);
    const l = Array.from(
      linearized(np.problem, { schedule, batchSize: b, nSteps: T, seed: 1, replicate: r }),
      (q) => q.loss,
    );
    for (let t = 0; t <= T; t++) {
      nn[t] += a[t] / R;
      lin[t] += l[t] / R;
      lin2[t] += (l[t] * l[t]) / R;
    }
  }
  const fl = Array.from(full(np.problem, { schedule, batchSize: b, nSteps: T }), (q) => q.loss);
  assert.ok(Math.abs(nn[0] - lin[0]) <= 1e-12 * lin[0], "same initial loss");
  assert.ok(nn[T] < 0.02 * nn[0], `the loss should fall by ~100× (${nn[0]} → ${nn[T]})`);
  let worstNn = 0,
    worstZ = 0,
    worstFullNn = 0;
  for (let t = 1; t <= T; t++) {
    const se = Math.sqrt((lin2[t] - lin[t] ** 2) / (R - 1));
    worstNn = Math.max(worstNn, Math.abs(nn[t] - lin[t]) / lin[t]);
    worstZ = Math.max(worstZ, Math.abs(fl[t] - lin[t]) / se);
    worstFullNn = Math.max(worstFullNn, Math.abs(fl[t] - nn[t]) / nn[t]);
  }
  // measured: network vs linearized ≤ 2.7% (finite width), full vs linearized ≤ 1.6 standard errors (4.3%)
  assert.ok(worstNn <= 0.06, `mean network vs mean linearized: max relative difference ${worstNn}`);
  assert.ok(worstZ <= 3.5, `full vs mean linearized: max |difference| = ${worstZ} standard errors`);
  assert.ok(worstFullNn <= 0.1, `full vs mean network: max relative difference ${worstFullNn}`);
});
