// The network regime: the O(N·b·H) Gram-updated full-train loss against plain forward passes (float64 here,
// and the tfjs reference loop in float32 with autodiff gradients), lr_scale, conventions, divergence.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/random/rng.ts";
import { constantSchedule } from "../../lib/schedule/constant.ts";
import type { Schedule } from "../../lib/types.ts";
import { eigh } from "../../lib/linalg/eigh.ts";
import { empiricalNtk } from "../../lib/problem/ntk.ts";
import { networkProblem } from "../../lib/problem/ntkProblem.ts";
import { forward, halfMse, initNetwork, type Regression } from "../../lib/model/network.ts";
import { NetworkTrainer, batchSequence, network, prepareNetwork, type NetworkOptions } from "../../lib/regimes/network.ts";
import { forwardTf, networkTf, trainTfParams } from "../../lib/regimes/networkTf.ts";
import { selectBackend } from "../../lib/tf/backend.ts";

function toyData(N: number, d: number, seed: number): Regression {
  const rng = new Rng(seed);
  const x = rng.normals(N * d);
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) y[i] = Math.sin(x[i * d]) + 0.5 * x[i * d + 1] + 0.1 * rng.normal();
  return { N, d, x, y };
}

const maxRel = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.abs(b[i])), 0);
const losses = (run: Iterable<{ loss: number }>) => Array.from(run, (r) => r.loss);

before(async () => {
  await selectBackend("auto");
});

test("Gram-updated loss = float64 forward pass every step (≤ 1e-11 relative), for several b and β", () => {
  const data = toyData(48, 9, 1);
  const setup = prepareNetwork(data, initNetwork(9, 40, 2));
  for (const [b, beta] of [[1, 0], [6, 0.9], [48, 0.5], [10, -0.4]] as const) {
    const opts: NetworkOptions = { schedule: constantSchedule(0.3, beta), batchSize: b, nSteps: 120, seed: 3, trackWeights: true };
    const gram = losses(network(setup, opts));
    const fwd = losses(network(setup, { ...opts, fullLoss: "forward" }));
    assert.equal(gram.length, 121);
    const err = maxRel(gram, fwd);
    assert.ok(err <= 1e-11, `b=${b} β=${beta}: max relative difference ${err}`);
    assert.ok(gram[120] < gram[0], `b=${b} β=${beta}: loss should decrease (${gram[0]} → ${gram[120]})`);
  }
});

test("Gram regime = tfjs reference loop (float32, autodiff gradients, plain forward pass) to float32 precision", () => {
  const data = toyData(40, 7, 4);
  const setup = prepareNetwork(data, initNetwork(7, 64, 5));
  const opts: NetworkOptions = { schedule: constantSchedule(0.5, 0.9), batchSize: 5, nSteps: 60, seed: 11 };
  const gram = losses(network(setup, opts));
  const ref = losses(networkTf(setup, opts));
  const err = maxRel(gram, ref);
  assert.ok(err <= 2e-5, `max relative difference ${err} (measured ~3e-7)`);
});

test("weights after training: tracked float64 W = tfjs-trained W, and a tfjs forward pass of them = the Gram outputs (float32)", () => {
  const data = toyData(30, 6, 7);
  const setup = prepareNetwork(data, initNetwork(6, 32, 8));
  const opts: NetworkOptions = { schedule: constantSchedule(0.4, 0.8), batchSize: 4, nSteps: 40, seed: 5 };
  const trainer = new NetworkTrainer(setup, { trackWeights: true });
  const batches = batchSequence(data.N, 4, 40, 5, 0);
  for (const B of batches) trainer.step(B, 0.4 * setup.lrScale, 0.8);
  const mine = trainer.params();
  const theirs = trainTfParams(setup, opts);
  let scale = 0, diff = 0;
  for (let i = 0; i < mine.w1.length; i++) {
    scale = Math.max(scale, Math.abs(mine.w1[i]));
    diff = Math.max(diff, Math.abs(mine.w1[i] - theirs.w1[i]));
  }
  assert.ok(diff <= 1e-5 * scale, `W₁ differs by ${diff} (scale ${scale})`);
  const fTf = forwardTf(mine, data.x, data.N);
  const fGram = trainer.outputs();
  const f64 = forward(mine, data.x, data.N);
  for (let i = 0; i < data.N; i++) {
    assert.ok(Math.abs(fGram[i] - f64[i]) <= 1e-12 * (1 + Math.abs(f64[i])), `float64 forward differs at ${i}`);
    assert.ok(Math.abs(fGram[i] - fTf[i]) <= 2e-5 * (1 + Math.abs(f64[i])), `tfjs forward differs at ${i}: ${fGram[i]} vs ${fTf[i]}`);
  }
  assert.ok(Math.abs(trainer.loss() - halfMse(f64, data.y)) <= 1e-12 * trainer.loss());
});

