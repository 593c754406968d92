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
import {
  NetworkTrainer,
  batchSequence,
  cheapestFullLoss,
  network,
  networkBackend,
  networkFullLoss,
  prepareNetwork,
  type FullLossMethod,
  type NetworkOptions,
  type NetworkSetup,
} from "../../lib/regimes/network.ts";
import { divergenceBound } from "../../lib/regimes/divergence.ts";
import type { GramStepKernel } from "../../lib/regimes/gramStep.ts";
import type { HiddenStepKernel } from "../../lib/regimes/hiddenStep.ts";
import { loadGramStepNative } from "../../lib/regimes/native/gramStep.ts";
import { gramStepTs } from "../../lib/regimes/ts/gramStep.ts";
import { loadHiddenStepNative } from "../../lib/regimes/native/hiddenStep.ts";
import { hiddenStepTs } from "../../lib/regimes/ts/hiddenStep.ts";
import { gramStepKernel, hiddenStepKernel } from "../../lib/regimes/networkKernels.ts";
import { tsKernels } from "../../lib/linalg/kernels.ts";
import { logSteps } from "../../lib/run/record.ts";
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
  for (const [b, beta] of [
    [1, 0],
    [6, 0.9],
    [48, 0.5],
    [10, -0.4],
  ] as const) {
    const opts: NetworkOptions = {
      schedule: constantSchedule(0.3, beta),
      batchSize: b,
      nSteps: 120,
      seed: 3,
      trackWeights: true,
      fullLoss: "gram",
    };
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

test(
  "weights after training: tracked float64 W = tfjs-trained W, " +
    "and a tfjs forward pass of them = the Gram outputs (float32)",
  () => {
    const data = toyData(30, 6, 7);
    const setup = prepareNetwork(data, initNetwork(6, 32, 8));
    const opts: NetworkOptions = { schedule: constantSchedule(0.4, 0.8), batchSize: 4, nSteps: 40, seed: 5 };
    const trainer = new NetworkTrainer(setup, { trackWeights: true });
    const batches = batchSequence(data.N, 4, 40, 5, 0);
    for (const B of batches) trainer.step(B, 0.4 * setup.lrScale, 0.8);
    const mine = trainer.params();
    const theirs = trainTfParams(setup, opts);
    let scale = 0,
      diff = 0;
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
      assert.ok(
        Math.abs(fGram[i] - fTf[i]) <= 2e-5 * (1 + Math.abs(f64[i])),
        `tfjs forward differs at ${i}: ${fGram[i]} vs ${fTf[i]}`,
      );
    }
    assert.ok(Math.abs(trainer.loss() - halfMse(f64, data.y)) <= 1e-12 * trainer.loss());
  },
);

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
  const recs = Array.from(
    network(setup, { schedule: constantSchedule(0.5, 0), batchSize: 2, nSteps: 7, trackEvery: 3 }),
  );
  assert.deepEqual(
    recs.filter((r) => r.modes).map((r) => r.step),
    [0, 3, 6, 7],
  );
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
  assert.throws(
    () => network(setup, { schedule: constantSchedule(0.1, 0), batchSize: 11, nSteps: 3 }).next(),
    /batch size must be an integer in 1\.\.10/,
  );
  assert.throws(
    () => network(setup, { schedule: constantSchedule(0.1, 0), batchSize: 2, nSteps: -1 }).next(),
    /nSteps/,
  );
  assert.throws(() => prepareNetwork(data, initNetwork(4, 8, 1)), /input dimension 4 does not match the data's 3/);
});

// ---- the three ways to the full-train loss (gram, forward, sparse), the recorded steps, divergence ----

const METHODS: FullLossMethod[] = ["gram", "forward", "sparse"];

function runOf(setup: NetworkSetup, opts: NetworkOptions) {
  const records: { step: number; loss: number }[] = [];
  const g = network(setup, opts);
  let r = g.next();
  while (!r.done) {
    records.push({ step: r.value.step, loss: r.value.loss });
    r = g.next();
  }
  return { records, outcome: r.value };
}