test("lr_scale = N/λ_max(K_emp), applied by default and recorded; off reproduces lr = α", () => {
  const data = toyData(32, 5, 9);
  const params = initNetwork(5, 50, 10);
  const setup = prepareNetwork(data, params);
  const lmax = eigh(empiricalNtk(data, params), data.N, { vectors: false }).values[0];
  assert.ok(Math.abs(setup.lambdaMax! - lmax) <= 1e-10 * lmax, `power iteration ${setup.lambdaMax} vs eigh ${lmax}`);
  assert.ok(Math.abs(setup.lrScale - data.N / lmax) <= 1e-10 * setup.lrScale);
  // the same scale from the network problem (kernelProblem route)
  const np = networkProblem(data, params);
  assert.ok(Math.abs(np.lrScale - setup.lrScale) <= 1e-10 * setup.lrScale);
  assert.ok(Math.abs(np.problem.lambda[0] - 1) <= 1e-12);

  const base = { batchSize: 4, nSteps: 20, seed: 1 };
  const on = network(setup, { ...base, schedule: constantSchedule(0.2, 0.5) });
  const a = losses({ [Symbol.iterator]: () => on });
  const off = network(setup, { ...base, schedule: constantSchedule(0.2 * setup.lrScale, 0.5), applyLrScale: false });
  let r = off.next();
  const b: number[] = [];
  while (!r.done) {
    b.push(r.value.loss);
    r = off.next();
  }
  assert.deepEqual(a, b);
  assert.equal(r.value.lrScaleApplied, false);
  assert.equal(r.value.lrScale, 1);
  assert.equal(r.value.lrScaleComputed, setup.lrScale);
  const g = network(setup, { ...base, schedule: constantSchedule(0.2, 0.5) });
  let s = g.next();
  while (!s.done) s = g.next();
  assert.equal(s.value.lrScale, setup.lrScale);
  assert.equal(s.value.lrScaleApplied, true);
  assert.equal(s.value.status, "done");
});

test("momentum conventions: 'regimes' = 'pytorch' with β'_n = β_n·α_{n−1}/α_n", () => {
  const data = toyData(20, 4, 12);
  const setup = prepareNetwork(data, initNetwork(4, 16, 13), { lrScale: 1 });
  const lr = (n: number) => 0.3 / (1 + n / 5);
  const classic: Schedule = { name: "c", lr, momentum: () => 0.7 };
  const torch: Schedule = { name: "t", lr, momentum: (n) => (n === 0 ? 0.7 : (0.7 * lr(n - 1)) / lr(n)) };
  const a = losses(network(setup, { schedule: classic, batchSize: 3, nSteps: 30 }));
  const b = losses(network(setup, { schedule: torch, batchSize: 3, nSteps: 30, momentumConvention: "pytorch" }));
  assert.ok(maxRel(a, b) <= 1e-13);
  const c = losses(network(setup, { schedule: classic, batchSize: 3, nSteps: 30, momentumConvention: "pytorch" }));
  assert.ok(maxRel(a, c) > 1e-6, "the two conventions differ under a varying lr");
});

test("a loss above the divergence bound stops the run: a result with the step, not an error", () => {
  // (A ReLU network at a huge lr rarely overflows: the catapult kills neurons and the loss settles. A spike
  // above divergenceFactor·L(0) is what the shared rule counts, so the test uses a small factor.)
  const data = toyData(24, 5, 14);
  const setup = prepareNetwork(data, initNetwork(5, 20, 15));
  const run = network(setup, { schedule: constantSchedule(10, 0), batchSize: 24, nSteps: 500, divergenceFactor: 3 });
  const recs = [];
  let r = run.next();
  while (!r.done) {
    recs.push(r.value);
    r = run.next();
  }
  assert.equal(r.value.status, "diverged");
  assert.equal(r.value.divergedAt, recs[recs.length - 1].step);
  assert.ok(r.value.divergedAt! < 500);
  const last = recs[recs.length - 1].loss;
  assert.ok(!(last <= 3 * recs[0].loss));
});

test("per-mode tracking: Σ_k C_k/(2N) = loss, modes on step 0, every k-th and the last step", () => {
  const data = toyData(16, 3, 16);
  const params = initNetwork(3, 30, 17);
  const np = networkProblem(data, params);
  const setup = prepareNetwork(data, params, { lambdaMax: np.lambdaMax, vectors: np.problem.vectors });
  const recs = Array.from(network(setup, { schedule: constantSchedule(0.5, 0), batchSize: 2, nSteps: 7, trackEvery: 3 }));
  assert.deepEqual(recs.filter((r) => r.modes).map((r) => r.step), [0, 3, 6, 7]);
  for (const r of recs.filter((q) => q.modes)) {
    const s = r.modes!.reduce((p, q) => p + q, 0) / (2 * data.N);
    assert.ok(Math.abs(s - r.loss) <= 1e-12 * r.loss);
  }
  // step 0 modes = the problem's C_k(0)
  const m0 = recs[0].modes!;
  for (let k = 0; k < data.N; k++) assert.ok(Math.abs(m0[k] - np.problem.c0[k]) <= 1e-12 * (1 + np.problem.c0[k]));
});

test("bad input: batch size, nSteps, dimension mismatch", () => {
  const data = toyData(10, 3, 18);
  const setup = prepareNetwork(data, initNetwork(3, 8, 19));
  assert.throws(() => network(setup, { schedule: constantSchedule(0.1, 0), batchSize: 11, nSteps: 3 }).next(), /batch size must be an integer in 1\.\.10/);
  assert.throws(() => network(setup, { schedule: constantSchedule(0.1, 0), batchSize: 2, nSteps: -1 }).next(), /nSteps/);
  assert.throws(() => prepareNetwork(data, initNetwork(4, 8, 1)), /input dimension 4 does not match the data's 3/);
});