test("gram, forward, sparse agree to 1e-10 on the recorded steps (all, log, ends), β ∈ {0.9, −0.3, 0}", () => {
  const data = toyData(40, 6, 21);
  const setup = prepareNetwork(data, initNetwork(6, 32, 22));
  const T = 300;
  let worst = 0;
  for (const recordSteps of [undefined, [0, ...logSteps(10, T)], [0, T]]) {
    for (const [beta, b] of [
      [0.9, 5],
      [-0.3, 8],
      [0, 40],
    ] as const) {
      const opts: NetworkOptions = {
        schedule: constantSchedule(0.4, beta),
        batchSize: b,
        nSteps: T,
        seed: 4,
        recordSteps,
      };
      const [gram, ...others] = METHODS.map((fullLoss) => runOf(setup, { ...opts, fullLoss }));
      const expected = recordSteps === undefined ? T + 1 : new Set([...recordSteps, T]).size;
      assert.equal(gram.records.length, expected, "yields step 0, the recorded steps and the last one only");
      assert.equal(gram.outcome.status, "done");
      assert.ok(gram.records[expected - 1].loss < 0.8 * gram.records[0].loss, "the run should make progress");
      for (const o of others) {
        assert.deepEqual(
          o.records.map((x) => x.step),
          gram.records.map((x) => x.step),
        );
        const e = maxRel(
          o.records.map((x) => x.loss),
          gram.records.map((x) => x.loss),
        );
        assert.ok(e <= 1e-10, `β=${beta} b=${b} ${o.outcome.fullLoss}: ${e}`);
        worst = Math.max(worst, e);
        assert.deepEqual({ ...o.outcome, fullLoss: "gram" }, gram.outcome);
      }
    }
  }
  assert.ok(worst > 0, "the methods compute differently (a zero difference would mean one method ran three times)");
});

/**
 * The documented divergence rule, by hand on a plain gram trainer: the first step t whose batch loss exceeds
 * (N/b)·bound, or that is recorded and whose full-train loss exceeds bound.
 */
function divergenceByHand(
  setup: NetworkSetup,
  T: number,
  b: number,
  lr: number,
  beta: number,
  recorded: (t: number) => boolean,
) {
  const trainer = new NetworkTrainer(setup, { fullLoss: "gram", gramStep: gramStepTs(tsKernels), kernels: tsKernels });
  const bound = divergenceBound(trainer.loss());
  const batches = batchSequence(setup.data.N, b, T, 2);
  let firstAbove: number | null = null;
  let rule: number | null = null;
  let lossAtRule = NaN;
  for (let t = 1; t <= T && rule === null; t++) {
    const batchLoss = trainer.train(batches[t - 1], setup.lrScale * lr, beta);
    const loss = trainer.loss();
    if (firstAbove === null && !(loss <= bound)) firstAbove = t;
    if (!(batchLoss <= (setup.data.N / b) * bound) || (recorded(t) && !(loss <= bound))) [rule, lossAtRule] = [t, loss];
  }
  return { firstAbove, rule, lossAtRule };
}

test("divergence: every method stops where the rule says (recorded L > bound, or batch L > (N/b)·bound)", () => {
  const data = toyData(40, 6, 21);
  const setup = prepareNetwork(data, initNetwork(6, 32, 22));
  const T = 400;
  const b = 8;
  const cases: [string, number[] | undefined, (t: number) => boolean][] = [
    ["every step", undefined, () => true],
    ["log 5/decade", [0, ...logSteps(5, T)], (t) => logSteps(5, T).includes(t) || t === T],
    ["first and last only", [0, T], (t) => t === T],
  ];
  const seen = new Set<number>();
  for (const [lr, beta] of [
    [20, 0.5],
    [50, 0.5],
    [30, -0.3],
  ]) {
    for (const [name, recordSteps, recorded] of cases) {
      const { firstAbove, rule, lossAtRule } = divergenceByHand(setup, T, b, lr, beta, recorded);
      assert.ok(firstAbove !== null && rule !== null, `lr=${lr} β=${beta} ${name}: should diverge`);
      if (recordSteps === undefined)
        assert.equal(rule, firstAbove, "every step recorded: the first step above the bound");
      else assert.ok(rule! >= firstAbove!, "the rule never fires before the loss crossed the bound");
      seen.add(rule! - firstAbove!);
      for (const fullLoss of METHODS) {
        const run = runOf(setup, {
          schedule: constantSchedule(lr, beta),
          batchSize: b,
          nSteps: T,
          seed: 2,
          fullLoss,
          recordSteps,
        });
        assert.equal(run.outcome.status, "diverged", `${fullLoss} lr=${lr} β=${beta} ${name}`);
        assert.equal(run.outcome.divergedAt, rule, `${fullLoss} lr=${lr} β=${beta} ${name}`);
        const last = run.records.at(-1)!;
        assert.equal(last.step, rule);
        const same =
          Math.abs(last.loss - lossAtRule) <= 1e-10 * Math.abs(lossAtRule) ||
          !(Number.isFinite(lossAtRule) || Number.isFinite(last.loss));
        assert.ok(same, `the last record is the full-train loss at that step: ${last.loss} vs ${lossAtRule}`);
      }
    }
  }
  assert.ok(
    [...seen].some((lag) => lag > 0),
    "some case should be caught by the batch rule after the crossing",
  );
});

test("Gram step: native = GEMM-then-pass reference (Q, Z, f, Σ(f − y)²) to 1e-13, ragged N, H, b ≤ 600", (t) => {
  let native: GramStepKernel;
  try {
    native = loadGramStepNative();
  } catch (e) {
    return t.skip(`native addon not available: ${(e as Error).message}`);
  }
  const ref = gramStepTs(tsKernels);
  for (const [N, H, b] of [
    [7, 5, 1],
    [50, 37, 3],
    [203, 64, 10],
    [700, 19, 600],
  ]) {
    const rng = new Rng(N + H + b);
    const base = {
      N,
      H,
      b,
      gb: rng.normals(b * N),
      delta: rng.normals(b * H),
      w2: rng.normals(H),
      y: rng.normals(N),
      lr: 0.3,
      beta: -0.4,
    };
    const Q0 = rng.normals(N * H);
    const Z0 = rng.normals(N * H);
    const a = { ...base, Q: Q0.slice(), Z: Z0.slice(), f: new Float64Array(N) };
    const c = { ...base, Q: Q0.slice(), Z: Z0.slice(), f: new Float64Array(N) };
    const ssA = ref.gramStep(a);
    const ssC = native.gramStep(c);
    const scaled = (u: Float64Array, v: Float64Array) =>
      u.reduce((m, x, i) => Math.max(m, Math.abs(x - v[i]) / (1 + Math.abs(v[i]))), 0);
    assert.ok(
      scaled(c.Q, a.Q) <= 1e-13 && scaled(c.Z, a.Z) <= 1e-13 && scaled(c.f, a.f) <= 1e-13,
      `N=${N} H=${H} b=${b}`,
    );
    assert.ok(Math.abs(ssC - ssA) <= 1e-13 * ssA, `N=${N} H=${H} b=${b}: ${ssC} vs ${ssA}`);
  }
  assert.throws(
    () =>
      native.gramStep({
        N: 4,
        H: 3,
        b: 2,
        gb: new Float64Array(7),
        delta: new Float64Array(6),
        Q: new Float64Array(12),
        Z: new Float64Array(12),
        w2: new Float64Array(3),
        y: new Float64Array(4),
        f: new Float64Array(4),
        lr: 1,
        beta: 0,
      }),
    /gramStep: gb has 7 entries, needs 8/,
  );
});

test("hidden step: native = loops-and-GEMM reference (Δ, w₂, b₁, buffers, W₁) to 1e-13, ragged d, b ≤ 300", (t) => {
  let native: HiddenStepKernel;
  try {
    native = loadHiddenStepNative();
  } catch (e) {
    return t.skip(`native addon not available: ${(e as Error).message}`);
  }
  const ref = hiddenStepTs(tsKernels);
  const scaled = (u: Float64Array, v: Float64Array) =>
    u.reduce((m, x, i) => Math.max(m, Math.abs(x - v[i]) / (1 + Math.abs(v[i]))), 0);
  for (const [H, d, b, withW] of [
    [5, 3, 1, true],
    [37, 64, 10, true],
    [100, 19, 300, true],
    [64, 8, 7, false],
  ] as const) {
    const rng = new Rng(H + d + b);
    const zb = rng.normals(b * H); // about half the units inactive on each point
    const res = rng.normals(b);
    const vecs = Array.from({ length: 4 }, () => rng.normals(H));
    const W0 = rng.normals(H * d);
    const buf0 = rng.normals(H * d);
    const xb = rng.normals(b * d);
    const make = () => ({
      H,
      b,
      zb,
      res,
      delta: new Float64Array(b * H),
      w2: vecs[0].slice(),
      bufW2: vecs[1].slice(),
      b1: vecs[2].slice(),
      bufB1: vecs[3].slice(),
      first: withW ? { d, xb, W: W0.slice(), buf: buf0.slice() } : null,
      lr: 0.05,
      beta: 0.7,
    });
    const a = make();
    const c = make();
    ref.hiddenStep(a);
    native.hiddenStep(c);
    const what = `H=${H} d=${d} b=${b}`;
    for (const k of ["delta", "w2", "bufW2", "b1", "bufB1"] as const)
      assert.ok(scaled(c[k], a[k]) <= 1e-13, `${what}: ${k}`);
    if (withW) {
      assert.ok(scaled(c.first!.W, a.first!.W) <= 1e-13 && scaled(c.first!.buf, a.first!.buf) <= 1e-13, what);
      assert.ok(scaled(a.first!.W, W0) > 1e-3, "the step moves W₁");
    }
    assert.ok(a.delta.some((v) => v === 0) && a.delta.some((v) => v !== 0), "inactive and active units");
  }
  const H = 2;
  const small = {
    H,
    b: 1,
    zb: new Float64Array(2),
    res: new Float64Array(1),
    delta: new Float64Array(2),
    lr: 1,
    beta: 0,
  };
  const v = () => new Float64Array(H);
  const args = { ...small, w2: v(), bufW2: v(), b1: v(), bufB1: v() };
  const W = { d: 2, xb: new Float64Array(2), W: new Float64Array(4), buf: new Float64Array(3) };
  assert.throws(() => native.hiddenStep({ ...args, first: W }), /hiddenStep: buf has 3 entries, needs 4/);
});

test("the method: auto = cheapest for the recorded steps, explicit kept, on the outcome and backend", () => {
  const at = (d: number, nFull: number) => cheapestFullLoss({ N: 1000, d, H: 1000, b: 10 }, 10_000, nFull);
  const logCount = logSteps(100, 10_000).length; // 281 of 10⁴
  assert.equal(at(64, 10_000), "gram");
  assert.equal(at(784, 10_000), "gram");
  assert.equal(at(64, logCount), "sparse");
  assert.equal(at(784, logCount), "gram");
  assert.equal(
    cheapestFullLoss({ N: 100, d: 2, H: 40, b: 100 }, 1000, 1000),
    "forward",
    "d ≪ b: a forward pass is cheaper",
  );
  const data = toyData(30, 4, 30);
  const setup = prepareNetwork(data, initNetwork(4, 20, 31));
  const base: NetworkOptions = { schedule: constantSchedule(0.3, 0.5), batchSize: 3, nSteps: 50 };
  assert.equal(networkFullLoss(setup, { ...base, fullLoss: "forward" }), "forward");
  assert.equal(networkFullLoss(setup, { ...base, fullLoss: "auto" }), networkFullLoss(setup, base));
  assert.throws(
    () => networkFullLoss(setup, { ...base, fullLoss: "fast" as never }),
    /fullLoss must be "auto", "gram", "forward" or "sparse"/,
  );
  for (const fullLoss of METHODS) assert.equal(runOf(setup, { ...base, fullLoss }).outcome.fullLoss, fullLoss);
  assert.equal(
    networkBackend("sparse", tsKernels),
    `sparse-f64:${hiddenStepKernel(tsKernels).name === "native" ? "native" : "ts"}`,
  );
  assert.equal(
    networkBackend("gram", tsKernels),
    `gram-f64:${gramStepKernel(tsKernels).name === "native" ? "native" : "ts"}`,
  );
  assert.throws(
    () => runOf(setup, { ...base, recordSteps: [0, 51] }),
    /recordSteps must hold integer steps in 0\.\.50, got 51/,
  );
});
